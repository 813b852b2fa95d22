import { readFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from './cli-errors';

/** One line of the metrics JSONL that `md4 train` appends to. */
export interface MetricsRecord {
  step: number;
  split: 'train' | 'valid';
  bitsPerToken: number;
  [key: string]: unknown;
}

/**
 * Parses metrics JSONL text. A malformed last line is what a crash mid-write leaves: it is skipped
 * and reported through `onWarning`; a malformed line before the end is an error naming the line.
 */
export function parseMetrics(
  text: string,
  path: string,
  onWarning?: (message: string) => void,
): MetricsRecord[] {
  const records: MetricsRecord[] = [];
  const lines = text.split('\n');
  let lastLine = lines.length - 1;
  while (lastLine >= 0 && lines[lastLine]!.trim() === '') lastLine--;
  for (let i = 0; i <= lastLine; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let record: MetricsRecord;
    try {
      record = JSON.parse(line) as MetricsRecord;
    } catch {
      if (i === lastLine) {
        onWarning?.(`${path}:${i + 1}: skipped a torn last line (a run was killed while writing it)`);
        break;
      }
      throw new InputError(
        `${path}:${i + 1}: not a JSON object (metrics files hold one JSON object per line)`,
      );
    }
    if (typeof record.step === 'number' && typeof record.bitsPerToken === 'number') records.push(record);
  }
  return records;
}

/** Reads a metrics JSONL file (see `parseMetrics`); a file without records is an error. */
export async function readMetrics(
  path: string,
  onWarning?: (message: string) => void,
): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read metrics file ${path}: ${(error as Error).message}`);
  }
  const records = parseMetrics(text, path, onWarning);
  if (records.length === 0)
    throw new InputError(`${path} holds no metrics records with step and bitsPerToken`);
  return records;
}

/** Training and validation loss (bits/token) against step. */
export function trainingCurves(records: MetricsRecord[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'MD4 training',
    width: 480,
    height: 280,
    data: { values: records.map(({ step, split, bitsPerToken }) => ({ step, split, bitsPerToken })) },
    mark: { type: 'line', point: { size: 12 } },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'bitsPerToken', type: 'quantitative', title: 'bits/token', scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: 'split' },
    },
  };
}
