import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsInputTensor,
  type SafetensorsTensor,
} from './safetensors';
import { readSafetensorsStream, type StreamedTensor } from './safetensors-stream';

/** A deterministic generator (mulberry32) so failures reproduce. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTensors(seed: number): Array<[string, SafetensorsInputTensor]> {
  const r = rng(seed);
  const bits16 = (n: number) => Uint16Array.from({ length: n }, () => Math.floor(r() * 65536));
  return [
    ['f32', { shape: [3, 5], data: Float32Array.from({ length: 15 }, () => (r() - 0.5) * 1e3) }],
    ['f16', { dtype: 'F16', shape: [7, 3], data: bits16(21) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ['bf16', { dtype: 'BF16', shape: [33], data: bits16(33) }],
    ['f64', { shape: [2, 2], data: Float64Array.from({ length: 4 }, () => r() * 1e-3) }],
    ['i32', { shape: [5], data: Int32Array.from({ length: 5 }, () => Math.floor((r() - 0.5) * 2e6)) }],
    ['u8', { shape: [9], data: Uint8Array.from({ length: 9 }, () => Math.floor(r() * 256)) }],
    ['scalar', { shape: [], data: Float32Array.of(-0) }],
    ['big', { shape: [2500], data: Float32Array.from({ length: 2500 }, () => r()) }],
    ['bigHalf', { dtype: 'F16', shape: [3001], data: bits16(3001) }],
    ['trailingEmpty', { dtype: 'BF16', shape: [0], data: new Uint16Array(0) }],
  ];
}

/** What a stream should deliver: decodeSafetensors' result, upcast to float32. */
function upcast(t: SafetensorsTensor): Float32Array {
  if (t.dtype === 'F16') return float16ToFloat32(t.data as Uint16Array);
  if (t.dtype === 'BF16') return bfloat16ToFloat32(t.data as Uint16Array);
  return Float32Array.from(t.data as ArrayLike<number>);
}

const bitsOf = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

/**
 * Yields `bytes` in pieces of the given sizes (cycled), each copied into one reused buffer at an odd
 * offset, as Node's pooled Buffers are: a reader that keeps a chunk instead of copying it breaks.
 */
async function* pieces(bytes: Uint8Array, sizes: number[], log?: { yielded: number; closed: boolean }) {
  const pool = new Uint8Array(Math.max(...sizes, 1) + 3);
  let at = 0;
  let k = 0;
  try {
    while (at < bytes.length) {
      const n = Math.min(sizes[k++ % sizes.length]!, bytes.length - at);
      const view = pool.subarray(3, 3 + n);
      view.set(bytes.subarray(at, at + n));
      at += n;
      if (log) log.yielded = at;
      yield view;
      pool.fill(0xee);
    }
  } finally {
    if (log) log.closed = true;
  }
}

async function collect(
  chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  totalBytes: number,
  onProgress?: (p: { loaded: number; total: number }) => void,
) {
  const got: StreamedTensor[] = [];
  const header = await readSafetensorsStream(chunks, {
    totalBytes,
    onTensor: (t) => {
      got.push(t);
    },
    onProgress,
  });
  return { got, header };
}

function expectMatchesDecode(bytes: Uint8Array, got: StreamedTensor[], header: SafetensorsHeader) {
  const decoded = decodeSafetensors(bytes);
  expect(header).toEqual(parseSafetensorsHeader(bytes, bytes.length));
  expect(got.map((t) => t.name)).toEqual(header.entries.map((e) => e.name));
  for (const t of got) {
    const want = decoded.tensors.get(t.name)!;
    expect(t.dtype).toBe(want.dtype);
    expect(t.shape).toEqual(want.shape);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(bitsOf(t.data)).toEqual(bitsOf(upcast(want)));
  }
}

