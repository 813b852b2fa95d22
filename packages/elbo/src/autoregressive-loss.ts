import { assertTfjsSetUp, type NextTokenModel } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { type CleanBatch, cleanBatch, flattenSequences } from './clean-batch';
import { type BatchSource, type ElboEstimate, summariseNats } from './estimate-elbo';
import type { TrainingLossResult } from './training-loss';

/** Checks a next-token model, returning V. */
function checkNextTokenModel(model: NextTokenModel, what: string): number {
  const V = model?.vocabSize;
  if (!Number.isInteger(V) || V < 1 || typeof model.nextTokenLogits !== 'function') {
    throw new TypeError(
      `${what}: model must be a NextTokenModel with an integer vocabSize >= 1 and nextTokenLogits()`,
    );
  }
  return V;
}

/**
 * The exact negative log-likelihood of each sequence in nats, by the chain rule:
 *     -log p(x) = sum_n -log softmax(nextTokenLogits(x)[n])[x_n],
 * float32 [B], owned by the caller; differentiable in the model's weights. Internal.
 */
export function autoregressiveSequenceNll(model: NextTokenModel, x: tf.Tensor2D, what: string): tf.Tensor1D {
  const [B, L] = x.shape;
  const V = model.vocabSize;
  if (L > model.maxLength) {
    throw new RangeError(`${what}: sequences of length ${L} are longer than the model's ${model.maxLength}`);
  }
  return tf.tidy(() => {
    const logits = model.nextTokenLogits(x);
    if (logits?.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L || logits.shape[2] !== V) {
      throw new RangeError(
        `${what}: nextTokenLogits returned shape [${logits?.shape}], expected [${B}, ${L}, ${V}]`,
      );
    }
    const logP = tf.logSoftmax(tf.cast(logits, 'float32'));
    // where, not a product with the one-hot: -Infinity at another value must not give NaN
    const oneHot = tf.cast(tf.oneHot(x, V), 'bool');
    const logPAtX = tf.sum(tf.where(oneHot, logP, tf.zerosLike(logP)), -1); // [B, L]
    return tf.neg(tf.sum(logPAtX, -1)) as tf.Tensor1D;
  });
}

/**
 * The autoregressive training loss: the exact negative log-likelihood in bits per token,
 * mean over the batch of -log p(x) / (L ln 2), with -log p(x) = sum_n -log p(x_n | x_<n).
 * `nelbo` holds the same value (an exact likelihood is its own bound), `perSequence` the nats of
 * each sequence, `reconstruction` 0; there is no time or mask (`times` and `maskedTokens` empty).
 *
 * @param x0 tokens in [0, V): an int32 [B, L] tensor (borrowed; read back to check the range) or
 *   B sequences of length L.
 */
export function autoregressiveLoss(model: NextTokenModel, x0: CleanBatch): TrainingLossResult {
  const what = 'autoregressiveLoss';
  checkNextTokenModel(model, what);
  const batch = cleanBatch(x0, model.vocabSize, what);
  try {
    const L = batch.tensor.shape[1];
    const perSequence = autoregressiveSequenceNll(model, batch.tensor, what);
    const loss = tf.tidy(() => tf.div(tf.mean(perSequence), L * Math.LN2) as tf.Scalar);
    return {
      loss,
      nelbo: tf.clone(loss),
      perSequence,
      reconstruction: tf.scalar(0),
      times: new Float64Array(0),
      maskedTokens: [],
    };
  } finally {
    if (batch.owned) batch.tensor.dispose();
  }
}

/**
 * The exact negative log-likelihood of a data set under an autoregressive model, in bits per token
 * (no Monte Carlo: the chain rule, one call per batch). Each item of `data` is one batch of
 * sequences of one length, tokens in [0, V). `stderr` is the standard error over sequences (as
 * `estimateElbo`'s), `reconstruction` 0. Leaves no tensors behind.
 */
export async function estimateAutoregressiveNll(
  model: NextTokenModel,
  data: BatchSource<ReadonlyArray<ArrayLike<number>>>,
): Promise<ElboEstimate> {
  const what = 'estimateAutoregressiveNll';
  assertTfjsSetUp(what);
  const V = checkNextTokenModel(model, what);
  const nats: number[] = [];
  const lengths: number[] = [];
  let batchIndex = 0;
  for await (const batch of data) {
    const flat = flattenSequences(batch, V, `${what}: batch ${batchIndex}`);
    const B = batch.length;
    const L = flat.length / B;
    const x = tf.tensor2d(flat, [B, L], 'int32');
    let perSequence: tf.Tensor1D | null = null;
    try {
      perSequence = autoregressiveSequenceNll(model, x, what);
      for (const value of await perSequence.data()) {
        nats.push(value);
        lengths.push(L);
      }
    } finally {
      tf.dispose([x, perSequence as tf.Tensor | null] as tf.TensorContainer);
    }
    batchIndex++;
  }
  if (nats.length === 0) throw new RangeError(`${what}: data holds no batches`);
  return summariseNats(nats, lengths, 0);
}
