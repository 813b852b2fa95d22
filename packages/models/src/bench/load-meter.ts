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

/** Measures how many CPUs other processes kept busy while `fn` ran (as torch_md4.py's LoadMeter). */
export async function withLoadMeter<T>(fn: () => Promise<T>): Promise<{ result: T; otherCpuLoad: number }> {
  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const own = (cpu.user + cpu.system) / 1e6;
  const other = machineBusySeconds() - busy0 - own;
  return { result, otherCpuLoad: Math.max(0, Math.round((other / seconds) * 100) / 100) };
}
