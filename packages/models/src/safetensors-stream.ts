/**
 * Streaming reader for safetensors files too large to hold twice in memory (a 170M-parameter F32
 * checkpoint is ~680 MB). The file (format in safetensors.ts: u64 LE header length N, N bytes of
 * JSON header, then the data section) arrives as byte chunks that may split anywhere; the header is
 * parsed from the first 8 + N bytes, then each tensor, in data-offset order, is filled into its own
 * Float32Array and handed to `onTensor` as soon as its last byte arrives. `onTensor` is awaited
 * before more is read (backpressure), so peak memory is about one tensor plus one chunk plus a
 * 1 MiB conversion buffer; the consumer can upload each tensor and drop it.
 *
 * Sources: a `ReadableStream<Uint8Array>` (browser `response.body`, `File.stream()`, Node web
 * streams) or any `AsyncIterable<Uint8Array>` (Node `fs.createReadStream(path)`, whose Buffers may
 * be views into a shared pool: every byte is copied out, no chunk is kept). Browser-safe: no Node
 * built-ins.
 */

import { abortError, chunkBytes, chunkSource } from './byte-chunks';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats';
import {
  parseSafetensorsHeader,
  SAFETENSORS_DTYPE_BYTES,
  type SafetensorsDtype,
  type SafetensorsEntry,
  SafetensorsError,
  type SafetensorsHeader,
  safetensorsHeaderLength,
} from './safetensors';

/** One tensor of a streamed file. */
export interface StreamedTensor {
  /** The tensor's name in the file. */
  name: string;
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first. */
  shape: number[];
  /**
   * Values as float32, a fresh array owned by the consumer: F32 copied; F16, BF16 widened exactly;
   * F64 rounded to nearest float32; I32 and U8 converted (I32 beyond +-2^24 loses low bits).
   */
  data: Float32Array;
}

/** Bytes read so far (header included) out of the file's total. */
export interface SafetensorsStreamProgress {
  /** Bytes read so far. */
  loaded: number;
  /** The file's size in bytes (`totalBytes`). */
  total: number;
}

/** Options of `readSafetensorsStream`: the file's size, the per-tensor callback, progress and abort. */
export interface ReadSafetensorsStreamOptions {
  /** The file's exact size in bytes (File.size, fs.stat, an uncompressed Content-Length). */
  totalBytes: number;
  /** Called once per tensor, in data-offset order, and awaited before reading on. */
  onTensor: (tensor: StreamedTensor, header: SafetensorsHeader) => void | Promise<void>;
  /** Monotone; called after the header, per tensor or every ~1% of the file, and once at `total`. */
  onProgress?: ((p: SafetensorsStreamProgress) => void) | undefined;
  /** Stops reading (the stream is cancelled); the promise rejects with a DOMException 'AbortError'. */
  signal?: AbortSignal | undefined;
}

const STAGING_BYTES = 1 << 20; // a multiple of every element size

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The tensor being filled: its float32 output and how much of it has arrived. */
class TensorFill {
  readonly out: Float32Array;
  readonly size: number;
  /** Bytes of this tensor received so far. */
  filled = 0;
  private readonly width: number;
  /** F32 on a little-endian platform: bytes go straight into the output. */
  private readonly direct: Uint8Array | null;
  private readonly staging: Uint8Array | null;
  private stagingFill = 0;
  private elementsDone = 0;

  constructor(
    readonly entry: SafetensorsEntry,
    stagingBuffer: () => Uint8Array,
  ) {
    this.width = SAFETENSORS_DTYPE_BYTES[entry.dtype];
    this.size = entry.end - entry.begin;
    this.out = new Float32Array(this.size / this.width);
    const direct = entry.dtype === 'F32' && littleEndian;
    this.direct = direct ? new Uint8Array(this.out.buffer) : null;
    this.staging = direct ? null : stagingBuffer();
  }

  /** Takes up to the rest of this tensor's bytes from `bytes`; returns how many it took. */
  write(bytes: Uint8Array): number {
    const n = Math.min(this.size - this.filled, bytes.length);
    if (this.direct) {
      this.direct.set(bytes.subarray(0, n), this.filled);
      this.filled += n;
      return n;
    }
    const staging = this.staging!;
    let taken = 0;
    while (taken < n) {
      const m = Math.min(n - taken, staging.length - this.stagingFill);
      staging.set(bytes.subarray(taken, taken + m), this.stagingFill);
      this.stagingFill += m;
      taken += m;
      this.filled += m;
      if (this.stagingFill === staging.length || this.filled === this.size) this.flush();
    }
    return n;
  }

  get complete(): boolean {
    return this.filled === this.size;
  }

  /** Converts the whole elements in the staging buffer; keeps a split element's bytes for later. */
  private flush(): void {
    const staging = this.staging!;
    const w = this.width;
    const count = Math.floor(this.stagingFill / w);
    const bytes = count * w;
    if (!littleEndian && w > 1) {
      for (let i = 0; i < bytes; i += w) staging.subarray(i, i + w).reverse();
    }
    const out = this.out.subarray(this.elementsDone, this.elementsDone + count);
    const buffer = staging.buffer;
    switch (this.entry.dtype) {
      case 'F16':
        float16ToFloat32(new Uint16Array(buffer, 0, count), out);
        break;
      case 'BF16':
        bfloat16ToFloat32(new Uint16Array(buffer, 0, count), out);
        break;
      case 'F32':
        out.set(new Float32Array(buffer, 0, count));
        break;
      case 'F64':
        out.set(new Float64Array(buffer, 0, count));
        break;
      case 'I32':
        out.set(new Int32Array(buffer, 0, count));
        break;
      case 'U8':
        out.set(staging.subarray(0, count));
        break;
    }
    this.elementsDone += count;
    staging.copyWithin(0, bytes, this.stagingFill);
    this.stagingFill -= bytes;
  }
}

