import pngjs from 'pngjs';
import type { PixelTokenizer } from './tokenizer';

/** Layout and colours of `renderImageGrid`. */
export interface ImageGridOptions {
  /** Images per row (default: ceil(sqrt(count))). */
  columns?: number | undefined;
  /** Each pixel becomes a scale x scale block (default 1). */
  scale?: number | undefined;
  /** Pixels between images (default 2). */
  padding?: number | undefined;
  /** RGB of the padding (default [255, 255, 255]). */
  background?: readonly [number, number, number] | undefined;
  /** RGB shown for MASK tokens (default magenta [255, 0, 255], which no grey image contains). */
  maskColor?: readonly [number, number, number] | undefined;
}

/**
 * Renders image samples (pixel tokens, HWC) as one PNG grid, for people to look at. Grey images
 * (1 channel) and RGB (3 channels) are drawn as RGB so that MASK tokens can be shown in a colour
 * (`maskColor`); for RGB a pixel with any masked channel is drawn in that colour. Returns the PNG bytes.
 */
export function renderImageGrid(
  images: readonly ArrayLike<number>[],
  tokenizer: PixelTokenizer,
  opts: ImageGridOptions = {},
): Uint8Array {
  const { height, width, channels } = tokenizer;
  if (channels !== 1 && channels !== 3)
    throw new RangeError(`renderImageGrid: ${channels} channels; only 1 (grey) or 3 (RGB) can be drawn`);
  if (images.length === 0) throw new RangeError('renderImageGrid: no images');
  const size = height * width * channels;
  const columns = opts.columns ?? Math.ceil(Math.sqrt(images.length));
  const scale = opts.scale ?? 1;
  const pad = opts.padding ?? 2;
  if (
    !Number.isInteger(columns) ||
    columns < 1 ||
    !Number.isInteger(scale) ||
    scale < 1 ||
    !Number.isInteger(pad) ||
    pad < 0
  ) {
    throw new RangeError(
      'renderImageGrid: columns and scale must be positive integers, padding a non-negative integer',
    );
  }
  const bg = opts.background ?? [255, 255, 255];
  const maskColor = opts.maskColor ?? [255, 0, 255];
  const rows = Math.ceil(images.length / columns);
  const W = columns * (width * scale + pad) + pad;
  const H = rows * (height * scale + pad) + pad;
  const png = new pngjs.PNG({ width: W, height: H, colorType: 2, inputColorType: 6, inputHasAlpha: true });
  const out = png.data;
  for (let i = 0; i < W * H; i++) {
    out[4 * i] = bg[0];
    out[4 * i + 1] = bg[1];
    out[4 * i + 2] = bg[2];
    out[4 * i + 3] = 255;
  }
  images.forEach((img, k) => {
    if (img.length !== size)
      throw new RangeError(
        `renderImageGrid: image ${k} has ${img.length} tokens, expected ${size} (${height}x${width}x${channels})`,
      );
    const x0 = pad + (k % columns) * (width * scale + pad);
    const y0 = pad + Math.floor(k / columns) * (height * scale + pad);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const rgb: number[] = [];
        let masked = false;
        for (let c = 0; c < 3; c++) {
          const t = img[(y * width + x) * channels + (channels === 1 ? 0 : c)]!;
          if (t === 256) masked = true;
          else if (!Number.isInteger(t) || t < 0 || t > 256)
            throw new RangeError(`renderImageGrid: image ${k} has token ${t}, outside 0..256`);
          rgb.push(t);
        }
        const color = masked ? maskColor : rgb;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const o = 4 * ((y0 + y * scale + dy) * W + x0 + x * scale + dx);
            out[o] = color[0]!;
            out[o + 1] = color[1]!;
            out[o + 2] = color[2]!;
          }
        }
      }
    }
  });
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType: 2 }));
}
