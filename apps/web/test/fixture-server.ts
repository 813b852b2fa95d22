import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Where the preview server serves the test files' fixture folders. */
export const FIXTURES_PATH = '/test-fixtures/';

/**
 * A file of this name in a served folder makes the server refuse that folder's files: it drops the
 * connection, as an unreachable server would (fetch rejects).
 */
export const REFUSE_MARKER = '.refuse';

/** Bytes per chunk and pause between chunks of a slowed-down response: 64 KiB every 40 ms, ~1.6 MB/s. */
const SLOW_CHUNK = 64 * 1024;
const SLOW_PAUSE_MS = 40;

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
};

function trickle(res: ServerResponse, path: string): void {
  const stream = createReadStream(path, { highWaterMark: SLOW_CHUNK });
  let timer: ReturnType<typeof setTimeout> | undefined;
  res.on('close', () => {
    clearTimeout(timer);
    stream.destroy();
  });
  stream.on('data', (chunk) => {
    stream.pause();
    res.write(chunk);
    timer = setTimeout(() => stream.resume(), SLOW_PAUSE_MS);
  });
  stream.on('end', () => res.end());
  stream.on('error', () => res.destroy());
}

/**
 * Serves `dir` (which the test files fill: each runs in its own process) under /test-fixtures/ on the
 * preview server, same origin as the app. /test-fixtures/slow/<path> serves <path> slowly (with its
 * Content-Length, so the app shows progress), to leave time to cancel a download. A folder holding a
 * file named REFUSE_MARKER is refused (the connection dropped).
 */
export function fixtureServer(dir: string): Plugin {
  return {
    name: 'md4-test-fixtures',
    configurePreviewServer(server) {
      server.middlewares.use(FIXTURES_PATH, (req, res, next) => {
        let rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
        const slow = rel.startsWith('slow/');
        if (slow) rel = rel.slice('slow/'.length);
        const path = normalize(join(dir, rel));
        if (!path.startsWith(dir + sep)) return next();
        if (existsSync(join(dirname(path), REFUSE_MARKER))) {
          res.destroy();
          return;
        }
        let size: number;
        try {
          const stat = statSync(path);
          if (!stat.isFile()) throw new Error('not a file');
          size = stat.size;
        } catch {
          res.statusCode = 404;
          res.end('not found');
          return;
        }
        res.setHeader('Content-Type', TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream');
        res.setHeader('Content-Length', String(size));
        res.setHeader('Cache-Control', 'no-store');
        if (slow) trickle(res, path);
        else createReadStream(path).pipe(res);
      });
    },
  };
}
