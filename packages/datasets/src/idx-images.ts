import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync, type ZlibOptions } from 'node:zlib';
import { DataFormatError } from './data-format-error';
import { type IdxArray, idxByteLength, parseIdx } from './idx-format';
import { imageDataset } from './image-dataset';
import { MAX_DATA_FILE_BYTES, readDataFile } from './read-data-file';
import type { ImageDataset } from './token-dataset';

/** Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Reads an IDX file, gunzipping it first when it is gzip (detected by content, not by name). A
 * gzipped file is inflated to at most the size its own IDX header declares (and never past
 * MAX_DATA_FILE_BYTES), so a gzip bomb is an error before it takes the memory.
 */
export function readIdxFile(path: string): IdxArray {
  let bytes = readDataFile(path, { what: 'an IDX file' });
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipIdx(bytes, path);
  return parseIdx(bytes, path);
}

/** Inflates a gzipped IDX file to the size its header declares (see readIdxFile). */
function gunzipIdx(gz: Uint8Array, path: string): Uint8Array {
  const gunzip = (input: Uint8Array, opts: ZlibOptions) => {
    try {
      return gunzipSync(input, opts);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DataFormatError(
          path,
          `inflates to more than the ${opts.maxOutputLength?.toLocaleString('en-US')} bytes its IDX header declares`,
        );
      }
      throw new DataFormatError(path, `is not a valid gzip file (${(e as Error).message})`);
    }
  };
  // The header comes from the first 4 KiB of the stream, inflated as far as it goes.
  const head = gunzip(gz.subarray(0, 4096), { finishFlush: constants.Z_SYNC_FLUSH });
  const declared = idxByteLength(head, path);
  if (declared > MAX_DATA_FILE_BYTES) {
    throw new DataFormatError(
      path,
      `declares ${declared.toLocaleString('en-US')} bytes in its IDX header, more than the ${MAX_DATA_FILE_BYTES.toLocaleString('en-US')} an IDX file may have`,
    );
  }
  return gunzip(gz, { maxOutputLength: declared });
}

/**
 * Images (and optionally labels) from IDX files, as an ImageDataset: an images file of dimensions
 * N x H x W (grey) or N x H x W x C, and a labels file of dimension N.
 */
export function loadIdxImages(opts: { images: string; labels?: string | undefined }): ImageDataset {
  const img = readIdxFile(opts.images);
  if (img.dims.length !== 3 && img.dims.length !== 4) {
    throw new DataFormatError(
      opts.images,
      `has ${img.dims.length} dimensions (${img.dims.join(' x ')}); images need N x H x W or N x H x W x C`,
    );
  }
  const [n, height, width, channels = 1] = img.dims as [number, number, number, number?];
  let labels: Uint8Array | undefined;
  if (opts.labels) {
    const lab = readIdxFile(opts.labels);
    if (lab.dims.length !== 1 || lab.dims[0] !== n) {
      throw new DataFormatError(
        opts.labels,
        `has dimensions ${lab.dims.join(' x ')}, but the labels for ${opts.images} need exactly ${n}`,
      );
    }
    labels = lab.data;
  }
  return imageDataset({ pixels: img.data, height, width, channels, labels, source: opts.images });
}

function findIdx(dir: string, stem: string): string | undefined {
  return [join(dir, stem), join(dir, `${stem}.gz`)].find((p) => existsSync(p));
}

/**
 * MNIST or Fashion-MNIST from a folder holding the four standard files (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally .gz).
 * split 'train' (60,000 images) or 'test' (10,000).
 */
export function loadMnist(opts: { dir: string; split?: 'train' | 'test' | undefined }): ImageDataset {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new RangeError(`loadMnist: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = findIdx(opts.dir, `${prefix}-images-idx3-ubyte`);
  const labels = findIdx(opts.dir, `${prefix}-labels-idx1-ubyte`);
  if (!images || !labels) {
    throw new DataFormatError(
      opts.dir,
      `has no ${prefix}-images-idx3-ubyte[.gz] and ${prefix}-labels-idx1-ubyte[.gz]`,
      'pass the folder with the MNIST-format files',
    );
  }
  return loadIdxImages({ images, labels });
}

/**
 * Fashion-MNIST (28x28 grey, 10 classes; MIT), by default from Debian's `dataset-fashion-mnist`
 * package. If the files are missing the error says how to install them.
 */
export function fashionMnist(
  opts: { split?: 'train' | 'test'; dir?: string | undefined } = {},
): ImageDataset {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  if (!existsSync(dir)) {
    throw new DataFormatError(
      dir,
      'does not exist: Fashion-MNIST is not installed',
      'install it with `apt-get install dataset-fashion-mnist` (Debian), or pass dir: a folder with the Fashion-MNIST IDX files',
    );
  }
  return loadMnist({ dir, split: opts.split });
}
