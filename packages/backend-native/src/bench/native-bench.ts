// Benchmark: matrix products (plain, transposed, batched, at transformer shapes) and a
// transformer training step (forward + backward), on tfjs's wasm backend and on 'native'; on
// 'native' the products in float32 and, where oneDNN has a bf16 product here, in bf16 (float32 in
// and out, rounded to bf16 inside). Prints one JSON line. Options:
//   --quick             smaller repetition counts
//   --step-configs=a,b  training-step configs to time (tiny, small-cpu; default both)
//   --wasm-steps=a,b    configs also timed on plain wasm (default tiny; small-cpu takes minutes)
//   --profile           add the native step's most expensive kernels
// The fused attention kernels (forward, gradient) are timed alone at the small-cpu and quick-start
// shapes, float32 and (where the CPU has AVX512-BF16) bf16: "attention" in ms and GFLOP/s.
//   --torch             also time PyTorch's matmul at the same shapes (Debian python3-torch on
//                       OpenBLAS; see ../shared/bench/README.md) and add the ratio native/torch;
//                       with bf16, also torch's product of bf16 tensors (a plain oneDNN product:
//                       operands converted before the clock starts) and nativeBf16/torchBf16
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  NATIVE_BACKEND,
  nativeBackendInfo,
  registerNativeBackend,
  setMatMulPrecision,
} from '../register-native-backend';
import { type BlockConfig, forwardFlops, makeTrainingStep } from './block-step';
import { bestMsPerRun, round } from './timing';

interface MatMulShape {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Shapes of the small-cpu config (B16 x L256 tokens, d 256, 4 heads of 64, GLU hidden 704), then
// of the quick start's 128-wide model (B48 x L128 tokens, GLU hidden 352).
const shapes: MatMulShape[] = [
  { name: 'qkv [4096x256]x[256x768]', a: [4096, 256], b: [256, 768], transposeA: false, transposeB: false },
  { name: 'mlp [4096x256]x[256x1408]', a: [4096, 256], b: [256, 1408], transposeA: false, transposeB: false },
  { name: 'dX [4096x768]x[256x768]^T', a: [4096, 768], b: [256, 768], transposeA: false, transposeB: true },
  { name: 'dW [4096x256]^Tx[4096x768]', a: [4096, 256], b: [4096, 768], transposeA: true, transposeB: false },
  {
    name: 'scores [64,256,64]x[64,256,64]^T',
    a: [64, 256, 64],
    b: [64, 256, 64],
    transposeA: false,
    transposeB: true,
  },
  {
    name: 'mix [64,256,256]x[64,256,64]',
    a: [64, 256, 256],
    b: [64, 256, 64],
    transposeA: false,
    transposeB: false,
  },
  {
    name: 'dP^T [64,256,256]^Tx[64,256,64]',
    a: [64, 256, 256],
    b: [64, 256, 64],
    transposeA: true,
    transposeB: false,
  },
  { name: 'qkv [6144x128]x[128x384]', a: [6144, 128], b: [128, 384], transposeA: false, transposeB: false },
  { name: 'mlp [6144x128]x[128x352]', a: [6144, 128], b: [128, 352], transposeA: false, transposeB: false },
  { name: 'dX [6144x352]x[128x352]^T', a: [6144, 352], b: [128, 352], transposeA: false, transposeB: true },
  { name: 'dW [6144x128]^Tx[6144x384]', a: [6144, 128], b: [6144, 384], transposeA: true, transposeB: false },
];

// Attention shapes (B sequences, L, H heads of hd): small-cpu's and the quick start's, with RoPE.
const attentionShapes: Record<string, Omit<AttentionAttrs, 'scale'>> = {
  'small-cpu B16 L256 H4 hd64': { batch: 16, seqLen: 256, heads: 4, headDim: 64, rotary: true },
  'quickstart B48 L128 H4 hd32': { batch: 48, seqLen: 128, heads: 4, headDim: 32, rotary: true },
};

const stepConfigs: Record<string, BlockConfig> = {
  tiny: { layers: 2, dim: 128, heads: 4, seq: 128, batch: 16, vocab: 27 },
  'small-cpu': { layers: 4, dim: 256, heads: 4, seq: 256, batch: 16, vocab: 27 },
};

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit == null) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : 'true';
}

