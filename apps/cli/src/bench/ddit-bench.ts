// The DDiT benchmark (issue 11): one forward pass of a random DDiT at mdlm-owt's shape (170M
// parameters, d 768, 12 blocks, 12 heads, L 1024, GPT-2 vocabulary, time-agnostic), batch 1 and 8,
// side by side with the PyTorch reference (packages/models/scripts/ddit_reference.py bench); a
// 1024-token generation with the caching sampler; and peak RSS while loading the 680 MB F32 file.
// Prints one JSON line per measurement.
//   node dist/ddit-bench.js [--batches 1,8] [--rounds N] [--sample-steps T] [--precision fp32|bf16]
//     [--no-peer] [--no-load] [--no-sample]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MATMUL_PRECISIONS, type MatMulPrecision } from '@md4/backend-native';
import { createRng } from '@md4/core';
import { createDDiT, MDLM_OWT } from '@md4/models';
import { exportMdlm, loadModel } from '@md4/models/node';
import { sampleWithStats } from '@md4/samplers';
import { linear } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../backend-setup';
import { registerRepoNativeBackend } from './repo-native-backend';
import { findRepoRoot, OPENBLAS_OPENMP_DIR, PEER_PYTHON } from './torch-peer';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string) => process.argv.includes(name);
const print = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`);

/** Child mode: load the folder and report peak RSS (a fresh process, so nothing else counts). */
async function loadOnly(dir: string): Promise<void> {
  await registerRepoNativeBackend();
  const { backend } = await setupBackend('auto');
  const start = performance.now();
  const loaded = await loadModel(dir);
  const seconds = (performance.now() - start) / 1000;
  print({
    backend,
    seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    params: loaded.denoiser.parameterCount(),
  });
  loaded.dispose();
}

function randomWeights(model: ReturnType<typeof createDDiT>): void {
  // Non-zero adaLN and output layer, so the timed pass does the work a trained model does.
  model.layout.forEach((s, i) => {
    if (s.init === 'zeros') model.params[s.name]!.assign(tf.randomNormal(s.shape, 0, 0.02, 'float32', i));
  });
}

async function timeForward(
  model: ReturnType<typeof createDDiT>,
  batch: number,
  rounds: number,
): Promise<number> {
  const rng = createRng(batch);
  const tokens = tf.tensor2d(
    Int32Array.from({ length: batch * MDLM_OWT.seqLen }, () =>
      rng.uniform() < 0.5 ? MDLM_OWT.vocabSize : Math.floor(rng.uniform() * MDLM_OWT.vocabSize),
    ),
    [batch, MDLM_OWT.seqLen],
    'int32',
  );
  const t = tf.fill([batch], 0.5) as tf.Tensor1D;
  let best = Number.POSITIVE_INFINITY;
  try {
    for (let r = 0; r <= rounds; r++) {
      const start = performance.now();
      const logits = model.logits(tokens, t);
      await logits.data();
      logits.dispose();
      if (r > 0) best = Math.min(best, performance.now() - start); // round 0 warms up
    }
  } finally {
    tf.dispose([tokens, t]);
  }
  return best;
}

/** The OpenBLAS kernels the peer gets: the environment's choice, else what our addon chose. */
let peerCoreType: string | undefined;

function peer(batch: number, autocast: 'none' | 'bf16', rounds: number): Record<string, unknown> {
  const root = findRepoRoot(process.cwd());
  if (root == null) return { error: 'repo root not found' };
  const script = join(root, 'packages', 'models', 'scripts', 'ddit_reference.py');
  const r = spawnSync(
    PEER_PYTHON,
    [
      script,
      'bench',
      '--batch',
      String(batch),
      '--rounds',
      String(rounds),
      '--autocast',
      autocast,
      '--threads',
      String(cpus().length),
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        LD_LIBRARY_PATH: OPENBLAS_OPENMP_DIR,
        ...(peerCoreType ? { OPENBLAS_CORETYPE: peerCoreType } : {}),
      },
    },
  );
  const line = r.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(line ?? '');
  } catch {
    return { error: `peer failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}` };
  }
}

async function main(): Promise<void> {
  const loadDir = flag('--load-only');
  if (loadDir != null) return loadOnly(loadDir);
  const batches = (flag('--batches') ?? '1,8').split(',').map(Number);
  const rounds = Number(flag('--rounds') ?? 1);
  const sampleSteps = Number(flag('--sample-steps') ?? 32);
  const coreTypeGiven = process.env.OPENBLAS_CORETYPE;
  const native = await registerRepoNativeBackend();
  const requested = flag('--precision') ?? 'fp32';
  if (!(MATMUL_PRECISIONS as readonly string[]).includes(requested)) {
    throw new Error(`--precision takes ${MATMUL_PRECISIONS.join(' or ')} (got ${requested})`);
  }
  const { backend, precision, notice } = await setupBackend('auto', requested as MatMulPrecision);
  if (notice) console.error(notice);
  peerCoreType = coreTypeGiven ?? native.blas?.core;
  const cpu = cpus()[0]?.model ?? 'unknown';
  const model = createDDiT(MDLM_OWT, { seed: 0 });
  randomWeights(model);
  print({
    bench: 'ddit',
    cpu,
    backend,
    precision,
    openblasCore: native.blas?.core,
    peerCoreType,
    params: model.parameterCount(),
    config: MDLM_OWT,
  });
  const forwardMs = new Map<number, number>();
  for (const batch of batches) {
    const ms = await timeForward(model, batch, rounds);
    forwardMs.set(batch, ms);
    const ours = { msPerForward: ms, tokensPerSec: (batch * MDLM_OWT.seqLen * 1000) / ms };
    const peers = has('--no-peer')
      ? {}
      : { torchFp32: peer(batch, 'none', rounds), torchBf16: peer(batch, 'bf16', rounds) };
    const ratio = (p: Record<string, unknown>) =>
      typeof p.ms_per_forward === 'number' ? (p.ms_per_forward as number) / ms : null;
    print({
      measure: 'forward',
      batch,
      length: MDLM_OWT.seqLen,
      ours,
      ...peers,
      ...(peers.torchFp32
        ? { ratioVsFp32: ratio(peers.torchFp32), ratioVsBf16: ratio(peers.torchBf16!) }
        : {}),
    });
  }
  if (!has('--no-sample')) {
    const start = performance.now();
    const result = await sampleWithStats(model, {
      length: MDLM_OWT.seqLen,
      batch: 1,
      steps: sampleSteps,
      schedule: linear(),
      grid: 'cosine',
      rng: createRng(1),
    });
    const seconds = (performance.now() - start) / 1000;
    print({
      measure: 'sample',
      length: MDLM_OWT.seqLen,
      steps: sampleSteps,
      networkCalls: result.networkCalls,
      seconds,
      tokensPerSec: MDLM_OWT.seqLen / seconds,
      secondsPerCall: seconds / result.networkCalls,
      // the sampler's own cost per step (softmax readback, float64 draws over V = 50257) beside the network's
      ...(forwardMs.has(1)
        ? { samplerSecondsPerCall: seconds / result.networkCalls - forwardMs.get(1)! / 1000 }
        : {}),
    });
  }
  if (!has('--no-load')) {
    const dir = mkdtempSync(join(tmpdir(), 'md4-ddit-bench-'));
    try {
      await exportMdlm(dir, model);
      model.dispose();
      const bytes = statSync(join(dir, 'model.safetensors')).size;
      const child = spawnSync(process.execPath, [process.argv[1]!, '--load-only', dir], { encoding: 'utf8' });
      const line = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { maxRssBytes?: number };
      print({
        measure: 'load',
        fileBytes: bytes,
        ...line,
        rssOverFile: line.maxRssBytes ? line.maxRssBytes / bytes : null,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    model.dispose();
  }
}

await main();
