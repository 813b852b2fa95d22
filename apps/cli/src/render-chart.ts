import { writeFileAtomic } from '@md4/core/node';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { UsageError } from './cli-errors';

/** Renders a Vega-Lite spec to SVG text. */
export async function chartToSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes a chart as .svg or .png (chosen by the file extension). */
export async function writeChart(spec: vegaLite.TopLevelSpec, path: string): Promise<void> {
  const svg = await chartToSvg(spec);
  if (/\.svg$/i.test(path)) {
    await writeFileAtomic(path, svg);
  } else if (/\.png$/i.test(path)) {
    const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
    await writeFileAtomic(path, png);
  } else {
    throw new UsageError(`plot output ${path} must end in .svg or .png`);
  }
}
