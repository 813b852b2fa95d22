/**
 * The adaLN-Zero residual update of a block, y = x + gate_b * f, as two kernels a backend may
 * register (`@md4/models` runs them where the active backend has them, else composes tfjs ops). On
 * x, f [B*P, d] (rows grouped by sequence b) and gate [B, d], per row i of sequence b:
 *   y_ij = x_ij + gate_bj f_ij            (the product rounded, then the sum: the composed ops' bits)
 * Kernels:
 *  - GATED_RESIDUAL_KERNEL       inputs { x, gate, branch } -> y [B*P, d]
 *  - GATED_RESIDUAL_GRAD_KERNEL  inputs { dy, gate, branch } -> [dGate [B, d], dBranch [B*P, d]]:
 *      dBranch_ij = dy_ij gate_bj  (bit for bit),  dGate_bj = sum_{i in b} dy_ij f_ij  (a float32 sum)
 *    (dx = dy needs no kernel).
 */
export const GATED_RESIDUAL_KERNEL = 'Md4GatedResidual';
/** Kernel name of GATED_RESIDUAL_KERNEL's gradient: { dy, gate, branch } -> [dGate, dBranch]. */
export const GATED_RESIDUAL_GRAD_KERNEL = 'Md4GatedResidualGrad';
