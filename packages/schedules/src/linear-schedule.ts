import { DEFAULT_EPS, type MaskingSchedule, squeezedSchedule } from './masking-schedule';

/** Linear schedule: abar(t) = 1 - t, abar'(t) = -1. With eps = 0 the weight is -1/t. */
export function linear(opts: { eps?: number | undefined } = {}): MaskingSchedule {
  const eps = opts.eps ?? DEFAULT_EPS;
  return squeezedSchedule(
    'linear',
    { kind: 'linear', eps },
    (t) => 1 - t,
    () => -1,
  );
}
