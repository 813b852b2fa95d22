/**
 * Small SVG charts built with DOM calls (no innerHTML, no chart library): line charts with linear or
 * log y axes, and bar charts. Each returns a fresh <svg> with role="img" and a text summary.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface LineSeries {
  label: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** Accessible summary of what the chart shows. */
  summary: string;
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  yLog?: boolean;
  width?: number;
  height?: number;
}

export interface BarChartOptions {
  values: readonly number[];
  colors?: readonly string[];
  xLabel: string;
  yLabel: string;
  summary: string;
  width?: number;
  height?: number;
}

const MARGIN = { left: 48, right: 12, top: 10, bottom: 34 };

/** The drawing width for a chart in `container`: its width in CSS pixels, so text keeps its size. */
export function chartWidth(container: HTMLElement, fallback = 480): number {
  return Math.max(280, Math.round(container.clientWidth) || fallback);
}

function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function frame(width: number, height: number, summary: string): SVGSVGElement {
  const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary });
  svg.append(svgEl('title', {}, summary));
  return svg;
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
function linearTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return Number.isFinite(lo) ? [lo] : [];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && ticks.length < 50; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

function extent(values: number[], fallback: readonly [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [fallback[0], fallback[1]];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  // A (nearly) flat series gets a unit-wide range around it.
  if (hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

function axes(
  svg: SVGSVGElement,
  geometry: { width: number; height: number },
  x: { ticks: number[]; at: (v: number) => number; label: string },
  y: { ticks: number[]; at: (v: number) => number; label: string; format?: (v: number) => string },
): void {
  const { width, height } = geometry;
  const bottom = height - MARGIN.bottom;
  for (const v of y.ticks) {
    const py = y.at(v);
    svg.append(svgEl('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: py, y2: py, class: 'grid' }));
    svg.append(
      svgEl('text', { x: MARGIN.left - 6, y: py + 4, 'text-anchor': 'end' }, (y.format ?? formatTick)(v)),
    );
  }
  for (const v of x.ticks) {
    const px = x.at(v);
    svg.append(svgEl('text', { x: px, y: bottom + 15, 'text-anchor': 'middle' }, formatTick(v)));
  }
  svg.append(
    svgEl('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: bottom, y2: bottom, class: 'axis' }),
  );
  svg.append(svgEl('line', { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: bottom, class: 'axis' }));
  svg.append(
    svgEl(
      'text',
      { x: (MARGIN.left + width - MARGIN.right) / 2, y: height - 4, 'text-anchor': 'middle' },
      x.label,
    ),
  );
  svg.append(
    svgEl(
      'text',
      {
        x: 12,
        y: (MARGIN.top + bottom) / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${(MARGIN.top + bottom) / 2})`,
      },
      y.label,
    ),
  );
}

/** A line chart; with `yLog` the y axis is log10 and non-positive points are dropped. */
export function lineChart(opts: LineChartOptions): SVGSVGElement {
  const width = opts.width ?? 480;
  const height = opts.height ?? 240;
  const svg = frame(width, height, opts.summary);
  const tf = opts.yLog ? (v: number) => (v > 0 ? Math.log10(v) : Number.NaN) : (v: number) => v;
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = opts.series.flatMap((s) => s.points.map((p) => tf(p[1])));
  const [x0, x1] = opts.xDomain ?? extent(xs, [0, 1]);
  const [y0, y1] = opts.yDomain ? [tf(opts.yDomain[0]), tf(opts.yDomain[1])] : extent(ys, [0, 1]);
  const px = (v: number) => MARGIN.left + ((v - x0) / (x1 - x0 || 1)) * (width - MARGIN.left - MARGIN.right);
  const py = (v: number) =>
    height - MARGIN.bottom - ((v - y0) / (y1 - y0 || 1)) * (height - MARGIN.top - MARGIN.bottom);
  const yTicks = opts.yLog
    ? Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, i) => Math.ceil(y0) + i)
    : linearTicks(y0, y1);
  axes(
    svg,
    { width, height },
    { ticks: linearTicks(x0, x1), at: px, label: opts.xLabel },
    { ticks: yTicks, at: py, label: opts.yLabel, format: opts.yLog ? (v) => formatTick(10 ** v) : undefined },
  );
  opts.series.forEach((series, i) => {
    let d = '';
    let pen = 'M';
    for (const [x, yRaw] of series.points) {
      const y = tf(yRaw);
      if (!Number.isFinite(y) || y < y0 || y > y1) {
        pen = 'M';
        continue;
      }
      d += `${pen}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = 'L';
    }
    if (d) svg.append(svgEl('path', { d, fill: 'none', stroke: series.color, 'stroke-width': 2 }));
    if (opts.series.length > 1) {
      const ly = MARGIN.top + 6 + i * 14;
      const lx = width - MARGIN.right - 110;
      svg.append(
        svgEl('line', { x1: lx, x2: lx + 16, y1: ly, y2: ly, stroke: series.color, 'stroke-width': 3 }),
      );
      svg.append(svgEl('text', { x: lx + 22, y: ly + 4 }, series.label));
    }
  });
  return svg;
}

/** A bar chart of `values` (one bar per index, x axis numbered from 1). */
export function barChart(opts: BarChartOptions): SVGSVGElement {
  const width = opts.width ?? 720;
  const height = opts.height ?? 160;
  const svg = frame(width, height, opts.summary);
  const n = Math.max(1, opts.values.length);
  const top = Math.max(1, ...opts.values);
  const inner = width - MARGIN.left - MARGIN.right;
  const bw = inner / n;
  const py = (v: number) => height - MARGIN.bottom - (v / top) * (height - MARGIN.top - MARGIN.bottom);
  const xTicks = linearTicks(1, n, Math.min(n, 8)).filter((v) => Number.isInteger(v) && v >= 1 && v <= n);
  axes(
    svg,
    { width, height },
    { ticks: xTicks, at: (v) => MARGIN.left + (v - 0.5) * bw, label: opts.xLabel },
    { ticks: linearTicks(0, top, 4).filter(Number.isInteger), at: py, label: opts.yLabel },
  );
  opts.values.forEach((v, i) => {
    if (v <= 0) return;
    const y = py(v);
    svg.append(
      svgEl('rect', {
        x: MARGIN.left + i * bw + Math.min(1, bw * 0.1),
        y,
        width: Math.max(0.5, bw - Math.min(2, bw * 0.2)),
        height: height - MARGIN.bottom - y,
        fill: opts.colors?.[i] ?? 'currentColor',
      }),
    );
  });
  return svg;
}
