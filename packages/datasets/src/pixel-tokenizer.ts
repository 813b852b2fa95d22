import type { PixelTokenizer } from './tokenizer';

/** The id of the pixel tokenizer for images of this shape: `pixels-{height}x{width}x{channels}`. */
export function pixelTokenizerId(height: number, width: number, channels: number): string {
  return `pixels-${height}x${width}x${channels}`;
}

/**
 * 256 levels per pixel and channel (tokens 0..255, MASK = 256), images laid out height x width x
 * channels (HWC, row-major, channels interleaved). The shape is part of the id, so a checkpoint
 * records what it generates.
 */
export function pixelTokenizer(shape: {
  height: number;
  width: number;
  channels?: number | undefined;
}): PixelTokenizer {
  const { height, width } = shape;
  const channels = shape.channels ?? 1;
  for (const [name, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`pixelTokenizer: ${name} must be a positive integer, got ${v}`);
  }
  const size = height * width * channels;
  return Object.freeze({
    kind: 'image' as const,
    id: pixelTokenizerId(height, width, channels),
    vocabSize: 256,
    maskId: 256,
    height,
    width,
    channels,
    encode(pixels: ArrayLike<number>): Int32Array {
      if (pixels.length !== size) {
        throw new RangeError(
          `pixel encode: expected ${size} values (${height}x${width}x${channels}), got ${pixels.length}`,
        );
      }
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const v = pixels[i]!;
        if (!Number.isInteger(v) || v < 0 || v > 255) {
          throw new RangeError(`pixel encode: value ${v} at index ${i} is not an integer in 0..255`);
        }
        out[i] = v;
      }
      return out;
    },
    decode(tokens: ArrayLike<number>, opts?: { maskValue?: number | undefined }): Uint8Array {
      const maskValue = opts?.maskValue ?? 0;
      const out = new Uint8Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (t === 256) out[i] = maskValue;
        else if (Number.isInteger(t) && t >= 0 && t < 256) out[i] = t;
        else
          throw new RangeError(`pixel decode: token ${t} at position ${i} is outside 0..256 (256 is MASK)`);
      }
      return out;
    },
  });
}
