import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clearModelCache,
  type LoadProgress,
  loadModel,
  loadModelFromFolder,
  type UrlFolderOptions,
  urlFolder,
} from './load-model';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'mdlm-tiny');
const FOLDER = 'https://models.test/mdlm-tiny/';
const CACHE = 'md4-models';
const expected = JSON.parse(
  await readFile(join(import.meta.dirname, '..', 'fixtures', 'mdlm-tiny-expected.json'), 'utf8'),
) as { tokens: number[][]; t: number[] };

const keyOf = (request: RequestInfo | URL) =>
  request instanceof Request ? request.url : new URL(String(request)).href;

/** An in-memory Cache: stores each response's bytes and headers, answers fresh Responses. */
class MemoryCache {
  readonly entries = new Map<string, { body: ArrayBuffer; init: ResponseInit }>();
  /** Every put, settled or not (tests await them). */
  readonly puts: Promise<void>[] = [];
  failPut: Error | null = null;
  /** Puts that read the body and then never settle (a slow disk). */
  hangPut = false;

  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const entry = this.entries.get(keyOf(request));
    return entry ? new Response(entry.body.slice(0), entry.init) : undefined;
  }
  put(request: RequestInfo | URL, response: Response): Promise<void> {
    const done = (async () => {
      const body = await response.arrayBuffer();
      if (this.failPut) throw this.failPut;
      if (this.hangPut) await new Promise(() => undefined);
      const init = { status: response.status, statusText: response.statusText, headers: response.headers };
      this.entries.set(keyOf(request), { body, init });
    })();
    if (!this.hangPut) this.puts.push(done.catch(() => undefined));
    return done;
  }
  async delete(request: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(keyOf(request));
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
  /** Waits for the puts started so far. */
  async settled(): Promise<void> {
    await Promise.all(this.puts);
  }
}

/** An in-memory CacheStorage (what browsers have as `globalThis.caches`). */
class MemoryCacheStorage {
  readonly byName = new Map<string, MemoryCache>();
  failOpen = false;
  async open(name: string): Promise<MemoryCache> {
    if (this.failOpen) throw new DOMException('no storage here', 'SecurityError');
    const cache = this.byName.get(name) ?? new MemoryCache();
    this.byName.set(name, cache);
    return cache;
  }
  async has(name: string): Promise<boolean> {
    return this.byName.has(name);
  }
  async delete(name: string): Promise<boolean> {
    return this.byName.delete(name);
  }
  async keys(): Promise<string[]> {
    return [...this.byName.keys()];
  }
}

/**
 * A server of the fixture folder at FOLDER: reads the files from disk (or `files` where given),
 * streams them in 8 KiB chunks with their Content-Length, counts GETs per file name. `mode`:
 * 'offline' rejects like fetch without a network; 'down' answers 503.
 */
function fakeServer() {
  const server = {
    calls: new Map<string, number>(),
    files: new Map<string, Uint8Array>(),
    mode: 'online' as 'online' | 'offline' | 'down',
    status: 200,
    count: (name: string) => server.calls.get(name) ?? 0,
    fetch: (async (input: RequestInfo | URL) => {
      const url = new URL(keyOf(input));
      const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
      server.calls.set(name, server.count(name) + 1);
      if (server.mode === 'offline') throw new TypeError('fetch failed');
      if (server.mode === 'down') return new Response('busy', { status: 503 });
      let bytes = server.files.get(name);
      if (bytes == null) {
        try {
          bytes = new Uint8Array(await readFile(join(FIXTURE, name)));
        } catch {
          return new Response('not found', { status: 404 });
        }
      }
      const all = bytes;
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= all.length) return controller.close();
          controller.enqueue(all.slice(at, at + 8192));
          at += 8192;
        },
      });
      return new Response(body, { status: server.status, headers: { 'content-length': String(all.length) } });
    }) as typeof fetch,
  };
  return server;
}

