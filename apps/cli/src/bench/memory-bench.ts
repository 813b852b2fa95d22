// Peak memory of a training step, ours (native backend) against the PyTorch peer
// (shared/bench/torch_md4.py), one configuration after another, each side in a process of its own
// so that every row's peak is its own. Prints ONE JSON line:
// { rows: [{ seqLen, batch, tokens, ours: { peakRssMB, estimateMB, msPerStep }, peer: { peakRssMB, ... },
//   memoryRatio }], machine, notes }.
// With --checkpoint-activations each row also runs ours with activation checkpointing (oursCheckpointed).
// Usage: pnpm --filter @md4/cli bench:memory [-- --config small-cpu --rows 128x32,1024x8 --steps 2 --no-peer
//   --checkpoint-activations]
import '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveNetworkConfig, trainingFloats } from '@md4/models';
import { BENCH_CONFIGS, type BenchConfig } from './bench-options';
import { round } from './cpu-load';
import { measureTraining } from './measure-ours';
import { registerRepoNativeBackend } from './repo-native-backend';
import { findRepoRoot, locatePeer, peerArgs, runPeer } from './torch-peer';

/** The rows of issue 18's table (seq length x batch), small-cpu. */
const DEFAULT_ROWS = '128x32,128x64,128x128,512x32,1024x4,1024x8,1024x32';

const USAGE = `usage: node dist/memory-bench.js [--config tiny|small-cpu] [--rows SEQxBATCH,...] [--steps N] [--no-peer]
  [--checkpoint-activations]
env: MD4_TORCH_PEER (path of torch_md4.py)`;

interface MemoryOptions {
  config: BenchConfig;
  rows: Array<{ seqLen: number; batch: number }>;
  steps: number;
  noPeer: boolean;
  checkpointActivations: boolean;
}

function parseOptions(argv: string[]): MemoryOptions {
  let config = BENCH_CONFIGS['small-cpu']!;
  let rows = DEFAULT_ROWS;
  let steps = 2;
  let noPeer = false;
  let checkpointActivations = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v == null) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--config') {
      const name = value();
      const found = BENCH_CONFIGS[name];
      if (found == null)
        throw new Error(`unknown config "${name}"; expected ${Object.keys(BENCH_CONFIGS).join(', ')}`);
      config = found;
    } else if (flag === '--rows') rows = value();
    else if (flag === '--steps') steps = Number(value());
    else if (flag === '--no-peer') noPeer = true;
    else if (flag === '--checkpoint-activations') checkpointActivations = true;
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer\n${USAGE}`);
  const parsed = rows.split(',').map((row) => {
    const [seqLen, batch] = row.split('x').map(Number);
    if (!Number.isInteger(seqLen) || !Number.isInteger(batch) || seqLen! < 1 || batch! < 1)
      throw new Error(`--rows: "${row}" is not SEQxBATCH (e.g. 1024x8)\n${USAGE}`);
    return { seqLen: seqLen!, batch: batch! };
  });
  return { config, rows: parsed, steps, noPeer, checkpointActivations };
}

const withShape = (config: BenchConfig, seqLen: number, batch: number): BenchConfig => ({
  ...config,
  model: { ...config.model, seqLen },
  batch,
});

/** Child mode: one training run of `config` on the native backend; prints its figures and peak RSS. */
async function child(config: BenchConfig, steps: number, checkpointActivations: boolean): Promise<void> {
  const native = await registerRepoNativeBackend();
  if (!native.ok) throw new Error(native.notice);
  const figures = await measureTraining(config, 'native', steps, 0, false, checkpointActivations);
  process.stdout.write(
    `${JSON.stringify({ msPerStep: figures.msPerStep, peakRssMB: round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
}

/** Our side of one row, in a fresh process. */
function ours(config: BenchConfig, steps: number, checkpointActivations: boolean) {
  const run = spawnSync(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--child',
      JSON.stringify(config),
      String(steps),
      String(checkpointActivations),
    ],
    { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 24 },
  );
  const line = (run.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as { msPerStep: number; peakRssMB: number };
  } catch {
    const why = (run.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return { error: `exited ${run.status ?? run.signal}: ${why.slice(0, 200)}` };
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child')
    return await child(JSON.parse(argv[1]!) as BenchConfig, Number(argv[2]), argv[3] === 'true');
  const opts = parseOptions(argv);
  const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url))) ?? findRepoRoot(process.cwd());
  const peer = opts.noPeer ? { error: '--no-peer' } : locatePeer(process.env, repoRoot);
  const threads = availableParallelism();
  const t0 = performance.now();
  const rows = [];
  for (const { seqLen, batch } of opts.rows) {
    const config = withShape(opts.config, seqLen, batch);
    const network = resolveNetworkConfig(config.model);
    const estimateMB = (checkpoint: boolean) =>
      round((4 * trainingFloats(network, batch, 'fused', checkpoint).total) / 2 ** 20);
    const mine = ours(config, opts.steps, false);
    const checkpointed = opts.checkpointActivations ? ours(config, opts.steps, true) : null;
    const theirs =
      'error' in peer
        ? { figures: null, reason: peer.error }
        : runPeer(
            peer.path,
            peerArgs(
              config,
              'train',
              { trainSteps: opts.steps, trainWarmup: 0, sampleSteps: 1, sampleBatch: 1, generations: 1 },
              threads,
            ),
            process.env.OPENBLAS_CORETYPE,
            1_800_000,
          );
    const peerRow: { peakRssMB: number; msPerStep: number } | { error: string } =
      theirs.figures == null
        ? { error: theirs.reason }
        : { peakRssMB: theirs.figures.peakRssMB, msPerStep: theirs.figures.msPerStep };
    rows.push({
      seqLen,
      batch,
      tokens: seqLen * batch,
      ours: 'error' in mine ? mine : { ...mine, estimateMB: estimateMB(false) },
      ...(checkpointed == null
        ? {}
        : {
            oursCheckpointed:
              'error' in checkpointed ? checkpointed : { ...checkpointed, estimateMB: estimateMB(true) },
          }),
      peer: peerRow,
      memoryRatio:
        'peakRssMB' in mine && 'peakRssMB' in peerRow ? round(mine.peakRssMB / peerRow.peakRssMB, 2) : null,
      ...(checkpointed != null && 'peakRssMB' in checkpointed && 'peakRssMB' in peerRow
        ? { memoryRatioCheckpointed: round(checkpointed.peakRssMB / peerRow.peakRssMB, 2) }
        : {}),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
  console.log(
    JSON.stringify({
      config: opts.config.name,
      rows,
      machine: {
        cores: threads,
        cpu: cpus()[0]?.model ?? 'unknown',
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        seconds: round((performance.now() - t0) / 1000),
      },
      notes: {
        steps: opts.steps,
        measure:
          'peakRssMB: the peak resident memory of a process that builds the model and runs `steps` training steps ' +
          '(ours: getrusage of a fresh Node process on the native backend, fp32; oursCheckpointed: the same with ' +
          'activation checkpointing; peer: torch_md4.py under a ' +
          'getrusage wrapper, fp32); estimateMB: @md4/models trainingFloats (fused kernels) x 4 bytes; ' +
          'memoryRatio = ours / peer (<1: we use less); memoryRatioCheckpointed = oursCheckpointed / peer.',
        peer: 'error' in peer ? null : peer.path,
      },
    }),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
