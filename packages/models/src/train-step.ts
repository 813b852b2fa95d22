import {
  assertTfjsSetUp,
  createRng,
  type MatMulPrecision,
  type SeededRng,
  withMatMulPrecision,
} from '@md4/core';
import { autoregressiveLoss, type CleanBatch, maskedDiffusionLoss, type TrainingLoss } from '@md4/elbo';
import type { Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, type AdamWConfig } from './adamw';
import type { TrainingView } from './denoising-network';
import { ExponentialMovingAverage } from './ema';
import { leanVariableGrads } from './lean-variable-grads';
import type { Network } from './network-config';
import { NonFiniteLossError } from './non-finite-error';

/** Name of the GenMD4 schedule's raw exponents among the trained variables (and in checkpoints). */
export const SCHEDULE_PARAM = 'schedule.raw_exponents';

/**
 * The objective a trainer optimises: MD4's ELBO or GenMD4's (by the schedule's kind), or for a
 * causal network the autoregressive log-likelihood ('ar').
 */
export type LossKind = 'md4' | 'genmd4' | 'ar';

/** The objective that fits a model and schedule: 'ar' for a causal network, else by the schedule's kind. */
export function objectiveOf(model: Network, schedule: Schedule): LossKind {
  if (model.config.arch === 'md4' && model.config.causal) return 'ar';
  return schedule.kind === 'genmd4' ? 'genmd4' : 'md4';
}

/** Options of `createTrainer` / `new Trainer`: the model and schedule to train, and how. */
export interface TrainerOptions {
  /** The network to train; borrowed, its variables updated in place. */
  model: Network;
  /**
   * A scalar schedule (MD4 loss) or a GenMD4 `StateDependentSchedule` (GenMD4 loss; its w is
   * trained). A causal model trains the autoregressive loss, which has no schedule: a scalar one is
   * kept (checkpoints record it) and not used.
   */
  schedule: Schedule;
  /** AdamW and learning-rate settings (defaults: `resolveAdamW`). */
  optimizer?: AdamWConfig | undefined;
  /** EMA decay (default 0.9999); 0 turns the EMA off. */
  emaDecay?: number | undefined;
  /** Seed of the trainer's generator (times, masks, dropout); default 0. Ignored when `rng` is given. */
  seed?: number | undefined;
  /** The generator itself (e.g. restored from a checkpoint); the trainer advances it. */
  rng?: SeededRng | undefined;
  /** MD4 only: a finite number of timesteps T (discrete-time ELBO); default continuous time. */
  timesteps?: number | undefined;
  /**
   * The objective (default: `@md4/elbo`'s `maskedDiffusionLoss(schedule, { timesteps })`, MD4's or
   * GenMD4's loss by the schedule's kind). Another loss of the same type trains the same way; the
   * trainer trains the model's variables and a GenMD4 schedule's exponents.
   */
  loss?: TrainingLoss<TrainingView> | undefined;
  /**
   * The precision of the step's matrix products, forward and backward (@md4/core's
   * `withMatMulPrecision`): honoured by the native backend ('bf16': bfloat16 operands, float32
   * accumulation; weights, gradients and optimizer state stay float32), float32 on the others.
   * Default: the backend's own setting.
   */
  precision?: MatMulPrecision | undefined;
  /**
   * Recompute each block's forward pass in the backward pass instead of keeping its intermediates
   * (ForwardOptions.checkpointActivations): the same gradients, far less memory per token, about
   * one more forward pass of time. Default false.
   */
  checkpointActivations?: boolean | undefined;
}

/** What one training step reports (plain numbers). */
export interface StepResult {
  /** The step just completed (1 after the first update). */
  step: number;
  /** The optimised loss in bits/token (MD4: the NELBO estimate; GenMD4: the surrogate, whose value is the NELBO). */
  loss: number;
  /** The NELBO estimate in bits/token. */
  nelbo: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Learning rate used. */
  lr: number;
}

