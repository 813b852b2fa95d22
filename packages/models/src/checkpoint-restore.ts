import { type MatMulPrecision, restoreRng } from '@md4/core';
import { type Schedule, scheduleFromJSON } from '@md4/schedules';
import { type Checkpoint, CheckpointError, CONFIG_FILE, TENSOR_PREFIX } from './checkpoint-format';
import type { DDiTConfig } from './ddit-config';
import type { KernelMode } from './denoising-network';
import {
  architectureDifferences,
  createNetwork,
  type Network,
  type NetworkConfig,
  networkLayout,
  resolveNetworkConfig,
} from './network-config';
import { Trainer } from './train-step';
import type { TransformerConfig } from './transformer-config';

function floatMap(ckpt: Checkpoint, prefix: string): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const s of networkLayout(ckpt.config.model)) {
    m.set(s.name, ckpt.tensors.get(prefix + s.name)!.data as Float32Array);
  }
  return m;
}

/**
 * The network of a checkpoint. `weights`: 'ema' (default when the checkpoint keeps an EMA; what
 * evaluation and sampling should use) or 'params' (the live training weights). With `expect`,
 * throws a CheckpointError listing every field where the checkpoint's architecture differs.
 */
export function modelFromCheckpoint(
  ckpt: Checkpoint,
  opts: {
    weights?: 'ema' | 'params' | undefined;
    kernels?: KernelMode | undefined;
    expect?: TransformerConfig | DDiTConfig | undefined;
  } = {},
): Network {
  if (opts.expect != null) assertArchitecture(ckpt.config.model, resolveNetworkConfig(opts.expect));
  const hasEma = ckpt.config.training?.emaDecay != null;
  const which = opts.weights ?? (hasEma ? 'ema' : 'params');
  if (which === 'ema' && !hasEma)
    throw new CheckpointError('this checkpoint keeps no EMA weights; use weights: "params"');
  return createNetwork(ckpt.config.model, {
    weights: floatMap(ckpt, which === 'ema' ? TENSOR_PREFIX.ema : ''),
    ...(opts.kernels ? { kernels: opts.kernels } : {}),
  });
}

/** Throws a CheckpointError naming each architecture field that differs. */
export function assertArchitecture(found: NetworkConfig, expected: NetworkConfig): void {
  const diffs = architectureDifferences(found, expected);
  if (diffs.length > 0) throw new CheckpointError(`architecture mismatch: ${diffs.join('; ')}`);
}

/** The checkpoint's schedule (a GenMD4 schedule owns a variable: dispose it when done). */
export function scheduleFromCheckpoint(ckpt: Checkpoint): Schedule {
  try {
    return scheduleFromJSON(ckpt.config.schedule as unknown);
  } catch (error) {
    throw new CheckpointError(`${CONFIG_FILE}: bad schedule: ${(error as Error).message}`);
  }
}

/**
 * Rebuilds a trainer from a training checkpoint so that training continues exactly: weights, EMA,
 * AdamW moments and step, generator state, schedule (GenMD4 exponents included). Returns the new
 * trainer; `trainer.model` and `trainer.schedule` are new objects the caller must dispose (the
 * returned `disposeAll` disposes the trainer, model and schedule), and `dataCursor` is handed back
 * for the data loader. `precision` and `checkpointActivations`: how the trainer's steps compute
 * (see `TrainerOptions`; neither changes what they compute).
 */
export function restoreTrainer(
  ckpt: Checkpoint,
  opts: {
    kernels?: KernelMode | undefined;
    precision?: MatMulPrecision | undefined;
    checkpointActivations?: boolean | undefined;
  } = {},
): { trainer: Trainer; dataCursor: unknown; disposeAll: () => void } {
  const training = ckpt.config.training;
  if (training == null) throw new CheckpointError('this checkpoint has no training state (inference only)');
  const model = createNetwork(ckpt.config.model, {
    weights: floatMap(ckpt, ''),
    ...(opts.kernels ? { kernels: opts.kernels } : {}),
  });
  const schedule = scheduleFromCheckpoint(ckpt);
  const trainer = new Trainer({
    model,
    schedule,
    optimizer: training.optimizer,
    emaDecay: training.emaDecay ?? 0,
    rng: restoreRng(training.rng),
    ...(training.timesteps != null ? { timesteps: training.timesteps } : {}),
    ...(opts.precision ? { precision: opts.precision } : {}),
    checkpointActivations: opts.checkpointActivations,
  });
  if (trainer.ema != null) trainer.ema.load(floatMap(ckpt, TENSOR_PREFIX.ema));
  const moments = new Map<string, { m: Float32Array; v: Float32Array; shape: number[] }>();
  for (const name of trainer.variables().keys()) {
    const m = ckpt.tensors.get(TENSOR_PREFIX.adamM + name);
    const v = ckpt.tensors.get(TENSOR_PREFIX.adamV + name);
    if (m == null || v == null) {
      if (training.step === 0) continue;
      throw new CheckpointError(`checkpoint is missing the optimizer moments of "${name}"`);
    }
    moments.set(name, { m: m.data as Float32Array, v: v.data as Float32Array, shape: m.shape });
  }
  trainer.optimizer.loadState(training.step, moments);
  return {
    trainer,
    dataCursor: training.dataCursor,
    disposeAll: () => {
      trainer.dispose();
      model.dispose();
      schedule.dispose();
    },
  };
}
