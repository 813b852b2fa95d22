import type {
  BackendChoice,
  BackendInfo,
  CheckpointSource,
  LoadProgress,
  ModelInfo,
  SampleResult,
  SampleSettings,
  SampleStep,
  TrainResult,
  TrainSettings,
  TrainStep,
  WorkerReply,
  WorkerRequest,
  WorkerResults,
} from './protocol';

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = Distribute<Exclude<WorkerRequest, { type: 'abort' }>>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onEvent?: (reply: WorkerReply) => void;
}

/** Options of a streamed run (`sample`, `train`). */
export interface RunOptions<E> {
  /** Called for every step the worker reports. */
  onStep?: (event: E) => void;
  /** Aborting rejects the promise with an AbortError once the worker has stopped. */
  signal?: AbortSignal;
}

/** Options of `loadCheckpoint`. */
export interface LoadOptions {
  /** Bytes of the weights read so far (about every 1%, and at the end). */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborting stops the download and rejects with an AbortError; the previous model stays. */
  signal?: AbortSignal;
}

/**
 * A page's handle on the model worker: every call is a message to a Web Worker that owns tfjs, the
 * model and all tensors, so the page stays responsive while it samples or trains. The page itself
 * loads no tfjs code.
 */
export class Md4Client {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /**
   * @param worker the model worker to talk to. By default the client starts `md4-worker.js`, the file
   *   next to this module: bundlers (Vite, webpack 5, esbuild with a worker plugin, Parcel) see the
   *   `new Worker(new URL(...), import.meta.url)` below and ship the worker with the page; a page
   *   without a bundler serves the package's dist/ folder from its own origin (workers must be
   *   same-origin). Pass a Worker of `@md4/browser/worker` to start it yourself.
   */
  constructor(worker?: Worker) {
    this.worker =
      worker ?? new Worker(new URL('./md4-worker.js', import.meta.url), { type: 'module', name: 'md4' });
    this.worker.addEventListener('message', (e: MessageEvent<WorkerReply>) => this.receive(e.data));
    this.worker.addEventListener('error', (e) => {
      const error = new Error(`the model worker failed: ${e.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  /** Picks a backend ('auto': WebGPU, WebGL, wasm, cpu, first that works). The model moves with it. */
  setBackend(choice: BackendChoice): Promise<BackendInfo> {
    return this.call({ type: 'setBackend', choice });
  }

  /**
   * Loads a model from a URL or from local files (see `CheckpointSource`): an md4 checkpoint or an
   * MDLM hub folder. Buffers of `{ name, bytes }` files are transferred (detached); `File`s are not copied.
   */
  loadCheckpoint(source: CheckpointSource, opts: LoadOptions = {}): Promise<ModelInfo> {
    const transfer =
      'files' in source
        ? source.files.flatMap((f) => ('bytes' in f && !(f instanceof Blob) ? [f.bytes] : []))
        : [];
    return this.call({ type: 'load', source }, { signal: opts.signal, onStep: opts.onProgress }, transfer);
  }

  /** Samples one sequence (or fills in a template), streaming every step. */
  sample(settings: SampleSettings, opts: RunOptions<SampleStep> = {}): Promise<SampleResult> {
    return this.call({ type: 'sample', settings }, opts);
  }

  /** Trains a new tiny model; it becomes the model that `sample` uses. */
  train(settings: TrainSettings, opts: RunOptions<TrainStep> = {}): Promise<TrainResult> {
    return this.call({ type: 'train', settings }, opts);
  }

  /**
   * The current model as a .zip of its checkpoint directory (config.json and the safetensors weights):
   * unzip it for the CLI, or load the .zip itself with `loadCheckpoint`.
   */
  saveCheckpoint(): Promise<WorkerResults['save']> {
    return this.call({ type: 'save' });
  }

  /** One forward pass: logits [1, L, V] for `tokens` (MASK = V) at time t. For checks and tests. */
  forward(tokens: Int32Array, t: number): Promise<WorkerResults['forward']> {
    return this.call({ type: 'forward', tokens, t });
  }

  /** Stops the worker; the client cannot be used afterwards. */
  terminate(): void {
    this.worker.terminate();
    const error = new Error('the model worker was terminated');
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private call<K extends RequestBody['type']>(
    body: Extract<RequestBody, { type: K }>,
    opts: RunOptions<never> | RunOptions<SampleStep> | RunOptions<TrainStep> | RunOptions<LoadProgress> = {},
    transfer: Transferable[] = [],
  ): Promise<WorkerResults[K]> {
    const id = this.nextId++;
    const { signal, onStep } = opts as RunOptions<unknown>;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ id: this.nextId++, type: 'abort', target: id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => {
          settle();
          resolve(v as WorkerResults[K]);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
        onEvent: onStep
          ? (reply) => {
              if (reply.type !== 'done' && reply.type !== 'error') onStep(reply.event);
            }
          : undefined,
      });
      this.worker.postMessage({ ...body, id } as WorkerRequest, transfer);
    });
  }

  private receive(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.type === 'done') {
      this.pending.delete(reply.id);
      p.resolve(reply.result);
    } else if (reply.type === 'error') {
      this.pending.delete(reply.id);
      const error = new Error(reply.message);
      error.name = reply.name;
      p.reject(error);
    } else {
      p.onEvent?.(reply);
    }
  }
}

function abortError(): Error {
  const e = new Error('the run was stopped');
  e.name = 'AbortError';
  return e;
}