/**
 * One object that owns everything training changes: AdamW moments, the EMA, the step count and the
 * generator. The model (and a GenMD4 schedule) are borrowed and updated in place.
 */
export class Trainer {
  /** The network being trained (borrowed; its variables are updated in place). */
  readonly model: Network;
  /** The masking schedule (borrowed; a GenMD4 schedule's raw exponents are trained too). */
  readonly schedule: Schedule;
  /** The schedule's kind of loss, as checkpoints record it. */
  readonly objective: LossKind;
  /** The loss function each step differentiates (`TrainerOptions.loss`, or the schedule's default). */
  readonly loss: TrainingLoss<TrainingView>;
  /** The AdamW optimizer; owned by the trainer, its moments freed by `dispose()`. */
  readonly optimizer: AdamW;
  /** The EMA of the network's parameters, or null when `emaDecay` is 0; owned by the trainer. */
  readonly ema: ExponentialMovingAverage | null;
  /** The discrete-time T of the default loss, or null for continuous time. */
  readonly timesteps: number | null;
  /** The trainer's generator (times, masks, dropout); each step forks it, so it advances per step. */
  readonly rng: SeededRng;
  /** The precision requested for the step's matrix products; undefined: the backend's own setting. */
  readonly precision: MatMulPrecision | undefined;
  /** Whether blocks are recomputed in the backward pass (`TrainerOptions.checkpointActivations`). */
  readonly checkpointActivations: boolean;
  private readonly named: Map<string, tf.Variable>;

  constructor(options: TrainerOptions) {
    const { model, schedule } = options;
    this.model = model;
    this.schedule = schedule;
    this.objective = objectiveOf(model, schedule);
    if (this.objective === 'ar' && (schedule.kind === 'genmd4' || options.timesteps != null)) {
      throw new RangeError(
        'trainer: a causal (autoregressive) model trains its exact likelihood: no GenMD4 schedule and no timesteps',
      );
    }
    if (schedule.kind === 'genmd4') {
      if (schedule.vocabSize !== model.vocabSize) {
        throw new RangeError(
          `trainer: the GenMD4 schedule has ${schedule.vocabSize} exponents but the model's vocabSize is ${model.vocabSize}`,
        );
      }
      if (options.timesteps != null)
        throw new Error('trainer: `timesteps` (discrete time) applies to the MD4 loss only');
    }
    if ('steps' in options) {
      throw new TypeError(
        'trainer: the discrete-time T is named timesteps now; write timesteps instead of steps',
      );
    }
    this.timesteps = options.timesteps ?? null;
    this.loss =
      options.loss ??
      (this.objective === 'ar'
        ? (m, x0) => autoregressiveLoss(m, x0)
        : maskedDiffusionLoss(schedule, { timesteps: options.timesteps }));
    this.precision = options.precision;
    this.checkpointActivations = options.checkpointActivations ?? false;
    this.optimizer = new AdamW(options.optimizer);
    this.rng = options.rng ?? createRng(options.seed ?? 0);
    this.named = new Map(model.layout.map((s) => [s.name, model.params[s.name]!]));
    const decay = options.emaDecay ?? 0.9999;
    this.ema = decay > 0 ? new ExponentialMovingAverage(this.named, decay) : null;
    if (schedule.kind === 'genmd4') this.named.set(SCHEDULE_PARAM, schedule.rawExponents);
  }

  /** Updates applied so far. */
  get completedSteps(): number {
    return this.optimizer.step;
  }

  /** The trained variables by name (network parameters, plus the GenMD4 schedule's raw exponents). */
  variables(): ReadonlyMap<string, tf.Variable> {
    return this.named;
  }

  /** The network to evaluate and sample with: the EMA weights when kept, else the live weights. */
  evalModel(): Network {
    return this.ema == null ? this.model : this.model.withParams(this.ema.shadow);
  }

