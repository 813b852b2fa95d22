import type { TextTokenizer } from '@md4/datasets';
import {
  type CheckpointConfig,
  CONFIG_FILE,
  checkpointFromModel,
  createNetwork,
  DDiT,
  type LoadedModel,
  loadModel,
  MDLM_WEIGHTS_FILE,
  type Network,
  type SerializedCheckpoint,
  serializeMdlm,
} from '@md4/models';
import { type GenMD4ScheduleConfig, genmd4ScheduleFromJSON, type Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';
import type { ModelInfo } from '../protocol';
import { textTokenizerFor } from './tokenizers';

/** The model the worker samples from, with everything needed to rebuild or save it. */
export interface ActiveModel {
  name: string;
  format: LoadedModel['format'];
  model: Network;
  schedule: Schedule;
  tokenizer: TextTokenizer;
  /** The md4 checkpoint's config.json (its metadata is kept when saving), or null for MDLM folders. */
  checkpoint: CheckpointConfig | null;
  /** The exact bytes to download, when the model was trained here (a full training checkpoint). */
  serialized: SerializedCheckpoint | null;
  /** `tokenStrings` of `info()`, built once per model. */
  tokenStrings: string[];
}

/** A copy of the current model's weights (and GenMD4 exponents) in JS memory, to rebuild it elsewhere. */
export interface ModelSnapshot {
  weights: Map<string, Float32Array>;
  schedule: GenMD4ScheduleConfig | null;
}

function disposeModel(m: Pick<ActiveModel, 'model' | 'schedule'> | null): void {
  if (!m) return;
  m.model.dispose();
  m.schedule.dispose();
}

/**
 * How each token reads, for the per-token view; index V is the mask placeholder. Decoding the 50,257
 * GPT-2 tokens one by one takes ~10-16 ms in headless Chromium (~50 ms in Node 20), and sending the
 * table to the page a few ms more: cheap next to loading any weights, so it is built eagerly.
 */
function tokenStringsOf(tokenizer: TextTokenizer, V: number): string[] {
  const strings = Array.from({ length: V }, (_, v) => tokenizer.decode([v]));
  strings.push(tokenizer.maskPlaceholder);
  return strings;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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

  /**
   * Makes a model opened with `loadModel` current (it takes ownership of it). Rejects, disposing
   * `loaded` and keeping the current model, when the page has no tokenizer for it.
   */
  async use(
    loaded: LoadedModel,
    name: string,
    serialized: SerializedCheckpoint | null = null,
  ): Promise<ModelInfo> {
    let tokenizer: TextTokenizer;
    try {
      tokenizer = await textTokenizerFor(loaded.tokenizer, loaded.denoiser.vocabSize, loaded.format);
    } catch (error) {
      loaded.dispose();
      throw error;
    }
    disposeModel(this.active);
    this.active = {
      name,
      format: loaded.format,
      model: loaded.denoiser,
      schedule: loaded.schedule,
      tokenizer,
      checkpoint: loaded.checkpoint,
      serialized,
      tokenStrings: tokenStringsOf(tokenizer, loaded.denoiser.vocabSize),
    };
    return this.info();
  }

  /** Makes a model trained here current (it keeps its exact training checkpoint for download). */
  async useSerialized(serialized: SerializedCheckpoint, name: string): Promise<ModelInfo> {
    const files = [
      new File([serialized.configJson], CONFIG_FILE),
      new File([serialized.weights as Uint8Array<ArrayBuffer>], serialized.config.weights.file),
    ];
    return this.use(await loadModel(files), name, serialized);
  }

  /**
   * The current weights, read from the backend that holds them: take it before switching backends,
   * then `restore` it on the new one (variables stay on the backend that made them).
   */
  async snapshot(): Promise<ModelSnapshot | null> {
    const m = this.active;
    if (!m) return null;
    const weights = new Map<string, Float32Array>();
    for (const spec of m.model.layout) {
      weights.set(spec.name, (await m.model.params[spec.name]!.data()) as Float32Array);
    }
    const schedule =
      m.schedule.kind === 'genmd4'
        ? {
            kind: 'genmd4' as const,
            eps: m.schedule.eps,
            rawExponents: Array.from(await m.schedule.rawExponents.data()),
          }
        : null;
    return { weights, schedule };
  }

  /** Rebuilds the current model from `snapshot` on the active backend. */
  restore(snapshot: ModelSnapshot | null): void {
    const m = this.active;
    if (!m || !snapshot) return;
    const model = createNetwork(m.model.config, { weights: snapshot.weights });
    let schedule = m.schedule;
    try {
      if (snapshot.schedule) schedule = genmd4ScheduleFromJSON(snapshot.schedule);
    } catch (error) {
      model.dispose();
      throw error;
    }
    m.model.dispose();
    if (schedule !== m.schedule) m.schedule.dispose();
    this.active = { ...m, model, schedule };
  }

  info(): ModelInfo {
    const { name, format, model, schedule, tokenizer, tokenStrings } = this.current;
    const c = model.config;
    const network = c.arch === 'ddit' ? 'DDiT' : 'MD4 transformer';
    return {
      name,
      format,
      arch: c.arch,
      tokenizer: tokenizer.id,
      vocabSize: model.vocabSize,
      maxLength: c.seqLen,
      parameters: model.parameterCount(),
      timeConditioned: model.timeConditioned,
      schedule: schedule.name,
      architecture: `${network}, ${plural(c.layers, 'layer')} × ${c.dModel} (${plural(c.heads, 'head')})`,
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

  /**
   * The current model as a .zip of its folder, for the CLI or for loading here again: an md4
   * checkpoint, or (for a model loaded from an MDLM folder) the MDLM hub folder.
   */
  async save(): Promise<{ bytes: ArrayBuffer; fileName: string }> {
    const m = this.current;
    let folder: string;
    let config: string;
    let weights: [string, Uint8Array];
    if (m.format === 'mdlm' && m.model instanceof DDiT) {
      folder = 'mdlm-model';
      const hub = await serializeMdlm(m.model, { tokenizer: m.tokenizer.id });
      config = hub.configJson;
      weights = [MDLM_WEIGHTS_FILE, hub.weights];
    } else {
      folder = 'md4-checkpoint';
      const serialized =
        m.serialized ??
        (await checkpointFromModel(m.model, {
          schedule: m.schedule,
          tokenizer: m.tokenizer.id,
          metadata: { ...m.checkpoint?.metadata, savedBy: '@md4/web' },
        }));
      config = serialized.configJson;
      weights = [serialized.config.weights.file, serialized.weights];
    }
    const zip = zipSync(
      {
        [`${folder}/${CONFIG_FILE}`]: new TextEncoder().encode(config),
        [`${folder}/${weights[0]}`]: [weights[1], { level: 0 }],
      },
      { mtime: new Date('2024-01-01T00:00:00Z') },
    );
    return { bytes: zip.buffer as ArrayBuffer, fileName: `${folder}.zip` };
  }
}
