import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  type CheckpointConfig,
  CheckpointError,
  CONFIG_FILE,
  MODEL_METADATA_KEY,
  TENSOR_PREFIX,
  type TrainingState,
} from './checkpoint-format';
import { crc32 } from './crc32';
import { configDifferences, networkLayout, resolveNetworkConfig } from './network-config';
import { decodeSafetensors } from './safetensors';

export function parseConfig(config: string | object): CheckpointConfig {
  let c: CheckpointConfig;
  if (typeof config === 'string') {
    try {
      c = JSON.parse(config);
    } catch {
      throw new CheckpointError(`${CONFIG_FILE} is not valid JSON (truncated or corrupted?)`);
    }
  } else {
    c = config as CheckpointConfig;
  }
  if (c == null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${CONFIG_FILE} is not an md4 checkpoint config (format must be "${CHECKPOINT_FORMAT}")`,
    );
  }
  if (c.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `checkpoint format version ${c.version} is not supported by this @md4/models (reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (c.weights == null || typeof c.weights.file !== 'string' || typeof c.weights.crc32 !== 'string') {
    throw new CheckpointError(
      `${CONFIG_FILE}: the "weights" entry (file, bytes, crc32) is missing or malformed`,
    );
  }
  if (c.training != null) c.training = upgradeTrainingState(c.training);
  try {
    c.model = resolveNetworkConfig(c.model);
  } catch (error) {
    throw new CheckpointError(`${CONFIG_FILE}: bad model architecture: ${(error as Error).message}`);
  }
  return c;
}

/** A training state as older md4 wrote it (`steps` for the discrete-time T) in today's form. */
function upgradeTrainingState(training: TrainingState): TrainingState {
  if (!('steps' in training)) return training;
  const { steps, ...rest } = training as TrainingState & { steps: number | null };
  return { ...rest, timesteps: rest.timesteps ?? steps };
}

/**
 * Parses and validates a checkpoint: config.json (text or object) and the safetensors bytes.
 * Checks the size and CRC-32 recorded in the config (a truncated, corrupted or mismatched weights
 * file is named as such), decodes the tensors, and checks that every tensor the architecture needs
 * is present with the right shape (and, for training checkpoints, the EMA and optimizer tensors).
 */
export function parseCheckpoint(config: string | object, weights: Uint8Array | ArrayBuffer): Checkpoint {
  const c = parseConfig(config);
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  if (bytes.length !== c.weights.bytes) {
    throw new CheckpointError(
      `${c.weights.file} has ${bytes.length} bytes but ${CONFIG_FILE} records ${c.weights.bytes}: ` +
        (bytes.length < c.weights.bytes ? 'the file is truncated' : 'it belongs to a different checkpoint'),
    );
  }
  const crc = crc32(bytes);
  if (crc !== c.weights.crc32) {
    throw new CheckpointError(
      `${c.weights.file} is corrupted or belongs to another checkpoint: CRC-32 ${crc}, expected ${c.weights.crc32}`,
    );
  }
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    throw new CheckpointError(`${c.weights.file}: ${(error as Error).message}`);
  }
  const { tensors } = decoded;
  const expectShape = (name: string, shape: number[]) => {
    const t = tensors.get(name);
    if (t == null)
      throw new CheckpointError(`checkpoint is missing tensor "${name}" that the architecture needs`);
    if (t.dtype !== 'F32')
      throw new CheckpointError(`checkpoint tensor "${name}" is ${t.dtype}, expected F32`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new CheckpointError(
        `architecture mismatch: tensor "${name}" has shape [${t.shape}] but the architecture in ${CONFIG_FILE} ` +
          `(layers ${c.model.layers}, dModel ${c.model.dModel}, heads ${c.model.heads}, vocabSize ${c.model.vocabSize}) ` +
          `needs [${shape}]`,
      );
    }
  };
  const layout = networkLayout(c.model);
  for (const s of layout) expectShape(s.name, s.shape);
  if (c.training != null) {
    if (c.training.emaDecay != null) for (const s of layout) expectShape(TENSOR_PREFIX.ema + s.name, s.shape);
    if (c.training.step > 0) {
      for (const s of layout) {
        expectShape(TENSOR_PREFIX.adamM + s.name, s.shape);
        expectShape(TENSOR_PREFIX.adamV + s.name, s.shape);
      }
    }
  }
  // shape-preserving edits (heads, seqLen, ropeTheta, ...) are caught here
  const recorded = decoded.metadata[MODEL_METADATA_KEY];
  if (recorded != null) {
    let differences: string[];
    try {
      const model = resolveNetworkConfig(JSON.parse(recorded));
      differences = configDifferences(c.model, model, [CONFIG_FILE, 'weights']);
    } catch {
      differences = ['the architecture recorded with the weights is unreadable'];
    }
    if (differences.length > 0) {
      throw new CheckpointError(
        `${CONFIG_FILE} does not describe the model its weights were saved with (${differences.join('; ')}); ` +
          `it was edited or belongs to another checkpoint: restore the original ${CONFIG_FILE}`,
      );
    }
  }
  return { config: c, tensors, metadata: decoded.metadata };
}
