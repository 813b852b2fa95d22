import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataFormatError } from './data-format-error';

/** One document and where it came from (`file` or `file:line`). */
export interface CorpusDocument {
  /** The document's text (a whole .txt file, or one .jsonl record's field). */
  text: string;
  /** Bytes of input it took (for progress). */
  bytes: number;
  /** The path for a .txt file, `path:line` (1-based) for a .jsonl record; used in messages. */
  where: string;
}

/**
 * The documents of one corpus file, in order: a .txt file is one document (read whole); a .jsonl file
 * has one JSON object per non-blank line whose string field `field` is a document (streamed line by
 * line, so the file may be far larger than memory).
 */
export async function* readDocuments(path: string, field: string): AsyncGenerator<CorpusDocument> {
  if (!path.toLowerCase().endsWith('.jsonl')) {
    const bytes = readFileSync(path);
    yield { text: new TextDecoder('utf-8').decode(bytes), bytes: bytes.length, where: path };
    return;
  }
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new DataFormatError(
          `${path}:${lineNo}`,
          `is not valid JSON (${(e as Error).message})`,
          'each line of a .jsonl file must be one JSON object',
        );
      }
      const text =
        obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined;
      if (typeof text !== 'string') {
        const fields =
          obj !== null && typeof obj === 'object' && !Array.isArray(obj)
            ? Object.keys(obj).slice(0, 8).join(', ')
            : typeof obj;
        throw new DataFormatError(
          `${path}:${lineNo}`,
          `has no string field '${field}' (found: ${fields || 'nothing'})`,
          'pass the name of the text field (option `field`)',
        );
      }
      yield { text, bytes: Buffer.byteLength(line) + 1, where: `${path}:${lineNo}` };
    }
  } finally {
    lines.close();
  }
}