let caches: MemoryCacheStorage;
let weightsSize: number;
beforeAll(async () => {
  weightsSize = (await readFile(join(FIXTURE, 'model.safetensors'))).length;
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function withCaches(): MemoryCacheStorage {
  caches = new MemoryCacheStorage();
  vi.stubGlobal('caches', caches);
  return caches;
}

/** Loads FOLDER through `urlFolder`; returns the logits, the progress events, what came from the cache. */
async function load(opts: UrlFolderOptions) {
  const folder = urlFolder(FOLDER, opts);
  const progress: LoadProgress[] = [];
  const loaded = await loadModelFromFolder(folder, { onProgress: (p) => progress.push(p) });
  const logits = tf.tidy(() =>
    Array.from(
      loaded.denoiser
        .logits(tf.tensor2d(expected.tokens, undefined, 'int32'), tf.tensor1d(expected.t))
        .dataSync(),
    ),
  );
  loaded.dispose();
  return { logits, progress, fromCache: [...folder.fromCache] };
}

const cachedBytes = async (name: string) => {
  const hit = await caches.byName.get(CACHE)?.match(new URL(name, FOLDER));
  return hit ? new Uint8Array(await hit.arrayBuffer()) : undefined;
};

describe('urlFolder with a Cache API cache', () => {
  it('first load fetches and fills the cache; the second fetches no weights and gives identical logits', async () => {
    withCaches();
    const server = fakeServer();
    const first = await load({ fetch: server.fetch, cache: CACHE });
    expect(first.fromCache).toEqual([]);
    expect(server.count('config.json')).toBe(1);
    expect(server.count('model.safetensors')).toBe(1);
    await caches.byName.get(CACHE)!.settled();
    expect((await cachedBytes('model.safetensors'))?.length).toBe(weightsSize);
    expect(await cachedBytes('config.json')).toEqual(
      new Uint8Array(await readFile(join(FIXTURE, 'config.json'))),
    );

    const second = await load({ fetch: server.fetch, cache: CACHE });
    expect(server.count('model.safetensors')).toBe(1); // none more
    expect(server.count('config.json')).toBe(2); // revalidated with the network
    expect(second.fromCache).toEqual(['model.safetensors']);
    expect(second.logits).toEqual(first.logits);
    expect(first.logits.length).toBe(expected.tokens.flat().length * 50);
  });

  it('progress reaches the total on the network load (streamed through the tee) and on the cached one', async () => {
    withCaches();
    const server = fakeServer();
    const first = await load({ fetch: server.fetch, cache: CACHE });
    // 8 KiB chunks: streamed, not buffered, although a clone of the body goes to cache.put
    expect(first.progress.length).toBeGreaterThan(10);
    expect(first.progress.at(-1)).toEqual({ loaded: weightsSize, total: weightsSize });
    await caches.byName.get(CACHE)!.settled();
    const second = await load({ fetch: server.fetch, cache: CACHE });
    expect(second.fromCache).toEqual(['model.safetensors']);
    expect(second.progress.at(-1)).toEqual({ loaded: weightsSize, total: weightsSize });
    expect(second.progress.every((p) => p.total === weightsSize)).toBe(true);
    // The cached response keeps its Content-Length: it is streamed, with the total known up front.
    const { chunks, totalBytes } = await urlFolder(FOLDER, { fetch: server.fetch, cache: CACHE }).stream(
      'model.safetensors',
    );
    expect(totalBytes).toBe(weightsSize);
    expect(chunks).toBeInstanceOf(ReadableStream);
    await (chunks as ReadableStream).cancel();
  });

  it('a put that rejects (quota) still loads, with one warning, and nothing is kept', async () => {
    withCaches();
    const cache = await caches.open(CACHE);
    cache.failPut = new DOMException('quota exceeded', 'QuotaExceededError');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const server = fakeServer();
    const first = await load({ fetch: server.fetch, cache: CACHE });
    await cache.settled();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(first.progress.at(-1)).toEqual({ loaded: weightsSize, total: weightsSize });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /could not keep https:.* in the cache "md4-models" \(loading goes on\): quota exceeded/,
    );
    expect(cache.entries.size).toBe(0);
    const second = await load({ fetch: server.fetch, cache: CACHE });
    expect(second.fromCache).toEqual([]);
    expect(server.count('model.safetensors')).toBe(2);
    expect(second.logits).toEqual(first.logits);
  });

  it('a put that never settles does not hold up the load (the response is not kept waiting for it)', async () => {
    withCaches();
    (await caches.open(CACHE)).hangPut = true;
    const server = fakeServer();
    const { progress, fromCache } = await load({ fetch: server.fetch, cache: CACHE });
    expect(fromCache).toEqual([]);
    expect(progress.at(-1)).toEqual({ loaded: weightsSize, total: weightsSize });
  });

  it('a cache that cannot be opened (storage blocked) warns once and loads from the network', async () => {
    withCaches().failOpen = true;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const server = fakeServer();
    const { fromCache, progress } = await load({ fetch: server.fetch, cache: CACHE });
    expect(fromCache).toEqual([]);
    expect(progress.at(-1)).toEqual({ loaded: weightsSize, total: weightsSize });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('offline (fetch rejects) or the server down (503): the second load works from the cache', async () => {
    withCaches();
    const server = fakeServer();
    const first = await load({ fetch: server.fetch, cache: CACHE });
    await caches.byName.get(CACHE)!.settled();
    for (const mode of ['offline', 'down'] as const) {
      server.mode = mode;
      const again = await load({ fetch: server.fetch, cache: CACHE });
      expect(again.fromCache, mode).toEqual(['config.json', 'model.safetensors']);
      expect(again.logits, mode).toEqual(first.logits);
      expect(again.progress.at(-1), mode).toEqual({ loaded: weightsSize, total: weightsSize });
    }
    expect(server.count('model.safetensors')).toBe(1);
    // Nothing cached for another folder: the network's error stands.
    server.mode = 'offline';
    await expect(
      loadModelFromFolder(urlFolder('https://models.test/other/', { fetch: server.fetch, cache: CACHE })),
    ).rejects.toThrow('fetch failed');
  });

  it('a 404 for config.json is an error, not a cached answer; an abort is not answered from the cache', async () => {
    withCaches();
    const server = fakeServer();
    await load({ fetch: server.fetch, cache: CACHE });
    await caches.byName.get(CACHE)!.settled();
    server.status = 404;
    await expect(load({ fetch: server.fetch, cache: CACHE })).rejects.toThrow(
      `loadModel: GET ${FOLDER}config.json failed with HTTP 404`,
    );
    server.status = 200;
    const aborting = (async () => {
      throw new DOMException('The operation was aborted.', 'AbortError');
    }) as typeof fetch;
    await expect(load({ fetch: aborting, cache: CACHE })).rejects.toThrow('aborted');
  });

  it('a changed config.json drops the folder cached weights and fetches the new model.safetensors', async () => {
    withCaches();
    const server = fakeServer();
    await load({ fetch: server.fetch, cache: CACHE });
    await caches.byName.get(CACHE)!.settled();
    // The server now has another model under the same file name (a byte of the last tensor changed).
    const config = JSON.parse(await readFile(join(FIXTURE, 'config.json'), 'utf8'));
    server.files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, note: 'v2' })));
    const weights = new Uint8Array(await readFile(join(FIXTURE, 'model.safetensors')));
    weights[weights.length - 4]! ^= 0x01;
    server.files.set('model.safetensors', weights);
    const changed = await load({ fetch: server.fetch, cache: CACHE });
    expect(changed.fromCache).toEqual([]);
    expect(server.count('model.safetensors')).toBe(2);
    await caches.byName.get(CACHE)!.settled();
    expect(Buffer.from((await cachedBytes('model.safetensors'))!).equals(weights)).toBe(true);
    // ... and the new pair is what the next visit reads from the cache.
    const again = await load({ fetch: server.fetch, cache: CACHE });
    expect(again.fromCache).toEqual(['model.safetensors']);
    expect(again.logits).toEqual(changed.logits);
    expect(server.count('model.safetensors')).toBe(2);
  });

  it('only 200 responses are kept', async () => {
    withCaches();
    const server = fakeServer();
    server.status = 203;
    await load({ fetch: server.fetch, cache: CACHE });
    await caches.byName.get(CACHE)!.settled();
    expect((await caches.open(CACHE)).entries.size).toBe(0);
  });

  it('loadModel(url, { cache }) uses the cache; clearModelCache empties it', async () => {
    withCaches();
    const server = fakeServer();
    vi.stubGlobal('fetch', server.fetch);
    (await loadModel(FOLDER, { cache: CACHE })).dispose();
    await caches.byName.get(CACHE)!.settled();
    (await loadModel(`${FOLDER}config.json`, { cache: CACHE })).dispose();
    expect(server.count('model.safetensors')).toBe(1);
    expect(await clearModelCache(CACHE)).toBe(true);
    expect(await caches.has(CACHE)).toBe(false);
    (await loadModel(FOLDER, { cache: CACHE })).dispose();
    expect(server.count('model.safetensors')).toBe(2);
    // Without the option nothing is cached.
    (await loadModel(FOLDER)).dispose();
    expect(server.count('model.safetensors')).toBe(3);
  });

  it('without globalThis.caches (Node) the option is ignored; urlFolder(url, fetch) still works', async () => {
    expect('caches' in globalThis).toBe(false);
    expect(await clearModelCache(CACHE)).toBe(false);
    const server = fakeServer();
    const a = await load({ fetch: server.fetch, cache: CACHE });
    const folder = urlFolder(FOLDER, server.fetch);
    const loaded = await loadModelFromFolder(folder);
    loaded.dispose();
    expect(a.fromCache).toEqual([]);
    expect(folder.fromCache).toEqual([]);
    expect(server.count('model.safetensors')).toBe(2);
  });
});
