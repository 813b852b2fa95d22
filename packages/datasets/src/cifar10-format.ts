import { DataFormatError } from './data-format-error';

/** CIFAR-10 images are 32x32 pixels with 3 channels. */
export const CIFAR10_SIDE = 32;
const PLANE = CIFAR10_SIDE * CIFAR10_SIDE;
const RECORD = 1 + 3 * PLANE;

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/**
 * Parses CIFAR-10 binary records (the "binary version": each record is 1 label byte then 3072 pixel
 * bytes, the red, green and blue 32x32 planes row-major) into HWC pixels (channels interleaved, the
 * layout pixel tokens use) and labels. The size must be a positive multiple of 3073 and labels 0..9.
 */
export function parseCifar10(bytes: Uint8Array, file: string): { pixels: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataFormatError(
      file,
      `has the wrong size for CIFAR-10 binary: ${bytes.length} bytes is not a positive multiple of the ${RECORD}-byte record${bytes.length > RECORD ? ` (${bytes.length % RECORD} bytes left over: truncated?)` : ''}`,
      'pass data_batch_*.bin / test_batch.bin from cifar-10-binary.tar.gz',
    );
  }
  const n = bytes.length / RECORD;
  const pixels = new Uint8Array(n * 3 * PLANE);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * RECORD;
    const label = bytes[base]!;
    if (label > 9)
      throw new DataFormatError(
        file,
        `record ${r} has label ${label}; CIFAR-10 labels are 0..9 (is this the CIFAR-100 or another format?)`,
      );
    labels[r] = label;
    const out = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      pixels[out + 3 * p] = bytes[base + 1 + p]!;
      pixels[out + 3 * p + 1] = bytes[base + 1 + PLANE + p]!;
      pixels[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p]!;
    }
  }
  return { pixels, labels };
}
