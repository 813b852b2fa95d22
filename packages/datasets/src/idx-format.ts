import { DataFormatError } from './data-format-error';

/** A parsed IDX array (the MNIST file format): unsigned bytes with their dimensions. */
export interface IdxArray {
  /** The dimensions, outermost first, e.g. [60000, 28, 28] for MNIST's training images. */
  dims: number[];
  /** The values, row-major, one byte each (as many as the dims multiplied). */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  8: 'uint8',
  9: 'int8',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/**
 * The header of an IDX file held in memory (the whole file, or at least its first 4 + 4 * ndims
 * bytes). Layout: two zero bytes, a type byte (0x08 = unsigned byte, the only type image datasets
 * use), the number of dimensions, then one big-endian uint32 per dimension, then the data,
 * row-major. A bad magic, type or a truncated header is a DataFormatError naming `file`.
 */
function parseIdxHeader(
  bytes: Uint8Array,
  file: string,
): { dims: number[]; headerBytes: number; count: number } {
  if (bytes.length < 4)
    throw new DataFormatError(file, `is truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataFormatError(
      file,
      `has the wrong IDX magic (${hex}); an IDX file starts with 00 00 08 <ndims>`,
      'pass an uncompressed or gzipped MNIST-style IDX file',
    );
  }
  const type = bytes[2]!;
  if (type !== 8) {
    const name = TYPE_NAMES[type];
    throw new DataFormatError(
      file,
      name
        ? `holds IDX type ${name}; only uint8 (0x08) IDX files are supported`
        : `has the wrong IDX magic (unknown type byte 0x${type.toString(16).padStart(2, '0')})`,
    );
  }
  const ndims = bytes[3]!;
  if (ndims < 1) throw new DataFormatError(file, 'has the wrong IDX magic (0 dimensions)');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes)
    throw new DataFormatError(
      file,
      `is truncated: ${bytes.length} bytes, shorter than its ${headerBytes}-byte IDX header (${ndims} dimensions)`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = dv.getUint32(4 + 4 * d, false);
    dims.push(n);
    count *= n;
  }
  return { dims, headerBytes, count };
}

/** The byte length an IDX file's header declares for the whole file (header + data). */
export function idxByteLength(bytes: Uint8Array, file: string): number {
  const { headerBytes, count } = parseIdxHeader(bytes, file);
  return headerBytes + count;
}

/**
 * Parses an IDX file held in memory (layout: see parseIdxHeader). Every deviation (magic, type,
 * truncation, trailing bytes) is a DataFormatError naming `file`.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { dims, headerBytes, count } = parseIdxHeader(bytes, file);
  if (count === 0) throw new DataFormatError(file, `holds no data (dimensions ${dims.join(' x ')})`);
  const have = bytes.length - headerBytes;
  if (have < count)
    throw new DataFormatError(
      file,
      `is truncated: dimensions ${dims.join(' x ')} need ${count} bytes of data, the file has ${have}`,
    );
  if (have > count)
    throw new DataFormatError(
      file,
      `has the wrong size: dimensions ${dims.join(' x ')} need ${count} bytes of data, the file has ${have} (${have - count} extra)`,
    );
  return { dims, data: bytes.subarray(headerBytes) };
}
