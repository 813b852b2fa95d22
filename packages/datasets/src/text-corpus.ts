import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '@md4/core/node';
import { readDocuments } from './corpus-documents';
import { type CorpusFile, listCorpusFiles } from './corpus-files';
import { DataFormatError } from './data-format-error';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { cleanText8 } from './text8-clean';
import { TEXT8_CLEAN_HINT, text8Tokenizer } from './text8-tokenizer';
import {
  openTokenCache,
  readTokenCacheHeader,
  type TokenCacheDataset,
  TokenCacheWriter,
} from './token-cache-file';
import type { TextTokenizer } from './tokenizer';

/** Options of `textCorpus`: the input files, the tokenizer, the split and where caches go. */
export interface TextCorpusOptions {
  /** Files, folders (searched recursively) and glob patterns of .txt (one document each) and .jsonl files. */
  inputs: string | readonly string[];
  /** 'gpt2' (default; EOS 50256 after each document) or 'text8' (a space after each document). */
  tokenizer?: 'gpt2' | 'text8' | undefined;
  /** The text field of .jsonl records (default 'text'). */
  field?: string | undefined;
  /** Sequence length L of the returned datasets (default 1024). Not part of the cache. */
  length?: number | undefined;
  /** Document i (0-based, all files in sorted path order) goes to valid when i % validEvery === validEvery - 1.
   * Default 100 (1% of documents); 0: no valid split. */
  validEvery?: number | undefined;
  /** text8 only: run `cleanText8` on each document (otherwise text8 must already be clean). */
  clean?: boolean | undefined;
  /** Where token caches live (default $MD4_CACHE_DIR, else ~/.cache/md4). */
  cacheDir?: string | undefined;
  /** Called after each document while the cache is being built. */
  onProgress?:
    | ((p: { bytes: number; totalBytes: number; documents: number; tokens: number }) => void)
    | undefined;
}

/** What `textCorpus` returns: the two splits read from their caches, and what they were built from. */
export interface TextCorpus {
  /** The training split (documents not sent to valid). */
  train: TokenCacheDataset;
  /** Undefined when validEvery is 0. */
  valid: TokenCacheDataset | undefined;
  /** The input files the inputs expanded to, sorted by path. */
  files: CorpusFile[];
  /** The token cache file of each split (valid undefined when there is no valid split). */
  cachePaths: { train: string; valid: string | undefined };
  /** True when this call tokenised the corpus, false when it reused the cache. */
  built: boolean;
  /** Closes both datasets. */
  close(): void;
}

/** Where token caches go by default. */
export function defaultCacheDir(): string {
  return process.env.MD4_CACHE_DIR || join(homedir(), '.cache', 'md4');
}

/**
 * A text corpus tokenised once into binary token caches (one file per split, see
 * `token-cache-format.ts`) and read from disk chunk by chunk, so it never has to fit in memory.
 * Documents are tokenised independently, each followed by the tokenizer's `eosId`, and packed into
 * one stream; chunks of `length` tokens may span documents (OpenWebText-style packing).
 * The cache is keyed by a SHA-256 fingerprint of the file list (paths, sizes, mtimes) and options,
 * so changing any input file rebuilds it.
 */
