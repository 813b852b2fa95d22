import { createRng } from '@md4/core';
import { cosine, genmd4Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { createLinearDenoiser } from './exact-expectations.test-helper';
import { genmd4Loss } from './genmd4-loss';
import { md4Loss } from './md4-loss';
import { disposeLossResult, type TrainingLossResult } from './training-loss';

const [V, L] = [5, 4];
const rows = [Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 4, 0, 1), Int32Array.of(2, 3, 1, 0)];

const values = (r: TrainingLossResult) => ({
  loss: r.loss.dataSync()[0],
  perSequence: Array.from(r.perSequence.dataSync()),
  times: Array.from(r.times),
  maskedTokens: r.maskedTokens.map((m) => Array.from(m)),
});

describe('a clean batch given as sequences', () => {
  const { denoiser, weights } = createLinearDenoiser(V, L, createRng(1), 0.5);

  it('gives the losses of the same batch as a tensor, reading no tokens back from the device', () => {
    const md4 = cosine();
    const genmd4 = genmd4Schedule(V);
    const tensor = tf.tensor2d(Int32Array.from(rows.flatMap((r) => Array.from(r))), [3, L], 'int32');
    const losses = [
      (x0: tf.Tensor2D | Int32Array[]) => md4Loss(denoiser, x0, { schedule: md4, rng: createRng(2) }),
      (x0: tf.Tensor2D | Int32Array[]) => genmd4Loss(denoiser, x0, { schedule: genmd4, rng: createRng(2) }),
    ];
    for (const loss of losses) {
      const before = tf.memory().numTensors;
      const int32Reads = (run: () => TrainingLossResult) => {
        const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
        try {
          const result = run();
          return {
            result,
            reads: dataSync.mock.contexts.filter((t) => (t as tf.Tensor).dtype === 'int32').length,
          };
        } finally {
          dataSync.mockRestore();
        }
      };
      const { result: fromTensor, reads: tensorReads } = int32Reads(() => loss(tensor));
      const { result: fromRows, reads: rowReads } = int32Reads(() => loss(rows));
      expect(tensorReads).toBe(1); // the tensor's tokens, read back once for the masks
      expect(rowReads).toBe(0);
      expect(values(fromRows)).toEqual(values(fromTensor));
      disposeLossResult(fromTensor);
      disposeLossResult(fromRows);
      expect(tf.memory().numTensors).toBe(before); // the tensor made from the rows is freed
    }
    tensor.dispose();
    genmd4.dispose();
  });

  it('refuses an empty batch, ragged sequences and tokens outside [0, V), naming them', () => {
    const opts = { schedule: cosine(), rng: createRng(3) };
    const before = tf.memory().numTensors;
    expect(() => md4Loss(denoiser, [], opts)).toThrow(
      'md4Loss: x0 must be a non-empty array of sequences (Int32Array of token ids)',
    );
    expect(() => md4Loss(denoiser, [rows[0]!, Int32Array.of(1, 2)], opts)).toThrow(
      'md4Loss: x0: sequence 1 has length 2, expected 4 like sequence 0',
    );
    expect(() => md4Loss(denoiser, [rows[0]!, Int32Array.of(1, 2, 5, 0)], opts)).toThrow(
      /md4Loss: x0, sequence 1 \(denoiser vocabSize 5\): token 5 at index 2 is outside \[0, 5\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    weights.dispose();
  });
});
