import type { MaskingSchedule } from '@md4/schedules';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The paper's Figure 1: alpha(t) and the ELBO weight -alpha'(t) / (1 - alpha(t)) (log scale)
 * for each schedule, side by side.
 */
export function scheduleFigure(schedules: MaskingSchedule[], points = 200): TopLevelSpec {
  const rows: Array<{ t: number; schedule: string; alpha: number; weight: number }> = [];
  for (const schedule of schedules) {
    for (let i = 1; i < points; i++) {
      const t = i / points;
      rows.push({ t, schedule: schedule.name, alpha: schedule.alpha(t), weight: -schedule.weight(t) });
    }
  }
  const color = { field: 'schedule', type: 'nominal' as const, title: 'schedule' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    hconcat: [
      {
        title: 'alpha(t)',
        width: 280,
        height: 220,
        mark: { type: 'line' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 't' },
          y: { field: 'alpha', type: 'quantitative', title: 'alpha(t)' },
          color,
        },
      },
      {
        title: "ELBO weight -alpha'(t) / (1 - alpha(t))",
        width: 280,
        height: 220,
        mark: { type: 'line' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 't' },
          y: { field: 'weight', type: 'quantitative', title: 'weight', scale: { type: 'log' } },
          color,
        },
      },
    ],
  };
}
