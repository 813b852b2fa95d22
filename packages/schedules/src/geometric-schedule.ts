import { DEFAULT_EPS, type MaskingSchedule, squeezedSchedule } from './masking-schedule';

/**
 * Geometric schedule: abar(t) = exp(-B(t)), B(t) = betaMin^(1-t) betaMax^t, so
 * abar'(t) = -abar(t) B(t) log(betaMax / betaMin). Defaults betaMin 1e-5, betaMax 20.
 */
export function geometric(
  opts: { eps?: number | undefined; betaMin?: number | undefined; betaMax?: number | undefined } = {},
): MaskingSchedule {
  const eps = opts.eps ?? DEFAULT_EPS;
  const betaMin = opts.betaMin ?? 1e-5;
  const betaMax = opts.betaMax ?? 20;
  if (!(betaMin > 0 && betaMax > betaMin && Number.isFinite(betaMax))) {
    throw new RangeError(`geometric schedule needs 0 < betaMin < betaMax, got ${betaMin}, ${betaMax}`);
  }
  const logRatio = Math.log(betaMax / betaMin);
  const beta = (t: number) => betaMin ** (1 - t) * betaMax ** t;
  return squeezedSchedule(
    'geometric',
    { kind: 'geometric', eps, betaMin, betaMax },
    (t) => Math.exp(-beta(t)),
    (t) => -Math.exp(-beta(t)) * beta(t) * logRatio,
  );
}
