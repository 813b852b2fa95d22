/**
 * Each sequence cut after its first `eos` (kept); sequences without one are returned whole.
 * Copies: the inputs are not changed.
 */
export function trimAtEos(sequences: readonly Int32Array[], eos: number): Int32Array[] {
  return sequences.map((sequence) => {
    const end = sequence.indexOf(eos);
    return sequence.slice(0, end < 0 ? sequence.length : end + 1);
  });
}
