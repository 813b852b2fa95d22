import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { DataFormatError } from './data-format-error';

const TEXT_EXTENSIONS = ['.txt', '.jsonl'];

/** A corpus input file, with what identifies its contents for the cache fingerprint. */
export interface CorpusFile {
  /** Absolute path. */
  path: string;
  /** Size in bytes (fs.stat). */
  size: number;
  /** Last modification time in milliseconds since the epoch (fs.stat). */
  mtimeMs: number;
}

function isCorpusFile(p: string): boolean {
  return TEXT_EXTENSIONS.some((e) => p.toLowerCase().endsWith(e));
}

/**
 * Expands files, folders (searched recursively for .txt and .jsonl) and glob patterns into a sorted,
 * de-duplicated list of absolute paths. A pattern matching nothing, or a named file of another type,
 * is an error.
 */
export async function listCorpusFiles(inputs: string | readonly string[]): Promise<CorpusFile[]> {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  if (list.length === 0)
    throw new DataFormatError(
      'text corpus',
      'no input files given',
      'pass files, folders or glob patterns of .txt / .jsonl',
    );
  const found = new Set<string>();
  for (const input of list) {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(input);
    } catch {
      stat = undefined;
    }
    let matches: string[];
    if (stat?.isFile()) {
      if (!isCorpusFile(input))
        throw new DataFormatError(
          input,
          'is not a .txt or .jsonl file',
          'convert it, or pass a folder or glob that selects .txt / .jsonl files',
        );
      matches = [resolve(input)];
    } else if (stat?.isDirectory()) {
      matches = await glob(['**/*.txt', '**/*.jsonl'], {
        cwd: input,
        absolute: true,
        onlyFiles: true,
        caseSensitiveMatch: false,
      });
    } else {
      matches = (await glob(input, { absolute: true, onlyFiles: true })).filter(isCorpusFile);
    }
    if (matches.length === 0) {
      throw new DataFormatError(
        input,
        stat
          ? 'holds no .txt or .jsonl files'
          : 'matches no .txt or .jsonl files (no such file, folder or glob match)',
      );
    }
    for (const m of matches) found.add(resolve(m));
  }
  return [...found].sort().map((path) => {
    const s = statSync(path);
    return { path, size: s.size, mtimeMs: s.mtimeMs };
  });
}
