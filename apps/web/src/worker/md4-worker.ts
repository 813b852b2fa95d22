/// <reference lib="webworker" />
import { activateBackend } from './backends';
import type { WorkerReply, WorkerRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const running = new Map<number, AbortController>();
let queue: Promise<unknown> = Promise.resolve();

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function handle(request: Exclude<WorkerRequest, { type: 'abort' }>, signal: AbortSignal): Promise<unknown> {
  switch (request.type) {
    case 'setBackend':
      return activateBackend(request.choice);
    default:
      throw new Error(`"${request.type}" is not available yet`);
  }
}

self.addEventListener('message', (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  if (request.type === 'abort') {
    running.get(request.target)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  // One job at a time, in order: a backend switch waits for a running sample, and so on.
  queue = queue.then(async () => {
    try {
      const result = await handle(request, controller.signal);
      post({ id: request.id, type: 'done', result });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      post({ id: request.id, type: 'error', name: err.name, message: err.message });
    } finally {
      running.delete(request.id);
    }
  });
});
