import { DEFAULT_EPS, type MaskingSchedule, squeezedSchedule } from './masking-schedule';

/**
 * Cosine schedule (MaskGIT's, time reversed): abar(t) = 1 - cos(pi/2 (1 - t)),
 * abar'(t) = -(pi/2) sin(pi/2 (1 - t)).
 */
export function cosine(opts: { eps?: number | undefined } = {}): MaskingSchedule {
  const eps = opts.eps ?? DEFAULT_EPS;
  const halfPi = Math.PI / 2;
  return squeezedSchedule(
    'cosine',
    { kind: 'cosine', eps },
    (t) => 1 - Math.cos(halfPi * (1 - t)),
    (t) => -halfPi * Math.sin(halfPi * (1 - t)),
  );
}
