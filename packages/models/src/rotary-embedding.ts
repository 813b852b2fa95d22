import { ROPE_KERNEL, type RopeAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';

/** cos/sin tables of rotary position embeddings, float32 [L, hd/2] (row = position, column = pair). */
export interface RopeTables {
  /** L, the positions (rows). */
  readonly length: number;
  /** hd, the head width (even); the tables have hd/2 columns. */
  readonly headDim: number;
  /** cos(n theta^(-2p/hd)) at [n, p], row-major; shared through a cache, so never write to it. */
  readonly cos: Float32Array;
  /** sin(n theta^(-2p/hd)) at [n, p], row-major; shared as `cos`. */
  readonly sin: Float32Array;
}

const cache = new Map<string, RopeTables>();

/**
 * Rotary position embedding tables (Su et al. 2021), in the interleaved form of llama2.c and the
 * MD4 reference network: channel pair (2p, 2p+1) of position n is rotated by the angle
 * n * theta^(-2p / hd). Angles are computed in float64 and stored as float32.
 */
export function ropeTables(length: number, headDim: number, theta = 10000): RopeTables {
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) {
    throw new RangeError(`rotary embeddings need an even head dimension, got ${headDim}`);
  }
  const key = `${length}:${headDim}:${theta}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const half = headDim / 2;
  const cos = new Float32Array(length * half);
  const sin = new Float32Array(length * half);
  for (let p = 0; p < half; p++) {
    const freq = theta ** (-(2 * p) / headDim);
    for (let n = 0; n < length; n++) {
      cos[n * half + p] = Math.cos(n * freq);
      sin[n * half + p] = Math.sin(n * freq);
    }
  }
  const tables = { length, headDim, cos, sin };
  if (cache.size > 32) cache.clear();
  cache.set(key, tables);
  return tables;
}

/** The first `length` rows of the tables as float32 tensors cos, sin [length, hd/2] (owned by the caller). */
export function ropeTensors(tables: RopeTables, length: number): [tf.Tensor2D, tf.Tensor2D] {
  const half = tables.headDim / 2;
  return [
    tf.tensor2d(tables.cos.subarray(0, length * half), [length, half]),
    tf.tensor2d(tables.sin.subarray(0, length * half), [length, half]),
  ];
}

/**
 * Applies the rotation to x [B, H, L, hd] (the reference attention path, used on backends other
 * than wasm): y_{2p} = x_{2p} cos - x_{2p+1} sin, y_{2p+1} = x_{2p} sin + x_{2p+1} cos.
 * Where the backend registers `@md4/core`'s ROPE_KERNEL (the native backend) it is one kernel whose
 * gradient is the inverse rotation; elsewhere ordinary tfjs ops; the results are identical.
 * Differentiable. Returns a new tensor; `x` is borrowed.
 */
export function applyRope(x: tf.Tensor4D, tables: RopeTables): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, L, hd] = x.shape;
    if (L > tables.length || hd !== tables.headDim) {
      throw new RangeError(
        `rope tables are for L <= ${tables.length}, hd = ${tables.headDim}; got [${x.shape}]`,
      );
    }
    const half = hd / 2;
    const [cos, sin] = ropeTensors(tables, L);
    if (tf.getKernel(ROPE_KERNEL, tf.getBackend()) != null) return fusedRope(x, cos, sin) as tf.Tensor4D;
    const pairs = tf.reshape(x, [B, H, L, half, 2]);
    const [x0, x1] = tf.unstack(pairs, 4) as [tf.Tensor4D, tf.Tensor4D];
    const y0 = tf.sub(tf.mul(x0, cos), tf.mul(x1, sin));
    const y1 = tf.add(tf.mul(x0, sin), tf.mul(x1, cos));
    return tf.reshape(tf.stack([y0, y1], 4), [B, H, L, hd]);
  });
}

const rotate = (x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, inverse: boolean) =>
  tf.engine().runKernel(ROPE_KERNEL, { x, cos, sin }, {
    inverse,
  } satisfies RopeAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;

/** ROPE_KERNEL with the inverse rotation as its gradient (cos and sin are constants). */
const fusedRope = customOp(([x, cos, sin], save) => {
  save([cos!, sin!]);
  return {
    value: rotate(x!, cos!, sin!, false),
    gradFunc: (dy, [c, s]) => [rotate(dy, c!, s!, true), tf.zerosLike(c!), tf.zerosLike(s!)],
  };
});
