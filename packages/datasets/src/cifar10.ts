import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR10_SIDE, parseCifar10 } from './cifar10-format';
import { DataFormatError } from './data-format-error';
import { imageDataset } from './image-dataset';
import { readDataFile } from './read-data-file';
import type { ImageDataset } from './token-dataset';

const PLANE = CIFAR10_SIDE * CIFAR10_SIDE;

/**
 * CIFAR-10 from the binary version's files: give `files`, or `dir` (the `cifar-10-batches-bin`
 * folder) and `split` ('train': data_batch_1..5.bin, 50,000 images; 'test': test_batch.bin, 10,000).
 */
export function loadCifar10(opts: {
  files?: readonly string[] | undefined;
  dir?: string | undefined;
  split?: 'train' | 'test' | undefined;
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
  const parts = files.map((f) => parseCifar10(readDataFile(f, { what: 'a CIFAR-10 batch file' }), f));
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
    height: CIFAR10_SIDE,
    width: CIFAR10_SIDE,
    channels: 3,
    source: files.length === 1 ? files[0]! : `${files[0]} (+${files.length - 1} files)`,
  });
}
