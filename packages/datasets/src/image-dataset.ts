import { pixelTokenizer } from './pixel-tokenizer';
import { randomIndex, type UniformSource } from './seeded-random';
import { assertChunkIndex, type ImageDataset } from './token-dataset';

/**
 * An ImageDataset over `count` images stored back to back as bytes in HWC order (height x width x
 * channels, channels interleaved). Tokens are the byte values 0..255. Not copied: do not change
 * `pixels` afterwards.
 */
export function imageDataset(opts: {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels?: number | undefined;
  labels?: Uint8Array | undefined;
  source?: string | undefined;
}): ImageDataset {
  const tokenizer = pixelTokenizer(opts);
  const source = opts.source ?? 'in-memory images';
  const length = tokenizer.height * tokenizer.width * tokenizer.channels;
  const { pixels, labels } = opts;
  if (pixels.length === 0 || pixels.length % length !== 0) {
    throw new RangeError(
      `${source}: ${pixels.length} bytes is not a positive multiple of the image size ${length}`,
    );
  }
  const size = pixels.length / length;
  if (labels && labels.length !== size) {
    throw new RangeError(`${source}: ${labels.length} labels for ${size} images`);
  }
  const chunk = (i: number): Int32Array => {
    assertChunkIndex(i, size, source);
    return Int32Array.from(pixels.subarray(i * length, (i + 1) * length));
  };
  return {
    kind: 'items',
    tokenizer,
    length,
    size,
    source,
    labels,
    chunk,
    randomChunk: (rng: UniformSource) => chunk(randomIndex(rng, size)),
    close() {},
  };
}
