import { type TextTokenizer, text8Tokenizer } from '@md4/datasets';
import {
  type Checkpoint,
  CheckpointError,
  checkpointFromModel,
  modelFromCheckpoint,
  parseCheckpoint,
  type Network,
  type SerializedCheckpoint,
  scheduleFromCheckpoint,
} from '@md4/models';
import type { MaskingSchedule, StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';
import type { ModelInfo } from './protocol';

/** The model the worker samples from, with everything needed to rebuild or save it. */
export interface ActiveModel {
  name: string;
  checkpoint: Checkpoint;
  model: Network;
  schedule: MaskingSchedule | StateDependentSchedule;
  tokenizer: TextTokenizer;
  /** The exact bytes to download, when the model was trained here (a full training checkpoint). */
  serialized: SerializedCheckpoint | null;
}

/**
 * The text tokenizer of a checkpoint. The app ships only the text8 character tokenizer (GPT-2's BPE
 * ranks would add megabytes to the page); other checkpoints get a clear error.
 */
function tokenizerOf(checkpoint: Checkpoint): TextTokenizer {
  const id = checkpoint.config.tokenizer;
  const V = checkpoint.config.model.vocabSize;
  if ((id === 'text8' || id == null) && V === text8Tokenizer.vocabSize) return text8Tokenizer;
  throw new CheckpointError(
    `this page shows text8 (character) models only; the checkpoint uses tokenizer ${JSON.stringify(id)} ` +
      `with ${V} token values: sample it with the md4 CLI instead`,
  );
}

/** The network and schedule of a checkpoint, on the active backend. */
function build(checkpoint: Checkpoint): Pick<ActiveModel, 'model' | 'schedule'> {
  const schedule = scheduleFromCheckpoint(checkpoint);
  try {
    return { model: modelFromCheckpoint(checkpoint), schedule };
  } catch (error) {
    if ('dispose' in schedule) schedule.dispose();
    throw error;
  }
}

function disposeModel(m: Pick<ActiveModel, 'model' | 'schedule'> | null): void {
  if (!m) return;
  m.model.dispose();
  if ('dispose' in m.schedule) m.schedule.dispose();
}

/** Holds at most one model; every method leaves no tensors behind except the model's own. */
export class ModelSession {
  private active: ActiveModel | null = null;

  get current(): ActiveModel {
    if (!this.active) throw new Error('no model is loaded yet: load a checkpoint or train one first');
    return this.active;
  }

  get loaded(): boolean {
    return this.active != null;
  }

  /** Builds the network of `checkpoint` on the active backend and makes it current. */
  use(checkpoint: Checkpoint, name: string, serialized: SerializedCheckpoint | null = null): ModelInfo {
    const tokenizer = tokenizerOf(checkpoint);
    const built = build(checkpoint);
    disposeModel(this.active);
    this.active = { name, checkpoint, tokenizer, serialized, ...built };
    return this.info();
  }

  /** Makes a model trained here current (it keeps its exact training checkpoint for download). */
  useSerialized(serialized: SerializedCheckpoint, name: string): ModelInfo {
    return this.use(parseCheckpoint(serialized.configJson, serialized.weights), name, serialized);
  }

  /** Rebuilds the current model on the active backend (variables stay on the backend that made them). */
  rebuild(): void {
    const m = this.active;
    if (!m) return;
    const built = build(m.checkpoint);
    disposeModel(m);
    this.active = { ...m, ...built };
  }

  info(): ModelInfo {
    const { name, model, schedule, tokenizer } = this.current;
    const c = model.config;
    const V = model.vocabSize;
    const tokenStrings = Array.from({ length: V }, (_, v) => tokenizer.decode([v]));
    tokenStrings.push(tokenizer.maskPlaceholder);
    return {
      name,
      tokenizer: tokenizer.id,
      vocabSize: V,
      maxLength: c.seqLen,
      parameters: model.parameterCount(),
      timeConditioned: model.timeConditioned,
      schedule: schedule.name,
      architecture: `${c.layers} layer${c.layers === 1 ? '' : 's'} × ${c.dModel} (${c.heads} head${c.heads === 1 ? '' : 's'})`,
      tokenStrings,
    };
  }

  /** Logits [1, L, V] of one forward pass at time t. */
  async forward(tokens: Int32Array, t: number): Promise<{ logits: Float32Array; shape: number[] }> {
    const { model } = this.current;
    const out = tf.tidy(() =>
      model.logits(tf.tensor2d(tokens, [1, tokens.length], 'int32'), tf.tensor1d([t])),
    );
    try {
      return { logits: (await out.data()) as Float32Array, shape: out.shape.slice() };
    } finally {
      out.dispose();
    }
  }

  /** The current model as a .zip of its checkpoint folder, for the CLI or for loading here again. */
  async save(): Promise<{ bytes: ArrayBuffer; fileName: string }> {
    const m = this.current;
    const serialized =
      m.serialized ??
      (await checkpointFromModel(m.model, {
        schedule: m.schedule,
        tokenizer: m.tokenizer.id,
        metadata: { ...m.checkpoint.config.metadata, savedBy: '@md4/web' },
      }));
    const folder = 'md4-checkpoint';
    const zip = zipSync(
      {
        [`${folder}/config.json`]: new TextEncoder().encode(serialized.configJson),
        [`${folder}/${serialized.config.weights.file}`]: [serialized.weights, { level: 0 }],
      },
      { mtime: new Date('2024-01-01T00:00:00Z') },
    );
    return { bytes: zip.buffer as ArrayBuffer, fileName: `${folder}.zip` };
  }
}
