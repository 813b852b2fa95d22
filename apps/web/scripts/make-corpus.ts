/**
 * Writes the training text the web app bundles: an excerpt of the State of the Union addresses
 * (public domain, from @md4/datasets' bundled corpus), cleaned to text8 characters (a-z and space).
 *
 *   node scripts/run-ts.mjs scripts/make-corpus.ts [chars]   (default 500,000 characters)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cleanText8 } from '@md4/datasets';
import { bundledDocuments } from '@md4/datasets/node';

export const CORPUS_FILE = new URL('../public/corpus/sotu-text8.txt', import.meta.url);

export function main(args: string[]): void {
  const limit = Number(args[0] ?? 500_000);
  if (!(limit >= 1000)) throw new RangeError(`chars must be a number >= 1000, got ${args[0]}`);
  // The most recent training addresses first back in time, whole addresses only, until the limit.
  const docs = [...bundledDocuments('train')].reverse();
  const parts: string[] = [];
  let chars = 0;
  for (const doc of docs) {
    const text = cleanText8(doc.text);
    if (chars + text.length + 1 > limit && parts.length > 0) break;
    parts.unshift(text);
    chars += text.length + 1;
  }
  const years = `${docs[parts.length - 1]!.year}-${docs[0]!.year}`;
  mkdirSync(new URL('.', CORPUS_FILE), { recursive: true });
  writeFileSync(CORPUS_FILE, `${parts.join(' ')}\n`);
  console.log(`wrote ${CORPUS_FILE.pathname}: ${parts.length} addresses (${years}), ${chars} characters`);
}
