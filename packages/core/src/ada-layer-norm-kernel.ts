/**
 * adaLN-modulated layer normalisation (DiT) as two kernels a backend may register (`@md4/models`
 * runs them where the active backend has them, else composes tfjs ops). On x [B*P, d] (rows grouped
 * by sequence b) and shift, scale [B, d], per row i of sequence b:
 *   mean_i = sum_j x_ij / d,  r_i = 1 / sqrt(sum_j (x_ij - mean_i)^2 / d + eps),
 *   n_ij = (x_ij - mean_i) r_i,  y_ij = n_ij (1 + scale_bj) + shift_bj
 * Kernels:
 *  - ADA_LAYER_NORM_KERNEL       inputs { x, shift, scale } -> [y [B*P, d], mean [B*P], r [B*P]]
 *  - ADA_LAYER_NORM_GRAD_KERNEL  inputs { dy, x, scale, mean, r } -> [dx, dShift [B, d], dScale [B, d]]:
 *      g = dy (1 + scale_b),  dx_i = r_i (g_i - mean_j(g_ij) - n_i mean_j(g_ij n_ij)),
 *      dShift_b = sum_{i in b} dy_i,  dScale_b = sum_{i in b} dy_i n_i
 *    recomputing n from x, mean and r (so only two numbers per row are kept for the gradient).
 * Not bit-identical to the composed ops (another summation order); float32 accuracy.
 */
export const ADA_LAYER_NORM_KERNEL = 'Md4AdaLayerNorm';
/** Kernel name of ADA_LAYER_NORM_KERNEL's gradient: { dy, x, scale, mean, r } -> [dx, dShift, dScale]. */
export const ADA_LAYER_NORM_GRAD_KERNEL = 'Md4AdaLayerNormGrad';

/** Attributes of both adaLN kernels. */
export interface AdaLayerNormAttrs {
  /** Added to the variance before the square root (r_i above). */
  eps: number;
}
