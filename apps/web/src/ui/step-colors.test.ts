import { describe, expect, it } from 'vitest';
import {
  contrastRatio,
  parseRgb,
  type Rgb,
  readableOn,
  stepColor,
  stepTextColor,
  TEXT_CONTRAST,
  viridis,
} from './step-colors';

/** The token view's backgrounds: the page's --bg in the light and the dark scheme (style.css). */
const LIGHT: Rgb = [0xf6, 0xf7, 0xf9];
const DARK: Rgb = [0x12, 0x15, 0x1b];

describe('step colours', () => {
  it('WCAG contrast: 21 for black on white, 1 for a colour on itself, symmetric', () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 10);
    expect(contrastRatio([90, 120, 30], [90, 120, 30])).toBe(1);
    expect(contrastRatio([253, 231, 37], LIGHT)).toBeCloseTo(contrastRatio(LIGHT, [253, 231, 37]), 12);
    // WCAG's own example: #777777 on white is 4.48:1.
    expect(contrastRatio([0x77, 0x77, 0x77], [255, 255, 255])).toBeCloseTo(4.48, 2);
  });

  it('viridis ends are unreadable as text on one scheme each: the reason for readableOn', () => {
    expect(contrastRatio(viridis(1), LIGHT)).toBeLessThan(1.5);
    expect(contrastRatio(viridis(0), DARK)).toBeLessThan(2);
  });

  it(`every step's text colour reaches ${TEXT_CONTRAST}:1 on both schemes`, () => {
    for (const background of [LIGHT, DARK]) {
      for (let i = 0; i <= 100; i++) {
        const color = parseRgb(stepTextColor(i / 100, background));
        expect(contrastRatio(color, background)).toBeGreaterThanOrEqual(TEXT_CONTRAST);
      }
    }
  });

  it('leaves a colour that is already readable as it is, and keeps the chart colours', () => {
    expect(readableOn(viridis(0), LIGHT)).toEqual(viridis(0));
    expect(stepColor(1)).toBe('rgb(253, 231, 37)');
    expect(stepColor(0)).toBe('rgb(68, 1, 84)');
  });

  it('parses computed colours, transparent as white', () => {
    expect(parseRgb('rgb(18, 21, 27)')).toEqual([18, 21, 27]);
    expect(parseRgb('rgba(1, 2, 3, 0.5)')).toEqual([1, 2, 3]);
    expect(parseRgb('rgba(0, 0, 0, 0)')).toEqual([255, 255, 255]);
  });
});
