import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { MAX_TRAINING_BYTES, type MemoryLimit } from '@md4/models';
import { UsageError } from './cli-errors';

/** The share of the machine's memory a training step may plan for: the rest is Node, the OS, the page cache. */
export const USABLE_MEMORY_SHARE = 0.85;

/** A cgroup's memory limit in bytes (v2 `memory.max`, v1 `memory.limit_in_bytes`), or null for none. */
function cgroupLimit(): number | null {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(path, 'utf8').trim()); // "max" reads as NaN: no limit
      if (Number.isFinite(value) && value > 0) return value;
    } catch {
      // not this cgroup version, or not Linux
    }
  }
  return null;
}

/** This machine's memory (or the container's, where a cgroup limits it below that), in bytes. */
export function machineMemoryBytes(): number {
  const limit = cgroupLimit();
  return limit == null ? totalmem() : Math.min(limit, totalmem());
}

/**
 * The memory a training step may use on `backend`: 4 GiB of wasm heap on 'wasm'; on 'native' and
 * 'cpu', which keep each tensor in memory of its own, MD4_MEMORY_BYTES when set (a share of a
 * machine others use too), else USABLE_MEMORY_SHARE of the machine's.
 */
export function trainingMemoryLimit(backend: string, env: NodeJS.ProcessEnv = process.env): MemoryLimit {
  if (backend !== 'native' && backend !== 'cpu')
    return { bytes: MAX_TRAINING_BYTES, name: 'of the wasm heap' };
  const given = env.MD4_MEMORY_BYTES;
  if (given != null && given !== '') {
    const bytes = Number(given);
    if (!Number.isFinite(bytes) || bytes <= 0)
      throw new UsageError(`MD4_MEMORY_BYTES must be a positive number of bytes (got "${given}")`);
    return { bytes, name: 'that MD4_MEMORY_BYTES allows' };
  }
  const machine = machineMemoryBytes();
  const gib = (machine / 2 ** 30).toFixed(1);
  return {
    bytes: Math.floor(USABLE_MEMORY_SHARE * machine),
    name: `a step may use here (${100 * USABLE_MEMORY_SHARE}% of this machine's ${gib} GiB)`,
  };
}
