import { readFileSync } from 'node:fs';

/**
 * The CPU as /proc/cpuinfo names it beyond its marketing name ("AMD EPYC" covers Zen 1 to Zen 5):
 * vendor, family and model numbers, e.g. AuthenticAMD 25/17 (Zen 4), AuthenticAMD 26/2 (Zen 5),
 * GenuineIntel 6/143 (Sapphire Rapids). Null fields where the file or a line is missing.
 */
export interface CpuIdentity {
  vendor: string | null;
  family: number | null;
  model: number | null;
}

/** The first processor's vendor_id, cpu family and model lines of `cpuinfo` (default: /proc/cpuinfo). */
export function cpuIdentity(cpuinfo?: string): CpuIdentity {
  let text = cpuinfo;
  if (text == null) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const numberOf = (value: string | null) => (value != null && /^\d+$/.test(value) ? Number(value) : null);
  return {
    vendor: field('vendor_id'),
    family: numberOf(field('cpu family')),
    model: numberOf(field('model')),
  };
}
