import { EMA_UPDATE_KERNEL, type EmaUpdateAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Exponential moving average of the weights (used for evaluation and sampling):
 *   shadow = decay * shadow + (1 - decay) * p      after every update (decay 0.9999 in the paper).
 * Starts as a copy of the weights. Owns its variables.
 */
export class ExponentialMovingAverage {
  /** The weight of the old average per update, in [0, 1). */
  readonly decay: number;
  /** The averaged weights by parameter name (untrainable float32 variables, owned by the EMA). */
  readonly shadow: Readonly<Record<string, tf.Variable>>;

  constructor(params: ReadonlyMap<string, tf.Tensor>, decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`EMA decay must lie in [0, 1), got ${decay}`);
    this.decay = decay;
    const shadow: Record<string, tf.Variable> = {};
    for (const [name, p] of params) shadow[name] = tf.tidy(() => tf.variable(tf.clone(p), false));
    this.shadow = shadow;
  }

  /** One EMA update from the current weights (borrowed). */
  update(params: ReadonlyMap<string, tf.Tensor>): void {
    const a = this.decay;
    // One fused pass per parameter where the backend has the kernel (same float32 formula).
    const fused = tf.getKernel(EMA_UPDATE_KERNEL, tf.getBackend()) != null;
    const attrs: EmaUpdateAttrs = { decay: a };
    for (const [name, p] of params) {
      const s = this.shadow[name];
      if (s == null) throw new Error(`EMA: no shadow for parameter "${name}"`);
      tf.tidy(() =>
        s.assign(
          fused
            ? (tf
                .engine()
                .runKernel(
                  EMA_UPDATE_KERNEL,
                  { shadow: s, param: p },
                  attrs as unknown as tf.NamedAttrMap,
                ) as tf.Tensor)
            : tf.add(tf.mul(s, a), tf.mul(p, 1 - a)),
        ),
      );
    }
  }

  /** Overwrites the shadow values (e.g. from a checkpoint). */
  load(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, s] of Object.entries(this.shadow)) {
      const v = values.get(name);
      if (v == null) throw new Error(`EMA: value for "${name}" is missing`);
      tf.tidy(() => s.assign(tf.tensor(v, s.shape, 'float32')));
    }
  }

  /** Disposes the shadow variables (views made over them, e.g. `withParams`, stop working). */
  dispose(): void {
    for (const v of Object.values(this.shadow)) v.dispose();
  }
}
