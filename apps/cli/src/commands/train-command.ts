import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ComputedMatMulPrecision } from '@md4/backend-native';
import { makeDirectory, writeFileAtomic } from '@md4/core/node';
import { type BatchCursor, batches } from '@md4/datasets';
import {
  assertTrainingMemory,
  type Checkpoint,
  checkpointFromTrainer,
  learningRateAt,
  type NetworkConfig,
  NonFiniteLossError,
  restoreTrainer,
  type Trainer,
} from '@md4/models';
import { loadCheckpointDir } from '@md4/models/node';
import { setupBackend } from '../backend-setup';
import { InputError, UsageError } from '../cli-errors';
import { openData } from '../data-source';
import { DivergenceGuard } from '../divergence-guard';
import { InterruptSignals } from '../interrupt-signals';
import { trainingMemoryLimit } from '../machine-memory';
import { MetricsLog } from '../metrics-log';
import { architectureOf, freshTrainer } from '../model-setup';
import { TrainingProgress } from '../progress-bar';
import { acquireRunLock } from '../run-lock';
import { RunReports } from '../run-reports';
import { StagedCheckpoint } from '../staged-checkpoint';
import { TimeLimitFit } from '../time-limit-fit';
import { RUN_FILES, type TrainConfig } from '../train-config';
import { readMetrics } from '../training-curves';

export interface TrainOptions {
  resume: boolean;
  json: boolean;
  quiet: boolean;
}

/**
 * `md4 train`: trains a model on the configured data, with periodic validation ELBO, samples and
 * checkpoints, a checkpoint at the end and on Ctrl-C, and exact resumption (`--resume`).
 */
export async function trainCommand(config: TrainConfig, opts: TrainOptions): Promise<void> {
  // the precision is the training step's: evaluation and samples during training stay float32
  const { backend, precision, notice } = await setupBackend(config.backend, config.precision, 'resolve');
  const say = (line: string) => {
    if (!opts.quiet) process.stderr.write(`${line}\n`);
  };
  if (notice) say(notice);

  const checkpointDir = join(config.out, RUN_FILES.checkpoint);
  const hasCheckpoint = existsSync(join(checkpointDir, 'config.json'));
  if (hasCheckpoint && !opts.resume) {
    throw new UsageError(
      `${config.out} already holds a checkpoint; pass --resume to continue it, or choose another --out`,
    );
  }
  if (opts.resume && !hasCheckpoint) {
    throw new InputError(`--resume: no checkpoint in ${checkpointDir} to resume from`);
  }
  try {
    makeDirectory(config.out);
  } catch (error) {
    throw new InputError(`--out ${config.out}: ${(error as Error).message}; choose another --out`);
  }
  const lock = await acquireRunLock(config.out);
  try {
    await trainInFolder(config, opts, { backend, precision, say, checkpointDir });
  } finally {
    await lock.release();
  }
}

/** What a run was set up with: the backend and its products' precision, the log, the checkpoint folder. */
interface RunContext {
  backend: string;
  precision: ComputedMatMulPrecision;
  say: (line: string) => void;
  checkpointDir: string;
}

