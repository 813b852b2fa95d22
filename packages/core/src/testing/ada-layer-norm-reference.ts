/**
 * Float64 reference of `@md4/core`'s ADA_LAYER_NORM_KERNEL (its formula, computed directly) on
 * x [B*P, d], shift and scale [B, d] as flat row-major arrays: y [B*P, d], mean and r [B*P].
 */
export function adaLayerNormReference(
  x: ArrayLike<number>,
  shift: ArrayLike<number>,
  scale: ArrayLike<number>,
  shape: { batch: number; d: number },
  eps: number,
): { y: Float64Array; mean: Float64Array; r: Float64Array; n: Float64Array } {
  const { batch, d } = shape;
  const rows = x.length / d;
  const P = rows / batch;
  const y = new Float64Array(rows * d);
  const n = new Float64Array(rows * d);
  const mean = new Float64Array(rows);
  const r = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const b = Math.floor(i / P);
    let m = 0;
    for (let j = 0; j < d; j++) m += x[i * d + j]! / d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[i * d + j]! - m) ** 2 / d;
    mean[i] = m;
    r[i] = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < d; j++) {
      n[i * d + j] = (x[i * d + j]! - m) * r[i]!;
      y[i * d + j] = n[i * d + j]! * (1 + scale[b * d + j]!) + shift[b * d + j]!;
    }
  }
  return { y, mean, r, n };
}

/** Float64 reference of ADA_LAYER_NORM_GRAD_KERNEL: the gradients of sum(dy * y) in x, shift and scale. */
export function adaLayerNormGradReference(
  x: ArrayLike<number>,
  shift: ArrayLike<number>,
  scale: ArrayLike<number>,
  dy: ArrayLike<number>,
  shape: { batch: number; d: number },
  eps: number,
): { dx: Float64Array; dShift: Float64Array; dScale: Float64Array } {
  const { batch, d } = shape;
  const rows = x.length / d;
  const P = rows / batch;
  const { n, r } = adaLayerNormReference(x, shift, scale, shape, eps);
  const dx = new Float64Array(rows * d);
  const dShift = new Float64Array(batch * d);
  const dScale = new Float64Array(batch * d);
  for (let i = 0; i < rows; i++) {
    const b = Math.floor(i / P);
    const g = Float64Array.from({ length: d }, (_, j) => dy[i * d + j]! * (1 + scale[b * d + j]!));
    let gMean = 0;
    let gnMean = 0;
    for (let j = 0; j < d; j++) {
      gMean += g[j]! / d;
      gnMean += (g[j]! * n[i * d + j]!) / d;
    }
    for (let j = 0; j < d; j++) {
      dx[i * d + j] = r[i]! * (g[j]! - gMean - n[i * d + j]! * gnMean);
      dShift[b * d + j]! += dy[i * d + j]!;
      dScale[b * d + j]! += dy[i * d + j]! * n[i * d + j]!;
    }
  }
  return { dx, dShift, dScale };
}
