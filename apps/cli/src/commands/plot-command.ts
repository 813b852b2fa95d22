import { UsageError } from '../cli-errors';
import { scheduleFlag } from '../flag-parsers';
import { writeChart } from '../render-chart';
import { scheduleFigure } from '../schedule-figure';
import { readMetrics, trainingCurves } from '../training-curves';

/** `md4 plot schedules`: alpha(t) and the ELBO weights of the named schedules (the paper's Figure 1). */
export async function plotSchedulesCommand(opts: { schedules: string; out: string }): Promise<string> {
  const names = opts.schedules
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError('--schedules needs at least one schedule name');
  const schedules = names.map((name) => scheduleFlag('--schedules', name));
  await writeChart(scheduleFigure(schedules), opts.out);
  return opts.out;
}

/** `md4 plot metrics <metrics.jsonl>`: training and validation loss curves. */
export async function plotMetricsCommand(path: string, opts: { out: string }): Promise<string> {
  const records = await readMetrics(path, (warning) => process.stderr.write(`md4: warning: ${warning}\n`));
  await writeChart(trainingCurves(records), opts.out);
  return opts.out;
}
