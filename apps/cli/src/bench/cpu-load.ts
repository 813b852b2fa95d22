import { readFileSync } from 'node:fs';

/** Busy CPU seconds of the whole machine so far (/proc/stat; 0 where it does not exist). */
function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
  } catch {
    return 0;
  }
}

/**
 * Runs `fn` and measures how many CPUs *other* processes kept busy meanwhile (machine busy time
 * minus this process's CPU time, per wall second), as torch_md4.py's LoadMeter does.
 */
export async function withLoadMeter<T>(fn: () => Promise<T>): Promise<{ result: T; otherCpuLoad: number }> {
  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const other = machineBusySeconds() - busy0 - (cpu.user + cpu.system) / 1e6;
  return { result, otherCpuLoad: Math.max(0, Math.round((other / seconds) * 100) / 100) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
