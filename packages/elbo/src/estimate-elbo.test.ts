import { createRng, sampleCategorical } from '@md4/core';
import {
  createExactDenoiser,
  createUniformDenoiser,
  type JointDistribution,
  jointEntropy,
  randomJoint,
  sequenceAt,
} from '@md4/core/testing';
import { cosine, genmd4Schedule, geometric, linear, type MaskingSchedule, polynomial } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateElbo } from './estimate-elbo';
import {
  createLinearDenoiser,
  expectedMd4Nelbo,
  type PatternTable,
  patternTables,
  report,
} from './exact-expectations.test-helper';

const schedules: MaskingSchedule[] = [linear(), cosine(), polynomial(3), geometric()];

function sampleData(joint: JointDistribution, count: number, seed: number): Int32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () =>
    sequenceAt(sampleCategorical(joint.probabilities, rng), joint.vocabSize, joint.length),
  );
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Mean over the data list of the exact expected NELBO in bits per token. */
function oracleBits(
  tables: Map<string, PatternTable>,
  data: Int32Array[],
  schedule: MaskingSchedule,
  timesteps?: number,
) {
  const L = data[0]!.length;
  const cache = new Map<string, number>();
  let total = 0;
  for (const x of data) {
    const key = x.join(',');
    if (!cache.has(key)) cache.set(key, expectedMd4Nelbo(tables.get(key)!, schedule, timesteps));
    total += cache.get(key)!;
  }
  return total / data.length / (L * Math.LN2);
}

async function tablesFor(denoiser: Parameters<typeof patternTables>[0], joint: JointDistribution) {
  const all = Array.from({ length: joint.probabilities.length }, (_, i) =>
    sequenceAt(i, joint.vocabSize, joint.length),
  );
  const tables = await patternTables(denoiser, all);
  return new Map(tables.map((t) => [t.x0.join(','), t]));
}

// A small known data distribution: V = 3 values, L = 4 tokens, 81 sequences.
const jointRng = createRng(31);
const joint = randomJoint(3, 4, () => jointRng.uniform(), 3);
const L = joint.length;
const exact = createExactDenoiser(joint);
const entropyBits = jointEntropy(joint) / (L * Math.LN2);

describe('estimateElbo with a uniform denoiser', () => {
  it.each(schedules)(
    'gives (1 - alpha(1)) log2 V bits/token within 4 standard errors ($name)',
    async (schedule) => {
      const V = 6;
      const rng = createRng(40);
      const data = Array.from({ length: 512 }, () =>
        Int32Array.from({ length: 10 }, () => Math.floor(rng.uniform() * V)),
      );
      for (const timesteps of [undefined, 10]) {
        const result = await estimateElbo(createUniformDenoiser(V), batches(data, 128), {
          schedule,
          rng,
          timesteps,
          samples: 4,
        });
        const expected = (1 - schedule.alpha(1)) * Math.log2(V);
        report('estimateElbo uniform', {
          schedule: schedule.name,
          timesteps: timesteps ?? 'inf',
          expected,
          estimate: result.bitsPerToken,
          stderr: result.stderr,
          z: (result.bitsPerToken - expected) / result.stderr,
        });
        expect(Math.abs(result.bitsPerToken - expected)).toBeLessThan(4 * result.stderr);
        expect(result.tokens).toBe(5120);
        expect(result.sequences).toBe(512);
        expect(result.perplexity).toBeCloseTo(2 ** result.bitsPerToken, 12);
        expect(result.reconstruction).toBeCloseTo((1 - schedule.alpha(0)) * Math.log2(V), 14);
      }
    },
  );
});

