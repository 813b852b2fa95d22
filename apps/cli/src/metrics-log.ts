import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@md4/core/node';
import { parseMetrics } from './training-curves';

/** Appends one JSON object per line to the run's metrics file. */
export class MetricsLog {
  private constructor(readonly path: string) {}

  /**
   * Opens the run's metrics file: a fresh run (`upToStep` null) starts it empty; a resumed one keeps
   * the records up to the checkpoint's step, so the steps trained again after it are not listed twice
   * (and a torn last line from a crash is dropped). The file is rewritten atomically.
   */
  static async open(path: string, upToStep: number | null): Promise<MetricsLog> {
    let kept = '';
    if (upToStep != null) {
      const text = await readFile(path, 'utf8').catch(() => '');
      kept = parseMetrics(text, path)
        .filter((r) => r.step <= upToStep)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join('');
    }
    await writeFileAtomic(path, kept);
    return new MetricsLog(path);
  }

  async append(record: Record<string, unknown>): Promise<void> {
    await appendFile(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}
