import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { pixelTokenizer } from './pixel-tokenizer';
import { renderImageGrid } from './png-grid';

describe('renderImageGrid', () => {
  it('draws grey images in a grid, scaled, with MASK in the mask colour', () => {
    const tok = pixelTokenizer({ height: 2, width: 2 });
    const images = [
      Int32Array.from([0, 50, 100, 256]),
      Int32Array.from([255, 255, 255, 255]),
      Int32Array.from([7, 7, 7, 7]),
    ];
    const png = pngjs.PNG.sync.read(
      Buffer.from(renderImageGrid(images, tok, { columns: 2, scale: 3, padding: 1 })),
    );
    // 2 columns x (2*3 + 1) + 1 = 15 wide; 2 rows -> 15 high.
    expect([png.width, png.height]).toEqual([15, 15]);
    const px = (x: number, y: number) =>
      Array.from(png.data.subarray(4 * (y * 15 + x), 4 * (y * 15 + x) + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]); // padding
    expect(px(1, 1)).toEqual([0, 0, 0]);
    expect(px(4, 3)).toEqual([50, 50, 50]);
    expect(px(6, 6)).toEqual([255, 0, 255]); // MASK
    expect(px(1, 8)).toEqual([7, 7, 7]); // third image, second row
  });

  it('draws RGB and rejects bad input', () => {
    const tok = pixelTokenizer({ height: 1, width: 1, channels: 3 });
    const png = pngjs.PNG.sync.read(
      Buffer.from(renderImageGrid([Int32Array.from([10, 20, 30])], tok, { padding: 0 })),
    );
    expect(Array.from(png.data.subarray(0, 3))).toEqual([10, 20, 30]);
    expect(() => renderImageGrid([Int32Array.from([1, 2])], tok)).toThrow(/image 0 has 2 tokens, expected 3/);
    expect(() => renderImageGrid([], tok)).toThrow(/no images/);
  });
});