export async function textCorpus(opts: TextCorpusOptions): Promise<TextCorpus> {
  const tokenizer: TextTokenizer = (opts.tokenizer ?? 'gpt2') === 'gpt2' ? gpt2Tokenizer : text8Tokenizer;
  if (opts.tokenizer !== undefined && opts.tokenizer !== 'gpt2' && opts.tokenizer !== 'text8') {
    throw new RangeError(
      `textCorpus: tokenizer must be 'gpt2' or 'text8', got ${JSON.stringify(opts.tokenizer)}`,
    );
  }
  const field = opts.field ?? 'text';
  const length = opts.length ?? 1024;
  const validEvery = opts.validEvery ?? 100;
  if (!Number.isInteger(validEvery) || validEvery < 0 || validEvery === 1) {
    throw new RangeError(
      `textCorpus: validEvery must be 0 (no valid split) or an integer >= 2, got ${validEvery}`,
    );
  }
  const clean = tokenizer === text8Tokenizer && opts.clean === true;
  const files = await listCorpusFiles(opts.inputs);
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        format: 1,
        tokenizer: tokenizer.id,
        vocab: tokenizer.vocabSize,
        field,
        validEvery,
        clean,
        files,
      }),
    )
    .digest('hex');
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  try {
    makeDirectory(cacheDir);
  } catch (error) {
    const from =
      opts.cacheDir != null
        ? 'the cacheDir option'
        : process.env.MD4_CACHE_DIR
          ? 'MD4_CACHE_DIR'
          : 'the default';
    throw new Error(
      `token cache folder (${from}): ${(error as Error).message}; give a writable folder (MD4_CACHE_DIR, or the cacheDir option)`,
    );
  }
  const trainPath = join(cacheDir, `${fingerprint.slice(0, 20)}-train.tok`);
  const validPath = validEvery > 0 ? join(cacheDir, `${fingerprint.slice(0, 20)}-valid.tok`) : undefined;

  const fresh = (p: string | undefined) =>
    p === undefined || (existsSync(p) && readTokenCacheHeader(p).fingerprint === fingerprint);
  let built = false;
  if (!fresh(trainPath) || !fresh(validPath)) {
    await buildCaches({
      files,
      tokenizer,
      field,
      validEvery,
      clean,
      fingerprint,
      trainPath,
      validPath,
      onProgress: opts.onProgress,
    });
    built = true;
  }
  const train = openTokenCache(trainPath, { length, tokenizer });
  let valid: TokenCacheDataset | undefined;
  try {
    valid = validPath ? openTokenCache(validPath, { length, tokenizer }) : undefined;
  } catch (e) {
    train.close();
    throw e;
  }
  return {
    train,
    valid,
    files,
    cachePaths: { train: trainPath, valid: validPath },
    built,
    close() {
      train.close();
      valid?.close();
    },
  };
}

async function buildCaches(o: {
  files: CorpusFile[];
  tokenizer: TextTokenizer;
  field: string;
  validEvery: number;
  clean: boolean;
  fingerprint: string;
  trainPath: string;
  validPath: string | undefined;
  onProgress: TextCorpusOptions['onProgress'];
}): Promise<void> {
  const { tokenizer, validEvery } = o;
  const train = new TokenCacheWriter(o.trainPath, tokenizer, o.fingerprint);
  const valid = o.validPath ? new TokenCacheWriter(o.validPath, tokenizer, o.fingerprint) : undefined;
  const totalBytes = o.files.reduce((a, f) => a + f.size, 0);
  const eos = [tokenizer.eosId];
  let bytes = 0;
  let index = 0;
  try {
    for (const file of o.files) {
      for await (const doc of readDocuments(file.path, o.field)) {
        bytes += doc.bytes;
        const text = o.clean ? cleanText8(doc.text) : doc.text;
        if (text.length === 0) continue;
        let tokens: Int32Array;
        try {
          tokens = tokenizer.encode(text);
        } catch (e) {
          if (e instanceof DataFormatError) throw new DataFormatError(doc.where, e.problem, TEXT8_CLEAN_HINT);
          throw e;
        }
        const w = valid && index % validEvery === validEvery - 1 ? valid : train;
        w.append(tokens);
        w.append(eos);
        w.endDocument();
        index++;
        o.onProgress?.({
          bytes,
          totalBytes,
          documents: index,
          tokens: train.tokenCount + (valid?.tokenCount ?? 0),
        });
      }
    }
    const where = o.files.length === 1 ? o.files[0]!.path : `the corpus (${o.files.length} files)`;
    if (index === 0)
      throw new DataFormatError(
        where,
        'is empty: no document has any text',
        'check the inputs and the jsonl field name',
      );
    if (valid && valid.documentCount === 0) {
      throw new DataFormatError(
        where,
        `has ${index} documents, too few for a valid split of every ${validEvery}th document`,
        'pass a smaller validEvery (>= 2), or 0 for no valid split',
      );
    }
    train.finish();
    valid?.finish();
  } catch (e) {
    train.abort();
    valid?.abort();
    throw e;
  }
}
