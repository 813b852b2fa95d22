/**
 * Precisions of matrix products a forward pass or a training step can ask for: 'fp32' (float32),
 * 'bf16' (operands rounded to bfloat16, accumulated in float32) or 'auto' (bf16 where the CPU has
 * bf16 multiply instructions, else fp32). The list `--precision` flags and schemas derive from.
 */
export const MATMUL_PRECISIONS = ['auto', 'fp32', 'bf16'] as const;
/** One of MATMUL_PRECISIONS: 'auto', 'fp32' or 'bf16'. */
export type MatMulPrecision = (typeof MATMUL_PRECISIONS)[number];

// On globalThis under a registered symbol, so that every copy of this package (a backend bundles
// its own) reads the one request.
const REQUEST = Symbol.for('@md4/core/matmul-precision');
type Holder = { [REQUEST]?: MatMulPrecision | undefined };

/**
 * Runs the synchronous `fn` with its matrix products requested in `precision` (undefined: no
 * request, the backend's own setting), restoring the previous request after. A request is a hint:
 * the native backend honours it; backends without bf16 products (wasm, cpu, webgpu) compute in
 * float32 whatever is asked.
 */
export function withMatMulPrecision<T>(precision: MatMulPrecision | undefined, fn: () => T): T {
  if (precision == null) return fn();
  const holder = globalThis as Holder;
  const previous = holder[REQUEST];
  holder[REQUEST] = precision;
  try {
    return fn();
  } finally {
    holder[REQUEST] = previous;
  }
}

/** The precision the innermost running `withMatMulPrecision` asked for, if any (read by backends). */
export function requestedMatMulPrecision(): MatMulPrecision | undefined {
  return (globalThis as Holder)[REQUEST];
}