/**
 * Reads a safetensors file from a stream of byte chunks, calling `onTensor` for each tensor (in
 * data-offset order, converted to float32) as soon as it is complete. Resolves with the parsed
 * header once the stream has ended after exactly `totalBytes` bytes. Rejects with a
 * SafetensorsError for a corrupted header, a stream that ends early ("truncated: the file ends at
 * byte X of Y ...") or one longer than `totalBytes`; with a DOMException named 'AbortError' when
 * `signal` aborts; or with whatever `onTensor` or the stream throws. On any rejection the stream is
 * cancelled (ReadableStream) or closed (the iterator's return()).
 */
export async function readSafetensorsStream(
  chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  opts: ReadSafetensorsStreamOptions,
): Promise<SafetensorsHeader> {
  const { totalBytes, onTensor, onProgress, signal } = opts;
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) {
    throw new SafetensorsError(
      `readSafetensorsStream: totalBytes must be the file's size in bytes (a non-negative integer), got ${totalBytes}`,
    );
  }
  if (typeof onTensor !== 'function') {
    throw new SafetensorsError('readSafetensorsStream: opts.onTensor must be a function');
  }
  const source = chunkSource(chunks, 'readSafetensorsStream');

  let onAbort: (() => void) | undefined;
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal, 'safetensors: reading'));
        signal.addEventListener('abort', onAbort, { once: true });
      })
    : undefined;
  aborted?.catch(() => {});
  const checkAbort = () => {
    if (signal?.aborted) throw abortError(signal, 'safetensors: reading');
  };

  let loaded = 0;
  let reported = 0;
  const step = Math.max(1, Math.floor(totalBytes / 100));
  const report = (always: boolean) => {
    if (onProgress && loaded > reported && (always || loaded - reported >= step)) {
      reported = loaded;
      onProgress({ loaded, total: totalBytes });
    }
  };

  let staging: Uint8Array | undefined;
  const stagingBuffer = () => {
    staging ??= new Uint8Array(STAGING_BYTES);
    return staging;
  };

  let head = new Uint8Array(8);
  let headFill = 0;
  let header: SafetensorsHeader | undefined;
  let next = 0; // index of the next entry to deliver
  let current: TensorFill | undefined;

  /** Delivers the completed tensor (if any) and every empty tensor that follows it, then starts the next. */
  const advance = async (hdr: SafetensorsHeader) => {
    if (current?.complete) {
      const e = current.entry;
      const data = current.out;
      current = undefined;
      next++;
      await onTensor({ name: e.name, dtype: e.dtype, shape: e.shape, data }, hdr);
      checkAbort();
      report(true);
    }
    while (!current && next < hdr.entries.length) {
      const e = hdr.entries[next]!;
      if (e.end > e.begin) {
        current = new TensorFill(e, stagingBuffer);
        break;
      }
      next++;
      await onTensor({ name: e.name, dtype: e.dtype, shape: e.shape, data: new Float32Array(0) }, hdr);
      checkAbort();
    }
  };

  let readPending = false;
  let finished = false;
  try {
    checkAbort();
    for (;;) {
      const read = source.next();
      readPending = true;
      read.catch(() => {});
      const result = await (aborted ? Promise.race([read, aborted]) : read);
      readPending = false;
      if (result.done) break;
      const chunk = chunkBytes(result.value);
      if (loaded + chunk.length > totalBytes) {
        throw new SafetensorsError(
          `the stream has more than the ${totalBytes} bytes given as totalBytes (at least ${loaded + chunk.length}); ` +
            'pass the file’s exact size (a compressed Content-Length is not it)',
        );
      }
      let off = 0;
      while (off < chunk.length) {
        if (!header) {
          const n = Math.min(head.length - headFill, chunk.length - off);
          head.set(chunk.subarray(off, off + n), headFill);
          headFill += n;
          off += n;
          loaded += n;
          if (headFill < head.length) continue;
          if (head.length === 8) {
            const headerBytes = safetensorsHeaderLength(head);
            if (headerBytes > totalBytes) {
              throw new SafetensorsError(
                `truncated or corrupted: the header claims ${headerBytes - 8} bytes but the file has only ${totalBytes - 8} after the length field`,
              );
            }
            if (headerBytes > 8) {
              const grown = new Uint8Array(headerBytes);
              grown.set(head);
              head = grown;
              continue;
            }
          }
          header = parseSafetensorsHeader(head, totalBytes);
          head = new Uint8Array(0);
          report(false);
          await advance(header);
          continue;
        }
        if (!current) {
          throw new SafetensorsError(`internal: data byte ${loaded} belongs to no tensor`);
        }
        const n = current.write(chunk.subarray(off));
        off += n;
        loaded += n;
        if (current.complete) await advance(header);
        else report(false);
      }
      checkAbort();
    }
    if (loaded < totalBytes) {
      const where = !header
        ? 'in the header'
        : `tensor "${(current?.entry ?? header.entries[next])?.name}" incomplete`;
      throw new SafetensorsError(`truncated: the file ends at byte ${loaded} of ${totalBytes} (${where})`);
    }
    if (!header || next !== header.entries.length) {
      throw new SafetensorsError(`internal: the stream ended with tensors undelivered`);
    }
    report(true);
    finished = true;
    source.release();
    return header;
  } catch (error) {
    if (!finished) {
      // With a read still pending (abort), an async generator would queue return() behind it: don't wait.
      const closing = source.close(error);
      if (!readPending) await closing;
    }
    throw error;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
