import { unzipSync } from 'fflate';
import { DataFormatError } from './data-format-error';
import { MAX_DATA_FILE_BYTES } from './read-data-file';

/**
 * The bytes of one file inside a zip archive (via fflate): the entry named `name` (basename match),
 * else the only file entry. Entries larger than `maxBytes` (by the archive's directory) are not
 * inflated. Errors name the archive and list what it holds.
 */
export function readZipEntry(
  zip: Uint8Array,
  name: string,
  file: string,
  maxBytes = MAX_DATA_FILE_BYTES,
): Uint8Array {
  const seen: string[] = [];
  const oversized: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        seen.push(f.name);
        if (f.originalSize > maxBytes) oversized.push(f.name);
        return f.originalSize <= maxBytes;
      },
    });
  } catch (e) {
    throw new DataFormatError(file, `is not a readable zip archive (${(e as Error).message})`);
  }
  if (
    (oversized.length > 0 && seen.length === 1) ||
    oversized.some((n) => n === name || n.endsWith(`/${name}`))
  ) {
    throw new DataFormatError(
      file,
      `holds ${oversized[0]}, which inflates to more than the ${maxBytes.toLocaleString('en-US')} bytes a data file may have`,
    );
  }
  const names = Object.keys(files);
  const wanted =
    names.find((n) => n === name || n.endsWith(`/${name}`)) ?? (names.length === 1 ? names[0] : undefined);
  if (wanted === undefined) {
    throw new DataFormatError(
      file,
      `has no entry named '${name}' (entries: ${seen.length ? seen.slice(0, 10).join(', ') : 'none'})`,
      `use the original ${name}.zip or unzip it and pass the ${name} file`,
    );
  }
  return files[wanted]!;
}
