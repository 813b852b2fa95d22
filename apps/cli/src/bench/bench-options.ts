import { bf16Instructions, type ComputedMatMulPrecision, MATMUL_PRECISIONS } from '@md4/backend-native';

/** The precisions our side is timed in (each computed one; 'auto' is one of them). */
const TIMED_PRECISIONS = MATMUL_PRECISIONS.filter((p): p is ComputedMatMulPrecision => p !== 'auto');

import type { TransformerConfig } from '@md4/models';

/** A benchmark configuration: the same flags `torch_md4.py` gets. */
export interface BenchConfig {
  name: string;
  model: TransformerConfig;
  /** Training batch. */
  batch: number;
}

/** The configs of issue 8, matching torch_md4.py's --layers/--dim/--heads/--seq/--batch/--vocab. */
export const BENCH_CONFIGS: Record<string, BenchConfig> = {
  tiny: { name: 'tiny', model: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 }, batch: 16 },
  'small-cpu': {
    name: 'small-cpu',
    model: { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 },
    batch: 16,
  },
  // the quick start's network and batch (configs/quickstart.yaml: no time conditioning); not in
  // the default list
  quickstart: {
    name: 'quickstart',
    model: { vocabSize: 27, seqLen: 128, layers: 4, dModel: 128, heads: 4, timeConditioned: false },
    batch: 48,
  },
};

export interface BenchOptions {
  configs: BenchConfig[];
  /** Timed training steps (mean over them, as the peer's tokens_per_sec). */
  trainSteps: number;
  /** Untimed training steps first. */
  trainWarmup: number;
  /** Ancestral steps per generation (the peer's --sample-steps). */
  sampleSteps: number;
  /** Sequences per generation (the peer's --batch in sample mode). */
  sampleBatch: number;
  /** Timed generations (the peer's --steps in sample mode). */
  generations: number;
  /** Rounds of ours-then-peer; the best round of each side is reported. */
  rounds: number;
  /** Also time our step on plain 'wasm' (reference; small-cpu costs ~5 s a step). */
  wasm: boolean;
  /** Add the native training step's 10 costliest kernels (tf.profile). */
  profile: boolean;
  /** Precisions of our matrix products to time (the native backend's; default both). */
  precisions: ComputedMatMulPrecision[];
  /** The peer's autocast settings to time (`torch_md4.py --autocast`; default both). */
  peerAutocasts: PeerAutocast[];
  /** Skip the PyTorch peer. */
  noPeer: boolean;
  /** Skip sampling or training. */
  train: boolean;
  sample: boolean;
  /** Set when bf16 was left out of the defaults because the CPU has no bf16 instructions. */
  bf16Skipped: string | null;
}

/** The peer's `--autocast` values: float32, or bf16 autocast on the CPU. */
export const PEER_AUTOCASTS = ['none', 'bf16'] as const;
export type PeerAutocast = (typeof PEER_AUTOCASTS)[number];

const USAGE = `usage: node dist/bench.js [--configs tiny,small-cpu,quickstart] [--train-steps N] [--train-warmup N]
  [--sample-steps T] [--sample-batch B] [--generations N] [--rounds N] [--quick]
  [--only train|sample] [--precision fp32,bf16] [--peer-autocast none,bf16] [--wasm] [--profile] [--no-peer]
env: MD4_BENCH_CONFIGS, MD4_TORCH_PEER (path of torch_md4.py), OPENBLAS_CORETYPE (given to both sides)`;

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value == null || !Number.isInteger(n) || n < 1) {
    throw new Error(`${flag} needs a positive integer (got ${value ?? 'nothing'})\n${USAGE}`);
  }
  return n;
}

function listOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  const items = (value ?? '').split(',').filter(Boolean);
  const bad = items.filter((x) => !allowed.includes(x as T));
  if (items.length === 0 || bad.length > 0) {
    throw new Error(
      `${flag} takes a comma-separated list of ${allowed.join(', ')} (got ${value ?? 'nothing'})\n${USAGE}`,
    );
  }
  return items as T[];
}

/** Parses the benchmark's flags (and MD4_BENCH_CONFIGS); throws with the usage on bad input. */
export function parseBenchOptions(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cpuHasBf16 = bf16Instructions().length > 0,
): BenchOptions {
  const quick = argv.includes('--quick');
  const opts: BenchOptions = {
    configs: [],
    trainSteps: quick ? 3 : 10,
    trainWarmup: quick ? 2 : 3,
    sampleSteps: quick ? 64 : 256,
    sampleBatch: 4,
    generations: 1,
    rounds: 1,
    wasm: false,
    profile: false,
    noPeer: false,
    precisions: [...TIMED_PRECISIONS],
    peerAutocasts: [...PEER_AUTOCASTS],
    train: true,
    sample: true,
    bf16Skipped: null,
  };
  let configNames = (env.MD4_BENCH_CONFIGS ?? 'tiny,small-cpu').split(',');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--configs':
        configNames = (value() ?? '').split(',');
        break;
      case '--train-steps':
        opts.trainSteps = positiveInt(flag, value());
        break;
      case '--train-warmup':
        opts.trainWarmup = positiveInt(flag, value());
        break;
      case '--sample-steps':
        opts.sampleSteps = positiveInt(flag, value());
        break;
      case '--sample-batch':
        opts.sampleBatch = positiveInt(flag, value());
        break;
      case '--generations':
        opts.generations = positiveInt(flag, value());
        break;
      case '--rounds':
        opts.rounds = positiveInt(flag, value());
        break;
      case '--only': {
        const what = value();
        if (what !== 'train' && what !== 'sample') throw new Error(`--only takes train or sample\n${USAGE}`);
        opts.train = what === 'train';
        opts.sample = what === 'sample';
        break;
      }
      case '--precision':
        opts.precisions = listOf(flag, value(), TIMED_PRECISIONS);
        break;
      case '--peer-autocast':
        opts.peerAutocasts = listOf(flag, value(), PEER_AUTOCASTS);
        break;
      case '--quick':
      case '--': // pnpm may pass its separator through
        break;
      case '--wasm':
        opts.wasm = true;
        break;
      case '--profile':
        opts.profile = true;
        break;
      case '--no-peer':
        opts.noPeer = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  for (const name of configNames.map((s) => s.trim()).filter(Boolean)) {
    const config = BENCH_CONFIGS[name];
    if (config == null) {
      throw new Error(`unknown config "${name}"; expected ${Object.keys(BENCH_CONFIGS).join(', ')}`);
    }
    opts.configs.push(config);
  }
  if (opts.configs.length === 0) throw new Error(`no configs selected\n${USAGE}`);
  // Without bf16 instructions both sides emulate bf16 (the peer's autocast took over 15 minutes on
  // a Zen 3 here): time it only when asked.
  if (!cpuHasBf16 && !argv.includes('--precision') && !argv.includes('--peer-autocast')) {
    opts.precisions = opts.precisions.filter((p) => p !== 'bf16');
    opts.peerAutocasts = opts.peerAutocasts.filter((a) => a !== 'bf16');
    opts.bf16Skipped =
      'this CPU has no bf16 instructions, so bf16 was not timed (pass --precision fp32,bf16 --peer-autocast none,bf16 to time the emulation)';
  }
  return opts;
}
