// Our MD4 training step and ancestral sampler against the PyTorch peer (shared/bench/torch_md4.py)
// at the same configs, one after the other in this process's session. Prints ONE JSON line:
// { configs: [{ name, train: { ours, peer, ratio }, sample: { ours, peer, ratio } }], machine, notes }.
// Usage: pnpm --filter @md4/cli bench [-- --configs tiny,small-cpu --quick --profile --wasm ...]
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bf16Instructions,
  type ComputedMatMulPrecision,
  nativeBackendInfo,
  setMatMulPrecision,
} from '@md4/backend-native';
import { type BenchConfig, type BenchOptions, type PeerAutocast, parseBenchOptions } from './bench-options';
import { cpuIdentity } from './cpu-identity';
import { round } from './cpu-load';
import { measureSampling, measureTraining, type SampleFigures, type TrainFigures } from './measure-ours';
import { registerRepoNativeBackend } from './repo-native-backend';
import { findRepoRoot, locatePeer, type PeerFigures, peerArgs, runPeer } from './torch-peer';

type PeerResult = { figures: PeerFigures } | { figures: null; reason: string };

interface Context {
  opts: BenchOptions;
  /** Why bf16 was not timed, when it was asked for and oneDNN is missing. */
  precisionNotice?: string;
  backend: string;
  peer: { path: string } | { error: string };
  coreType: string | undefined;
  threads: number;
}

function ratio(ours: { tokensPerSec: number } | null, peer: { tokensPerSec: number } | null): number | null {
  return ours && peer && peer.tokensPerSec > 0 ? round(ours.tokensPerSec / peer.tokensPerSec, 2) : null;
}

function best<T extends { tokensPerSec: number }>(xs: T[]): T | null {
  return xs.reduce<T | null>((b, x) => (b == null || x.tokensPerSec > b.tokensPerSec ? x : b), null);
}

function peerRun(
  ctx: Context,
  config: BenchConfig,
  mode: 'train' | 'sample',
  autocast: PeerAutocast,
): PeerResult {
  if ('error' in ctx.peer) return { figures: null, reason: ctx.peer.error };
  return runPeer(ctx.peer.path, peerArgs(config, mode, ctx.opts, ctx.threads, autocast), ctx.coreType);
}

/** Our matrix-product precision for what follows (the native backend's; wasm is always float32). */
function usePrecision(ctx: Context, precision: ComputedMatMulPrecision): boolean {
  if (ctx.backend !== 'native') return precision === 'fp32';
  const result = setMatMulPrecision(precision);
  if (!result.ok) ctx.precisionNotice = result.notice;
  return result.ok;
}

/**
 * Rounds of (ours at each precision, then the peer at each autocast); the best round of each, and
 * the ratio of every pairing ("bf16/none": ours in bf16 against the peer in float32).
 */
async function compare<T extends { tokensPerSec: number }>(
  ctx: Context,
  config: BenchConfig,
  mode: 'train' | 'sample',
  ours: (round: number) => Promise<T>,
) {
  const mine = new Map<ComputedMatMulPrecision, T[]>();
  const theirs = new Map<PeerAutocast, PeerFigures[]>();
  let reason: string | undefined;
  for (let r = 0; r < ctx.opts.rounds; r++) {
    for (const precision of ctx.opts.precisions) {
      if (!usePrecision(ctx, precision)) continue;
      mine.set(precision, [...(mine.get(precision) ?? []), await ours(r)]);
    }
    usePrecision(ctx, 'fp32');
    for (const autocast of ctx.opts.peerAutocasts) {
      const p = peerRun(ctx, config, mode, autocast);
      if (p.figures) theirs.set(autocast, [...(theirs.get(autocast) ?? []), p.figures]);
      else reason = p.reason;
    }
  }
  const oursBest = Object.fromEntries([...mine].map(([k, xs]) => [k, withProfile(xs)]));
  const peerBest = Object.fromEntries([...theirs].map(([k, xs]) => [k, best(xs)]));
  const ratios: Record<string, number | null> = {};
  for (const [precision, o] of Object.entries(oursBest))
    for (const [autocast, p] of Object.entries(peerBest)) ratios[`${precision}/${autocast}`] = ratio(o, p);
  return {
    ours: oursBest,
    peer: peerBest,
    ratios,
    ...(ctx.opts.rounds > 1
      ? {
          rounds: {
            ours: Object.fromEntries([...mine].map(([k, xs]) => [k, xs.map((m) => m.tokensPerSec)])),
            peer: Object.fromEntries([...theirs].map(([k, xs]) => [k, xs.map((m) => m.tokensPerSec)])),
          },
        }
      : {}),
    ...(theirs.size === 0 ? { peerReason: reason } : {}),
  };
}

