import { appendFile } from 'node:fs/promises';

/** Appends one JSON object per line to the run's metrics file. */
export class MetricsLog {
  constructor(readonly path: string) {}

  async append(record: Record<string, unknown>): Promise<void> {
    await appendFile(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}
