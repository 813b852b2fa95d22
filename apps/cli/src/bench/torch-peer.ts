import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BenchConfig } from './bench-options';

/** Where Debian's OpenMP OpenBLAS lives; the peer's torch is pointed at it (shared/bench/README.md). */
export const OPENBLAS_OPENMP_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
export const PEER_PYTHON = '/usr/bin/python3';

/** The first directory at or above `start` holding pnpm-workspace.yaml (the repo root), or null. */
export function findRepoRoot(start: string): string | null {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** torch_md4.py's path: MD4_TORCH_PEER, else ../shared/bench/torch_md4.py beside the repo root. */
export function locatePeer(
  env: NodeJS.ProcessEnv,
  repoRoot: string | null,
): { path: string } | { error: string } {
  const path =
    env.MD4_TORCH_PEER ?? (repoRoot ? resolve(repoRoot, '..', 'shared', 'bench', 'torch_md4.py') : undefined);
  if (path == null) return { error: 'repo root not found and MD4_TORCH_PEER unset' };
  if (!existsSync(path)) return { error: `peer script ${path} missing (set MD4_TORCH_PEER)` };
  if (!existsSync(PEER_PYTHON)) return { error: `${PEER_PYTHON} missing` };
  return { path };
}

/** torch_md4.py's flags for a config and mode, matching what our side runs. */
export function peerArgs(
  config: BenchConfig,
  mode: 'train' | 'sample',
  o: {
    trainSteps: number;
    trainWarmup: number;
    sampleSteps: number;
    sampleBatch: number;
    generations: number;
  },
  threads: number,
  autocast: 'none' | 'bf16' = 'none',
): string[] {
  const m = config.model;
  const common = [
    `--layers=${m.layers}`,
    `--dim=${m.dModel}`,
    `--heads=${m.heads}`,
    `--seq=${m.seqLen}`,
    `--vocab=${m.vocabSize}`,
    `--threads=${threads}`,
    ...(m.timeConditioned === false ? ['--no-time'] : []),
    ...(autocast === 'none' ? [] : [`--autocast=${autocast}`]),
  ];
  return mode === 'train'
    ? [...common, `--batch=${config.batch}`, `--steps=${o.trainSteps}`, `--warmup=${o.trainWarmup}`]
    : [
        ...common,
        '--mode=sample',
        `--batch=${o.sampleBatch}`,
        `--sample-steps=${o.sampleSteps}`,
        `--steps=${o.generations}`,
        '--warmup=3',
        '--grid=cosine',
      ];
}

/** The peer's JSON line (the last stdout line that parses to an object with tokens_per_sec), or null. */
export function parsePeerOutput(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split('\n').filter((l) => l.trim().startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const value = JSON.parse(lines[i]!) as unknown;
      if (value != null && typeof value === 'object' && 'tokens_per_sec' in value) {
        return value as Record<string, unknown>;
      }
    } catch {
      // not the JSON line
    }
  }
  return null;
}

export interface PeerFigures {
  tokensPerSec: number;
  /** The peer process's peak resident memory (getrusage's ru_maxrss), MB. */
  peakRssMB: number;
  /** Mean ms per training step, or per sampling step in sample mode. */
  msPerStep: number;
  msPerStepMedian?: number;
  msPerGeneration?: number;
  networkEvalsPerGeneration?: number;
  gflops: number;
  otherCpuLoad: number;
  threads: number;
  openblasCore: string | null;
  initialLossOk: boolean;
}

/**
 * Runs a Python script as its own `__main__` (argv[1] is the script, the rest its arguments), then
 * prints the process's peak resident memory as a JSON line on stderr: the peer's memory, measured
 * without changing the peer.
 */
const PEAK_RSS_WRAPPER = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  'try:',
  "    runpy.run_path(sys.argv[0], run_name='__main__')",
  'finally:',
  "    sys.stderr.write(json.dumps({'peak_rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}) + '\\n')",
].join('\n');

/** The peak resident memory (MB) the wrapper printed on stderr, or NaN. */
export function parsePeakRss(stderr: string): number {
  const match = /\{"peak_rss_kb": (\d+)\}/.exec(stderr);
  return match == null ? Number.NaN : Math.round(Number(match[1]) / 102.4) / 10;
}

/** Runs torch_md4.py once; its figures, or null and the reason (torch missing, a crash, a timeout). */
export function runPeer(
  script: string,
  args: string[],
  coreType: string | undefined,
  timeoutMs = 600_000,
): { figures: PeerFigures } | { figures: null; reason: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (existsSync(OPENBLAS_OPENMP_DIR)) {
    env.LD_LIBRARY_PATH = [OPENBLAS_OPENMP_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  else delete env.OPENBLAS_CORETYPE;
  const run = spawnSync(PEER_PYTHON, ['-c', PEAK_RSS_WRAPPER, script, ...args], {
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (run.error) return { figures: null, reason: `peer did not run: ${run.error.message}` };
  const out = parsePeerOutput(run.stdout ?? '');
  if (out == null) {
    const stderr = (run.stderr ?? '').trim().split('\n');
    const why = stderr.find((l) => /ModuleNotFoundError|ImportError/.test(l)) ?? stderr.at(-1) ?? '';
    return { figures: null, reason: `peer exited ${run.status ?? run.signal}: ${why.slice(0, 200)}` };
  }
  const num = (k: string) => (typeof out[k] === 'number' ? (out[k] as number) : Number.NaN);
  const blas = (out.blas ?? {}) as Record<string, unknown>;
  const figures: PeerFigures = {
    tokensPerSec: num('tokens_per_sec'),
    peakRssMB: parsePeakRss(run.stderr ?? ''),
    msPerStep: num('ms_per_step'),
    gflops: num('gflops'),
    otherCpuLoad: num('other_cpu_load'),
    threads: num('threads'),
    openblasCore: typeof blas.openblas_core === 'string' ? blas.openblas_core : null,
    initialLossOk: out.initial_loss_ok === true,
  };
  if (out.mode === 'train') figures.msPerStepMedian = num('ms_per_step_median');
  else {
    figures.msPerGeneration = num('ms_per_generation_median');
    figures.networkEvalsPerGeneration = num('network_evals_per_generation');
  }
  return { figures };
}
