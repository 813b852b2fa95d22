import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDDiT } from '@md4/models';
import { exportMdlm } from '@md4/models/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md4, tinyTrainFlags } from './cli-process.test-helper';

// End-to-end on MDLM hub folders: the PyTorch-made fixture, a GPT-2-vocabulary DDiT written by our
// exporter, and a DDiT trained here, exported and read back.
const FIXTURE = new URL('../../../packages/models/fixtures/mdlm-tiny', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'md4-mdlm-'));
const gpt2 = join(work, 'gpt2-mdlm');

beforeAll(async () => {
  // An untrained DDiT over GPT-2's 50,257 tokens (zero output layer: it predicts uniformly), written
  // without a tokenizer record, so the reader must infer GPT-2 from vocab_size 50258 as for mdlm-owt.
  const model = createDDiT(
    {
      arch: 'ddit',
      vocabSize: 50257,
      seqLen: 64,
      layers: 1,
      dModel: 16,
      heads: 2,
      condDim: 16,
      timeConditioned: false,
    },
    { seed: 1 },
  );
  await exportMdlm(gpt2, model);
  model.dispose();
});
afterAll(() => {
  if (!process.env.MD4_KEEP) rmSync(work, { recursive: true, force: true });
});

describe('md4 on MDLM hub folders', () => {
  it('info reads config.json and the safetensors header', () => {
    const info = md4(['info', FIXTURE, '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      format: 'mdlm',
      model: { arch: 'ddit', vocabSize: 50, layers: 2, dModel: 64, heads: 4, condDim: 32 },
      parameters: 144_626,
      tokenizer: null,
      weights: { file: 'model.safetensors', dtypes: 'F32', tensors: 30 },
    });
    const text = md4(['info', gpt2]);
    expect(text.stdout).toMatch(/DDiT \(MDLM\), 1 layers x 16, 2 heads, seq 64, V 50257/);
    expect(text.stdout).toMatch(/tokenizer +gpt2/);
  });

  it('a folder whose tokenizer is unknown gets one clear error (exit 3)', () => {
    const r = md4(['sample', FIXTURE, '--steps', '2', '--backend', 'wasm']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the model's tokenizer is unknown \(V = 50\)/);
  });

  it('GPT-2 models: eval retokenises the corpus (uniform model: (1 - eps) log2 V bits/token) and sample infills a prompt', () => {
    const evaluation = md4([
      'eval',
      gpt2,
      '--max-batches',
      '1',
      '--batch',
      '4',
      '--samples',
      '8',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const result = JSON.parse(evaluation.stdout).results[0] as {
      bitsPerToken: number;
      stderr: number;
      tokens: number;
    };
    expect(result.tokens).toBe(4 * 64);
    // zero output layer: exactly the uniform prediction, whose expected ELBO is (1 - eps) log2 V
    expect(Math.abs(result.bitsPerToken - (1 - 1e-4) * Math.log2(50257))).toBeLessThan(4 * result.stderr);
    expect(result.stderr).toBeLessThan(1.5);
    const sample = md4([
      'sample',
      gpt2,
      '--prompt',
      'The state of the union is ____ and ____.',
      '--length',
      '24',
      '--steps',
      '4',
      '--seed',
      '2',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(sample.code, sample.stderr).toBe(0);
    const out = JSON.parse(sample.stdout) as { samples: string[]; tokens: number[][] };
    expect(out.tokens[0]).toHaveLength(24);
    expect(out.tokens[0]!.every((t) => t >= 0 && t < 50257)).toBe(true);
    expect(out.samples[0]).toMatch(/^The state of the union is .+ and .+\./s);
  });

  it('a DDiT trained here exports to the MDLM layout and reads back with the same ELBO', () => {
    const run = join(work, 'run');
    const train = md4([
      'train',
      '--arch',
      'ddit',
      '--cond-dim',
      '16',
      ...tinyTrainFlags({ dim: 32, seqLength: 32, batch: 4 }),
      '--steps',
      '6',
      '--out',
      run,
    ]);
    expect(train.code, train.stderr).toBe(0);
    const hub = join(work, 'hub');
    const exported = md4(['export', run, hub, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(hub, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'mdlm',
      vocab_size: 28,
      hidden_dim: 32,
      cond_dim: 16,
      n_blocks: 1,
      md4_tokenizer: 'text8',
    });
    const elbo = (folder: string) => {
      const r = md4(['eval', folder, '--max-batches', '2', '--batch', '8', '--backend', 'wasm', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).results[0].bitsPerToken as number;
    };
    expect(elbo(hub)).toBe(elbo(run));
    const again = md4(['export', run, hub]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a config\.json; .* --force/);
    expect(md4(['export', run, hub, '--force']).code).toBe(0);
  });

  it('export refuses an md4 transformer with a clear message', () => {
    const run = join(work, 'md4-run');
    const train = md4(['train', ...tinyTrainFlags(), '--steps', '1', '--out', run]);
    expect(train.code, train.stderr).toBe(0);
    const r = md4(['export', run, join(work, 'nope')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/holds an md4 transformer; only DDiT models/);
  });
});
