import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeGrid } from './time-grid';

describe('timeGrid', () => {
  it('uniform: steps + 1 times i/T from exactly 1 down to exactly 0', () => {
    const grid = timeGrid(8, 'uniform');
    expect(Array.from(grid)).toEqual([1, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0]);
    expect(Array.from(timeGrid(3))).toEqual([1, 2 / 3, 1 / 3, 0]);
  });

  it('cosine: t_i = cos(pi/2 (1 - i/T)), endpoints exactly 1 and 0, small steps near t = 1', () => {
    const T = 10;
    const grid = timeGrid(T, 'cosine');
    expect(grid[0]).toBe(1);
    expect(grid[T]).toBe(0);
    for (let j = 1; j < T; j++) expect(grid[j]).toBeCloseTo(Math.cos((Math.PI / 2) * (j / T)), 15);
    expect(grid[0]! - grid[1]!).toBeLessThan(grid[T - 1]! - grid[T]!);
  });

  it('property: both grids are strictly decreasing in [0, 1] for any step count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.constantFrom('uniform' as const, 'cosine' as const),
        (T, kind) => {
          const grid = timeGrid(T, kind);
          if (grid.length !== T + 1 || grid[0] !== 1 || grid[T] !== 0) return false;
          for (let j = 1; j <= T; j++) if (!(grid[j]! < grid[j - 1]! && grid[j]! >= 0)) return false;
          return true;
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });

  it('rejects a bad step count or grid kind', () => {
    expect(() => timeGrid(0)).toThrow(/steps must be an integer >= 1, got 0/);
    expect(() => timeGrid(2.5)).toThrow(/integer >= 1/);
    expect(() => timeGrid(4, 'log' as 'uniform')).toThrow(/"uniform" or "cosine", got "log"/);
  });
});
