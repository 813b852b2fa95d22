/**
 * Byte chunks as files arrive: from a `ReadableStream<Uint8Array>` (browser `response.body`,
 * `File.stream()`) or any `AsyncIterable<Uint8Array>` (Node `fs.createReadStream`), with abort and
 * progress. Browser-safe: no Node built-ins.
 */

/** A file's chunks, read one at a time. */
export interface ChunkSource {
  /** The next chunk (its value is checked by `chunkBytes`). */
  next(): Promise<IteratorResult<unknown>>;
  /** Stops the source early (cancel the stream / return() the iterator). */
  close(reason: unknown): Promise<void>;
  /** Releases the source after it ended by itself. */
  release(): void;
}

/** The chunk source of a stream or an async iterable; `what` names the caller in the error for anything else. */
export function chunkSource(
  chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  what: string,
): ChunkSource {
  if (typeof (chunks as ReadableStream<Uint8Array>)?.getReader === 'function') {
    const reader = (chunks as ReadableStream<Uint8Array>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      close: async (reason) => {
        try {
          await reader.cancel(reason);
        } catch {
          // An errored stream rejects cancel(); it is closed either way.
        }
        reader.releaseLock();
      },
      release: () => reader.releaseLock(),
    };
  }
  if (chunks == null || typeof (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
    throw new TypeError(
      `${what}: chunks must be a ReadableStream<Uint8Array> or an AsyncIterable<Uint8Array>`,
    );
  }
  const iterator = (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    close: async () => {
      try {
        await iterator.return?.();
      } catch {
        // A failed iterator is finished either way.
      }
    },
    release: () => {},
  };
}

/** A chunk as bytes (a view, not a copy); a TypeError for a string or anything not bytes. */
export function chunkBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(
    `the stream yielded a ${typeof value === 'string' ? 'string' : typeof value} chunk, expected Uint8Array ` +
      'bytes (open the file without a text encoding)',
  );
}

/** The AbortError to reject with: the signal's own reason when it is one, else one that says `what` was aborted. */
export function abortError(signal: AbortSignal, what: string): DOMException {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  const why =
    reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : '';
  const error = new DOMException(`${what} was aborted${why}`, 'AbortError');
  Object.defineProperty(error, 'cause', { value: reason, configurable: true, writable: true });
  return error;
}

/** Options of `readAllChunks`. */
export interface ReadAllChunksOptions {
  /** The file's exact size in bytes. */
  totalBytes: number;
  /** Called about every 1% of the bytes and once at the end. */
  onProgress?: ((p: { loaded: number; total: number }) => void) | undefined;
  /** Rejects with an AbortError between chunks, and while a chunk is awaited. */
  signal?: AbortSignal | undefined;
  /** Names the file in errors and in the AbortError. */
  what: string;
}

/**
 * Reads every chunk into one new array of `totalBytes` bytes (owned by the caller). Rejects with a
 * RangeError when the stream is shorter or longer than `totalBytes`, with an AbortError when
 * `signal` aborts; on any rejection the source is closed.
 */
export async function readAllChunks(
  chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  opts: ReadAllChunksOptions,
): Promise<Uint8Array> {
  const { totalBytes, onProgress, signal, what } = opts;
  const source = chunkSource(chunks, what);
  const bytes = new Uint8Array(totalBytes);
  const step = Math.max(1, Math.floor(totalBytes / 100));
  let loaded = 0;
  let reported = 0;
  let onAbort: (() => void) | undefined;
  const aborted = signal
    ? new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal, `reading ${what}`));
        signal.addEventListener('abort', onAbort, { once: true });
      })
    : undefined;
  aborted?.catch(() => {});
  let finished = false;
  let readPending = false;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal, `reading ${what}`);
      const read = source.next();
      readPending = true;
      read.catch(() => {});
      const result = await (aborted ? Promise.race([read, aborted]) : read);
      readPending = false;
      if (result.done) break;
      const chunk = chunkBytes(result.value);
      if (loaded + chunk.length > totalBytes) {
        throw new RangeError(
          `${what} has more than the ${totalBytes} bytes expected (at least ${loaded + chunk.length})`,
        );
      }
      bytes.set(chunk, loaded);
      loaded += chunk.length;
      if (onProgress && loaded - reported >= step && loaded < totalBytes) {
        reported = loaded;
        onProgress({ loaded, total: totalBytes });
      }
    }
    if (loaded < totalBytes) {
      throw new RangeError(`${what} is truncated: it ends at byte ${loaded} of ${totalBytes}`);
    }
    finished = true;
    source.release();
    onProgress?.({ loaded, total: totalBytes });
    return bytes;
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
