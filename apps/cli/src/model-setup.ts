import {
  createTrainer,
  createTransformer,
  PRESETS,
  type PresetName,
  preset,
  type Trainer,
  type TransformerConfig,
} from '@md4/models';
import { genmd4Schedule, parseSchedule, type StateDependentSchedule } from '@md4/schedules';
import { UsageError } from './cli-errors';
import type { TrainConfig } from './train-config';

/** The architecture `md4 train` builds: a preset with the config's overrides and the data's vocabulary. */
export function architectureOf(
  config: TrainConfig,
  vocabSize: number,
  imageSeqLen?: number,
): TransformerConfig {
  if (!(config.preset in PRESETS)) {
    throw new UsageError(
      `unknown model preset "${config.preset}"; expected one of ${Object.keys(PRESETS).join(', ')}`,
    );
  }
  const overrides: Partial<TransformerConfig> = { vocabSize };
  if (config.layers != null) overrides.layers = config.layers;
  if (config.dim != null) overrides.dModel = config.dim;
  if (config.heads != null) overrides.heads = config.heads;
  if (config.seqLength != null) overrides.seqLen = config.seqLength;
  if (imageSeqLen != null) overrides.seqLen = imageSeqLen;
  if (config.dropout != null) overrides.dropout = config.dropout;
  if (config.timeConditioned != null) overrides.timeConditioned = config.timeConditioned;
  return preset(config.preset as PresetName, overrides);
}

/** A fresh model, schedule and trainer for `config`. */
export function freshTrainer(
  config: TrainConfig,
  architecture: TransformerConfig,
): { trainer: Trainer; dispose(): void } {
  const model = createTransformer(architecture, { seed: config.seed });
  let schedule: ReturnType<typeof parseSchedule> | StateDependentSchedule;
  try {
    schedule = config.genmd4 ? genmd4Schedule(architecture.vocabSize) : parseSchedule(config.schedule);
  } catch (error) {
    model.dispose();
    throw new UsageError(`--schedule: ${(error as Error).message}`);
  }
  const trainer = createTrainer({
    model,
    schedule,
    optimizer: {
      lr: config.lr,
      warmupSteps: config.warmup,
      totalSteps: config.steps,
      weightDecay: config.weightDecay,
      clipNorm: config.clip ?? null,
    },
    emaDecay: config.ema,
    seed: config.seed,
  });
  return {
    trainer,
    dispose() {
      trainer.dispose();
      model.dispose();
      if (config.genmd4) (schedule as StateDependentSchedule).dispose();
    },
  };
}
