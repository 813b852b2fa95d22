import { ADAMW_UPDATE_KERNEL, type AdamWUpdateAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { type LearningRateConfig, learningRateAt } from './learning-rate';
import type { Resolved } from './resolved-type';

/** AdamW settings (JSON-serialisable; stored in checkpoints). */
export interface AdamWConfig extends LearningRateConfig {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999 (the paper's setting). */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number | undefined;
  /** Decoupled weight decay (default 0.03, as the reference and torch_md4.py). */
  weightDecay?: number | undefined;
  /** Which parameters decay: 'all' (default, as torch.optim.AdamW) or 'matrices' (not biases/norm scales). */
  decayOn?: 'all' | 'matrices' | undefined;
  /** Clip gradients to this global L2 norm (default null: no clipping). */
  clipNorm?: number | null | undefined;
}

/** AdamWConfig with every default filled in (what `AdamW#config` holds and checkpoints store). */
export type ResolvedAdamWConfig = Resolved<AdamWConfig>;

/**
 * Fills in AdamWConfig's defaults (lr 3e-4, no warmup, constant rate, beta1 0.9, beta2 0.999,
 * eps 1e-8, weightDecay 0.03 on all parameters, no clipping) and validates the result.
 *
 * @throws RangeError naming the first setting out of range.
 */
export function resolveAdamW(config: AdamWConfig = {}): ResolvedAdamWConfig {
  const c: ResolvedAdamWConfig = {
    lr: config.lr ?? 3e-4,
    warmupSteps: config.warmupSteps ?? 0,
    totalSteps: config.totalSteps ?? null,
    minLrRatio: config.minLrRatio ?? 0,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    eps: config.eps ?? 1e-8,
    weightDecay: config.weightDecay ?? 0.03,
    decayOn: config.decayOn ?? 'all',
    clipNorm: config.clipNorm ?? null,
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`AdamW: ${what}`);
  };
  check(c.lr >= 0 && Number.isFinite(c.lr), `lr must be a finite number >= 0, got ${c.lr}`);
  check(
    Number.isInteger(c.warmupSteps) && c.warmupSteps >= 0,
    `warmupSteps must be an integer >= 0, got ${c.warmupSteps}`,
  );
  check(
    c.totalSteps == null || (Number.isInteger(c.totalSteps) && c.totalSteps > 0),
    `totalSteps must be a positive integer or null`,
  );
  check(c.minLrRatio >= 0 && c.minLrRatio <= 1, `minLrRatio must lie in [0, 1], got ${c.minLrRatio}`);
  check(c.beta1 >= 0 && c.beta1 < 1, `beta1 must lie in [0, 1), got ${c.beta1}`);
  check(c.beta2 >= 0 && c.beta2 < 1, `beta2 must lie in [0, 1), got ${c.beta2}`);
  check(c.eps > 0, `eps must be > 0, got ${c.eps}`);
  check(c.weightDecay >= 0, `weightDecay must be >= 0, got ${c.weightDecay}`);
  check(
    c.decayOn === 'all' || c.decayOn === 'matrices',
    `decayOn must be "all" or "matrices", got ${c.decayOn}`,
  );
  check(c.clipNorm == null || c.clipNorm > 0, `clipNorm must be > 0 or null, got ${c.clipNorm}`);
  return c;
}

/**
 * AdamW (Loshchilov & Hutter 2019) in the form of torch.optim.AdamW. For step k = 1, 2, ... and
 * gradient g (already multiplied by the clip factor):
 *   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *   p = p (1 - lr wd) - lr (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps)
 * Moments are float32 variables owned by the optimizer.
 */
export class AdamW {
  /** The settings in use, defaults filled in (`replan` changes where the decay ends). */
  config: Readonly<ResolvedAdamWConfig>;
  /** Updates applied so far. */
  step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(config: AdamWConfig = {}) {
    this.config = resolveAdamW(config);
  }

  /**
   * Moves the end of the cosine decay to `totalSteps` from the next update on (peak, warmup and
   * floor unchanged): a run shortened or lengthened while it trains keeps a schedule that ends
   * where it now ends. Moments and the step count are untouched.
   *
   * @throws RangeError unless totalSteps is a positive integer.
   */
  replan(totalSteps: number): void {
    this.config = resolveAdamW({ ...this.config, totalSteps });
  }

  /** The learning rate of the next update. */
  learningRate(step = this.step): number {
    return learningRateAt(this.config, step);
  }

  /**
   * Applies one update to `params` (name -> variable) from `grads` (name -> gradient; borrowed).
   * `gradScale` multiplies every gradient (the clip factor); `decay(name)` selects weight decay.
   * Returns the learning rate used.
   */
  apply(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    opts: { gradScale?: number | undefined; decay?: (name: string) => boolean } = {},
  ): number {
    const { beta1: b1, beta2: b2, eps, weightDecay } = this.config;
    const lr = this.learningRate();
    const k = this.step + 1;
    const bc1 = 1 - b1 ** k;
    const bc2 = 1 - b2 ** k;
    const scale = opts.gradScale ?? 1;
    // One fused pass per parameter where the backend has the kernel (same float32 formula).
    const fused = tf.getKernel(ADAMW_UPDATE_KERNEL, tf.getBackend()) != null;
    for (const [name, p] of params) {
      const g0 = grads.get(name);
      if (g0 == null) throw new Error(`AdamW: no gradient for parameter "${name}"`);
      const state = this.slot(name, p);
      const wd = opts.decay == null || opts.decay(name) ? weightDecay : 0;
      if (fused) {
        const attrs: AdamWUpdateAttrs = {
          beta1: b1,
          beta2: b2,
          eps,
          lr,
          weightDecay: wd,
          biasCorrection1: bc1,
          biasCorrection2: bc2,
          gradScale: scale,
        };
        tf.tidy(() => {
          const [next, m, v] = tf
            .engine()
            .runKernel(
              ADAMW_UPDATE_KERNEL,
              { param: p, grad: g0, m: state.m, v: state.v },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
          state.m.assign(m!);
          state.v.assign(v!);
          p.assign(next!);
        });
        continue;
      }
      tf.tidy(() => {
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = tf.add(tf.mul(state.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(state.v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.sqrt(tf.div(v, bc2)), eps);
        const update = tf.div(tf.div(m, bc1), denom);
        const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
        state.m.assign(m);
        state.v.assign(v);
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    }
    this.step++;
    return lr;
  }

  private slot(name: string, p: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    let s = this.moments.get(name);
    if (s == null) {
      s = {
        m: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      };
      this.moments.set(name, s);
    }
    return s;
  }

  /** The moment variables by parameter name (for checkpoints); owned by the optimizer. */
  state(): ReadonlyMap<string, { m: tf.Variable; v: tf.Variable }> {
    return this.moments;
  }

  /** Restores the step count and moments (e.g. from a checkpoint); values are copied. */
  loadState(
    step: number,
    moments: ReadonlyMap<string, { m: Float32Array; v: Float32Array; shape: number[] }>,
  ): void {
    if (!Number.isInteger(step) || step < 0)
      throw new RangeError(`AdamW: step must be an integer >= 0, got ${step}`);
    this.disposeMoments();
    for (const [name, { m, v, shape }] of moments) {
      this.moments.set(name, {
        m: tf.tidy(() => tf.variable(tf.tensor(m, shape, 'float32'), false)),
        v: tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), false)),
      });
    }
    this.step = step;
  }

  private disposeMoments(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  /** Disposes the moment variables; the parameters are the caller's and stay. */
  dispose(): void {
    this.disposeMoments();
  }
}
