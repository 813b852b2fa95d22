/** An sRGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** Viridis at nine evenly spaced stops (perceptually uniform, readable for colour-blind visitors). */
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Text contrast the token view holds each step colour to (WCAG 2's AA level for normal text). */
export const TEXT_CONTRAST = 4.5;

/** Viridis at a fraction f in [0, 1] of the way through a run (0 early, 1 late). */
export function viridis(f: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const w = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * w)) as unknown as Rgb;
}

export function rgbString([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** The colour for a fraction f of the way through a run, as an rgb() string (the charts' bars). */
export function stepColor(f: number): string {
  return rgbString(viridis(f));
}

/** WCAG 2 relative luminance: 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels. */
export function relativeLuminance(color: Rgb): number {
  const [r, g, b] = color.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio (L_lighter + 0.05) / (L_darker + 0.05), from 1 (same) to 21 (black on white). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * `color` mixed toward black (on a light background) or white (on a dark one) in 5% steps until it
 * reaches `minRatio` against `background`; unchanged when it already does.
 */
export function readableOn(color: Rgb, background: Rgb, minRatio = TEXT_CONTRAST): Rgb {
  const target = relativeLuminance(background) > 0.18 ? 0 : 255;
  let mixed = color;
  for (let w = 0.05; contrastRatio(mixed, background) < minRatio && w <= 1.0001; w += 0.05) {
    mixed = color.map((c) => Math.round(c + (target - c) * w)) as unknown as Rgb;
  }
  return mixed;
}

/** The step colour for text on `background`: viridis, darkened or lightened to TEXT_CONTRAST. */
export function stepTextColor(f: number, background: Rgb): string {
  return rgbString(readableOn(viridis(f), background));
}

/** Parses a computed `rgb(r, g, b)` / `rgba(...)` colour; white when it cannot (or is transparent). */
export function parseRgb(css: string): Rgb {
  const m = /^rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)(?:[,\s/]+([\d.]+))?/.exec(css);
  if (!m || (m[4] != null && Number(m[4]) === 0)) return [255, 255, 255];
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
