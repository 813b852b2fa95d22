/**
 * The fused rotary-embedding kernel: name, inputs and formula shared by `@md4/models` (which runs it
 * where the active backend has it, with the inverse rotation as its gradient) and the backends that
 * implement it. Inputs { x: [B, H, L, hd], cos: [L, hd/2], sin: [L, hd/2] }, attrs { inverse }; in
 * float32, for each pair (x0, x1) = (x[..., n, 2j], x[..., n, 2j + 1]) with c = cos[n, j], s = sin[n, j]:
 *   rotate:  y0 = x0 c - x1 s,   y1 = x0 s + x1 c
 *   inverse: y0 = x0 c + x1 s,   y1 = x1 c - x0 s     (the rotation by -angle: its gradient)
 * the operation order of the composed ops, so results are identical to theirs.
 */
export const ROPE_KERNEL = 'Md4Rope';

/** Attributes of ROPE_KERNEL. */
export interface RopeAttrs {
  /** Rotate by -angle instead (the gradient of the rotation). */
  inverse: boolean;
}
