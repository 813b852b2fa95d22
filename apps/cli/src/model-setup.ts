import type { MatMulPrecision } from '@md4/core';
import {
  createNetwork,
  createTrainer,
  type NetworkConfig,
  PRESETS,
  type PresetName,
  preset,
  resolveNetworkConfig,
  type Trainer,
  type TransformerConfig,
} from '@md4/models';
import { genmd4Schedule, parseSchedule, type Schedule } from '@md4/schedules';
import { UsageError } from './cli-errors';
import { isGenmd4, type TrainConfig } from './train-config';

/** Width of DDiT's conditioning vector when --cond-dim is not given (mdlm-owt's). */
const DEFAULT_COND_DIM = 128;

/**
 * The architecture `md4 train` builds: a preset's size with the config's overrides and the data's
 * vocabulary, as an md4 transformer (causal for `--objective ar`) or (`--arch ddit`) MDLM's DDiT of
 * the same size.
 */
export function architectureOf(config: TrainConfig, vocabSize: number, imageSeqLen?: number): NetworkConfig {
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
  if (config.objective === 'ar') {
    if (config.arch !== 'md4') {
      throw new UsageError(
        '--objective ar trains the md4 transformer with causal attention; drop --arch ddit',
      );
    }
    if (config.timeConditioned === true) {
      throw new UsageError(
        '--objective ar: an autoregressive network has no time to condition on; drop --time-conditioned',
      );
    }
    if (isGenmd4(config)) {
      throw new UsageError('--objective ar has no masking schedule to learn; drop --schedule genmd4');
    }
    overrides.causal = true;
  }
  const md4 = preset(config.preset as PresetName, overrides);
  checkHeads(md4.dModel, md4.heads);
  if (config.condDim != null && config.arch !== 'ddit')
    throw new UsageError('--cond-dim applies to --arch ddit only');
  try {
    switch (config.arch) {
      case 'md4':
        return resolveNetworkConfig(md4);
      case 'ddit':
        if ((md4.tokensPerPosition ?? 1) !== 1) {
          throw new UsageError(
            `--arch ddit: preset ${config.preset} groups tokens, which DDiT does not; pick a text preset`,
          );
        }
        return resolveNetworkConfig({
          arch: 'ddit',
          vocabSize,
          seqLen: md4.seqLen,
          layers: md4.layers,
          dModel: md4.dModel,
          heads: md4.heads,
          condDim: config.condDim ?? DEFAULT_COND_DIM,
          ...(md4.timeConditioned != null ? { timeConditioned: md4.timeConditioned } : {}),
          ...(md4.dropout != null ? { dropout: md4.dropout } : {}),
        });
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`model: ${(error as Error).message}`);
  }
}

/** Width and heads must split into even per-head widths (rotary embeddings turn channel pairs). */
function checkHeads(dim: number, heads: number): void {
  if (dim % heads === 0 && (dim / heads) % 2 === 0) return;
  const fitting: number[] = [];
  for (let h = 1; h <= dim && fitting.length < 8; h++)
    if (dim % h === 0 && (dim / h) % 2 === 0) fitting.push(h);
  const problem =
    dim % heads !== 0
      ? `--heads ${heads} does not divide the width --dim ${dim} (each head takes dim / heads channels)`
      : `--dim ${dim} / --heads ${heads} gives ${dim / heads} channels per head, which must be even for rotary embeddings`;
  throw new UsageError(`${problem}; heads that fit width ${dim}: ${fitting.join(', ')}`);
}

/** A fresh model, schedule and trainer for `config`, its steps' products in `precision`. */
export function freshTrainer(
  config: TrainConfig,
  architecture: NetworkConfig,
  precision: MatMulPrecision,
): { trainer: Trainer; dispose(): void } {
  const model = createNetwork(architecture, { seed: config.seed });
  let schedule: Schedule;
  try {
    schedule = isGenmd4(config) ? genmd4Schedule(architecture.vocabSize) : parseSchedule(config.schedule);
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
    precision,
    checkpointActivations: config.checkpointActivations,
  });
  return {
    trainer,
    dispose() {
      trainer.dispose();
      model.dispose();
      schedule.dispose();
    },
  };
}
