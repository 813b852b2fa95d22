import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, tinyTrainFlags } from './cli-process.test-helper';
import { acquireRunLock, RUN_LOCK_FILE } from './run-lock';

const work = mkdtempSync(join(tmpdir(), 'md4-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(work, name);
  spawnSync('mkdir', ['-p', dir]);
  return dir;
}

/** The pid of a process that has exited (so no process has it, for a while). */
function deadPid(): number {
  return spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
}

describe('run folder lock', () => {
  it('is exclusive: a second holder is refused with who holds it; release frees it', async () => {
    const dir = folder('exclusive');
    const lock = await acquireRunLock(dir);
    const owner = JSON.parse(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(acquireRunLock(dir)).rejects.toThrow(
      new RegExp(
        `is in use by another md4 train \\(pid ${process.pid}, since .*\\); wait for it to finish, or choose another --out$`,
      ),
    );
    await lock.release();
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
    await (await acquireRunLock(dir)).release();
  });

  it('takes over a stale lock (dead pid, or a torn file) and refuses one from another host', async () => {
    const dir = folder('stale');
    const path = join(dir, RUN_LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: Number(deadPid()), host: hostname(), started: 'then' }));
    const taken = await acquireRunLock(dir);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await taken.release();
    writeFileSync(path, '{"pid": 12');
    await (await acquireRunLock(dir)).release();
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', started: 'then' }));
    await expect(acquireRunLock(dir)).rejects.toThrow(
      /\(pid 1 on host elsewhere, since then\); .* \(if that run is gone, delete .*run\.lock\)/,
    );
  });

  it('md4 train: a second run on the same --out refuses (exit 2) while the first runs; after a kill -9 the lock is taken over', async () => {
    const out = join(work, 'run');
    const args = (steps: string) => [CLI, 'train', ...tinyTrainFlags(), '--steps', steps, '--out', out];
    const first = spawn('node', args('100000'), { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 30_000;
      while (!existsSync(join(out, RUN_LOCK_FILE)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const second = spawnSync('node', args('2'), { encoding: 'utf8' });
      expect(second.status).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`is in use by another md4 train \\(pid ${first.pid},`));
    } finally {
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
    }
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(true); // a kill -9 leaves it behind
    const third = spawnSync('node', args('2'), { encoding: 'utf8' });
    expect(third.status, third.stderr).toBe(0);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });
});
