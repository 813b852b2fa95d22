/**
 * A masking schedule alpha(t): the probability that a token is still unmasked at time t
 * (t = 0 clean, t = 1 fully masked). Paper section 2, eq. (1).
 */
export interface MaskingSchedule {
  /** The tag of `Schedule`: one alpha(t) for every token value. */
  readonly kind: 'scalar';
  /** The spec `parseSchedule` reads back, e.g. "linear", "poly3", "geometric". */
  readonly name: string;
  /** alpha(t), decreasing from alpha(0) = 1 - eps to alpha(1) = eps. */
  alpha(t: number): number;
  /** alpha'(t) = d alpha / dt (negative). */
  dalpha(t: number): number;
  /** The ELBO weight w(t) = alpha'(t) / (1 - alpha(t)) (negative); paper eq. (5). */
  weight(t: number): number;
  /** A plain object that `scheduleFromJSON` turns back into this schedule. */
  toJSON(): ScheduleConfig;
  /** Holds no tensors: nothing to free (here so that every `Schedule` is disposed the same way). */
  dispose(): void;
}

/** The serialised form of a schedule. */
export type ScheduleConfig =
  | { kind: 'linear'; eps: number }
  | { kind: 'cosine'; eps: number }
  | { kind: 'polynomial'; k: number; eps: number }
  | { kind: 'geometric'; eps: number; betaMin: number; betaMax: number };

/** The default squeeze: alpha = (1 - 2 eps) abar + eps. */
export const DEFAULT_EPS = 1e-4;

/** Throws unless t is a number in [0, 1]. */
export function assertTime(t: number): void {
  if (!(t >= 0 && t <= 1)) throw new RangeError(`time t must lie in [0, 1], got ${t}`);
}

export function assertEps(eps: number): void {
  if (!(eps >= 0 && eps < 0.5)) throw new RangeError(`eps must lie in [0, 0.5), got ${eps}`);
}

/**
 * Builds a schedule from the raw abar(t) and its derivative, squeezed once:
 * alpha = (1 - 2 eps) abar + eps, alpha' = (1 - 2 eps) abar'.
 */
export function squeezedSchedule(
  name: string,
  config: ScheduleConfig,
  rawAlpha: (t: number) => number,
  rawDalpha: (t: number) => number,
): MaskingSchedule {
  const { eps } = config;
  assertEps(eps);
  const scale = 1 - 2 * eps;
  const alpha = (t: number): number => {
    assertTime(t);
    return scale * rawAlpha(t) + eps;
  };
  const dalpha = (t: number): number => {
    assertTime(t);
    return scale * rawDalpha(t);
  };
  return {
    kind: 'scalar',
    name,
    alpha,
    dalpha,
    weight: (t: number) => dalpha(t) / (1 - alpha(t)),
    toJSON: () => ({ ...config }),
    dispose: () => {},
  };
}
