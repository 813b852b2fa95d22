/**
 * The reverse-process time grid: steps+1 times from t = 1 (all MASK) down to t = 0.
 * - uniform: t_i = i / T
 * - cosine:  t_i = cos(pi/2 (1 - i/T))  (small steps near t = 1, where sampling starts, so few tokens
 *   are revealed in the first steps; better samples with linear alpha)
 * Element j of the result is t_{T-j}, so grid[0] = 1 and grid[T] = 0 exactly.
 */
export function timeGrid(steps: number, kind: 'uniform' | 'cosine' = 'uniform'): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be an integer >= 1, got ${steps}`);
  }
  if (kind !== 'uniform' && kind !== 'cosine') {
    throw new RangeError(`time grid must be "uniform" or "cosine", got "${kind as string}"`);
  }
  const grid = new Float64Array(steps + 1);
  for (let j = 0; j <= steps; j++) {
    const u = (steps - j) / steps;
    grid[j] = kind === 'uniform' ? u : Math.cos((Math.PI / 2) * (1 - u));
  }
  grid[0] = 1;
  grid[steps] = 0;
  return grid;
}
