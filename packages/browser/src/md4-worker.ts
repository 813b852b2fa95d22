/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, BackendInfo, WorkerReply, WorkerRequest } from './protocol';
import { activateBackend } from './worker/backends';
import { openModel } from './worker/checkpoint-source';
import { ModelSession } from './worker/model-session';
import { runSample } from './worker/run-sample';
import { runTrain } from './worker/run-train';

declare const self: DedicatedWorkerGlobalScope;

const session = new ModelSession();
const running = new Map<number, AbortController>();
let queue: Promise<unknown> = Promise.resolve();
/** The last backend choice that started. */
let working: BackendChoice = 'auto';

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
      // The model's weights are read off the old backend first, then rebuilt on the new one.
      const snapshot = await session.snapshot();
      let info: BackendInfo;
      try {
        info = await activateBackend(request.choice);
      } catch (error) {
        // Back to the last choice that worked (automatic at the start), so the model stays usable.
        const reason = error instanceof Error ? error.message : String(error);
        info = { ...(await activateBackend(working)), refused: { choice: request.choice, reason } };
      }
      working = info.choice;
      session.restore(snapshot);
      return [info, []];
    }
    case 'load': {
      const { loaded, name, fromCache } = await openModel(request.source, {
        signal,
        onProgress: (event) => post({ id, type: 'loadProgress', event }),
      });
      if (signal.aborted) {
        // Cancelled after the last byte arrived: the visitor asked for the previous model.
        loaded.dispose();
        signal.throwIfAborted();
      }
      return [{ ...(await session.use(loaded, name)), fromCache }, []];
    }
    case 'sample': {
      const result = await runSample(session.current, request.settings, signal, (event) =>
        post({ id, type: 'sampleStep', event }),
      );
      return [result, []];
    }
    case 'train': {
      const run = await runTrain(request.settings, signal, (event) => post({ id, type: 'trainStep', event }));
      const model = await session.useSerialized(run.serialized, 'trained in this browser');
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
