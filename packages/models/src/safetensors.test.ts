import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

const sample = (): Array<
  [string, { shape: number[]; data: Float32Array | Int32Array | Float64Array | Uint8Array }]
> => [
  ['w', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -0]) }],
  ['ids', { shape: [3], data: Int32Array.from([7, -1, 2147483647]) }],
  ['d', { shape: [], data: Float64Array.from([Math.PI]) }],
  ['bytes', { shape: [2, 0], data: new Uint8Array(0) }],
];

describe('safetensors', () => {
  it('round-trips tensors and metadata exactly', () => {
    const bytes = encodeSafetensors(sample(), { format: 'md4' });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'md4' });
    for (const [name, t] of sample()) {
      const got = tensors.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
    expect(tensors.get('w')!.dtype).toBe('F32');
    expect(tensors.get('d')!.dtype).toBe('F64');
  });

  it('byte layout: u64 LE header length, JSON header padded to 8, little-endian data at data_offsets', () => {
    const bytes = encodeSafetensors([
      ['a', { shape: [2], data: Float32Array.from([1, 2]) }],
      ['b', { shape: [1], data: Int32Array.from([258]) }],
    ]);
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText.trimEnd()).toBe(
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}',
    );
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    expect(bytes.length).toBe(8 + n + 12);
    const data = bytes.subarray(8 + n);
    expect(Array.from(data.subarray(0, 8))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]); // 1.0f, 2.0f LE
    expect(Array.from(data.subarray(8))).toEqual([2, 1, 0, 0]); // 258 LE
  });

  it('names truncation and corruption', () => {
    const bytes = encodeSafetensors(sample());
    expect(() => decodeSafetensors(bytes.subarray(0, 5))).toThrow(/truncated: 5 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, 40))).toThrow(
      /truncated or corrupted: the header claims/,
    );
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 3))).toThrow(
      /truncated: tensor "d" needs bytes/,
    );
    const extra = new Uint8Array(bytes.length + 4);
    extra.set(bytes);
    expect(() => decodeSafetensors(extra)).toThrow(/4 bytes after the last tensor/);
    const bad = bytes.slice();
    bad[9] = 0x7b; // '{' -> '{{'... breaks the JSON
    bad[10] = 0x7b;
    expect(() => decodeSafetensors(bad)).toThrow(/not valid UTF-8 JSON/);
    const header = (h: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + 8);
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 8);
      return out;
    };
    expect(() =>
      decodeSafetensors(header({ x: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } })),
    ).toThrow(/unsupported dtype "BF16"/);
    expect(() =>
      decodeSafetensors(header({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } })),
    ).toThrow(/spans 8 bytes but F32 \[3\] needs 12/);
    expect(() =>
      decodeSafetensors(
        header({
          x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        }),
      ),
    ).toThrow(/gap or overlap/);
  });

  it('rejects bad input when encoding', () => {
    expect(() => encodeSafetensors([['x', { shape: [3], data: new Float32Array(2) }]])).toThrow(
      /do not fill shape/,
    );
    expect(() => encodeSafetensors([['__metadata__', { shape: [1], data: new Float32Array(1) }]])).toThrow(
      /invalid tensor name/,
    );
  });
});
