import type { Schedule } from '@md4/schedules';
import type * as tf from '@tensorflow/tfjs-core';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointConfig,
  CheckpointError,
  MODEL_METADATA_KEY,
  type SerializedCheckpoint,
  TENSOR_PREFIX,
} from './checkpoint-format';
import { crc32 } from './crc32';
import type { Network } from './network-config';
import { encodeSafetensors } from './safetensors';
import type { Trainer } from './train-step';

async function readFloat32(v: tf.Tensor): Promise<Float32Array> {
  const data = await v.data();
  return data instanceof Float32Array ? data : Float32Array.from(data as unknown as ArrayLike<number>);
}

function assertFinite(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new CheckpointError(
        `refusing to write a checkpoint: tensor "${name}" holds ${data[i]} at index ${i}; ` +
          'training diverged before this point, so resume from an earlier checkpoint instead',
      );
    }
  }
}

function weightsFileName(crc: string): string {
  return `weights-${crc}.safetensors`;
}

async function serialize(
  tensors: Array<[string, tf.Tensor]>,
  base: Omit<CheckpointConfig, 'weights' | 'format' | 'version'>,
): Promise<SerializedCheckpoint> {
  const entries: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const [name, t] of tensors) {
    const data = await readFloat32(t);
    assertFinite(name, data);
    entries.push([name, { shape: t.shape.slice(), data }]);
  }
  const weights = encodeSafetensors(entries, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    // the architecture again, inside the CRC-checked file: an edited config.json cannot change it
    [MODEL_METADATA_KEY]: JSON.stringify(base.model),
  });
  const crc = crc32(weights);
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...base,
    weights: { file: weightsFileName(crc), bytes: weights.length, crc32: crc },
  };
  return { config, configJson: `${JSON.stringify(config, null, 2)}\n`, weights };
}

/**
 * A full training checkpoint of `trainer`: weights, EMA, AdamW moments (safetensors) and the
 * architecture, schedule, tokenizer id, step, generator state and data cursor (JSON). Refuses to
 * write non-finite values. The trainer is not modified.
 */
export async function checkpointFromTrainer(
  trainer: Trainer,
  opts: {
    tokenizer?: string | null | undefined;
    dataCursor?: unknown | undefined;
    metadata?: Record<string, unknown> | undefined;
  } = {},
): Promise<SerializedCheckpoint> {
  const model = trainer.model;
  const tensors: Array<[string, tf.Tensor]> = model.layout.map((s) => [s.name, model.params[s.name]!]);
  if (trainer.ema != null) {
    for (const s of model.layout) tensors.push([TENSOR_PREFIX.ema + s.name, trainer.ema.shadow[s.name]!]);
  }
  for (const [name, { m, v }] of trainer.optimizer.state()) {
    tensors.push([TENSOR_PREFIX.adamM + name, m], [TENSOR_PREFIX.adamV + name, v]);
  }
  return serialize(tensors, {
    model: model.config,
    schedule: trainer.schedule.toJSON(),
    tokenizer: opts.tokenizer ?? null,
    training: {
      step: trainer.completedSteps,
      loss: trainer.objective,
      timesteps: trainer.timesteps,
      optimizer: { ...trainer.optimizer.config },
      emaDecay: trainer.ema?.decay ?? null,
      rng: trainer.rng.getState(),
      dataCursor: opts.dataCursor ?? null,
    },
    metadata: opts.metadata ?? {},
  });
}

/** An inference-only checkpoint of a model (e.g. `trainer.evalModel()`) and its schedule. */
export async function checkpointFromModel(
  model: Network,
  opts: {
    schedule: Schedule;
    tokenizer?: string | null | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
): Promise<SerializedCheckpoint> {
  return serialize(
    model.layout.map((s) => [s.name, model.params[s.name]!]),
    {
      model: model.config,
      schedule: opts.schedule.toJSON(),
      tokenizer: opts.tokenizer ?? null,
      training: null,
      metadata: opts.metadata ?? {},
    },
  );
}
