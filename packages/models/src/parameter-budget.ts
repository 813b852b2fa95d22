/**
 * The most parameters a network may have: 2^30 float32 values are 4 GiB, the size of the wasm
 * heap that tfjs' wasm and our native backend keep tensors on. A config beyond it (a typo, or a
 * corrupted config.json) is refused before anything is allocated.
 */
export const MAX_PARAMETERS = 2 ** 30;

/** Throws a RangeError when a network of `count` parameters cannot be held (see MAX_PARAMETERS). */
export function assertParameterBudget(what: string, count: number): void {
  if (count > MAX_PARAMETERS) {
    throw new RangeError(
      `${what}: ${count.toExponential(3)} parameters (${((count * 4) / 2 ** 30).toFixed(1)} GiB in float32) ` +
        `exceed the ${MAX_PARAMETERS.toLocaleString('en-US')} a tfjs backend here can hold (4 GiB); check layers, width and vocabulary`,
    );
  }
}

/** The longest sequence a config may declare (2^20 tokens; MDLM's published models use 1,024). */
export const MAX_SEQUENCE_LENGTH = 2 ** 20;
