import { existsSync } from 'node:fs';
import { DataFormatError, type TokenDataset, type Tokenizer } from '@md4/datasets';
import {
  bundledCorpus,
  fashionMnist,
  loadMnist,
  loadText8,
  mobyDickCorpus,
  textCorpus,
} from '@md4/datasets/node';
import { InputError, UsageError } from './cli-errors';

/** Train and evaluation splits of one data source, with the tokenizer its ids come from. */
export interface DataSplits {
  tokenizer: Tokenizer;
  /** What the data is, for people. */
  description: string;
  train: TokenDataset;
  valid: TokenDataset;
  test?: TokenDataset;
  close(): void;
}

export const DATA_SPECS =
  '"bundled" (State of the Union, default), "moby-dick" (held-out prose), "text8:<path to text8 or text8.zip>", ' +
  '"corpus:<files, folders or globs of .txt/.jsonl>", "fashion-mnist" or "mnist:<dir of IDX files>"';

/**
 * Opens the data named by `spec` with sequences of `length` tokens (ignored for images, whose
 * length is the pixel count). `tokenizer` applies to text sources.
 */
export async function openData(
  spec: string,
  opts: { length: number; tokenizer: 'text8' | 'gpt2' },
): Promise<DataSplits> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  try {
    switch (kind) {
      case 'bundled': {
        const train = bundledCorpus({ tokenizer: opts.tokenizer, split: 'train', length: opts.length });
        const valid = bundledCorpus({ tokenizer: opts.tokenizer, split: 'valid', length: opts.length });
        return {
          tokenizer: train.tokenizer,
          description: `bundled State of the Union corpus (${opts.tokenizer})`,
          train,
          valid,
          close() {},
        };
      }
      case 'moby-dick': {
        const train = mobyDickCorpus({ tokenizer: opts.tokenizer, split: 'train', length: opts.length });
        const valid = mobyDickCorpus({ tokenizer: opts.tokenizer, split: 'valid', length: opts.length });
        return {
          tokenizer: train.tokenizer,
          description: `Moby-Dick (${opts.tokenizer})`,
          train,
          valid,
          close() {},
        };
      }
      case 'text8': {
        if (opts.tokenizer !== 'text8')
          throw new UsageError(
            `--data ${spec} is text8 characters, not ${opts.tokenizer} tokens: train on it with ` +
              '`md4 train --tokenizer text8`, and evaluate it with a model trained on text8',
          );
        requireFile(arg, 'text8');
        const splits = loadText8(arg, { length: opts.length });
        return { tokenizer: splits.train.tokenizer, description: `text8 (${arg})`, ...splits, close() {} };
      }
      case 'corpus': {
        if (arg === '') throw new UsageError('corpus data needs files: --data corpus:<path or glob>');
        // text8 keeps only a-z and space, so prose is cleaned for it (lower case, digits spelled out).
        const corpus = await textCorpus({
          inputs: arg.split(','),
          tokenizer: opts.tokenizer,
          length: opts.length,
          clean: opts.tokenizer === 'text8',
        });
        if (corpus.valid == null) throw new InputError(`corpus ${arg} has no validation documents`);
        return {
          tokenizer: corpus.train.tokenizer,
          description: `corpus ${arg} (${opts.tokenizer})`,
          train: corpus.train,
          valid: corpus.valid,
          close: () => corpus.close(),
        };
      }
      case 'fashion-mnist':
      case 'mnist': {
        const train =
          kind === 'mnist' ? loadMnist({ dir: arg, split: 'train' }) : fashionMnist({ split: 'train' });
        const valid =
          kind === 'mnist' ? loadMnist({ dir: arg, split: 'test' }) : fashionMnist({ split: 'test' });
        return { tokenizer: train.tokenizer, description: kind, train, valid, close() {} };
      }
      default:
        throw new UsageError(`unknown data "${spec}"; expected ${DATA_SPECS}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) throw error;
    // The library's fix names its own options; md4's advice names md4's.
    const advice = CLI_DATA_ADVICE[kind as keyof typeof CLI_DATA_ADVICE];
    if (error instanceof DataFormatError && advice)
      throw new InputError(`${error.file}: ${error.problem}; ${advice}`);
    throw new InputError((error as Error).message);
  }
}

/** What md4 expects of each data kind: the fix it gives for a data format error. */
const CLI_DATA_ADVICE = {
  text8: '--data text8:<path> reads the text8 file or text8.zip; for other text use --data corpus:<path>',
  corpus:
    'md4 reads each .txt file, and the "text" field of each .jsonl line, as one document, and holds out ' +
    'every 100th document for validation: give at least 100 documents (split a long text into files or lines)',
  mnist: '--data mnist:<dir> reads the train-/t10k- images and labels IDX files (plain or .gz)',
} as const;

function requireFile(path: string, what: string): void {
  if (path === '') throw new UsageError(`${what} data needs a path: --data ${what}:<path>`);
  if (!existsSync(path)) throw new InputError(`${what} file ${path} does not exist`);
}
