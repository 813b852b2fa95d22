/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import { activateBackend } from './backends';
import { readCheckpoint } from './checkpoint-source';
import { ModelSession } from './model-session';
import type { WorkerReply, WorkerRequest } from './protocol';
import { runSample } from './run-sample';
import { runTrain } from './run-train';

declare const self: DedicatedWorkerGlobalScope;

const session = new ModelSession();
const running = new Map<number, AbortController>();
let queue: Promise<unknown> = Promise.resolve();

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

/** Runs one request; returns its result and the buffers to transfer with it. */
async function handle(
  request: Exclude<WorkerRequest, { type: 'abort' }>,
  signal: AbortSignal,
): Promise<[unknown, Transferable[]]> {
  const { id } = request;
  switch (request.type) {
    case 'setBackend': {
      const info = await activateBackend(request.choice);
      session.rebuild();
      return [info, []];
    }
    case 'load': {
      const { checkpoint, name } = await readCheckpoint(request.source);
      return [session.use(checkpoint, name), []];
    }
    case 'sample': {
      const result = await runSample(session.current, request.settings, signal, (event) =>
        post({ id, type: 'sampleStep', event }),
      );
      return [result, []];
    }
    case 'train': {
      const run = await runTrain(request.settings, signal, (event) => post({ id, type: 'trainStep', event }));
      const model = session.useSerialized(run.serialized, 'trained in this browser');
      const { steps, stopped, finalLoss, elapsedMs } = run;
      return [{ steps, stopped, finalLoss, model, elapsedMs }, []];
    }
    case 'save': {
      const saved = await session.save();
      return [saved, [saved.bytes]];
    }
    case 'forward': {
      const out = await session.forward(request.tokens, request.t);
      return [{ ...out, backend: tf.getBackend() }, [out.logits.buffer]];
    }
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
      const [result, transfer] = await handle(request, controller.signal);
      post({ id: request.id, type: 'done', result }, transfer);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      post({ id: request.id, type: 'error', name: err.name, message: err.message });
    } finally {
      running.delete(request.id);
    }
  });
});
