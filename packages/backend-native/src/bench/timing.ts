/**
 * Runs `f` (synchronous; wasm and native kernels finish before returning) `warmup` times, then
 * repeatedly until `minMs` has passed and at least `minReps` runs are done, in `rounds` separate
 * rounds. Returns the best round's milliseconds per run: on a shared machine the fastest round is
 * the one least disturbed by other work.
 */
export function bestMsPerRun(
  f: () => void,
  opts: { warmup?: number; minMs?: number; minReps?: number; rounds?: number } = {},
): number {
  const { warmup = 1, minMs = 300, minReps = 1, rounds = 3 } = opts;
  for (let i = 0; i < warmup; i++) f();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    let reps = 0;
    const t0 = performance.now();
    let elapsed = 0;
    do {
      f();
      reps++;
      elapsed = performance.now() - t0;
    } while (elapsed < minMs || reps < minReps);
    best = Math.min(best, elapsed / reps);
  }
  return best;
}

/** Rounds to `digits` decimals for JSON output. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
