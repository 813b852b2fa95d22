import { createRng } from '@md4/core';
import type { Network, Trainer } from '@md4/models';
import type { DataSplits } from './data-source';
import { evaluateSplit } from './evaluation';
import type { MetricsLog } from './metrics-log';
import { drawSamples } from './model-samples';
import type { TrainingProgress } from './progress-bar';
import { decodeForPeople } from './render-tokens';

/**
 * What a training run reports along the way: the validation ELBO (an autoregressive model: its exact
 * likelihood) of the EMA model (logged and
 * recorded in metrics.jsonl, computed once per step however often it is asked for) and a sample
 * (text data only), each seeded from the run's seed so a resumed run reports the same.
 */
export class RunReports {
  private readonly validations = new Map<number, Awaited<ReturnType<typeof evaluateSplit>>>();

  constructor(
    private readonly run: {
      trainer: Trainer;
      data: DataSplits;
      config: { batch: number; evalBatches: number; seed: number };
      metrics: MetricsLog;
      progress: TrainingProgress;
    },
  ) {}

  /** The validation estimate after `step`. */
  async validate(step: number): Promise<Awaited<ReturnType<typeof evaluateSplit>>> {
    const done = this.validations.get(step);
    if (done) return done;
    const { trainer, metrics, progress } = this.run;
    const estimate = await this.estimateValidation(trainer.evalModel());
    await metrics.append({
      step,
      split: 'valid',
      bitsPerToken: estimate.bitsPerToken,
      stderr: estimate.stderr,
    });
    progress.log(
      `step ${step}: valid ${estimate.bitsPerToken.toFixed(4)} ± ${estimate.stderr.toFixed(4)} bits/token`,
    );
    this.validations.set(step, estimate);
    return estimate;
  }

  /**
   * The live (not EMA) weights' validation NELBO in bits/token, not recorded in the metrics: what
   * judges a run that ended on a suspect step (`DivergenceGuard.settle`).
   */
  async liveBitsPerToken(): Promise<number> {
    return (await this.estimateValidation(this.run.trainer.model)).bitsPerToken;
  }

  /** `model`'s ELBO on the validation split: --eval-batches batches, the run's evaluation seed. */
  private estimateValidation(model: Network): ReturnType<typeof evaluateSplit> {
    const { trainer, data, config } = this.run;
    return evaluateSplit(model, data.valid, {
      schedule: trainer.schedule,
      batchSize: config.batch,
      maxBatches: config.evalBatches,
      seed: config.seed + 1,
    });
  }

  /** Logs a sample of the EMA model after `step` (text data only). */
  async showSample(step: number): Promise<void> {
    const { trainer, data, config, progress } = this.run;
    if (data.tokenizer.kind !== 'text') return;
    const seqLen = trainer.model.config.seqLen;
    const {
      tokens: [tokens],
    } = await drawSamples(trainer.evalModel(), {
      count: 1,
      length: seqLen,
      steps: Math.min(seqLen, 128),
      schedule: trainer.schedule,
      rng: createRng(config.seed + step),
    });
    progress.log(`step ${step} sample: ${decodeForPeople(data.tokenizer, tokens!)}`);
  }
}