function matMulGflops(s: MatMulShape, quick: boolean): number {
  const a = tf.randomNormal(s.a);
  const b = tf.randomNormal(s.b);
  const ra = s.a.length;
  const m = s.transposeA ? s.a[ra - 1]! : s.a[ra - 2]!;
  const k = s.transposeA ? s.a[ra - 2]! : s.a[ra - 1]!;
  const n = s.transposeB ? s.b[s.b.length - 2]! : s.b[s.b.length - 1]!;
  const batch = s.a.slice(0, -2).reduce((x, y) => x * y, 1);
  const ms = bestMsPerRun(() => tf.matMul(a, b, s.transposeA, s.transposeB).dispose(), {
    minMs: quick ? 100 : 300,
    rounds: quick ? 2 : 3,
  });
  tf.dispose([a, b]);
  return (2 * batch * m * n * k) / (ms * 1e6);
}

/** PyTorch's GFLOP/s at `shapes` (torch-matmul.py), or the reason it could not run. */
function torchGflops(
  threads: number,
  quick: boolean,
  bf16: boolean,
): { gflops?: Record<string, number>; bf16Gflops?: Record<string, number>; error?: string } {
  const script = fileURLToPath(new URL('../../src/bench/torch-matmul.py', import.meta.url));
  const python = '/usr/bin/python3';
  if (!existsSync(python) || !existsSync(script)) return { error: `${python} or ${script} missing` };
  const blasDir = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-openmp`;
  const run = spawnSync(python, [script, String(threads), quick ? 'quick' : 'full', bf16 ? 'bf16' : 'fp32'], {
    input: JSON.stringify(shapes),
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, LD_LIBRARY_PATH: blasDir },
  });
  if (run.status !== 0)
    return { error: (run.stderr || run.error?.message || 'failed').trim().split('\n').at(-1) };
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    gflops: Record<string, number>;
    bf16Gflops?: Record<string, number>;
  };
}

/**
 * The fused attention kernels at one shape on the current backend and precision: best ms of the
 * forward and of the gradient, and their GFLOP/s (forward 4 B H L^2 hd: scores and P V; gradient
 * 10 B H L^2 hd: the scores again, dV, dP, dQ, dK).
 */
function attentionTiming(shape: Omit<AttentionAttrs, 'scale'>, quick: boolean) {
  const attrs = { ...shape, scale: 1 / Math.sqrt(shape.headDim) } as unknown as tf.NamedAttrMap;
  const { batch: B, seqLen: L, heads: H, headDim: hd } = shape;
  const qkv = tf.randomNormal([B * L, 3 * H * hd]);
  const angles = tf.randomUniform([L, hd / 2], 0, 100);
  const cos = tf.cos(angles);
  const sin = tf.sin(angles);
  const dy = tf.randomNormal([B * L, H * hd]);
  const run = (name: string, inputs: tf.NamedTensorMap) => () =>
    tf.dispose(tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[]);
  const [out, lse] = tf.engine().runKernel(ATTENTION_KERNEL, { qkv, cos, sin }, attrs) as tf.Tensor[];
  const opts = { minMs: quick ? 100 : 300, rounds: quick ? 2 : 3 };
  const forwardMs = bestMsPerRun(run(ATTENTION_KERNEL, { qkv, cos, sin }), opts);
  const gradientMs = bestMsPerRun(
    run(ATTENTION_GRAD_KERNEL, { dy, qkv, cos, sin, out: out!, lse: lse! }),
    opts,
  );
  tf.dispose([qkv, angles, cos, sin, dy, out!, lse!]);
  const flops = 2 * B * H * L * L * hd;
  return {
    forwardMs: round(forwardMs, 2),
    gradientMs: round(gradientMs, 2),
    forwardGflops: round((2 * flops) / (forwardMs * 1e6)),
    gradientGflops: round((5 * flops) / (gradientMs * 1e6)),
  };
}

function topKernels(step: () => number, count: number): Promise<Array<{ kernel: string; ms: number }>> {
  return tf
    .profile(() => void step())
    .then((info) => {
      const byName = new Map<string, number>();
      for (const k of info.kernels) {
        byName.set(
          k.name,
          (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0),
        );
      }
      return [...byName.entries()]
        .sort((x, y) => y[1] - x[1])
        .slice(0, count)
        .map(([kernel, ms]) => ({ kernel, ms: round(ms) }));
    });
}

async function main(): Promise<void> {
  const quick = flag('quick') === 'true';
  const status = await registerNativeBackend({ log: (line) => console.error(line) });
  const backends = status.ok ? ['wasm', NATIVE_BACKEND] : ['wasm'];
  const result: Record<string, unknown> = {
    bench: '@md4/backend-native',
    native: status.ok ? { threads: status.threads, ...status.blas } : { notice: status.notice },
    unit: 'GFLOP/s',
  };

  const matmul: Record<string, Record<string, number>> = {};
  for (const backend of backends) {
    await tf.setBackend(backend);
    for (const s of shapes) {
      matmul[s.name] ??= {};
      matmul[s.name]![backend] = round(matMulGflops(s, quick));
    }
  }
  // The same products in bf16 where oneDNN has one here (products under 2^26 flops stay float32 through the BLAS).
  const bf16 = status.ok ? setMatMulPrecision('bf16') : null;
  const bf16Timed = bf16?.ok === true && bf16.precision === 'bf16';
  if (bf16Timed) {
    for (const s of shapes) matmul[s.name]!.nativeBf16 = round(matMulGflops(s, quick));
    setMatMulPrecision('fp32');
  } else if (bf16 != null) result.bf16Notice = bf16.ok ? bf16.reason : bf16.notice;
  if (flag('torch') === 'true') {
    const torch = torchGflops(status.threads, quick, bf16Timed);
    if (torch.gflops == null) result.torchError = torch.error;
    for (const [name, gflops] of Object.entries(torch.gflops ?? {})) matmul[name]!.torch = gflops;
    for (const [name, gflops] of Object.entries(torch.bf16Gflops ?? {})) matmul[name]!.torchBf16 = gflops;
  }
  for (const row of Object.values(matmul)) {
    if (row[NATIVE_BACKEND] != null) row.nativeOverWasm = round(row[NATIVE_BACKEND] / row.wasm!, 2);
    if (row[NATIVE_BACKEND] != null && row.torch != null)
      row.nativeOverTorch = round(row[NATIVE_BACKEND] / row.torch, 2);
    if (row.nativeBf16 != null && row.torchBf16 != null)
      row.nativeBf16OverTorchBf16 = round(row.nativeBf16 / row.torchBf16, 2);
  }
  result.matmul = matmul;

  if (status.ok) {
    await tf.setBackend(NATIVE_BACKEND);
    const attention: Record<string, Record<string, unknown>> = {};
    for (const [name, shape] of Object.entries(attentionShapes)) {
      attention[name] = { float32: attentionTiming(shape, quick) };
      if (bf16Timed && nativeBackendInfo()?.attentionBf16 === true) {
        setMatMulPrecision('bf16');
        attention[name]!.bf16 = attentionTiming(shape, quick);
        setMatMulPrecision('fp32');
      }
    }
    result.attention = attention;
  }

  const names = (flag('step-configs') ?? 'tiny,small-cpu').split(',');
  const wasmSteps = (flag('wasm-steps') ?? 'tiny').split(',');
  const steps: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const config = stepConfigs[name];
    if (config == null) throw new Error(`unknown step config "${name}" (known: ${Object.keys(stepConfigs)})`);
    const row: Record<string, unknown> = { ...config };
    const flops = 3 * forwardFlops(config);
    for (const backend of backends) {
      if (backend === 'wasm' && !wasmSteps.includes(name)) continue;
      await tf.setBackend(backend);
      const { step, dispose } = makeTrainingStep(config);
      const ms = bestMsPerRun(step, { warmup: 1, minMs: 0, minReps: quick ? 1 : 2, rounds: quick ? 1 : 2 });
      row[backend] = {
        msPerStep: round(ms),
        tokensPerSec: Math.round((config.batch * config.seq * 1000) / ms),
        matmulGflops: round(flops / (ms * 1e6)),
      };
      if (backend === NATIVE_BACKEND && flag('profile') === 'true')
        row.nativeTopKernels = await topKernels(step, 16);
      dispose();
    }
    const w = row.wasm as { msPerStep: number } | undefined;
    const n = row[NATIVE_BACKEND] as { msPerStep: number } | undefined;
    if (w != null && n != null) row.nativeSpeedup = round(w.msPerStep / n.msPerStep, 2);
    steps[name] = row;
  }
  result.trainingStep = steps;
  console.log(JSON.stringify(result));
}

await main();
