/** Float64 reference of RMS_NORM_KERNEL on x [N, d] (row-major) and scale [d]: y and r [N]. */
export function rmsNormReference(
  x: ArrayLike<number>,
  scale: ArrayLike<number>,
  eps: number,
): { y: Float64Array; r: Float64Array } {
  const d = scale.length;
  const rows = x.length / d;
  const y = new Float64Array(rows * d);
  const r = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let meanSquare = 0;
    for (let j = 0; j < d; j++) meanSquare += x[i * d + j]! ** 2 / d;
    r[i] = 1 / Math.sqrt(meanSquare + eps);
    for (let j = 0; j < d; j++) y[i * d + j] = x[i * d + j]! * r[i]! * scale[j]!;
  }
  return { y, r };
}

/** Float64 reference of RMS_NORM_GRAD_KERNEL: the gradients of sum(dy * y) in x and scale. */
export function rmsNormGradReference(
  x: ArrayLike<number>,
  scale: ArrayLike<number>,
  dy: ArrayLike<number>,
  eps: number,
): { dx: Float64Array; dScale: Float64Array } {
  const d = scale.length;
  const rows = x.length / d;
  const { r } = rmsNormReference(x, scale, eps);
  const dx = new Float64Array(rows * d);
  const dScale = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    const ri = r[i]!;
    let gxMean = 0;
    for (let j = 0; j < d; j++) gxMean += (dy[i * d + j]! * scale[j]! * x[i * d + j]!) / d;
    for (let j = 0; j < d; j++) {
      const k = i * d + j;
      dx[k] = ri * (dy[k]! * scale[j]! - x[k]! * ri * ri * gxMean);
      dScale[j]! += dy[k]! * x[k]! * ri;
    }
  }
  return { dx, dScale };
}
