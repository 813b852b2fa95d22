import { type TensorInfo, util } from '@tensorflow/tfjs-core';

/**
 * [batch, rows, d] after checking x [rows, d] (rows grouped by sequence) and the per-sequence
 * tensors `perSequence` [batch, d] (named in the error by `names`), all float32.
 */
export function perSequenceShape(
  kernel: string,
  x: TensorInfo,
  perSequence: TensorInfo[],
  names: string,
): [number, number, number] {
  const [rows, d] = x.shape as [number, number];
  const batch = perSequence[0]!.shape[0]!;
  const ok =
    x.shape.length === 2 &&
    batch >= 1 &&
    rows % batch === 0 &&
    [x, ...perSequence].every((t) => t.dtype === 'float32') &&
    perSequence.every((t) => t.shape.length === 2 && t.shape[0] === batch && t.shape[1] === d);
  if (!ok) {
    throw new Error(
      `${kernel}: expected float32 x [B*P, d] with ${names} [B, d], got x [${x.shape}], [${perSequence[0]!.shape}]`,
    );
  }
  return [batch, rows, d];
}

/** Throws unless `t` (the kernel's input `name`) is float32 of shape `shape`. */
export function checkFloat32Shape(
  kernel: string,
  name: string,
  t: TensorInfo,
  shape: readonly number[],
): void {
  if (t.dtype !== 'float32' || !util.arraysEqual(t.shape, [...shape])) {
    throw new Error(`${kernel}: ${name} must be float32 [${shape}], got ${t.dtype} [${t.shape}]`);
  }
}
