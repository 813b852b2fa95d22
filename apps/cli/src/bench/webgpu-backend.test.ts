import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRng } from '@md4/core';
import { createTrainer, createTransformer } from '@md4/models';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpu } from './webgpu-backend';

// SwiftShader: the Vulkan on the CPU that Debian's chromium package carries (installed for the
// tests by scripts/ensure-system.sh --tests), so Dawn has a device on a machine without a GPU.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

const config = { vocabSize: 11, seqLen: 8, layers: 1, dModel: 32, heads: 2 };

describe.skipIf(!existsSync(SWIFTSHADER) && process.env.VK_ICD_FILENAMES == null)('registerWebGpu', () => {
  beforeAll(() => {
    // read by Dawn's Vulkan loader when the first test starts WebGPU
    process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
  });

  it('runs our transformer on the webgpu backend with the values of the cpu backend', async () => {
    const tokens = [
      [1, 10, 3, 10, 10, 0, 7, 10],
      [10, 10, 10, 2, 5, 10, 10, 9],
    ];
    // every weight random (a fresh model's zero output layer would make every logit 0)
    const rng = createRng(5);
    const layoutModel = createTransformer(config, { seed: 3 });
    const weights = Object.fromEntries(
      Object.entries(layoutModel.params).map(([name, v]) => [
        name,
        Float32Array.from({ length: v.size }, () => rng.normal() * 0.3),
      ]),
    );
    layoutModel.dispose();
    const logitsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = createTransformer(config, { weights });
      try {
        const logits = tf.tidy(() =>
          model.forward(tf.tensor2d(tokens, undefined, 'int32'), tf.tensor1d([0.3, 0.8])),
        );
        const values = await logits.data();
        logits.dispose();
        return values;
      } finally {
        model.dispose();
      }
    };
    const expected = await logitsOn('cpu');
    const info = await registerWebGpu();
    expect(tf.getBackend()).toBe('webgpu');
    expect(typeof info.vendor).toBe('string');
    const before = tf.memory().numTensors;
    const actual = await logitsOn('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    expect(actual.length).toBe(2 * 8 * 11);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1);
    let worst = 0;
    for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    // WGSL's exp and tanh are not correctly rounded: a few float32 ulps per op (measured 6e-5)
    expect(worst).toBeLessThan(2e-4 * Math.max(...expected.map(Math.abs)));
  }, 240_000);

  it('trains on the webgpu backend with the losses of the cpu backend', async () => {
    const rng = createRng(9);
    const batches = Array.from({ length: 3 }, () =>
      Array.from({ length: 4 }, () => Int32Array.from({ length: 8 }, () => Math.floor(rng.uniform() * 11))),
    );
    const lossesOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = createTransformer(config, { seed: 1 });
      const trainer = createTrainer({
        model,
        schedule: linear(),
        optimizer: { lr: 1e-2, warmupSteps: 0, totalSteps: 100, weightDecay: 0.03 },
        emaDecay: 0.99,
        seed: 4,
      });
      try {
        const losses: number[] = [];
        for (const batch of batches) losses.push((await trainer.step(batch)).loss);
        return losses;
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    const expected = await lossesOn('cpu');
    await registerWebGpu();
    const before = tf.memory().numTensors;
    const actual = await lossesOn('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    // the third loss follows two AdamW updates made from the webgpu backend's gradients
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 3);
    expect(expected[2]).not.toBeCloseTo(expected[0]!, 2);
  }, 240_000);
});