/** The fastest round, keeping the profile (taken in the last round) whichever round was fastest. */
function withProfile<T extends { tokensPerSec: number }>(xs: T[]): T | null {
  const o = best(xs);
  const profiled = xs.find((m) => 'profile' in m && m.profile != null) as { profile?: unknown } | undefined;
  if (o && profiled && !('profile' in o && o.profile != null))
    Object.assign(o, { profile: profiled.profile });
  return o;
}

async function benchConfig(ctx: Context, config: BenchConfig) {
  const { opts, backend } = ctx;
  const out: Record<string, unknown> = { name: config.name, ...config.model, batch: config.batch };
  if (opts.train) {
    const train: Record<string, unknown> = await compare<TrainFigures>(ctx, config, 'train', (r) =>
      measureTraining(
        config,
        backend,
        opts.trainSteps,
        opts.trainWarmup,
        opts.profile && r === opts.rounds - 1,
      ),
    );
    if (opts.wasm && backend !== 'wasm') {
      train.oursWasm = await measureTraining(config, 'wasm', Math.min(opts.trainSteps, 3), 1);
    }
    out.train = train;
  }
  if (opts.sample) {
    const so = { steps: opts.sampleSteps, batch: opts.sampleBatch, generations: opts.generations };
    const sample: Record<string, unknown> = await compare<SampleFigures>(ctx, config, 'sample', () =>
      measureSampling(config, backend, { ...so, lazy: false }),
    );
    // our default: sequences that reveal nothing in a step skip the call (exact; the peer has no such path)
    const lazy = await measureSampling(config, backend, { ...so, lazy: true });
    sample.oursLazy = lazy;
    sample.ratioLazy = ratio(lazy, (sample.peer as Record<string, PeerFigures | null>).none ?? null);
    out.sample = sample;
  }
  return out;
}

async function main() {
  const opts = parseBenchOptions(process.argv.slice(2));
  // keep stdout for the one JSON line: anything else libraries print goes to stderr
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);

  const here = dirname(fileURLToPath(import.meta.url));
  const repoRoot = findRepoRoot(here) ?? findRepoRoot(process.cwd());
  const coreTypeGiven = process.env.OPENBLAS_CORETYPE;
  const native = await registerRepoNativeBackend();
  const backend = native.ok ? 'native' : 'wasm';
  // the same OpenBLAS kernels for both sides: the environment's value, else what the addon chose
  const coreType = coreTypeGiven ?? process.env.OPENBLAS_CORETYPE ?? native.blas?.core;
  const ctx: Context = {
    opts,
    backend,
    peer: opts.noPeer ? { error: '--no-peer' } : locatePeer(process.env, repoRoot),
    coreType,
    threads: native.ok ? native.threads : availableParallelism(),
  };

  const loadStart = loadavg().map((x) => round(x, 2));
  const t0 = performance.now();
  const configs = [];
  for (const config of opts.configs) configs.push(await benchConfig(ctx, config));
  const result = {
    configs,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cpuId: cpuIdentity(),
      cpuBf16: bf16Instructions(),
      loadavgStart: loadStart,
      loadavgEnd: loadavg().map((x) => round(x, 2)),
      seconds: round((performance.now() - t0) / 1000),
      node: process.version,
      // our side's whole process at its peak, over every config timed (KB from the kernel)
      oursPeakRssMB: round(process.resourceUsage().maxRSS / 1024),
    },
    notes: {
      backend,
      nativeNotice: native.notice ?? null,
      blas: native.blas ?? null,
      float32Products: native.float32Products ?? null,
      precisions: ctx.opts.precisions,
      precisionNotice: ctx.precisionNotice ?? null,
      bf16Skipped: opts.bf16Skipped,
      dnnl: nativeBackendInfo()?.dnnl ?? null,
      attentionBf16: nativeBackendInfo()?.attentionBf16 ?? null,
      // bf16 operand copies reused (hits) or made (misses) by the products of the whole run
      bf16Copies: nativeBackendInfo()?.bf16Copies ?? null,
      threads: ctx.threads,
      openblasCoretype: { environment: coreTypeGiven ?? null, givenToBoth: coreType ?? null },
      peer: 'error' in ctx.peer ? null : ctx.peer.path,
      peerUnavailable: 'error' in ctx.peer ? ctx.peer.error : null,
      timing:
        `train: tokensPerSec = batch*seq*steps / total time of ${opts.trainSteps} timed steps after ` +
        `${opts.trainWarmup} warm-up steps (mean, as the peer's tokens_per_sec); msPerStepMedian too. ` +
        `sample: ancestral, cosine grid, ${opts.sampleSteps} steps, batch ${opts.sampleBatch}, ` +
        `${opts.generations} timed generation(s) after one 3-step warm-up; tokensPerSec = generated tokens / s. ` +
        `sample.ours: one network call per step like the peer (lazy off); oursLazy: our default. ` +
        `Best of ${opts.rounds} round(s) per side; ratios["<ours precision>/<peer autocast>"] = ours / peer tokens/s (>1: ours faster). ` +
        'otherCpuLoad: CPUs other processes used meanwhile.',
    },
  };
  log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
