/** Viridis at nine evenly spaced stops (perceptually uniform, readable for colour-blind visitors). */
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
] as const;

/** The colour for a fraction f in [0, 1] of the way through a run (0 early, 1 late), as an rgb() string. */
export function stepColor(f: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const w = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const c = [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * w));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
