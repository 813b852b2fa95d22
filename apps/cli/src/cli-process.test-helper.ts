import { spawnSync } from 'node:child_process';

/** The built CLI (dist/md4.js, built by turbo before the end-to-end tests). */
export const CLI = new URL('../dist/md4.js', import.meta.url).pathname;

/** Runs `md4 ...args` as a process; returns its exit code and output. */
export function md4(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
