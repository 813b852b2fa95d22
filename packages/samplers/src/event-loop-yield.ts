import { throwIfAborted } from './abort';

/** Work between two yields to the event loop, in ms (about one animation frame). */
export const YIELD_EVERY_MS = 16;

/** Resolves on the next macrotask: setImmediate in Node, a MessageChannel message in browsers. */
function nextMacrotask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Lets timers, input and abort signals run during a long sample: on the cpu and wasm backends every
 * await inside a step settles as a microtask, so without this a 3,000-step run never lets the event
 * loop turn (a page freezes, `AbortSignal.timeout` never fires). After each step it awaits what
 * `onStep` returned (back-pressure for a caller that renders), then, once `YIELD_EVERY_MS` of work
 * has passed since the last yield, waits for one macrotask and checks the signal.
 */
export function createStepPacer(signal: AbortSignal | undefined): (returned: unknown) => Promise<void> {
  let last = performance.now();
  return async (returned) => {
    if (returned != null && typeof (returned as PromiseLike<unknown>).then === 'function') await returned;
    if (performance.now() - last >= YIELD_EVERY_MS) {
      await nextMacrotask();
      last = performance.now();
    }
    throwIfAborted(signal);
  };
}
