import { createRng, selectBackend } from '@md4/core';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { sampleWithStats } from '../sample';
import type { SampleOptions } from '../sample-options';
import { createStandInDenoiser } from './stand-in-denoiser';

/**
 * Sampler benchmark: generated tokens per second and network calls for 256-token sequences at
 * 64/256/1024 steps, for plain ancestral (network every step), cached (reuse the prediction while
 * the sequence is unchanged), lazy at 1024 steps (the default path: also skip sequences that
 * reveal nothing) and first-hitting (<= L calls, no steps).
 * Prints one JSON line. MD4_BENCH_BATCH sets the batch (default 1).
 */
async function main(): Promise<void> {
  const { backend } = await selectBackend(['wasm', 'cpu']);
  const config = { vocabSize: 27, length: 256, dim: 256, layers: 4, expansion: 6 };
  const batch = Number(process.env.MD4_BENCH_BATCH ?? 1);
  const denoiser = createStandInDenoiser(config);
  const schedule = linear();
  const base = { length: config.length, batch, schedule };

  // warm-up (kernels, allocations)
  const warm = denoiser.logits(
    tf.fill([batch, config.length], config.vocabSize, 'int32') as tf.Tensor2D,
    tf.ones([batch]),
  );
  await warm.data();
  warm.dispose();

  const run = async (name: string, opts: Partial<SampleOptions>) => {
    const start = performance.now();
    const stats = await sampleWithStats(denoiser, { ...base, rng: createRng(7), ...opts } as SampleOptions);
    const seconds = (performance.now() - start) / 1000;
    return {
      sampler: name,
      steps: opts.steps ?? null,
      seconds: round(seconds),
      tokensPerSec: round((batch * config.length) / seconds),
      networkCalls: stats.networkCalls,
      sequencesEvaluated: stats.sequencesEvaluated,
    };
  };

  const results = [];
  for (const steps of [64, 256, 1024]) {
    results.push(await run('ancestral', { steps, lazy: false, cache: false }));
    results.push(await run('cached', { steps, lazy: false }));
  }
  // the default path (lazy + cache); at batch 1 it makes the same calls as `cached`
  results.push(await run('lazy', { steps: 1024 }));
  results.push(await run('first-hitting', { method: 'first-hitting' }));
  denoiser.dispose();
  // the network's cost measured inside the longest plain run (every step calls it)
  const plain = results.find((r) => r.sampler === 'ancestral' && r.steps === 1024)!;
  const msPerCall = (plain.seconds * 1000) / plain.networkCalls;
  console.log(
    JSON.stringify({
      bench: 'samplers',
      backend,
      network: {
        kind: 'stand-in of small-cpu size (samplers never import packages/models): embedding + 4 residual MLP blocks (d 256, hidden 6d) + output layer, t ignored',
        ...config,
        gflopPerSequence: round(denoiser.flopsPerSequence / 1e9),
        msPerCall: round(msPerCall),
        achievedGflops: round((batch * denoiser.flopsPerSequence) / (msPerCall / 1000) / 1e9),
      },
      batch,
      schedule: schedule.name,
      results,
    }),
  );
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