/** The run itself, with `config.out` locked. */
async function trainInFolder(config: TrainConfig, opts: TrainOptions, context: RunContext): Promise<void> {
  const { backend, precision, say, checkpointDir } = context;
  const { previous, data, run } = await startOrResume(config, opts, context);
  // The run's settings, which --resume takes back (a resumed run may have changed --steps).
  const saveConfig = (settings: TrainConfig) =>
    writeFileAtomic(join(config.out, RUN_FILES.config), `${JSON.stringify(settings, null, 2)}\n`);
  await saveConfig(config);
  const { trainer } = run;
  const model = trainer.model;
  const seqLen = model.config.seqLen;
  const metrics = await MetricsLog.open(
    join(config.out, RUN_FILES.metrics),
    previous ? trainer.completedSteps : null,
  );
  let stream: ReturnType<typeof batches>;
  try {
    stream = batches(data.train, {
      batchSize: config.batch,
      seed: config.seed,
      steps: config.steps,
      ...(run.cursor ? { start: run.cursor } : {}),
    });
  } catch (error) {
    run.dispose();
    data.close();
    // Only a resumed cursor can disagree with the settings (a run folder without train-config.json).
    throw new UsageError(
      `--resume: the data order cannot continue: ${(error as Error).message}; resume with the run's --seed and --batch`,
    );
  }
  say(
    `md4 train: ${model.parameterCount().toLocaleString()} parameters (${model.config.layers} layers x ${model.config.dModel}), ` +
      `${data.description}, schedule ${trainer.schedule.name}, backend ${backend} (${precision} products), ` +
      `${previous ? `resuming at step ${trainer.completedSteps}` : 'from scratch'} -> ${config.steps} steps`,
  );

  const progress = new TrainingProgress(config.steps, trainer.completedSteps, opts.quiet);
  const signals = new InterruptSignals(() =>
    progress.log('interrupted: finishing this step and writing a checkpoint (Ctrl-C again to quit now)'),
  );
  const checkpoint = new StagedCheckpoint(
    checkpointDir,
    () =>
      checkpointFromTrainer(trainer, {
        tokenizer: data.tokenizer.id,
        dataCursor: stream.cursor,
        metadata: { data: config.data, backend, precision },
      }),
    previous ? trainer.completedSteps : null,
  );
  const reports = new RunReports({ trainer, data, config, metrics, progress });

  const started = Date.now();
  const startStep = trainer.completedSteps;
  let plannedSteps = config.steps;
  const fit =
    config.fitTimeLimit && config.timeLimit != null
      ? new TimeLimitFit(config.timeLimit, startStep, config.steps)
      : null;
  let last = { loss: Number.NaN };
  const guard = new DivergenceGuard(data.tokenizer.vocabSize);
  const advice = () =>
    `${checkpoint.lastSaved != null ? `the checkpoint in ${checkpointDir} keeps step ${checkpoint.lastSaved}, the last state with a healthy loss` : 'no checkpoint with a healthy loss was written'}; ` +
    `resume or restart with a lower --lr (now ${config.lr}), a longer --warmup (now ${config.warmup}) or --clip`;
  try {
    for (const batch of stream) {
      let result: Awaited<ReturnType<Trainer['step']>>;
      try {
        result = await trainer.step(batch);
      } catch (error) {
        if (!(error instanceof NonFiniteLossError)) throw error;
        throw new UsageError(`training step ${error.step}: the loss or gradient is not finite; ${advice()}`);
      }
      if (result.nelbo > guard.bound) checkpoint.discard();
      else await checkpoint.commit();
      last = result;
      const seconds = (Date.now() - started) / 1000;
      const tokensPerSecond = ((result.step - startStep) * config.batch * seqLen) / seconds;
      progress.update(result.step, result.loss, tokensPerSecond);
      await metrics.append({
        step: result.step,
        split: 'train',
        bitsPerToken: result.nelbo,
        loss: result.loss,
        gradNorm: result.gradNorm,
        lr: result.lr,
        tokensPerSecond,
        precision,
      });
      guard.observe(result.step, result.nelbo, advice());
      const fitted = fit?.fitted(result.step, seconds) ?? null;
      if (fitted != null) {
        trainer.optimizer.replan(fitted);
        progress.setTotal(fitted);
        plannedSteps = fitted;
        await saveConfig({ ...config, steps: fitted });
        progress.log(
          `--fit-time-limit: ${(seconds / (result.step - startStep)).toFixed(3)} s a step, so ${fitted} of the ` +
            `${config.steps} steps fit in ${config.timeLimit} s; the learning-rate decay now ends at step ${fitted}`,
        );
      }
      const every = (n: number) => n > 0 && result.step % n === 0;
      if (every(config.evalEvery)) await reports.validate(result.step);
      if (every(config.sampleEvery)) await reports.showSample(result.step);
      if (every(config.checkpointEvery) && guard.healthy) await checkpoint.stage(result.step);
      if (signals.interrupted || result.step >= plannedSteps) break;
      if (config.timeLimit != null && seconds > config.timeLimit) {
        progress.log(`time limit of ${config.timeLimit} s reached at step ${result.step}`);
        break;
      }
    }
    progress.stop();
    const settled = await guard.settle(() => reports.liveBitsPerToken(), advice());
    if (settled != null) {
      progress.log(
        `step ${trainer.completedSteps}'s batch scored above ${guard.bound.toFixed(2)} bits/token, but the final ` +
          `weights score ${settled.toFixed(4)} on the validation split: a noisy batch, not divergence`,
      );
    }
    await checkpoint.stage(trainer.completedSteps);
    await checkpoint.commit();
    const seconds = (Date.now() - started) / 1000;
    const summary = {
      step: trainer.completedSteps,
      plannedSteps,
      trainBitsPerToken: last.loss,
      seconds,
      tokensPerSecond: ((trainer.completedSteps - startStep) * config.batch * seqLen) / seconds,
      checkpoint: checkpointDir,
      interrupted: signals.interrupted,
    };
    if (signals.interrupted) {
      say(`checkpoint written to ${checkpointDir} at step ${trainer.completedSteps}; continue with --resume`);
      process.exitCode = signals.exitCode;
    } else {
      const valid = await reports.validate(trainer.completedSteps);
      Object.assign(summary, { validBitsPerToken: valid.bitsPerToken, validStderr: valid.stderr });
      await reports.showSample(trainer.completedSteps);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      say(
        `done: step ${summary.step}, ${summary.tokensPerSecond.toFixed(0)} tokens/s, checkpoint ${checkpointDir}`,
      );
  } finally {
    progress.stop();
    signals.dispose();
    run.dispose();
    data.close();
  }
}

/** The trainer to run: restored from the checkpoint with --resume (checked against the data), else new. */
async function startOrResume(
  config: TrainConfig,
  opts: TrainOptions,
  { backend, precision, say, checkpointDir }: RunContext,
): Promise<{
  previous: Checkpoint | null;
  data: Awaited<ReturnType<typeof openData>>;
  run: { trainer: Trainer; dispose(): void; cursor: BatchCursor | undefined };
}> {
  const previous = opts.resume
    ? replanned(await loadCheckpointDir(checkpointDir), config, say, await finalEvaluationDone(config))
    : null;
  const modelConfig = previous?.config.model;
  const data = await openData(config.data, {
    length: modelConfig?.seqLen ?? config.seqLength ?? defaultSeqLen(config),
    tokenizer: config.tokenizer,
  });
  let run: { trainer: Trainer; dispose(): void; cursor: BatchCursor | undefined };
  if (previous) {
    if (previous.config.tokenizer !== data.tokenizer.id) {
      throw new InputError(
        `the checkpoint in ${checkpointDir} was trained on tokenizer "${previous.config.tokenizer}", ` +
          `but --data ${config.data} gives "${data.tokenizer.id}"; resume with the same data`,
      );
    }
    checkTrainingMemory(previous.config.model, config, backend);
    const restored = restoreTrainer(previous, {
      precision,
      checkpointActivations: config.checkpointActivations,
    });
    run = {
      trainer: restored.trainer,
      dispose: restored.disposeAll,
      cursor: restored.dataCursor as BatchCursor | undefined,
    };
  } else {
    const imageLength = data.tokenizer.kind === 'image' ? data.train.length : undefined;
    const architecture = architectureOf(config, data.tokenizer.vocabSize, imageLength);
    checkTrainingMemory(architecture, config, backend);
    run = { ...freshTrainer(config, architecture, precision), cursor: undefined };
  }
  return { previous, data, run };
}

/**
 * The checkpoint to resume, with its learning-rate plan ending at `config.steps`: a run extended
 * with a larger --steps gets its cosine decay re-planned to end there (said in one line), where the
 * old plan would train every added step at the floor. A run that already did `config.steps` steps
 * and recorded its final evaluation has nothing to do, which is a UsageError saying how to extend
 * it; one stopped after its last step but before that evaluation (killed, or interrupted at the
 * last step) resumes to do it.
 */
function replanned(
  checkpoint: Checkpoint,
  config: TrainConfig,
  say: (line: string) => void,
  finalEvaluationDone: (step: number) => boolean,
): Checkpoint {
  const training = checkpoint.config.training;
  if (training == null) return checkpoint; // restoreTrainer says it cannot resume this
  if (training.step >= config.steps && finalEvaluationDone(training.step)) {
    throw new UsageError(
      `the run in ${config.out} has done ${training.step} steps, and --steps is ${config.steps}; ` +
        `to train further pass a larger --steps with --resume (the learning-rate decay is re-planned to end there)`,
    );
  }
  const planned = training.optimizer.totalSteps;
  if (planned == null || planned === config.steps) return checkpoint;
  const optimizer = { ...training.optimizer, totalSteps: config.steps };
  say(
    `--steps ${config.steps}: the run was planned for ${planned} steps; its learning-rate decay now ends at step ` +
      `${config.steps} (lr ${learningRateAt(optimizer, training.step).toExponential(3)} at step ${training.step + 1})`,
  );
  return { ...checkpoint, config: { ...checkpoint.config, training: { ...training, optimizer } } };
}

/** Whether the run's metrics.jsonl holds the validation a run writes when it finishes at `step`. */
async function finalEvaluationDone(config: TrainConfig): Promise<(step: number) => boolean> {
  const path = join(config.out, RUN_FILES.metrics);
  const records = existsSync(path) ? await readMetrics(path) : [];
  return (step) => records.some((r) => r.split === 'valid' && r.step === step);
}

/** Refuses, before anything is allocated, a step estimated not to fit (see assertTrainingMemory). */
function checkTrainingMemory(architecture: NetworkConfig, config: TrainConfig, backend: string): void {
  const { batch, checkpointActivations } = config;
  try {
    // the native backend runs @md4/core's fused kernels, which keep fewer intermediates
    assertTrainingMemory(architecture, batch, {
      kernels: backend === 'native' ? 'fused' : 'composed',
      checkpointActivations,
      limit: trainingMemoryLimit(backend),
    });
  } catch (error) {
    const lower = `lower --batch, --seq-length, or the model's size (--preset, --layers, --dim)`;
    throw new UsageError(
      `--batch ${batch}: ${(error as Error).message}; ` +
        (checkpointActivations ? lower : `add --checkpoint-activations, or ${lower}`),
    );
  }
}

function defaultSeqLen(config: TrainConfig): number {
  return config.preset === 'tiny' ? 128 : 256;
}