  /**
   * One step: loss on the clean batch x0 (the sequences, which need no readback from the device, or
   * an int32 [B, L] tensor, borrowed, whose values are read back once), gradients, NaN/Inf check,
   * clipping, AdamW, EMA. Throws `NonFiniteLossError` if the loss or a gradient is not finite,
   * before any weight, optimizer moment or EMA is touched; the trainer's generator has advanced,
   * so a retry of the same batch draws new times and masks.
   */
  async step(x0: CleanBatch): Promise<StepResult> {
    assertTfjsSetUp('trainer.step', { gradients: true });
    const stepRng = this.rng.fork();
    const lossRng = stepRng.fork();
    const denoiser =
      this.model.config.dropout > 0 || this.checkpointActivations
        ? this.model.training(stepRng.fork(), { checkpointActivations: this.checkpointActivations })
        : this.model;
    const varList = [...this.named.values()];
    const byId = new Map(varList.map((v) => [v.name, v]));
    let nelbo: tf.Scalar | null = null;
    let value: tf.Scalar | null = null;
    let grads: tf.NamedTensorMap = {};
    let stats: tf.Tensor | null = null;
    try {
      const result = withMatMulPrecision(this.precision, () =>
        leanVariableGrads(() => {
          const r = this.loss(denoiser, x0, lossRng);
          nelbo = tf.keep(r.nelbo);
          tf.dispose([r.perSequence, r.reconstruction]);
          return r.loss;
        }, varList),
      );
      value = result.value;
      grads = result.grads;
      const gradNormT = tf.tidy(() =>
        // Pairwise adds, not addN: WebGPU's AddN binds one storage buffer per input, and more than
        // the per-stage limit of 8 fails validation silently (every value reads back 0).
        tf.sqrt(
          Object.values(grads).reduce<tf.Tensor>(
            (total, g) => tf.add(total, tf.sum(tf.square(g))),
            tf.scalar(0),
          ),
        ),
      );
      stats = tf.tidy(() => tf.stack([value!, gradNormT, nelbo!]));
      gradNormT.dispose();
      const [loss, gradNorm, nelboValue] = Array.from(await stats.data());
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        throw new NonFiniteLossError(this.completedSteps + 1, loss!, gradNorm!);
      }
      const clipNorm = this.optimizer.config.clipNorm;
      const gradScale = clipNorm != null ? Math.min(1, clipNorm / (gradNorm! + 1e-6)) : 1;
      const named = new Map<string, tf.Tensor>();
      for (const [name, v] of this.named) {
        const g = grads[v.name];
        if (g == null || byId.get(v.name) == null) throw new Error(`trainer: no gradient for "${name}"`);
        named.set(name, g);
      }
      const matricesOnly = this.optimizer.config.decayOn === 'matrices';
      const lr = this.optimizer.apply(this.named, named, {
        gradScale,
        decay: (name) => name !== SCHEDULE_PARAM && (!matricesOnly || this.named.get(name)!.rank >= 2),
      });
      if (this.ema != null) this.ema.update(this.modelParams());
      return { step: this.completedSteps, loss: loss!, nelbo: nelboValue!, gradNorm: gradNorm!, lr };
    } finally {
      tf.dispose([value as tf.Tensor | null, nelbo as tf.Tensor | null, stats, grads] as tf.TensorContainer);
    }
  }

  private modelParams(): Map<string, tf.Variable> {
    const m = new Map(this.named);
    m.delete(SCHEDULE_PARAM);
    return m;
  }

  /** Frees the optimizer moments and the EMA (the model and schedule are the caller's). */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
  }
}

/**
 * A Trainer for `options.model` and `options.schedule` (the same as `new Trainer(options)`): AdamW,
 * an EMA (decay 0.9999 unless set) and a generator seeded by `options.seed` (default 0). The trainer
 * owns what it creates; call `dispose()` when done.
 */
export function createTrainer(options: TrainerOptions): Trainer {
  return new Trainer(options);
}
