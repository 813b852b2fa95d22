/**
 * RMS normalisation with a learned scale (the pre-norm of blocks without time conditioning) as two
 * kernels a backend may register (`@md4/models` runs them where the active backend has them, else
 * composes tfjs ops). On x [N, d] and scale s [d], per row i:
 *   r_i = 1 / sqrt(sum_j x_ij^2 / d + eps),  y_ij = x_ij r_i s_j
 * Kernels:
 *  - RMS_NORM_KERNEL       inputs { x, scale } -> [y [N, d], r [N]]
 *  - RMS_NORM_GRAD_KERNEL  inputs { dy, x, scale, r } -> [dx [N, d], dScale [d]]:
 *      g = dy s,  dx_i = r_i (g_i - x_i r_i^2 mean_j(g_ij x_ij)),  dScale = sum_i dy_i x_i r_i
 *    (so only one number per row is kept for the gradient).
 * Not bit-identical to the composed ops (another summation order); float32 accuracy.
 */
export const RMS_NORM_KERNEL = 'Md4RmsNorm';
/** Kernel name of RMS_NORM_KERNEL's gradient: { dy, x, scale, r } -> [dx, dScale]. */
export const RMS_NORM_GRAD_KERNEL = 'Md4RmsNormGrad';

/** Attributes of both RMS-norm kernels. */
export interface RmsNormAttrs {
  /** Added to the mean square before the square root (r_i above). */
  eps: number;
}
