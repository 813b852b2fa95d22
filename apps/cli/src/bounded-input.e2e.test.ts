import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { md4, tinyTrainFlags } from './cli-process.test-helper';

// Issue 13, items 4, 6 and 7: folders that cannot be made, sizes that cannot fit and reads that
// never end each fail within seconds with one clear error, before the memory is taken.
const work = mkdtempSync(join(tmpdir(), 'md4-bounded-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TINY = tinyTrainFlags();

function timed(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return { ...md4(args), seconds: (Date.now() - started) / 1000 };
  } finally {
    process.env = saved;
  }
}

describe('folders the file system refuses', () => {
  it('--out under /proc is an input error at once (recursive mkdir there never returns)', () => {
    const r = timed(['train', ...TINY, '--out', '/proc/md4run/inner']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /--out \/proc\/md4run\/inner: cannot create folder \/proc\/md4run: the file system does not allow a folder there/,
    );
    expect(r.seconds).toBeLessThan(20);
  });

  it('MD4_CACHE_DIR under /proc is named in the error', () => {
    const corpus = join(work, 'corpus.txt');
    writeFileSync(corpus, 'some text');
    const r = timed(['train', ...TINY, '--data', `corpus:${corpus}`, '--out', join(work, 'cache')], {
      MD4_CACHE_DIR: '/proc/md4-cache',
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/token cache folder \(MD4_CACHE_DIR\): cannot create folder \/proc\/md4-cache/);
  });
});

describe('sizes are checked before allocation', () => {
  it('a training batch that cannot fit names the estimate and the largest batch that fits', () => {
    const r = md4([
      'train',
      '--batch',
      '1000000',
      '--seq-length',
      '32',
      '--backend',
      'wasm',
      '--out',
      join(work, 'big'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--batch 1000000: a training step on batch 1000000 x 32 tokens needs about [\d.]+ GiB, over the 4\.0 GiB .*the largest batch that fits is about \d+; add --checkpoint-activations, or lower --batch/,
    );
  });

  it('on native the limit is the memory MD4_MEMORY_BYTES allows: just under it trains, one sequence more is refused', () => {
    const env = { MD4_MEMORY_BYTES: String(2 ** 26) };
    const run = (name: string, ...flags: string[]) =>
      timed(
        [
          'train',
          ...TINY,
          '--layers',
          '3',
          '--backend',
          'native',
          '--steps',
          '1',
          ...flags,
          '--out',
          join(work, name),
        ],
        env,
      );
    const ask = run('ask', '--batch', '1000000');
    expect(ask.code).toBe(2);
    if (!/that MD4_MEMORY_BYTES allows/.test(ask.stderr)) {
      expect(process.env.MD4_REQUIRE_NATIVE, ask.stderr).not.toBe('1'); // no native backend: wasm's 4 GiB
      return;
    }
    const message =
      /over the 0\.1 GiB that MD4_MEMORY_BYTES allows; the largest batch that fits is about (\d+); add --checkpoint-activations, or lower --batch/;
    expect(ask.stderr).toMatch(message);
    const largest = Number(message.exec(ask.stderr)![1]);
    expect(largest).toBeGreaterThan(10);
    const over = run('over', '--batch', String(largest + 1));
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(
      new RegExp(`--batch ${largest + 1}: .*the largest batch that fits is about ${largest};`),
    );
    const under = run('under', '--batch', String(largest));
    expect(under.code, under.stderr).toBe(0);
    // keeping only each block's input, the batch that did not fit does
    const checkpointed = run('checkpointed', '--batch', String(largest + 1), '--checkpoint-activations');
    expect(checkpointed.code, checkpointed.stderr).toBe(0);
  });

  it('a width whose parameters cannot be held is refused', () => {
    const r = md4(['train', '--dim', '1000000', '--backend', 'wasm', '--out', join(work, 'wide')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parameters .* exceed the 1,073,741,824 a tfjs backend here can hold/);
  });
});

describe('reads are bounded', () => {
  it('--data text8:/dev/zero stops at the 1 GiB limit instead of growing forever', () => {
    const r = timed(['train', ...TINY, '--data', 'text8:/dev/zero', '--out', join(work, 'zero')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /\/dev\/zero: holds more than 1,073,741,824 bytes, more than a text8 file can have/,
    );
    expect(r.seconds).toBeLessThan(30);
  });

  it('a gzip bomb named like an MNIST file is refused at the size its IDX header declares', () => {
    const dir = join(work, 'mnist');
    rmSync(dir, { recursive: true, force: true });
    const header = new Uint8Array(16);
    header.set([0, 0, 8, 3]);
    new DataView(header.buffer).setUint32(4, 60000, false);
    new DataView(header.buffer).setUint32(8, 28, false);
    new DataView(header.buffer).setUint32(12, 28, false);
    const bomb = new Uint8Array(16 + 400_000_000);
    bomb.set(header);
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(bomb, { level: 9 }));
    const labels = new Uint8Array(8 + 60000);
    labels.set([0, 0, 8, 1]);
    new DataView(labels.buffer).setUint32(4, 60000, false);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
    const r = timed(['train', ...TINY, '--data', `mnist:${dir}`, '--out', join(work, 'bomb')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /train-images-idx3-ubyte\.gz: inflates to more than the 47,040,016 bytes its IDX header declares/,
    );
  });
});
