/**
 * The safetensors format (https://github.com/huggingface/safetensors), readable by Python's
 * `safetensors` package, numpy, and most ML ecosystems:
 *
 *   bytes 0..7     N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N   UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *                               ..., "__metadata__": { "<key>": "<string value>" } }
 *                  padded with spaces so that the data starts on an 8-byte boundary
 *   bytes 8+N..    the data section: each tensor's row-major little-endian bytes at [begin, end)
 *                  relative to the start of the section; tensors are contiguous, without gaps or
 *                  overlap, and cover the section exactly.
 */

export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'U8';

type TypedArrayFor<D extends SafetensorsDtype> = D extends 'F32'
  ? Float32Array
  : D extends 'F64'
    ? Float64Array
    : D extends 'I32'
      ? Int32Array
      : Uint8Array;

export interface SafetensorsTensor<D extends SafetensorsDtype = SafetensorsDtype> {
  dtype: D;
  shape: number[];
  data: TypedArrayFor<D>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, U8: 1 };

/** Thrown for any malformed, truncated or corrupted safetensors buffer. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toLittleEndianBytes(data: Float32Array | Float64Array | Int32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j]!;
  return out;
}

function dtypeOf(data: unknown): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint8Array) return 'U8';
  throw new SafetensorsError('tensor data must be a Float32Array, Float64Array, Int32Array or Uint8Array');
}

/**
 * Encodes tensors (in the given order) and string metadata into one safetensors buffer.
 * Names must be non-empty and not "__metadata__"; data length must match the shape.
 */
export function encodeSafetensors(
  tensors: Iterable<
    [string, { shape: number[]; data: Float32Array | Float64Array | Int32Array | Uint8Array }]
  >,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '' || name === '__metadata__') throw new SafetensorsError(`invalid tensor name "${name}"`);
    if (name in header) throw new SafetensorsError(`duplicate tensor name "${name}"`);
    const dtype = dtypeOf(t.data);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((s) => Number.isInteger(s) && s >= 0) || numel !== t.data.length) {
      throw new SafetensorsError(`tensor "${name}": ${t.data.length} values do not fill shape [${t.shape}]`);
    }
    const bytes = toLittleEndianBytes(t.data);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The parsed contents of a safetensors buffer. Tensor data are fresh, aligned copies. */
export interface DecodedSafetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Decodes a safetensors buffer, validating every header entry; clear errors for truncated or corrupted input. */
export function decodeSafetensors(buffer: Uint8Array | ArrayBuffer): DecodedSafetensors {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.length < 8) {
    throw new SafetensorsError(`truncated: ${bytes.length} bytes is shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo;
  if (headerLength > bytes.length - 8) {
    throw new SafetensorsError(
      `truncated or corrupted: the header claims ${headerLength} bytes but only ${bytes.length - 8} follow the length field`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch {
    throw new SafetensorsError('corrupted: the header is not valid UTF-8 JSON');
  }
  if (header == null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('corrupted: the header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    begin: number;
    end: number;
  }> = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw == null || typeof raw !== 'object')
        throw new SafetensorsError('corrupted: __metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`corrupted: metadata "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e?.dtype !== 'string' || !(e.dtype in BYTES)) {
      throw new SafetensorsError(
        `tensor "${name}": unsupported dtype ${JSON.stringify(e?.dtype)} (this reader handles F32, F64, I32, U8)`,
      );
    }
    const dtype = e.dtype as SafetensorsDtype;
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new SafetensorsError(`corrupted: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(
        `corrupted: tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== numel * BYTES[dtype]) {
      throw new SafetensorsError(
        `corrupted: tensor "${name}" spans ${end - begin} bytes but ${dtype} [${shape}] needs ${numel * BYTES[dtype]}`,
      );
    }
    if (end > dataLength) {
      throw new SafetensorsError(
        `truncated: tensor "${name}" needs bytes [${begin}, ${end}) of the data section, which has only ${dataLength}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected) {
      throw new SafetensorsError(
        `corrupted: tensor "${e.name}" starts at ${e.begin}, expected ${expected} (gap or overlap)`,
      );
    }
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(`corrupted: ${dataLength - expected} bytes after the last tensor`);
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    // An explicit copy (a Node Buffer's slice() is a view into a shared pool): aligned and owned.
    const chunk = new Uint8Array(e.end - e.begin);
    chunk.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!littleEndian && BYTES[e.dtype] > 1) {
      const w = BYTES[e.dtype];
      for (let i = 0; i < chunk.length; i += w) chunk.subarray(i, i + w).reverse();
    }
    const data =
      e.dtype === 'F32'
        ? new Float32Array(chunk.buffer)
        : e.dtype === 'F64'
          ? new Float64Array(chunk.buffer)
          : e.dtype === 'I32'
            ? new Int32Array(chunk.buffer)
            : chunk;
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data } as SafetensorsTensor);
  }
  return { tensors, metadata };
}
