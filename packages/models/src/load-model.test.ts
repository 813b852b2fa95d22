import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@md4/core';
import { estimateElbo } from '@md4/elbo';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromModel } from './checkpoint-serialize';
import { DDiT } from './ddit';
import { loadModel } from './directory-folder';
import { type LoadedModel, loadModelFromFolder, type ModelFolder, urlFolder } from './load-model';
import { exportMdlm } from './mdlm-export';
import { decodeSafetensors, encodeSafetensors } from './safetensors';
import { createTransformer } from './transformer';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const expected = JSON.parse(await readFile(join(FIXTURES, 'mdlm-tiny-expected.json'), 'utf8')) as {
  tokens: number[][];
  t: number[];
  logprobs: number[][][];
  logprobs_sigma0: number[][][];
  logprobs_bf16_sigma0: number[][][];
  logprobs_f16: number[][][];
};
const V = 50;

/** log-softmax over V of the model's logits for the fixture's tokens and times, as nested arrays. */
function logProbs(model: DDiT, t = expected.t): number[][][] {
  return tf.tidy(() => {
    const xt = tf.tensor2d(expected.tokens, undefined, 'int32');
    return tf.logSoftmax(model.logits(xt, tf.tensor1d(t))).arraySync() as number[][][];
  });
}

function maxDiff(a: number[][][], b: number[][][]): number {
  let m = 0;
  for (const [i, row] of a.entries()) {
    for (const [n, p] of row.entries()) {
      for (const [k, v] of p.entries()) m = Math.max(m, Math.abs(v - b[i]![n]![k]!));
    }
  }
  return m;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'md4-load-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the F32 fixture folder with config.json and/or the weights replaced. */
async function variant(
  name: string,
  edit: { config?: (c: Record<string, unknown>) => void; weights?: (w: Uint8Array) => Uint8Array },
) {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  const config = JSON.parse(await readFile(join(FIXTURES, 'mdlm-tiny', 'config.json'), 'utf8'));
  edit.config?.(config);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const weights = await readFile(join(FIXTURES, 'mdlm-tiny', 'model.safetensors'));
  await writeFile(join(dir, 'model.safetensors'), edit.weights ? edit.weights(weights) : weights);
  return dir;
}

describe('loadModel on MDLM hub folders', () => {
  it('F32: log-probabilities equal the PyTorch reference (max |diff| <= 1e-4, both kernel paths)', async () => {
    for (const kernels of ['auto', 'reference'] as const) {
      const loaded = await loadModel(join(FIXTURES, 'mdlm-tiny'), { kernels });
      expect(loaded.format).toBe('mdlm');
      expect(loaded.config).toMatchObject({
        arch: 'ddit',
        vocabSize: V,
        layers: 2,
        dModel: 64,
        heads: 4,
        condDim: 32,
      });
      expect(loaded.denoiser.timeConditioned).toBe(true);
      expect(loaded.tokenizer).toBeNull();
      expect(loaded.ignoredTensors).toEqual([]);
      const model = loaded.denoiser as DDiT;
      expect(maxDiff(logProbs(model), expected.logprobs)).toBeLessThan(1e-4);
      // the same weights given sigma = 0 (time_conditioning false)
      const agnostic = new DDiT({ ...model.config, timeConditioned: false }, model.params, kernels, false);
      expect(maxDiff(logProbs(agnostic), expected.logprobs_sigma0)).toBeLessThan(1e-4);
      loaded.dispose();
    }
  });

  it('F16 and BF16 weights: equal the reference on the rounded weights; F16 within 0.01 and BF16 within 0.1 of F32', async () => {
    const f16 = await loadModel(join(FIXTURES, 'mdlm-tiny-f16'));
    const a = logProbs(f16.denoiser as DDiT);
    expect(maxDiff(a, expected.logprobs_f16)).toBeLessThan(1e-4);
    // measured by the reference: F16 rounding moves log-probs by at most 0.0069, BF16 by 0.056
    expect(maxDiff(a, expected.logprobs)).toBeLessThan(0.01);
    f16.dispose();
    const bf16 = await loadModel(join(FIXTURES, 'mdlm-tiny-bf16'));
    expect(bf16.denoiser.timeConditioned).toBe(false);
    const b = logProbs(bf16.denoiser as DDiT);
    expect(maxDiff(b, expected.logprobs_bf16_sigma0)).toBeLessThan(1e-4);
    expect(maxDiff(b, expected.logprobs_sigma0)).toBeLessThan(0.1);
    bf16.dispose();
  });

  it('exported then re-imported: identical logits, the same ELBO, and the hub tensors written back unchanged', async () => {
    const original = await loadModel(join(FIXTURES, 'mdlm-tiny'));
    const dir = join(scratch, 'exported');
    const tensorsBefore = tf.memory().numTensors;
    await exportMdlm(dir, original.denoiser as DDiT);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const again = await loadModel(dir);
    const xt = tf.tensor2d(expected.tokens, undefined, 'int32');
    const t = tf.tensor1d(expected.t);
    const [la, lb] = [original.denoiser.logits(xt, t), again.denoiser.logits(xt, t)];
    expect(Array.from(la.dataSync())).toEqual(Array.from(lb.dataSync()));
    tf.dispose([xt, t, la, lb]);
    const data = [expected.tokens.map((row) => Int32Array.from(row, (v) => (v === V ? 0 : v)))];
    const elbo = async (m: LoadedModel) =>
      (await estimateElbo(m.denoiser, data, { schedule: m.schedule, rng: createRng(3), samples: 4 }))
        .bitsPerToken;
    expect(await elbo(again)).toBe(await elbo(original));
    const before = decodeSafetensors(
      await readFile(join(FIXTURES, 'mdlm-tiny', 'model.safetensors')),
    ).tensors;
    const after = decodeSafetensors(await readFile(join(dir, 'model.safetensors'))).tensors;
    expect([...after.keys()].sort()).toEqual([...before.keys(), 'backbone.rotary_emb.inv_freq'].sort());
    for (const [name, t0] of before) {
      const t1 = after.get(name)!;
      expect(t1.shape, name).toEqual(t0.shape);
      // the output layer's mask row is never used (SUBS) and is written back as zeros
      const keep = name.startsWith('backbone.output_layer.linear.') ? V * (t0.shape[1] ?? 1) : t0.data.length;
      expect(Array.from(t1.data.subarray(0, keep)), name).toEqual(Array.from(t0.data.subarray(0, keep)));
    }
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'mdlm',
      vocab_size: 51,
      hidden_dim: 64,
      n_blocks: 2,
      time_conditioning: true,
    });
    original.dispose();
    again.dispose();
  });

  it('streams with monotone progress to the file size, aborts cleanly, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const loaded = await loadModel(join(FIXTURES, 'mdlm-tiny'), {
      onProgress: (p) => seen.push(p.loaded / p.total),
    });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    const aborted = loadModel(join(FIXTURES, 'mdlm-tiny'), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded > p.total / 2) controller.abort();
      },
    });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad folders get one clear error each, and nothing stays allocated', async () => {
    const before = tf.memory().numTensors;
    const weights = await readFile(join(FIXTURES, 'mdlm-tiny', 'model.safetensors'));
    const tensors = decodeSafetensors(weights).tensors;
    const without = (drop: string) =>
      encodeSafetensors(
        [...tensors]
          .filter(([n]) => n !== drop)
          .map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }]),
      );
    await expect(
      loadModel(await variant('missing', { weights: () => without('backbone.blocks.1.mlp.2.bias') })),
    ).rejects.toThrow(/lacks 1 tensor\(s\) that config\.json .* needs: backbone\.blocks\.1\.mlp\.2\.bias/);
    await expect(loadModel(await variant('shape', { config: (c) => (c.cond_dim = 16) }))).rejects.toThrow(
      /tensor "backbone\.sigma_map\.mlp\.0\.weight" has shape \[32,256\] but config\.json .* needs \[16,256\]/,
    );
    await expect(
      loadModel(await variant('type', { config: (c) => (c.model_type = 'bert') })),
    ).rejects.toThrow(/model_type "bert" is not "mdlm"/);
    await expect(loadModel(await variant('heads', { config: (c) => (c.n_heads = 5) }))).rejects.toThrow(
      /config\.json: ddit config: dModel 64 is not divisible by heads 5/,
    );
    await expect(loadModel(await variant('field', { config: (c) => (c.n_blocks = 1e12) }))).rejects.toThrow(
      /"n_blocks" must be a positive integer/,
    );
    await expect(
      loadModel(await variant('huge', { config: (c) => (c.n_blocks = 10_000_000) })),
    ).rejects.toThrow(/config\.json: ddit config: .* parameters .* exceed/);
    await expect(
      loadModel(await variant('truncated', { weights: (w) => w.subarray(0, w.length - 1000) })),
    ).rejects.toThrow(/truncated/);
    const noWeights = join(scratch, 'no-weights');
    await mkdir(noWeights, { recursive: true });
    await copyFile(join(FIXTURES, 'mdlm-tiny', 'config.json'), join(noWeights, 'config.json'));
    await expect(loadModel(noWeights)).rejects.toThrow(/cannot read model\.safetensors/);
    await writeFile(join(noWeights, 'config.json'), '{"model_type": "mdlm",');
    await expect(loadModel(noWeights)).rejects.toThrow(/config\.json is not valid JSON/);
    await writeFile(join(noWeights, 'config.json'), '\n<!doctype html><html><body>app</body></html>');
    await expect(loadModel(noWeights)).rejects.toThrow(
      /config\.json is a web page \(HTML\), not a model's config: there is no model folder at this address/,
    );
    await expect(loadModel(join(scratch, 'nothing-here'))).rejects.toThrow(
      /no model at .*nothing-here: cannot read config\.json/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadModelFromFolder on our checkpoints', () => {
  /** A folder in memory whose weights arrive in 1 KiB chunks, as from a slow connection. */
  async function chunkedFolder(): Promise<ModelFolder & { reads: { closed: boolean } }> {
    const model = createTransformer(
      { vocabSize: 5, seqLen: 8, layers: 1, dModel: 16, heads: 2 },
      { seed: 1 },
    );
    const saved = await checkpointFromModel(model, { schedule: linear() });
    model.dispose();
    const reads = { closed: false };
    return {
      location: 'memory',
      reads,
      text: async () => saved.configJson,
      stream: async () => ({
        chunks: (async function* () {
          try {
            for (let at = 0; at < saved.weights.length; at += 1024) yield saved.weights.slice(at, at + 1024);
          } finally {
            reads.closed = true;
          }
        })(),
        totalBytes: saved.weights.length,
      }),
    };
  }

  it('loads from a URL whether or not the server sends a usable Content-Length (compressed, chunked)', async () => {
    const model = createTransformer(
      { vocabSize: 5, seqLen: 8, layers: 1, dModel: 16, heads: 2 },
      { seed: 2 },
    );
    const saved = await checkpointFromModel(model, { schedule: linear() });
    const files: Record<string, Uint8Array<ArrayBuffer> | string> = {
      '/ckpt/config.json': saved.configJson,
      [`/ckpt/${saved.config.weights.file}`]: saved.weights as Uint8Array<ArrayBuffer>,
    };
    for (const headers of [{}, { 'content-encoding': 'gzip' }] as Array<Record<string, string>>) {
      const fakeFetch = (async (url: URL) => {
        const body = files[new URL(url).pathname];
        // A Blob body gets a Content-Length; a stream's is unknown (as with chunked transfer).
        return body == null
          ? new Response(null, { status: 404 })
          : new Response(headers['content-encoding'] ? new Blob([body]).stream() : new Blob([body]), {
              headers,
            });
      }) as unknown as typeof fetch;
      const seen: number[] = [];
      const loaded = await loadModelFromFolder(urlFolder('http://example.test/ckpt/', { fetch: fakeFetch }), {
        onProgress: (p) => seen.push(p.loaded),
      });
      expect(loaded.format).toBe('md4-checkpoint');
      expect(seen.at(-1)).toBe(saved.weights.length);
      expect(Array.from(await loaded.denoiser.params['blocks.0.mlp.up.kernel']!.data())).toEqual(
        Array.from(await model.params['blocks.0.mlp.up.kernel']!.data()),
      );
      loaded.dispose();
    }
    model.dispose();
  });

  it('reports monotone progress to the file size, aborts mid-file with an AbortError, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const loaded = await loadModelFromFolder(await chunkedFolder(), {
      onProgress: (p) => seen.push(p.loaded / p.total),
    });
    expect(loaded.format).toBe('md4-checkpoint');
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const folder = await chunkedFolder();
    const controller = new AbortController();
    const aborted = loadModelFromFolder(folder, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded > p.total / 2) controller.abort(new Error('user pressed stop'));
      },
    });
    await expect(aborted).rejects.toMatchObject({
      name: 'AbortError',
      message: /memory\/weights-.*user pressed stop/,
    });
    expect(folder.reads.closed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
