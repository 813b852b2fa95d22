import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@md4/core';
import { text8Tokenizer } from '@md4/datasets';
import { checkpointFromModel, createTransformer } from '@md4/models';
import { loadModel, saveCheckpoint } from '@md4/models/node';
import { sampleWithStats } from '@md4/samplers';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextGenerator } from './node';
import { DEFAULT_STEPS, type GenerateProgress, type TextGenerator } from './text-generator';

const root = mkdtempSync(join(tmpdir(), 'md4-generate-'));
const text8Dir = join(root, 'text8');
const L = 24;

/** Saves a small text8 model whose output layer is random (so its predictions are not uniform). */
async function saveModel(dir: string, tokenizer: string | null, vocabSize: number, seqLen: number) {
  const model = createTransformer({ vocabSize, seqLen, layers: 1, dModel: 16, heads: 2 }, { seed: 1 });
  const out = model.params['out.kernel']!;
  tf.tidy(() => (out as tf.Variable).assign(tf.randomNormal(out.shape, 0, 2, 'float32', 3)));
  await saveCheckpoint(dir, await checkpointFromModel(model, { schedule: linear(), tokenizer }));
  model.dispose();
}

let generator: TextGenerator;
beforeAll(async () => {
  await saveModel(text8Dir, 'text8', 27, L);
  generator = await loadTextGenerator(text8Dir);
});
afterAll(() => {
  generator.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('textGenerator', () => {
  it("generates the sampler's own draws, decoded: count texts of length characters, the same for the same seed", async () => {
    const before = tf.memory().numTensors;
    const texts = await generator.generate({ count: 3, length: 20, steps: 8, seed: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(texts).toHaveLength(3);
    for (const text of texts) expect(text).toMatch(/^[a-z ]{20}$/);
    // the reference: the sampler called by hand on the same folder
    const model = await loadModel(text8Dir);
    const { tokens } = await sampleWithStats(model.denoiser, {
      length: 20,
      batch: 3,
      steps: 8,
      schedule: model.schedule,
      method: 'ancestral',
      rng: createRng(5),
    });
    model.dispose();
    expect(texts).toEqual(tokens.map((t) => text8Tokenizer.decode(t)));
    expect(await generator.generate({ count: 3, length: 20, steps: 8, seed: 5 })).toEqual(texts);
    expect(await generator.generate({ count: 3, length: 20, steps: 8, seed: 6 })).not.toEqual(texts);
    // defaults: one text of the model's length
    const [one] = await generator.generate({ steps: 4 });
    expect(one).toMatch(new RegExp(`^[a-z ]{${L}}$`));
  });

  it('infills: fixed characters stay where they are, each mask character is filled, a short template is continued', async () => {
    const template = 'the ___ of the'; // 14 of 24 characters: the last 10 are generated too
    const before = tf.memory().numTensors;
    const filled = await generator.infill(template, { count: 4, steps: 16, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(filled).toHaveLength(4);
    for (const text of filled) {
      expect(text).toMatch(new RegExp(`^[a-z ]{${L}}$`));
      for (let i = 0; i < template.length; i++) if (template[i] !== '_') expect(text[i]).toBe(template[i]);
    }
    const [starred] = await generator.infill('a*c', { length: 3, maskChar: '*', steps: 4, seed: 1 });
    expect(starred).toMatch(/^a[a-z ]c$/);
  });

  it('streams every step: masks give way to text, and the last step is the result', async () => {
    const events: GenerateProgress[] = [];
    const [text] = await generator.generate({
      length: 16,
      steps: 10,
      seed: 3,
      onStep: (p) => events.push(p),
    });
    // one event per step taken, in order (the sampler ends early once nothing is left masked)
    expect(events.length).toBeGreaterThan(1);
    expect(events.length).toBeLessThanOrEqual(10);
    expect(events.map((e) => e.step)).toEqual([...Array(events.length).keys()]);
    const masked = events.map((e) => [...e.texts[0]!].filter((c) => c === '_').length);
    for (let i = 1; i < masked.length; i++) expect(masked[i]!).toBeLessThanOrEqual(masked[i - 1]!);
    expect(events.at(-1)).toMatchObject({ done: true, steps: 10, first: 0, texts: [text] });
    expect(events.slice(0, -1).every((e) => !e.done)).toBe(true);
  });

  it('stops with an AbortError when its signal is aborted, leaving no tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let steps = 0;
    const run = generator.generate({
      steps: DEFAULT_STEPS,
      signal: controller.signal,
      onStep: (p) => {
        steps = p.step + 1;
        if (p.step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(steps).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad settings with errors that name them', async () => {
    await expect(generator.generate({ length: L + 1 })).rejects.toThrow(
      `length must be an integer in 1..${L} (the model's), got ${L + 1}`,
    );
    await expect(generator.generate({ count: 0 })).rejects.toThrow('count must be a positive integer, got 0');
    await expect(generator.generate({ stopAtEos: true })).rejects.toThrow(
      "stopAtEos: this model's tokenizer (text8) has no end-of-text token",
    );
    await expect(generator.infill('x'.repeat(L + 1))).rejects.toThrow(
      `template is ${L + 1} tokens, longer than length ${L}`,
    );
    await expect(generator.infill('a__', { maskChar: '__' })).rejects.toThrow(
      'maskChar must be one character, got "__"',
    );
    await expect(generator.infill('Hello!')).rejects.toThrow(/^template: /);
  });

  it('refuses a model that does not make text, and frees it', async () => {
    const before = tf.memory().numTensors;
    const noTokenizer = join(root, 'none');
    await saveModel(noTokenizer, null, 27, 8);
    await expect(loadTextGenerator(noTokenizer)).rejects.toThrow(
      'textGenerator: the model names no tokenizer (V = 27)',
    );
    const image = join(root, 'image');
    await saveModel(image, 'pixels-2x2x1', 256, 4);
    await expect(loadTextGenerator(image)).rejects.toThrow(/pixels-2x2x1, an image tokenizer/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
