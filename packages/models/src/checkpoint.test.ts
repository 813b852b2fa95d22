import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@md4/core';
import { genmd4Schedule, linear, type StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-fetch';
import { loadCheckpointDir, saveCheckpoint } from './checkpoint-files';
import { parseCheckpoint } from './checkpoint-parse';
import { modelFromCheckpoint, restoreTrainer } from './checkpoint-restore';
import { checkpointFromModel, checkpointFromTrainer } from './checkpoint-serialize';
import { createDDiT } from './ddit';
import { createTrainer, type Trainer } from './train-step';
import { createTransformer } from './transformer';
import type { TransformerConfig } from './transformer-config';

const root = mkdtempSync(join(tmpdir(), 'md4-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tiny: TransformerConfig = { vocabSize: 5, seqLen: 8, layers: 1, dModel: 16, heads: 2, dropout: 0.1 };

function batch(step: number): Int32Array[] {
  const rng = createRng(1000 + step);
  return Array.from({ length: 4 }, () => Int32Array.from({ length: 8 }, () => Math.floor(rng.uniform() * 5)));
}

async function trainSteps(trainer: Trainer, from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = from; s < to; s++) losses.push((await trainer.step(batch(s))).loss);
  return losses;
}

describe('checkpoints', () => {
  it('resume gives the identical continuation (MD4, GenMD4, and a DDiT)', async () => {
    for (const kind of ['md4', 'genmd4', 'ddit'] as const) {
      const model =
        kind === 'ddit'
          ? createDDiT({ ...tiny, arch: 'ddit', condDim: 8 }, { seed: 1 })
          : createTransformer(tiny, { seed: 1 });
      const schedule = kind === 'genmd4' ? genmd4Schedule(5) : linear();
      const trainer = createTrainer({
        model,
        schedule,
        optimizer: { lr: 1e-2, warmupSteps: 2, totalSteps: 10 },
        emaDecay: 0.9,
        seed: 2,
      });
      await trainSteps(trainer, 0, 3);
      const dir = join(root, `resume-${kind}`);
      await saveCheckpoint(
        dir,
        await checkpointFromTrainer(trainer, { tokenizer: 'test-5', dataCursor: { step: 3 } }),
      );
      const uninterrupted = await trainSteps(trainer, 3, 6);

      const ckpt = await loadCheckpointDir(dir);
      expect(ckpt.config.tokenizer).toBe('test-5');
      expect(ckpt.config.model.arch).toBe(kind === 'ddit' ? 'ddit' : 'md4');
      const restored = restoreTrainer(ckpt);
      expect(restored.dataCursor).toEqual({ step: 3 });
      expect(restored.trainer.completedSteps).toBe(3);
      expect(await trainSteps(restored.trainer, 3, 6)).toEqual(uninterrupted);
      for (const s of model.layout) {
        expect(Array.from(await restored.trainer.model.params[s.name]!.data())).toEqual(
          Array.from(await model.params[s.name]!.data()),
        );
        expect(Array.from(await restored.trainer.ema!.shadow[s.name]!.data())).toEqual(
          Array.from(await trainer.ema!.shadow[s.name]!.data()),
        );
      }
      if (kind === 'genmd4') {
        expect(Array.from((restored.trainer.schedule as StateDependentSchedule).exponentValues())).toEqual(
          Array.from((schedule as StateDependentSchedule).exponentValues()),
        );
        (schedule as StateDependentSchedule).dispose();
      }
      restored.disposeAll();
      trainer.dispose();
      model.dispose();
    }
  });

  it('keeps the discrete-time T, also from a checkpoint that wrote it as `steps` (before 1.0)', async () => {
    const model = createTransformer(tiny, { seed: 5 });
    const trainer = createTrainer({ model, schedule: linear(), timesteps: 16, seed: 6 });
    await trainSteps(trainer, 0, 1);
    const saved = await checkpointFromTrainer(trainer);
    expect(saved.config.training!.timesteps).toBe(16);
    const continued = await trainSteps(trainer, 1, 3);
    const { timesteps, ...rest } = saved.config.training!;
    const legacy = { ...saved.config, training: { ...rest, steps: timesteps } };
    for (const config of [saved.configJson, JSON.stringify(legacy)]) {
      const restored = restoreTrainer(parseCheckpoint(config, saved.weights));
      expect(restored.trainer.timesteps).toBe(16);
      // The same T, so the same losses: discrete-time weights differ from continuous-time ones.
      expect(await trainSteps(restored.trainer, 1, 3)).toEqual(continued);
      restored.disposeAll();
    }
    expect(() => createTrainer({ model, schedule: linear(), steps: 16 } as never)).toThrow(
      'trainer: the discrete-time T is named timesteps now; write timesteps instead of steps',
    );
    trainer.dispose();
    model.dispose();
  });

  it('writes atomically: one weights file named by config.json, no temp files left', async () => {
    const model = createTransformer(tiny, { seed: 3 });
    const trainer = createTrainer({ model, schedule: linear(), seed: 4 });
    const dir = join(root, 'atomic');
    await saveCheckpoint(dir, await checkpointFromTrainer(trainer));
    await trainer.step(batch(0));
    const second = await checkpointFromTrainer(trainer);
    // what a writer killed mid-write leaves (pid 2^22 + 1 is above the largest pid Linux allows)
    const dead = `weights-0000abcd.safetensors.tmp-${2 ** 22 + 1}-0123abcd`;
    writeFileSync(join(dir, dead), 'partial');
    const live = `config.json.tmp-${process.pid}-0123abcd`;
    writeFileSync(join(dir, live), 'ours, being written');
    await saveCheckpoint(dir, second);
    expect(readdirSync(dir).sort()).toEqual(['config.json', second.config.weights.file, live].sort());
    rmSync(join(dir, live));
    expect(second.config.weights.file).toMatch(/^weights-[0-9a-f]{8}\.safetensors$/);
    trainer.dispose();
    model.dispose();
  });

  it('an edited config.json (heads 4 -> 1, a new seqLen) is caught by the architecture saved inside the weights', async () => {
    // without time conditioning no parameter's shape depends on the head count
    const model = createTransformer({ ...tiny, heads: 4, timeConditioned: false }, { seed: 5 });
    const saved = await checkpointFromModel(model, { schedule: linear(), tokenizer: 'x' });
    const edited = JSON.parse(saved.configJson);
    edited.model.heads = 1;
    expect(() => parseCheckpoint(edited, saved.weights)).toThrow(
      /config\.json does not describe the model its weights were saved with \(heads: config\.json 1, weights 4\); .* restore the original config\.json/,
    );
    edited.model.heads = 4;
    edited.model.seqLen = 64;
    expect(() => parseCheckpoint(edited, saved.weights)).toThrow(/seqLen: config\.json 64, weights 8/);
    edited.model.seqLen = 8;
    expect(parseCheckpoint(edited, saved.weights).config.model.heads).toBe(4);
    model.dispose();
  });

  it('truncated, corrupted and mismatched checkpoints get clear errors', async () => {
    const model = createTransformer(tiny, { seed: 5 });
    const saved = await checkpointFromModel(model, { schedule: linear(), tokenizer: 'x' });
    const { weights, configJson } = saved;
    expect(() => parseCheckpoint(configJson, weights.subarray(0, weights.length - 10))).toThrow(
      /has \d+ bytes but config.json records \d+: the file is truncated/,
    );
    const flipped = weights.slice();
    flipped[flipped.length - 5]! ^= 0x40;
    expect(() => parseCheckpoint(configJson, flipped)).toThrow(
      /corrupted or belongs to another checkpoint: CRC-32/,
    );
    expect(() => parseCheckpoint(configJson.slice(0, 50), weights)).toThrow(/config.json is not valid JSON/);
    const wrongArch = JSON.parse(configJson);
    wrongArch.model.mlpHidden = 96;
    expect(() => parseCheckpoint(wrongArch, weights)).toThrow(
      /architecture mismatch: tensor "blocks.0.mlp.gate.kernel" has shape \[16,64\] but the architecture .* needs \[16,96\]/,
    );
    const ckpt = parseCheckpoint(configJson, weights);
    expect(() => modelFromCheckpoint(ckpt, { expect: { ...tiny, layers: 2 } })).toThrow(
      /architecture mismatch: layers: checkpoint 1, expected 2/,
    );
    expect(() => modelFromCheckpoint(ckpt, { weights: 'ema' })).toThrow(/no EMA/);
    const dir = join(root, 'broken');
    const paths = await saveCheckpoint(dir, saved);
    writeFileSync(paths.weights, readFileSync(paths.weights).subarray(0, 100));
    await expect(loadCheckpointDir(dir)).rejects.toThrow(/the file is truncated/);
    await expect(loadCheckpointDir(join(root, 'nothing-here'))).rejects.toThrow(
      /no checkpoint at .*cannot read config.json/,
    );
    model.dispose();
  });

  it('loads in the browser way: from Blobs/Files and from a URL through fetch', async () => {
    const model = createTransformer(tiny, { seed: 6 });
    const saved = await checkpointFromModel(model, { schedule: linear() });
    const fromBlobs = await loadCheckpoint({
      config: new Blob([saved.configJson]),
      weights: new Blob([saved.weights as Uint8Array<ArrayBuffer>]),
    });
    const files: Record<string, Uint8Array<ArrayBuffer> | string> = {
      '/ckpt/config.json': saved.configJson,
      [`/ckpt/${saved.config.weights.file}`]: saved.weights as Uint8Array<ArrayBuffer>,
    };
    const fakeFetch = (async (url: URL) => {
      const body = files[new URL(url).pathname];
      return body == null ? new Response(null, { status: 404 }) : new Response(body);
    }) as unknown as typeof fetch;
    const fromUrl = await loadCheckpoint('http://example.test/ckpt/', { fetch: fakeFetch });
    await expect(loadCheckpoint('http://example.test/missing/', { fetch: fakeFetch })).rejects.toThrow(
      /HTTP 404/,
    );
    // a path (Node has no page to resolve it against) or a file: URL names the loaders for disk
    for (const onDisk of ['runs/tiny/checkpoint', 'file:///tmp/runs/tiny/checkpoint']) {
      await expect(loadCheckpoint(onDisk, { fetch: fakeFetch })).rejects.toThrow(
        `loadCheckpoint("${onDisk}"): loadCheckpoint fetches URLs; open a folder on disk with loadCheckpointDir(path) or loadModel(path) from '@md4/models/node'`,
      );
    }
    const x = tf.tensor2d([[0, 1, 5, 2, 3, 5, 4, 0]], [1, 8], 'int32');
    const t = tf.tensor1d([0.5]);
    for (const ckpt of [fromBlobs, fromUrl]) {
      const m = modelFromCheckpoint(ckpt);
      expect(Array.from(await m.params['blocks.0.mlp.up.kernel']!.data())).toEqual(
        Array.from(await model.params['blocks.0.mlp.up.kernel']!.data()),
      );
      const [a, b] = [m.logits(x, t), model.logits(x, t)];
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([a, b]);
      m.dispose();
    }
    tf.dispose([x, t]);
    model.dispose();
  });

  it('is readable from Python with the standard library (when python3 is installed)', async () => {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const model = createTransformer(tiny, { seed: 7 });
    const dir = join(root, 'python');
    const saved = await checkpointFromModel(model, { schedule: linear() });
    const paths = await saveCheckpoint(dir, saved);
    const script = [
      'import array, json, struct, sys, zlib',
      'cfg = json.load(open(sys.argv[1]))',
      'raw = open(sys.argv[2], "rb").read()',
      'assert format(zlib.crc32(raw), "08x") == cfg["weights"]["crc32"]',
      'n = struct.unpack("<Q", raw[:8])[0]',
      'header = json.loads(raw[8:8 + n])',
      'data = raw[8 + n:]',
      'e = header["blocks.0.attn.qkv.kernel"]',
      'w = array.array("f", data[e["data_offsets"][0]:e["data_offsets"][1]])  # little-endian host',
      'print(json.dumps({"shape": e["shape"], "n": len(w), "sum": sum(w), "meta": header["__metadata__"]}))',
    ].join('\n');
    let stdout: string;
    try {
      stdout = execFileSync(python, ['-c', script, paths.config, paths.weights]).toString();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return; // no Python here
      throw error;
    }
    const out = JSON.parse(stdout);
    const values = await model.params['blocks.0.attn.qkv.kernel']!.data();
    expect(out.shape).toEqual([16, 48]);
    expect(out.n).toBe(16 * 48);
    expect(out.sum).toBeCloseTo(
      Array.from(values).reduce((a, b) => a + b, 0),
      4,
    );
    expect(out.meta.format).toBe('md4-checkpoint');
    model.dispose();
  });
});
