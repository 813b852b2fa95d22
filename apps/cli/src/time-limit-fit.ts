/**
 * The share of the time left that `--fit-time-limit` plans to fill: stopping a little before the
 * end of the cosine decay costs almost nothing (the learning rate is near zero there), while a plan
 * that runs over is cut by the time limit before its decay ends; the margin also covers the
 * validations still to come.
 */
export const TIME_LIMIT_FIT_SHARE = 0.97;

/** `--fit-time-limit` measures the pace once this share of the session's time limit has passed. */
export const TIME_LIMIT_FIT_AFTER = 0.1;

/**
 * `md4 train --fit-time-limit`: the number of steps that fit in the session's time limit, estimated
 * once, when a tenth of the limit has passed, from the pace so far:
 *   fitted = step + floor(TIME_LIMIT_FIT_SHARE * (limit - elapsed) / (elapsed / steps done)).
 * The plan only ever shrinks: a run whose --steps fit keeps them.
 */
export class TimeLimitFit {
  private done = false;

  /**
   * @param limitSeconds the session's time limit (--time-limit)
   * @param startStep the steps done before this session (a resumed run's)
   * @param plannedSteps the run's --steps
   */
  constructor(
    private readonly limitSeconds: number,
    private readonly startStep: number,
    private readonly plannedSteps: number,
  ) {}

  /**
   * The new total of steps when `step`, done after `seconds` of this session, is the first step
   * past a tenth of the limit and fewer than --steps fit; null otherwise. Never below `step`.
   */
  fitted(step: number, seconds: number): number | null {
    if (this.done || seconds < TIME_LIMIT_FIT_AFTER * this.limitSeconds) return null;
    this.done = true;
    const secondsPerStep = seconds / (step - this.startStep);
    const more = Math.floor(
      (TIME_LIMIT_FIT_SHARE * Math.max(0, this.limitSeconds - seconds)) / secondsPerStep,
    );
    const total = step + more;
    return total < this.plannedSteps ? total : null;
  }
}
