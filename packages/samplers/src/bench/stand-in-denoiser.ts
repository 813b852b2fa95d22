import type { Denoiser } from '@md4/core';
import { createRng } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';

export interface StandInConfig {
  vocabSize: number;
  length: number;
  dim: number;
  layers: number;
  /** MLP hidden width as a multiple of dim (6 gives 12 dim^2 multiply-adds per token per layer). */
  expansion: number;
}

/**
 * A stand-in network of the models package's small-cpu size until that package exists: an embedding,
 * `layers` residual blocks h += relu((h + mean_L h) W1) W2 with W1 [d, 6d], W2 [6d, d] (12 d^2
 * multiply-adds per token per layer, about a transformer block's projections + MLP without the
 * attention scores), and an output layer [d, V]. Plain 2-D matmuls only (the fast path of the wasm
 * backend). Ignores t (timeConditioned = false), so samplers may cache its predictions.
 */
export function createStandInDenoiser(
  config: StandInConfig,
): Denoiser & { dispose(): void; flopsPerSequence: number } {
  const { vocabSize: V, length: L, dim: d, layers, expansion } = config;
  const rng = createRng(1234);
  const random = (rows: number, cols: number, scale: number) => {
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() * 2 - 1) * scale;
    return tf.tensor2d(values, [rows, cols]);
  };
  const embedding = random(V + 1, d, 1);
  const blocks = Array.from({ length: layers }, () => ({
    up: random(d, expansion * d, Math.sqrt(3 / d)),
    down: random(expansion * d, d, Math.sqrt(3 / (expansion * d)) * 0.5),
  }));
  const output = random(d, V, Math.sqrt(3 / d) * 2);
  const flopsPerSequence = 2 * L * (layers * 2 * expansion * d * d + d * V);
  return {
    vocabSize: V,
    timeConditioned: false,
    flopsPerSequence,
    logits(xt: tf.Tensor2D): tf.Tensor3D {
      return tf.tidy(() => {
        const [B] = xt.shape;
        let h = tf.reshape(tf.gather(embedding, tf.reshape(xt, [B * L])), [B * L, d]) as tf.Tensor2D;
        for (const { up, down } of blocks) {
          const mix = tf.mean(tf.reshape(h, [B, L, d]), 1, true);
          const input = tf.reshape(tf.add(tf.reshape(h, [B, L, d]), mix), [B * L, d]) as tf.Tensor2D;
          h = tf.add(h, tf.matMul(tf.relu(tf.matMul(input, up)), down));
        }
        return tf.reshape(tf.matMul(h, output), [B, L, V]) as tf.Tensor3D;
      });
    },
    dispose() {
      tf.dispose([embedding, output, ...blocks.flatMap((b) => [b.up, b.down])]);
    },
  };
}