describe('estimateElbo with the exact denoiser of a known distribution', () => {
  const data = sampleData(joint, 1500, 41);
  let tables: Map<string, PatternTable>;

  it('estimates the entropy and the exact expected NELBO within 4 standard errors', async () => {
    tables = await tablesFor(exact, joint);
    const schedule = linear();
    const result = await estimateElbo(exact, batches(data, 250), {
      schedule,
      rng: createRng(42),
      samples: 4,
    });
    const oracle = oracleBits(tables, data, schedule);
    const sampleNll =
      data.reduce((s, x) => s - Math.log(joint.probabilities[Number.parseInt(x.join(''), 3)]!), 0) /
      data.length /
      (L * Math.LN2);
    report('estimateElbo exact denoiser', {
      entropy: entropyBits,
      dataNll: sampleNll,
      oracle,
      estimate: result.bitsPerToken,
      stderr: result.stderr,
      zEntropy: (result.bitsPerToken - entropyBits) / result.stderr,
      zOracle: (result.bitsPerToken - oracle) / result.stderr,
    });
    // The exact expected NELBO of each sequence is -log p(x) up to the eps squeeze (any-order AR identity).
    expect(Math.abs(oracle - sampleNll)).toBeLessThan(2e-3);
    expect(Math.abs(result.bitsPerToken - entropyBits)).toBeLessThan(4 * result.stderr);
    expect(Math.abs(result.bitsPerToken - oracle)).toBeLessThan(4 * result.stderr);
  });

  it('discrete T: exact L_T decreases to L_inf like 1/T, and the T = 4 estimate matches L_4', async () => {
    tables ??= await tablesFor(exact, joint);
    const schedule = cosine();
    const continuous = oracleBits(tables, data, schedule);
    const ladder = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].map((T) =>
      oracleBits(tables, data, schedule, T),
    );
    for (let i = 0; i < ladder.length; i++) {
      expect(ladder[i]!).toBeGreaterThan(continuous);
      if (i > 0) expect(ladder[i]!).toBeLessThan(ladder[i - 1]!);
    }
    const gaps = ladder.map((x) => x - continuous);
    const lastRatio = gaps.at(-2)! / gaps.at(-1)!;
    expect(lastRatio).toBeGreaterThan(1.8);
    expect(lastRatio).toBeLessThan(2.2);
    expect(gaps.at(-1)!).toBeLessThan(1e-3);
    const result = await estimateElbo(exact, batches(data, 250), {
      schedule,
      rng: createRng(43),
      timesteps: 4,
      samples: 4,
    });
    report('discrete T ladder (bits/token, exact denoiser, cosine)', {
      continuous,
      ladder: ladder.map((x) => x.toFixed(5)).join(' '),
      lastGapRatio: lastRatio,
      estimateT4: result.bitsPerToken,
      oracleT4: ladder[2]!,
      stderr: result.stderr,
      z: (result.bitsPerToken - ladder[2]!) / result.stderr,
    });
    expect(Math.abs(result.bitsPerToken - ladder[2]!)).toBeLessThan(4 * result.stderr);
  });
});

describe('estimateElbo with a GenMD4 schedule', () => {
  it('with all exponents equal (MD4 poly c) and the exact denoiser, estimates the entropy within 4 stderr', async () => {
    const data = sampleData(joint, 1200, 43);
    const schedule = genmd4Schedule(joint.vocabSize, { initialExponent: 2 });
    try {
      const before = tf.memory().numTensors;
      const result = await estimateElbo(exact, batches(data, 200), {
        schedule,
        rng: createRng(44),
        samples: 2,
      });
      expect(tf.memory().numTensors).toBe(before);
      report('estimateElbo GenMD4 w=2 exact denoiser', {
        entropy: entropyBits,
        estimate: result.bitsPerToken,
        stderr: result.stderr,
        z: (result.bitsPerToken - entropyBits) / result.stderr,
        reconstruction: result.reconstruction,
      });
      // The [0, t1) part is bounded by a reconstruction term of (1-eps) t1^2 log2 V per token: about 1.6e-6 bits.
      expect(result.reconstruction).toBeGreaterThan(0);
      expect(result.reconstruction).toBeLessThan(2e-6);
      expect(Math.abs(result.bitsPerToken - entropyBits)).toBeLessThan(4 * result.stderr);
      await expect(
        estimateElbo(exact, batches(data, 200), { schedule, rng: createRng(0), timesteps: 10 }),
      ).rejects.toThrow(/GenMD4 ELBO is continuous-time; omit timesteps/);
    } finally {
      schedule.dispose();
    }
  });
});

