import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from './data-format-error';
import { imageDataset } from './image-dataset';
import type { ImageDataset } from './token-dataset';

const SIDE = 32;
const PLANE = SIDE * SIDE;
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

/**
 * CIFAR-10 from the binary version's files: give `files`, or `dir` (the `cifar-10-batches-bin`
 * folder) and `split` ('train': data_batch_1..5.bin, 50,000 images; 'test': test_batch.bin, 10,000).
 */
export function loadCifar10(opts: {
  files?: readonly string[];
  dir?: string;
  split?: 'train' | 'test';
}): ImageDataset {
  let files = opts.files;
  if (!files) {
    if (!opts.dir) throw new RangeError('loadCifar10: pass files or dir');
    const split = opts.split ?? 'train';
    const names = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
    files = names.map((f) => join(opts.dir!, f));
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0) {
      throw new DataFormatError(
        opts.dir,
        `is missing ${missing.map((f) => f.slice(opts.dir!.length + 1)).join(', ')}`,
        'pass the cifar-10-batches-bin folder of the CIFAR-10 binary version',
      );
    }
  }
  if (files.length === 0) throw new RangeError('loadCifar10: no files given');
  const parts = files.map((f) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f);
    } catch (e) {
      throw new DataFormatError(
        f,
        `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    return parseCifar10(bytes, f);
  });
  const total = parts.reduce((a, p) => a + p.labels.length, 0);
  const pixels = new Uint8Array(total * 3 * PLANE);
  const labels = new Uint8Array(total);
  let n = 0;
  for (const p of parts) {
    pixels.set(p.pixels, n * 3 * PLANE);
    labels.set(p.labels, n);
    n += p.labels.length;
  }
  return imageDataset({
    pixels,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 3,
    source: files.length === 1 ? files[0]! : `${files[0]} (+${files.length - 1} files)`,
  });
}
