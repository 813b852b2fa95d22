const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const SPACE = 32;
const DIGIT_CODES = DIGIT_WORDS.map((w) => Uint8Array.from(w, (ch) => ch.charCodeAt(0)));

/**
 * Cleans raw prose into text8 form, the way Matt Mahoney's `wikifil.pl` made text8 from Wikipedia:
 * ASCII letters are lowercased, each digit is spelled out as a separate word (`1990` -> `one nine nine
 * zero`), every other character (punctuation, newlines, accented letters, ...) becomes a space, and runs
 * of spaces collapse to one. Unlike wikifil, leading and trailing spaces are removed, so cleaned
 * documents can be joined with a single space.
 */
export function cleanText8(raw: string): string {
  const out = cleanText8Codes(raw);
  let s = '';
  const step = 8192;
  for (let i = 0; i < out.length; i += step) {
    s += String.fromCharCode.apply(null, out.subarray(i, i + step) as unknown as number[]);
  }
  return s;
}

/** `cleanText8` as character codes (97..122 and 32), without building a string. */
export function cleanText8Codes(raw: string): Uint8Array {
  let buf = new Uint8Array(raw.length + 64);
  let n = 0;
  let pendingSpace = false;
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (n + 8 > buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf);
      buf = next;
    }
    if (c >= 65 && c <= 90) c += 32;
    if (c >= 97 && c <= 122) {
      if (pendingSpace && n > 0) buf[n++] = SPACE;
      pendingSpace = false;
      buf[n++] = c;
    } else if (c >= 48 && c <= 57) {
      if (n > 0) buf[n++] = SPACE;
      const w = DIGIT_CODES[c - 48]!;
      buf.set(w, n);
      n += w.length;
      pendingSpace = true;
    } else {
      pendingSpace = true;
    }
  }
  return buf.slice(0, n);
}
