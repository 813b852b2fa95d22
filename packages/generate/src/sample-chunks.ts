/** Logits one network call may produce (count x L x V float32): 256 MiB. */
export const SAMPLE_LOGITS_BYTES = 2 ** 28;

/**
 * Splits `count` sequences into batches whose logits stay under SAMPLE_LOGITS_BYTES, so that 4096
 * short sequences, or 1,024-token GPT-2 sequences one at a time, never meet a 4 GiB heap.
 */
export function sampleChunks(count: number, length: number, vocabSize: number): number[] {
  const perCall = Math.max(1, Math.floor(SAMPLE_LOGITS_BYTES / (4 * length * vocabSize)));
  const chunks: number[] = [];
  for (let left = count; left > 0; left -= perCall) chunks.push(Math.min(perCall, left));
  return chunks;
}
