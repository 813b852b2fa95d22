import { cosine } from './cosine-schedule';
import type { GenMD4ScheduleConfig, Schedule, StateDependentSchedule } from './genmd4-schedule';
import { genmd4ScheduleFromJSON } from './genmd4-schedule';
import { geometric } from './geometric-schedule';
import { linear } from './linear-schedule';
import type { MaskingSchedule, ScheduleConfig } from './masking-schedule';
import { polynomial } from './polynomial-schedule';

const SPECS = '"linear", "cosine", "polyK" (K > 0, e.g. "poly3") or "geometric"';

/**
 * Reads a schedule spec: "linear" | "cosine" | "polyK" (e.g. "poly3", "poly0.5", "polynomial2") |
 * "geometric" (default betas), case-insensitive. Every schedule's `name` reads back this way; use
 * `toJSON` / `scheduleFromJSON` to keep a non-default eps or geometric betas.
 */
export function parseSchedule(spec: string, opts: { eps?: number | undefined } = {}): MaskingSchedule {
  const trimmed = spec.trim().toLowerCase();
  if (trimmed === 'linear') return linear(opts);
  if (trimmed === 'cosine') return cosine(opts);
  if (trimmed === 'geometric') return geometric(opts);
  const poly = /^poly(?:nomial)?(\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/.exec(trimmed);
  if (poly) {
    const k = Number(poly[1]);
    if (!(k > 0)) throw new RangeError(`schedule "${spec}": polynomial degree must be > 0`);
    return polynomial(k, opts);
  }
  throw new RangeError(`unknown schedule "${spec}"; expected ${SPECS}`);
}

/**
 * Rebuilds a schedule of either kind from its `toJSON()` form (e.g. read from a checkpoint); a
 * GenMD4 schedule gets a new variable (`opts.trainable`, default true) that the caller disposes.
 */
export function scheduleFromJSON(config: ScheduleConfig): MaskingSchedule;
export function scheduleFromJSON(
  config: GenMD4ScheduleConfig,
  opts?: { trainable?: boolean | undefined },
): StateDependentSchedule;
export function scheduleFromJSON(config: unknown, opts?: { trainable?: boolean | undefined }): Schedule;
export function scheduleFromJSON(config: unknown, opts: { trainable?: boolean | undefined } = {}): Schedule {
  const c = config as Partial<ScheduleConfig | GenMD4ScheduleConfig> | null;
  if (c == null || typeof c !== 'object' || typeof c.kind !== 'string') {
    throw new TypeError(`schedule config must be an object with a "kind", got ${JSON.stringify(config)}`);
  }
  switch (c.kind) {
    case 'linear':
      return linear({ eps: c.eps });
    case 'cosine':
      return cosine({ eps: c.eps });
    case 'polynomial':
      return polynomial(Number((c as { k?: number | undefined }).k), { eps: c.eps });
    case 'geometric': {
      const g = c as { eps?: number | undefined; betaMin?: number | undefined; betaMax?: number | undefined };
      return geometric({ eps: g.eps, betaMin: g.betaMin, betaMax: g.betaMax });
    }
    case 'genmd4':
      return genmd4ScheduleFromJSON(c as GenMD4ScheduleConfig, opts);
    default:
      throw new TypeError(
        `unknown schedule kind "${(c as { kind: string }).kind}"; expected ${SPECS} or "genmd4"`,
      );
  }
}
