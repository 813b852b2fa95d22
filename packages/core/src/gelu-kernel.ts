/**
 * GELU with the tanh approximation (torch `gelu(approximate='tanh')`, the DDiT/MDLM networks' MLP
 * activation) as two kernels a backend may register (`@md4/models` runs them where the active
 * backend has them, else composes tfjs ops). With (1 + tanh u) / 2 = sigmoid(2u):
 *   y = x s,  s = sigmoid(x (c x^2 + 1) 2k),  k = sqrt(2 / pi), c = 0.044715
 *   dy/dx = s + x s (1 - s) (6 c k x^2 + 2k)
 * Kernels:
 *  - GELU_TANH_KERNEL       inputs { x } -> y
 *  - GELU_TANH_GRAD_KERNEL  inputs { dy, x } -> dx = dy (s + ((x s) (1 - s)) (x^2 (6ck) + 2k))
 * in float32, each product and sum rounded in that order with the constants c, 2k and 6ck rounded
 * to float32 (the composed ops'), so the results are identical to theirs.
 */
export const GELU_TANH_KERNEL = 'Md4GeluTanh';
/** Kernel name of the gradient of GELU_TANH_KERNEL: { dy, x } -> dx. */
export const GELU_TANH_GRAD_KERNEL = 'Md4GeluTanhGrad';

/** The constants of GELU_TANH_KERNEL: k = sqrt(2 / pi) and c = 0.044715 (Hendrycks & Gimpel 2016). */
export const GELU_TANH_CONSTANTS = { k: Math.sqrt(2 / Math.PI), c: 0.044715 } as const;
