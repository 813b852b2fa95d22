import { type BatchedSampleOptions, sampleAutoregressiveInBatches, sampleInBatches } from '@md4/generate';
import { type Network, objectiveOf } from '@md4/models';

/**
 * `opts.count` sequences from a model with the given sampler settings: a masked diffusion model
 * through `sampleInBatches` (every sampler option applies), an autoregressive one left to right
 * (only count, length, prompt prefix, rng, temperature, topP and samplingPrecision apply; each batch makes one network
 * call per generated position). Returns the sequences with the network calls of every batch.
 */
export async function drawSamples(
  model: Network,
  opts: BatchedSampleOptions,
): Promise<{ tokens: Int32Array[]; networkCalls: number }> {
  const objective = objectiveOf(model, opts.schedule);
  switch (objective) {
    case 'ar':
      return sampleAutoregressiveInBatches(model, {
        count: opts.count,
        length: opts.length,
        rng: opts.rng,
        ...(opts.prompt != null ? { prompt: opts.prompt } : {}),
        ...(opts.temperature != null ? { temperature: opts.temperature } : {}),
        ...(opts.topP != null ? { topP: opts.topP } : {}),
        ...(opts.samplingPrecision != null ? { samplingPrecision: opts.samplingPrecision } : {}),
        ...(opts.signal != null ? { signal: opts.signal } : {}),
      });
    case 'md4':
    case 'genmd4':
      return sampleInBatches(model, opts);
    default: {
      const unknown: never = objective;
      throw new Error(`drawSamples: unknown objective ${JSON.stringify(unknown)}`);
    }
  }
}
