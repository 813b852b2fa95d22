/** An Error whose `name` is 'AbortError' (what `fetch` and DOM APIs reject with); `cause` is the signal's reason. */
export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : reason != null ? `: ${String(reason)}` : '';
  const error = new Error(`sampling was aborted${why}`, { cause: reason });
  error.name = 'AbortError';
  return error;
}

/** Throws an AbortError when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
