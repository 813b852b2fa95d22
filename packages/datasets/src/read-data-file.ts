import { readFileSync } from 'node:fs';
import { DataFormatError } from './data-format-error';

/**
 * Reads a whole data file; a file that cannot be read becomes a DataFormatError naming it and the
 * system's reason (e.g. ENOENT), with `fix` appended when given.
 */
export function readDataFile(path: string, fix?: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new DataFormatError(
      path,
      `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      fix,
    );
  }
}