describe('readSafetensorsStream', () => {
  const bytes = encodeSafetensors(randomTensors(1), { format: 'test' });

  for (const size of [1, 3, 7, 4096, bytes.length]) {
    it(`delivers every dtype, identical to decodeSafetensors upcast, in chunks of ${size === bytes.length ? 'the whole file' : size}`, async () => {
      const { got, header } = await collect(pieces(bytes, [size]), bytes.length);
      expectMatchesDecode(bytes, got, header);
      expect(header.metadata).toEqual({ format: 'test' });
    });
  }

  it('reads a ReadableStream (response.body, File.stream()) and releases it', async () => {
    const blob = new Blob([bytes.slice()]);
    const stream = blob.stream();
    const { got, header } = await collect(stream, blob.size);
    expectMatchesDecode(bytes, got, header);
    expect(stream.locked).toBe(false);
  });

  it('reads fs.createReadStream (pooled Buffers, small highWaterMark)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'md4-safetensors-'));
    try {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, bytes);
      const { got, header } = await collect(createReadStream(path, { highWaterMark: 1000 }), bytes.length);
      expectMatchesDecode(bytes, got, header);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('property: any tensors, any chunking', async () => {
    const dtypes = ['F32', 'F16', 'BF16', 'F64', 'I32', 'U8'] as const;
    const tensor = fc
      .tuple(
        fc.constantFrom(...dtypes),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
        fc.integer(),
      )
      .map(([dtype, shape, seed]): SafetensorsInputTensor => {
        const n = shape.reduce((a, b) => a * b, 1);
        const r = rng(seed);
        const data =
          dtype === 'F32'
            ? Float32Array.from({ length: n }, () => r() - 0.5)
            : dtype === 'F64'
              ? Float64Array.from({ length: n }, () => r() * 1e6)
              : dtype === 'I32'
                ? Int32Array.from({ length: n }, () => Math.floor(r() * 1e6))
                : dtype === 'U8'
                  ? Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
                  : Uint16Array.from({ length: n }, () => Math.floor(r() * 65536));
        return { dtype, shape, data };
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(tensor, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        async (tensors, sizes) => {
          const file = encodeSafetensors(tensors.map((t, i) => [`t${i}`, t]));
          const { got, header } = await collect(pieces(file, sizes), file.length);
          expectMatchesDecode(file, got, header);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('awaits onTensor before reading on (backpressure: at most one chunk read ahead)', async () => {
    const log = { yielded: 0, closed: false };
    const seen: Array<[number, number]> = [];
    const header = await readSafetensorsStream(pieces(bytes, [7], log), {
      totalBytes: bytes.length,
      onTensor: async (t, h) => {
        const e = h.entries.find((x) => x.name === t.name)!;
        seen.push([log.yielded, h.headerBytes + e.end]);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
    expect(seen.length).toBe(header.entries.length);
    for (const [yielded, end] of seen) {
      expect(yielded).toBeGreaterThanOrEqual(end);
      expect(yielded - end).toBeLessThan(7);
    }
  });

  it('reports progress: monotone, bounded in count, ending exactly at the total', async () => {
    const progress: Array<{ loaded: number; total: number }> = [];
    const { header } = await collect(pieces(bytes, [1]), bytes.length, (p) => progress.push(p));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(100 + header.entries.length + 2);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.loaded).toBeGreaterThan(progress[i - 1]!.loaded);
    }
    expect(progress.every((p) => p.total === bytes.length)).toBe(true);
    expect(progress.at(-1)!.loaded).toBe(bytes.length);
  });

  it('a stream that ends early names the byte and the incomplete tensor', async () => {
    const header = parseSafetensorsHeader(bytes, bytes.length);
    const bf16 = header.entries.find((e) => e.name === 'bf16')!;
    const cut = header.headerBytes + bf16.begin + 5;
    const log = { yielded: 0, closed: false };
    const names: string[] = [];
    await expect(
      readSafetensorsStream(pieces(bytes.subarray(0, cut), [3], log), {
        totalBytes: bytes.length,
        onTensor: (t) => {
          names.push(t.name);
        },
      }),
    ).rejects.toThrow(
      `truncated: the file ends at byte ${cut} of ${bytes.length} (tensor "bf16" incomplete)`,
    );
    expect(names).toEqual(['f32', 'f16', 'empty']);
    // Ending right at a tensor boundary names the next tensor; inside the header says so.
    const atBoundary = header.headerBytes + bf16.begin;
    await expect(collect(pieces(bytes.subarray(0, atBoundary), [4096]), bytes.length)).rejects.toThrow(
      /\(tensor "bf16" incomplete\)/,
    );
    await expect(collect(pieces(bytes.subarray(0, 20), [3]), bytes.length)).rejects.toThrow(
      `truncated: the file ends at byte 20 of ${bytes.length} (in the header)`,
    );
    await expect(collect(pieces(bytes.subarray(0, 5), [3]), bytes.length)).rejects.toThrow(/in the header/);
  });

  it('more bytes than totalBytes is an error, whichever is wrong', async () => {
    const extra = new Uint8Array(bytes.length + 5);
    extra.set(bytes);
    await expect(collect(pieces(extra, [7]), bytes.length)).rejects.toThrow(
      new RegExp(`the stream has more than the ${bytes.length} bytes given as totalBytes`),
    );
    // A totalBytes too small fails on the header (the data section would not fit).
    await expect(collect(pieces(bytes, [4096]), bytes.length - 1)).rejects.toThrow(/truncated: tensor/);
    await expect(collect(pieces(bytes, [4096]), bytes.length + 1)).rejects.toThrow(/1 bytes after the last/);
  });

  it('rejects a header length over 100 MB as corrupted, even split inside the length field', async () => {
    const junk = new TextEncoder().encode('<!DOCTYPE html><html><body>Not Found</body></html>');
    await expect(collect(pieces(junk, [1]), junk.length)).rejects.toThrow(
      /corrupted: the header length field says \d+ bytes, over the 100000000-byte limit/,
    );
    const first8 = new Uint8Array(16);
    new DataView(first8.buffer).setUint32(0, 1000, true);
    await expect(collect(pieces(first8, [3]), 16)).rejects.toThrow(
      /the header claims 1000 bytes but the file has only 8/,
    );
  });

  it('abort mid-stream rejects with an AbortError and closes the iterator', async () => {
    const controller = new AbortController();
    const log = { yielded: 0, closed: false };
    const names: string[] = [];
    const run = readSafetensorsStream(pieces(bytes, [5], log), {
      totalBytes: bytes.length,
      signal: controller.signal,
      onTensor: (t) => {
        names.push(t.name);
        if (t.name === 'f16') controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(DOMException);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(names).toEqual(['f32', 'f16']);
    expect(log.closed).toBe(true);
    expect(log.yielded).toBeLessThan(bytes.length);
  });

  it('abort while a read is pending rejects at once and cancels the ReadableStream', async () => {
    const controller = new AbortController();
    let cancelled: unknown = 'not cancelled';
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          // First the header and a few bytes, then a read that never completes.
          if (pulls++ === 0) c.enqueue(bytes.slice(0, 100));
          else return new Promise(() => {});
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const run = readSafetensorsStream(stream, {
      totalBytes: bytes.length,
      signal: controller.signal,
      onTensor: () => {},
    });
    setTimeout(() => controller.abort(new Error('user pressed stop')), 10);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError', message: expect.stringMatching(/user pressed stop/) });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cancelled).toBe(error);
  });

  it('an already aborted signal reads nothing; the default reason is passed through', async () => {
    const controller = new AbortController();
    controller.abort();
    const log = { yielded: 0, closed: false };
    let calls = 0;
    const error = await readSafetensorsStream(pieces(bytes, [7], log), {
      totalBytes: bytes.length,
      signal: controller.signal,
      onTensor: () => {
        calls++;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
    expect(log.yielded).toBe(0);
  });

  it('an error thrown by onTensor propagates and closes the source', async () => {
    const log = { yielded: 0, closed: false };
    await expect(
      readSafetensorsStream(pieces(bytes, [64], log), {
        totalBytes: bytes.length,
        onTensor: async (t) => {
          if (t.name === 'bf16') throw new Error('upload failed');
        },
      }),
    ).rejects.toThrow('upload failed');
    expect(log.closed).toBe(true);
  });

  it('rejects text chunks and bad options with clear errors', async () => {
    async function* text() {
      yield 'not bytes' as unknown as Uint8Array;
    }
    await expect(collect(text(), 9)).rejects.toThrow(/yielded a string chunk, expected Uint8Array/);
    await expect(collect(pieces(bytes, [7]), Number.NaN)).rejects.toThrow(
      /totalBytes must be the file's size/,
    );
    await expect(collect({} as AsyncIterable<Uint8Array>, 10)).rejects.toThrow(
      /must be a ReadableStream<Uint8Array> or an AsyncIterable<Uint8Array>/,
    );
  });
});
