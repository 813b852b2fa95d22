import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataFormatError } from './data-format-error';

/** The most bytes a data file (or a compressed file's content) may have: 1 GiB, ten times text8. */
export const MAX_DATA_FILE_BYTES = 2 ** 30;

/**
 * Reads a whole data file, but never more than `maxBytes` (default MAX_DATA_FILE_BYTES): a larger
 * file, or an endless one (/dev/zero, a pipe), is a DataFormatError once the limit is passed, before
 * more memory is taken. A file that cannot be read becomes a DataFormatError naming it and the
 * system's reason (e.g. ENOENT), with `fix` appended when given.
 */
export function readDataFile(
  path: string,
  opts: { fix?: string | undefined; maxBytes?: number | undefined; what?: string | undefined } = {},
): Uint8Array {
  const maxBytes = opts.maxBytes ?? MAX_DATA_FILE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DataFormatError(path, `cannot be read (${why})`, opts.fix);
  }
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    // A regular file is read into one buffer of its size (+1 to see its end); others grow by 16 MiB.
    let size = fstatSync(fd).size + 1;
    for (;;) {
      const chunk = new Uint8Array(Math.max(1, Math.min(size, maxBytes + 1 - total)));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new DataFormatError(path, `cannot be read (${why})`, opts.fix);
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      size = n < chunk.length ? 1 << 16 : 1 << 24; // a short read is usually the end
      if (total > maxBytes) {
        throw new DataFormatError(
          path,
          `holds more than ${maxBytes.toLocaleString('en-US')} bytes, more than ${opts.what ?? 'a data file'} can have`,
          opts.fix ?? 'check the path names the data file',
        );
      }
    }
    if (chunks.length === 1) return chunks[0]!;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}
