/**
 * True while process `pid` exists on this machine (`kill(pid, 0)`; EPERM means it exists but
 * belongs to another user). Used to tell a live owner of a lock or temporary file from a dead one.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
