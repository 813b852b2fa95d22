/** The mask token id for a vocabulary of V real values: MASK = V (embedding tables have V+1 rows). */
export function maskId(vocabSize: number): number {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
  }
  return vocabSize;
}

/**
 * Checks that every token lies in [0, V) (clean data) or [0, V] when `allowMask` (noisy x_t / prompts).
 * Throws a RangeError naming the first bad token, its position and the valid range.
 */
export function assertTokenRange(
  tokens: ArrayLike<number>,
  vocabSize: number,
  opts: { allowMask?: boolean | undefined; what?: string | undefined } = {},
): void {
  const max = opts.allowMask ? vocabSize : vocabSize - 1;
  for (let i = 0; i < tokens.length; i++) {
    const v = tokens[i]!;
    if (!Number.isInteger(v) || v < 0 || v > max) {
      const range = opts.allowMask ? `[0, ${vocabSize}] (${vocabSize} = MASK)` : `[0, ${vocabSize})`;
      throw new RangeError(
        `${opts.what ?? 'tokens'}: token ${v} at index ${i} is outside ${range}; ` +
          'check that the data and the model use the same vocabulary',
      );
    }
  }
}