describe('estimateElbo with a network that ignores t', () => {
  const { denoiser, weights } = createLinearDenoiser(joint.vocabSize, L, createRng(44), 1);
  afterAll(() => weights.dispose());
  const data = sampleData(joint, 1000, 45);

  it('gives the same ELBO under every schedule (exactly in expectation, within 4 stderr by Monte Carlo)', async () => {
    const tables = await tablesFor(denoiser, joint);
    const reference = oracleBits(tables, data, linear());
    for (const schedule of schedules) {
      const oracle = oracleBits(tables, data, schedule);
      // geometric's endpoints differ from 1 - eps, eps by exp(-betaMin), exp(-betaMax): ~1e-5 here.
      expect(Math.abs(oracle - reference)).toBeLessThan(schedule.name === 'geometric' ? 1e-4 : 1e-7);
      const result = await estimateElbo(denoiser, batches(data, 250), {
        schedule,
        rng: createRng(46),
        samples: 4,
      });
      report('t-ignoring network, schedule invariance', {
        schedule: schedule.name,
        oracle,
        estimate: result.bitsPerToken,
        stderr: result.stderr,
        z: (result.bitsPerToken - oracle) / result.stderr,
      });
      expect(Math.abs(result.bitsPerToken - oracle)).toBeLessThan(4 * result.stderr);
    }
  });
});

describe('estimateElbo data sources, memory and input checks', () => {
  const data = sampleData(joint, 64, 47);

  it('accepts arrays, generators and async generators alike, and mixed lengths', async () => {
    const opts = () => ({ schedule: linear(), rng: createRng(48), samples: 2 });
    const fromArray = await estimateElbo(exact, batches(data, 16), opts());
    function* generate() {
      yield* batches(data, 16);
    }
    async function* generateAsync() {
      for (const batch of batches(data, 16)) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yield batch;
      }
    }
    expect(await estimateElbo(exact, generate(), opts())).toEqual(fromArray);
    expect(await estimateElbo(exact, generateAsync(), opts())).toEqual(fromArray);
    expect(fromArray.tokens).toBe(64 * L);
    const uniform = createUniformDenoiser(3);
    const mixed = await estimateElbo(
      uniform,
      [data.slice(0, 8), data.slice(8, 16).map((x) => x.slice(0, 2))],
      opts(),
    );
    expect(mixed.tokens).toBe(8 * 4 + 8 * 2);
    const single = await estimateElbo(uniform, [[data[0]!]], opts());
    expect(single.sequences).toBe(1);
    expect(single.stderr).toBeNaN();
  });

  it('leaves no tensors behind, also when the denoiser throws', async () => {
    const before = tf.memory().numTensors;
    await estimateElbo(exact, batches(data, 16), {
      schedule: linear(),
      rng: createRng(0),
      timesteps: 8,
      samples: 2,
    });
    expect(tf.memory().numTensors).toBe(before);
    let calls = 0;
    const flaky = {
      ...exact,
      logits: (xt: tf.Tensor2D, t: tf.Tensor1D) => {
        if (++calls === 3) throw new Error('network failed');
        return exact.logits(xt, t);
      },
    };
    await expect(
      estimateElbo(flaky, batches(data, 16), { schedule: linear(), rng: createRng(0) }),
    ).rejects.toThrow(/network failed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects empty data, ragged batches, bad tokens and bad options', async () => {
    const opts = { schedule: linear(), rng: createRng(0) };
    await expect(estimateElbo(exact, [], opts)).rejects.toThrow(/data holds no batches/);
    await expect(estimateElbo(exact, [[]], opts)).rejects.toThrow(/batch 0 must be a non-empty array/);
    await expect(estimateElbo(exact, [[data[0]!, data[1]!.slice(0, 2)]], opts)).rejects.toThrow(
      /batch 0: sequence 1 has length 2, expected 4/,
    );
    await expect(estimateElbo(exact, [[Int32Array.from([0, 1, 3, 0])]], opts)).rejects.toThrow(
      /sequence 0 \(denoiser vocabSize 3\): token 3 at index 2 is outside \[0, 3\)/,
    );
    await expect(estimateElbo(exact, 42 as never, opts)).rejects.toThrow(/iterable or async iterable/);
    await expect(estimateElbo(exact, [data], { ...opts, samples: 0 })).rejects.toThrow(
      /samples must be an integer >= 1/,
    );
    await expect(estimateElbo(exact, [data], { ...opts, timesteps: -1 })).rejects.toThrow(
      /timesteps must be an integer >= 1/,
    );
    await expect(estimateElbo(exact, [data], { ...opts, steps: 8 } as never)).rejects.toThrow(
      /named timesteps now; write timesteps instead of steps/,
    );
  });
});
