/**
 * Trains the demo model the web app ships (public/checkpoints/demo/): a 2-layer, 128-wide MD4
 * transformer on the bundled corpus (State of the Union addresses as text8 characters), on the tfjs
 * wasm backend in Node. Deterministic for a given step count.
 *
 *   node scripts/run-ts.mjs scripts/make-demo-checkpoint.ts [steps]   (default 2000)
 *
 * Once the md4 CLI can train, `md4 train` with the same settings makes the same kind of checkpoint.
 */
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRng, selectBackend } from '@md4/core';
import { batches, text8Tokenizer } from '@md4/datasets';
import { bundledCorpus } from '@md4/datasets/node';
import { checkpointFromModel, createTrainer, createTransformer } from '@md4/models';
import { sample } from '@md4/samplers';
import { parseSchedule } from '@md4/schedules';

export const DEMO_DIR = new URL('../public/checkpoints/demo/', import.meta.url);

export const DEMO_SETTINGS = {
  model: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4, timeConditioned: false },
  schedule: 'linear',
  batchSize: 16,
  lr: 2e-3,
  warmupSteps: 100,
  seed: 0,
} as const;

export async function main(args: string[]): Promise<void> {
  const steps = Number(args[0] ?? 2000);
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${args[0]}`);
  const s = DEMO_SETTINGS;
  await selectBackend(['wasm']);
  const dataset = bundledCorpus({ tokenizer: 'text8', split: 'train', length: s.model.seqLen });
  const model = createTransformer(s.model, { seed: s.seed });
  const schedule = parseSchedule(s.schedule);
  const trainer = createTrainer({
    model,
    schedule,
    optimizer: { lr: s.lr, warmupSteps: s.warmupSteps, totalSteps: steps, minLrRatio: 0.1, clipNorm: 1 },
    emaDecay: 0,
    seed: s.seed,
  });
  const t0 = performance.now();
  let recent: number[] = [];
  for (const batch of batches(dataset, { batchSize: s.batchSize, seed: s.seed, steps })) {
    const r = await trainer.step(batch);
    recent.push(r.loss);
    if (r.step % 50 === 0 || r.step === steps) {
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      const secs = (performance.now() - t0) / 1000;
      console.log(
        `step ${r.step}/${steps}  loss ${mean.toFixed(3)} bits/char  ${(r.step / secs).toFixed(2)} steps/s`,
      );
      recent = [];
    }
  }
  const ckpt = await checkpointFromModel(model, {
    schedule,
    tokenizer: text8Tokenizer.id,
    metadata: {
      description: 'md4 web demo model: bundled corpus (State of the Union addresses, text8 characters)',
      trainSteps: steps,
      batchSize: s.batchSize,
      learningRate: s.lr,
      madeBy: 'apps/web/scripts/make-demo-checkpoint.ts',
    },
  });
  mkdirSync(DEMO_DIR, { recursive: true });
  for (const f of readdirSync(DEMO_DIR)) if (f.endsWith('.safetensors')) rmSync(new URL(f, DEMO_DIR));
  writeFileSync(new URL('config.json', DEMO_DIR), ckpt.configJson);
  writeFileSync(new URL(ckpt.config.weights.file, DEMO_DIR), ckpt.weights);
  console.log(`wrote ${DEMO_DIR.pathname} (${(ckpt.weights.length / 1024).toFixed(0)} KiB of weights)`);
  const samples = await sample(model, {
    length: 128,
    steps: 64,
    schedule,
    grid: 'cosine',
    batch: 3,
    rng: createRng(1),
  });
  for (const x of samples) console.log(`sample: ${text8Tokenizer.decode(x)}`);
  trainer.dispose();
  model.dispose();
}
