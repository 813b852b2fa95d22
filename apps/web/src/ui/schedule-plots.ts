import { parseSchedule } from '@md4/schedules';
import { chartWidth, type LineSeries, lineChart } from './svg-chart';

/** The schedules of the paper's Figure 1, with their plot colours. */
const SCHEDULES: ReadonlyArray<{ spec: string; label: string; color: string }> = [
  { spec: 'linear', label: 'linear', color: '#3a5bd9' },
  { spec: 'poly2', label: 'poly2', color: '#e07b39' },
  { spec: 'poly0.5', label: 'poly0.5', color: '#8e44ad' },
  { spec: 'cosine', label: 'cosine', color: '#21918c' },
  { spec: 'geometric', label: 'geometric', color: '#c0392b' },
];

/** Draws alpha(t) and the ELBO weight -alpha'(t)/(1 - alpha(t)) for each schedule, from @md4/schedules. */
export function drawSchedulePlots(alphaRoot: HTMLElement, weightRoot: HTMLElement, points = 200): void {
  const alpha: LineSeries[] = [];
  const weight: LineSeries[] = [];
  for (const { spec, label, color } of SCHEDULES) {
    const schedule = parseSchedule(spec);
    const a: Array<[number, number]> = [];
    const w: Array<[number, number]> = [];
    for (let i = 0; i <= points; i++) {
      const t = i / points;
      a.push([t, schedule.alpha(t)]);
      if (i > 0) w.push([t, -schedule.weight(t)]);
    }
    alpha.push({ label, color, points: a });
    weight.push({ label, color, points: w });
  }
  alphaRoot.replaceChildren(
    lineChart({
      series: alpha,
      xLabel: 't',
      yLabel: 'α(t)',
      width: chartWidth(alphaRoot),
      xDomain: [0, 1],
      yDomain: [0, 1],
      summary: 'alpha(t) against t for the linear, poly2, poly0.5, cosine and geometric schedules',
    }),
  );
  weightRoot.replaceChildren(
    lineChart({
      series: weight,
      xLabel: 't',
      yLabel: 'weight',
      width: chartWidth(weightRoot),
      xDomain: [0, 1],
      yDomain: [0.01, 1000],
      yLog: true,
      summary: 'ELBO weight -alpha prime over one minus alpha against t, log scale, for the same schedules',
    }),
  );
}
