// Training-step and forward-pass benchmark on the tfjs wasm backend (Node): prints one JSON line per
// config. Usage: node dist/bench.js [--only tiny|small-cpu] [--steps N] [--profile]
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@md4/core';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, forwardFlops } from '../parameter-count';
import { createTrainer } from '../train-step';
import { createTransformer } from '../transformer';
import type { TransformerConfig } from '../transformer-config';
import { withLoadMeter } from './load-meter';

const CONFIGS: Record<string, { model: TransformerConfig; batch: number }> = {
  tiny: { model: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 }, batch: 16 },
  'small-cpu': { model: { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 }, batch: 16 },
};

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

/** CPU milliseconds this process used since `c0` (all its threads, GC included). */
function cpuMs(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** GFLOP/s of a plain 1024^3 matmul right now: how fast this machine's wasm matmul is at the moment. */
async function calibrate(): Promise<number> {
  const a = tf.randomNormal([1024, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    await c.data();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  return Math.round(((2 * 1024 ** 3) / median(times.slice(1)) / 1e6) * 10) / 10;
}

async function profileStep(
  run: () => Promise<unknown>,
): Promise<Array<{ kernel: string; ms: number; calls: number }>> {
  const info = await tf.profile(async () => {
    await run();
  });
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    by.set(k.name, e);
  }
  return [...by]
    .map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms), calls: e.calls }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 25);
}

async function benchConfig(name: string, steps: number, profile: boolean) {
  const { model: config, batch: B } = CONFIGS[name]!;
  const L = config.seqLen;
  const model = createTransformer(config, { seed: 42 });
  const trainer = createTrainer({
    model,
    schedule: linear(),
    optimizer: { lr: 3e-4, warmupSteps: 2000, totalSteps: 1_000_000, weightDecay: 0.03 },
    emaDecay: 0.9999,
    seed: 42,
  });
  const rng = createRng(7);
  const data = Array.from({ length: 4 }, () =>
    Array.from({ length: B }, () =>
      Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * config.vocabSize)),
    ),
  );
  const flopsForward = forwardFlops(config, B, L);

  // forward pass (eval, logits read back)
  const xt = tf.tensor2d(
    Int32Array.from(
      data[0]!.flatMap((r) => Array.from(r)).map((v, i) => (i % 3 === 0 ? config.vocabSize : v)),
    ),
    [B, L],
    'int32',
  );
  const t = tf.fill([B], 0.5) as tf.Tensor1D;
  const forward = async () => {
    const logits = model.logits(xt, t);
    await logits.data();
    logits.dispose();
  };
  for (let i = 0; i < 2; i++) await forward();
  const fwdTimes: number[] = [];
  const fwdCpu: number[] = [];
  const fwd = await withLoadMeter(async () => {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await forward();
      fwdTimes.push(performance.now() - t0);
      fwdCpu.push(cpuMs(c0));
    }
  });

  // training step (MD4 loss, continuous time, linear schedule; AdamW; EMA)
  for (let i = 0; i < 2; i++) await trainer.step(data[i % 4]!);
  const times: number[] = [];
  const cpu: number[] = [];
  let lastLoss = 0;
  const train = await withLoadMeter(async () => {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      lastLoss = (await trainer.step(data[i % 4]!)).loss;
      times.push(performance.now() - t0);
      cpu.push(cpuMs(c0));
    }
  });
  const ms = median(times);
  const fms = median(fwdTimes);
  const result = {
    config: name,
    backend: tf.getBackend(),
    layers: config.layers,
    dim: config.dModel,
    heads: config.heads,
    seq: L,
    batch: B,
    vocab: config.vocabSize,
    params: countParameters(config),
    train: {
      ms_per_step_median: Math.round(ms),
      ms_per_step_min: Math.round(Math.min(...times)),
      tokens_per_sec: Math.round((B * L) / (ms / 1000)),
      gflop_per_step: Math.round((3 * flopsForward) / 1e7) / 100,
      gflops: Math.round(((3 * flopsForward) / (ms / 1000) / 1e9) * 100) / 100,
      cpu_ms_per_step_median: Math.round(median(cpu)),
      gflops_per_cpu_second: Math.round(((3 * flopsForward) / (median(cpu) / 1000) / 1e9) * 100) / 100,
      final_loss: Math.round(lastLoss * 1e4) / 1e4,
      other_cpu_load: train.otherCpuLoad,
      step_ms: times.map((x) => Math.round(x)),
    },
    forward: {
      ms_median: Math.round(fms),
      tokens_per_sec: Math.round((B * L) / (fms / 1000)),
      gflop: Math.round(flopsForward / 1e7) / 100,
      gflops: Math.round((flopsForward / (fms / 1000) / 1e9) * 100) / 100,
      gflops_per_cpu_second: Math.round((flopsForward / (median(fwdCpu) / 1000) / 1e9) * 100) / 100,
      other_cpu_load: fwd.otherCpuLoad,
    },
    ...(profile ? { profile_train_step: await profileStep(() => trainer.step(data[0]!)) } : {}),
  };
  tf.dispose([xt, t]);
  trainer.dispose();
  model.dispose();
  return result;
}

async function main() {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  const only = option('only');
  const steps = Number(option('steps') ?? 5);
  const profile = args.includes('--profile');
  const names = only ? [only] : Object.keys(CONFIGS);
  for (const name of names) {
    if (CONFIGS[name] == null)
      throw new Error(`unknown config ${name}; expected ${Object.keys(CONFIGS).join(', ')}`);
    const calibBefore = await calibrate();
    const result = await benchConfig(name, steps, profile);
    console.log(
      JSON.stringify({
        ...result,
        calib_matmul_gflops: [calibBefore, await calibrate()],
        node: process.version,
      }),
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
