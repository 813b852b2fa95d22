// Our MD4 training step and ancestral sampler against the PyTorch peer (shared/bench/torch_md4.py)
// at the same configs, one after the other in this process's session. Prints ONE JSON line:
// { configs: [{ name, train: { ours, peer, ratio }, sample: { ours, peer, ratio } }], machine, notes }.
// Usage: pnpm --filter @md4/cli bench [-- --configs tiny,small-cpu --quick --profile --wasm ...]
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerNativeBackend } from '@md4/backend-native';
import { type BenchConfig, type BenchOptions, parseBenchOptions } from './bench-options';
import { round } from './cpu-load';
import { measureSampling, measureTraining, type SampleFigures, type TrainFigures } from './measure-ours';
import { findRepoRoot, locatePeer, type PeerFigures, peerArgs, runPeer } from './torch-peer';

type PeerResult = { figures: PeerFigures } | { figures: null; reason: string };

interface Context {
  opts: BenchOptions;
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

function peerRun(ctx: Context, config: BenchConfig, mode: 'train' | 'sample'): PeerResult {
  if ('error' in ctx.peer) return { figures: null, reason: ctx.peer.error };
  return runPeer(ctx.peer.path, peerArgs(config, mode, ctx.opts, ctx.threads), ctx.coreType);
}

/** Rounds of (ours, then the peer); the best round of each side. */
async function compare<T extends { tokensPerSec: number }>(
  ctx: Context,
  config: BenchConfig,
  mode: 'train' | 'sample',
  ours: (round: number) => Promise<T>,
) {
  const mine: T[] = [];
  const theirs: PeerFigures[] = [];
  let reason: string | undefined;
  for (let r = 0; r < ctx.opts.rounds; r++) {
    mine.push(await ours(r));
    const p = peerRun(ctx, config, mode);
    if (p.figures) theirs.push(p.figures);
    else reason = p.reason;
  }
  const o = best(mine);
  const p = best(theirs);
  // the profile is taken in the last round; keep it whichever round was fastest
  const profiled = mine.find((m) => 'profile' in m && m.profile != null) as { profile?: unknown } | undefined;
  if (o && profiled && !('profile' in o && o.profile != null))
    Object.assign(o, { profile: profiled.profile });
  return {
    ours: o,
    peer: p,
    ratio: ratio(o, p),
    ...(ctx.opts.rounds > 1
      ? { rounds: { ours: mine.map((m) => m.tokensPerSec), peer: theirs.map((m) => m.tokensPerSec) } }
      : {}),
    ...(p == null ? { peerReason: reason } : {}),
  };
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
    sample.ratioLazy = ratio(lazy, sample.peer as PeerFigures | null);
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
  const addon = repoRoot && join(repoRoot, 'packages/backend-native/native/build/Release/md4_native.node');
  const native = await registerNativeBackend({
    log: null,
    ...(addon && existsSync(addon) ? { addonPath: addon } : {}),
  });
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
      loadavgStart: loadStart,
      loadavgEnd: loadavg().map((x) => round(x, 2)),
      seconds: round((performance.now() - t0) / 1000),
      node: process.version,
    },
    notes: {
      backend,
      nativeNotice: native.notice ?? null,
      blas: native.blas ?? null,
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
        `Best of ${opts.rounds} round(s) per side; ratio = ours / peer tokens/s (>1: ours faster). ` +
        'otherCpuLoad: CPUs other processes used meanwhile.',
    },
  };
  log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
