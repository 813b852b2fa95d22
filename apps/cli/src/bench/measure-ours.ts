import { createRng } from '@md4/core';
import { createTrainer, createTransformer, forwardFlops } from '@md4/models';
import { sampleWithStats } from '@md4/samplers';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchConfig } from './bench-options';
import { median, round, withLoadMeter } from './cpu-load';

export interface TrainFigures {
  backend: string;
  /** batch * seq * steps / total time of the timed steps (the peer's definition). */
  tokensPerSec: number;
  /** Mean ms per timed step. */
  msPerStep: number;
  msPerStepMedian: number;
  /** 3 x forward matmul FLOPs (counted like torch_md4.py) per mean step time. */
  gflops: number;
  otherCpuLoad: number;
  finalLoss: number;
  profile?: {
    totalKernelMs: number;
    customGradScopesMs: number;
    top: Array<{ kernel: string; ms: number; calls: number }>;
  };
}

export interface SampleFigures {
  backend: string;
  /** Whether sequences that reveal nothing in a step skip the network call (our default; exact). */
  lazy: boolean;
  /** batch * seq * generations / total time. */
  tokensPerSec: number;
  /** Mean ms per sampling step. */
  msPerStep: number;
  networkCallsPerGeneration: number;
  sequencesEvaluatedPerGeneration: number;
  /** Forward matmul FLOPs of the sequences evaluated, per second. */
  gflops: number;
  otherCpuLoad: number;
}

async function useBackend(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
}

/**
 * The kernels that took longest in one call of `run` (tf.profile), summed by name. tf.profile also
 * records each custom-gradient op as an "unnamed scope" whose time includes the kernels it runs
 * (recorded on their own as well): those are kept out of the list and the total, and given apart.
 */
async function profileKernels(run: () => Promise<unknown>, top = 10) {
  const info = await tf.profile(async () => {
    await run();
  });
  const by = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  let scopes = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    if (k.name === 'unnamed scope') {
      scopes += ms;
      continue;
    }
    total += ms;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    by.set(k.name, e);
  }
  const sorted = [...by]
    .map(([kernel, e]) => ({ kernel, ms: round(e.ms), calls: e.calls }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
  return { totalKernelMs: round(total), customGradScopesMs: round(scopes), top: sorted };
}

/**
 * Our MD4 training step (forward, continuous-time loss with the linear schedule, backward, AdamW,
 * EMA; the settings torch_md4.py uses) on `backend`: `warmup` untimed steps, then `steps` timed.
 */
export async function measureTraining(
  config: BenchConfig,
  backend: string,
  steps: number,
  warmup: number,
  profile = false,
  checkpointActivations = false,
): Promise<TrainFigures> {
  await useBackend(backend);
  const { model: mc, batch: B } = config;
  const L = mc.seqLen;
  const model = createTransformer(mc, { seed: 42 });
  const trainer = createTrainer({
    model,
    schedule: linear(),
    optimizer: { lr: 3e-4, warmupSteps: 2000, totalSteps: 1_000_000, weightDecay: 0.03 },
    emaDecay: 0.9999,
    seed: 42,
    checkpointActivations,
  });
  try {
    const rng = createRng(7);
    const data = Array.from({ length: 4 }, () =>
      Array.from({ length: B }, () =>
        Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * mc.vocabSize)),
      ),
    );
    for (let i = 0; i < warmup; i++) await trainer.step(data[i % 4]!);
    const times: number[] = [];
    let loss = Number.NaN;
    const meter = await withLoadMeter(async () => {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) {
        const ts = performance.now();
        loss = (await trainer.step(data[(warmup + i) % 4]!)).loss;
        times.push(performance.now() - ts);
      }
      return performance.now() - t0;
    });
    const ms = meter.result / steps;
    const flops = 3 * forwardFlops(mc, B, L);
    const figures: TrainFigures = {
      backend,
      tokensPerSec: round((B * L) / (ms / 1000)),
      msPerStep: round(ms, 2),
      msPerStepMedian: round(median(times), 2),
      gflops: round(flops / (ms / 1000) / 1e9, 2),
      otherCpuLoad: meter.otherCpuLoad,
      finalLoss: round(loss, 4),
    };
    if (profile) figures.profile = await profileKernels(() => trainer.step(data[0]!));
    return figures;
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/**
 * Ancestral sampling with our sampler and transformer (fresh weights: zero output layer, uniform
 * prediction, as the peer), `steps` steps on the cosine grid from all-MASK, `batch` sequences:
 * one untimed 3-step generation, then `generations` timed ones. `lazy: false` makes the same
 * network calls as the peer (one per step); `lazy: true` is our default.
 */
export async function measureSampling(
  config: BenchConfig,
  backend: string,
  o: { steps: number; batch: number; generations: number; lazy: boolean },
): Promise<SampleFigures> {
  await useBackend(backend);
  const mc = config.model;
  const L = mc.seqLen;
  const model = createTransformer(mc, { seed: 42 });
  try {
    const run = (steps: number, seed: number) =>
      sampleWithStats(model, {
        length: L,
        batch: o.batch,
        steps,
        schedule: linear(),
        grid: 'cosine',
        method: 'ancestral',
        rng: createRng(seed),
        lazy: o.lazy,
      });
    await run(3, 1);
    let calls = 0;
    let sequences = 0;
    const meter = await withLoadMeter(async () => {
      const t0 = performance.now();
      for (let g = 0; g < o.generations; g++) {
        const r = await run(o.steps, 100 + g);
        calls += r.networkCalls;
        sequences += r.sequencesEvaluated;
      }
      return performance.now() - t0;
    });
    const seconds = meter.result / 1000;
    return {
      backend,
      lazy: o.lazy,
      tokensPerSec: round((o.batch * L * o.generations) / seconds),
      msPerStep: round(meter.result / (o.generations * o.steps), 3),
      networkCallsPerGeneration: calls / o.generations,
      sequencesEvaluatedPerGeneration: sequences / o.generations,
      gflops: round((forwardFlops(mc, 1, L) * sequences) / seconds / 1e9, 2),
      otherCpuLoad: meter.otherCpuLoad,
    };
  } finally {
    model.dispose();
  }
}
