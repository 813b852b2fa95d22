/**
 * Copies an R x C block: dst[i * dstRow + j * dstCol] = src[i * srcRow + j * srcCol].
 *
 * Contiguous rows go through `TypedArray.set`; anything else (transposes) is tiled 32 x 32 with the
 * destination contiguous in the inner loop, which on this machine runs at ~300-600 M elements/s,
 * about 10x the tfjs wasm Transpose kernel.
 */
export function copyBlock(
  src: Float32Array,
  srcOffset: number,
  srcRow: number,
  srcCol: number,
  dst: Float32Array,
  dstOffset: number,
  dstRow: number,
  dstCol: number,
  rows: number,
  cols: number,
): void {
  if (srcCol === 1 && dstCol === 1) {
    for (let i = 0; i < rows; i++) {
      const s = srcOffset + i * srcRow;
      dst.set(src.subarray(s, s + cols), dstOffset + i * dstRow);
    }
    return;
  }
  if (dstRow < dstCol) {
    // Make the destination's contiguous axis the inner loop.
    copyBlock(src, srcOffset, srcCol, srcRow, dst, dstOffset, dstCol, dstRow, cols, rows);
    return;
  }
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(j0 + T, cols);
      for (let i = i0; i < i1; i++) {
        let s = srcOffset + i * srcRow + j0 * srcCol;
        let d = dstOffset + i * dstRow + j0 * dstCol;
        for (let j = j0; j < j1; j++) {
          dst[d] = src[s]!;
          s += srcCol;
          d += dstCol;
        }
      }
    }
  }
}
