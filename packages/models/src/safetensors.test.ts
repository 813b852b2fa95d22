import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  safetensorsHeaderLength,
} from './safetensors';

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
      decodeSafetensors(header({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } })),
    ).toThrow(/unsupported dtype "I64" \(this reader handles F32, F16, BF16, F64, I32, U8\)/);
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

  it('F16 and BF16: Uint16Array bit patterns with an explicit dtype, decoded losslessly', () => {
    const half = Uint16Array.of(0x3c00, 0x8001, 0x7c00, 0x7e01, 0xfbff, 0);
    const brain = Uint16Array.of(0x3f80, 0xff80, 0x7fc1, 0x0001);
    const bytes = encodeSafetensors([
      ['h', { dtype: 'F16', shape: [2, 3], data: half }],
      ['b', { dtype: 'BF16', shape: [4], data: brain }],
      ['f', { dtype: 'F32', shape: [1], data: Float32Array.of(1) }],
    ]);
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd()).toBe(
      '{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]},' +
        '"f":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}}',
    );
    expect(Array.from(bytes.subarray(8 + n, 8 + n + 4))).toEqual([0x00, 0x3c, 0x01, 0x80]); // little-endian
    const { tensors } = decodeSafetensors(bytes);
    const h = tensors.get('h')!;
    expect(h.dtype).toBe('F16');
    expect(h.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(h.data)).toEqual(Array.from(half));
    expect(tensors.get('b')!.dtype).toBe('BF16');
    expect(Array.from(tensors.get('b')!.data)).toEqual(Array.from(brain));
  });

  it('a Uint16Array needs dtype F16 or BF16; a dtype must match its array', () => {
    expect(() => encodeSafetensors([['x', { shape: [1], data: new Uint16Array(1) }]])).toThrow(
      /tensor "x": a Uint16Array is ambiguous; pass dtype: 'F16' or 'BF16'/,
    );
    expect(() => encodeSafetensors([['x', { dtype: 'F16', shape: [1], data: new Float32Array(1) }]])).toThrow(
      /dtype F16 does not match a Float32Array \(it takes F32\)/,
    );
    expect(() => encodeSafetensors([['x', { dtype: 'F32', shape: [1], data: new Uint16Array(1) }]])).toThrow(
      /it takes F16 or BF16/,
    );
    expect(() => encodeSafetensors([['x', { shape: [1], data: [1] as unknown as Float32Array }]])).toThrow(
      /data must be a Float32Array/,
    );
  });

  it('parseSafetensorsHeader reads the header from a prefix: entries by offset, metadata, sizes', () => {
    const bytes = encodeSafetensors(
      [
        ['z', { shape: [2], data: Float32Array.of(1, 2) }],
        ['a', { dtype: 'BF16', shape: [3], data: new Uint16Array(3) }],
        ['e', { shape: [0], data: new Int32Array(0) }],
      ],
      { format: 'md4' },
    );
    const headerBytes = safetensorsHeaderLength(bytes.subarray(0, 8));
    expect(headerBytes % 8).toBe(0);
    const header = parseSafetensorsHeader(bytes.subarray(0, headerBytes), bytes.length);
    expect(header.headerBytes).toBe(headerBytes);
    expect(header.entries).toEqual([
      { name: 'z', dtype: 'F32', shape: [2], begin: 0, end: 8 },
      { name: 'a', dtype: 'BF16', shape: [3], begin: 8, end: 14 },
      { name: 'e', dtype: 'I32', shape: [0], begin: 14, end: 14 },
    ]);
    expect(header.metadata.format).toBe('md4');
    expect(bytes.length).toBe(headerBytes + 14);
    expect(() => parseSafetensorsHeader(bytes.subarray(0, headerBytes - 1), bytes.length)).toThrow(
      /truncated or corrupted: the header claims/,
    );
    expect(() => parseSafetensorsHeader(bytes, bytes.length - 1)).toThrow(
      /truncated: tensor "a" needs bytes/,
    );
    expect(() => parseSafetensorsHeader(bytes, bytes.length + 2)).toThrow(/2 bytes after the last tensor/);
    expect(() => parseSafetensorsHeader(bytes, -1)).toThrow(SafetensorsError);
  });

  it('rejects header lengths over 100 MB as corruption', () => {
    const first8 = new Uint8Array(8);
    new DataView(first8.buffer).setUint32(4, 1, true); // 2^32
    expect(() => safetensorsHeaderLength(first8)).toThrow(
      /corrupted: the header length field says 4294967296 bytes, over the 100000000-byte limit/,
    );
    const html = new TextEncoder().encode('<!DOCTYPE html><html>');
    expect(() => decodeSafetensors(html)).toThrow(/over the 100000000-byte limit/);
    new DataView(first8.buffer).setUint32(4, 0, true);
    new DataView(first8.buffer).setUint32(0, 100_000_000, true);
    expect(safetensorsHeaderLength(first8)).toBe(100_000_008);
    expect(() => safetensorsHeaderLength(first8.subarray(0, 7))).toThrow(/truncated: 7 bytes/);
  });

  it('names like "toString" and "__proto__" are ordinary names', () => {
    const bytes = encodeSafetensors([
      ['toString', { shape: [1], data: Float32Array.of(1) }],
      ['__proto__', { shape: [1], data: Float32Array.of(2) }],
    ]);
    const { tensors } = decodeSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(['toString', '__proto__']);
    expect(tensors.get('__proto__')!.data[0]).toBe(2);
    const json = new TextEncoder().encode('{"__metadata__":{"__proto__":"x"}}      ');
    const raw = new Uint8Array(8 + json.length);
    raw[0] = json.length;
    raw.set(json, 8);
    const { metadata } = decodeSafetensors(raw);
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });
});
