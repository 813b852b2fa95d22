import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '@md4/core/node';
import { UsageError } from './cli-errors';

/** The lock file of a run folder: one `md4 train` at a time writes there. */
export const RUN_LOCK_FILE = 'run.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null; // gone, or torn by a crash while it was written
  }
}

/**
 * Takes the exclusive lock of run folder `dir` (created with O_EXCL, holding pid, host and start
 * time). A lock left by a run that died on this host (its pid is gone, or the file is unreadable)
 * is taken over; a live run's lock, or one from another host, is refused with a message that says
 * who holds it. The lock is removed by `release()` and, failing that, when the process exits.
 */
export async function acquireRunLock(dir: string): Promise<{ release(): Promise<void> }> {
  const path = join(dir, RUN_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const owner = await readOwner(path);
    if (owner != null && (owner.host !== me.host || processAlive(owner.pid))) {
      const where = owner.host === me.host ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
      throw new UsageError(
        `${dir} is in use by another md4 train (${where}, since ${owner.started}); wait for it to finish, ` +
          `or choose another --out${owner.host === me.host ? '' : ` (if that run is gone, delete ${path})`}`,
      );
    }
    await rm(path, { force: true }); // stale: its run died
  }
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LockOwner).pid === me.pid;
    } catch {
      return false;
    }
  };
  const onExit = () => {
    if (ours()) rmSync(path, { force: true });
  };
  process.on('exit', onExit);
  return {
    async release() {
      process.off('exit', onExit);
      if (ours()) await rm(path, { force: true });
    },
  };
}
