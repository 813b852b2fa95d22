import { DEFAULT_EPS, type MaskingSchedule, squeezedSchedule } from './masking-schedule';

/** Polynomial schedule of degree k > 0: abar(t) = 1 - t^k, abar'(t) = -k t^(k-1). */
export function polynomial(k: number, opts: { eps?: number | undefined } = {}): MaskingSchedule {
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`polynomial degree k must be > 0, got ${k}`);
  const eps = opts.eps ?? DEFAULT_EPS;
  return squeezedSchedule(
    `poly${k}`,
    { kind: 'polynomial', k, eps },
    (t) => 1 - t ** k,
    (t) => (t === 0 && k < 1 ? Number.NEGATIVE_INFINITY : -k * t ** (k - 1)),
  );
}
