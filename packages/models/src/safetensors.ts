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

/** The element types this module reads and writes (safetensors also defines I64, F8_*, ...). */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'U8';

/** Typed array of each dtype: F16 and BF16 are raw bit patterns (see float-formats.ts to convert). */
type TypedArrayFor<D extends SafetensorsDtype> = D extends 'F32'
  ? Float32Array
  : D extends 'F16' | 'BF16'
    ? Uint16Array
    : D extends 'F64'
      ? Float64Array
      : D extends 'I32'
        ? Int32Array
        : Uint8Array;

/** A decoded tensor: its dtype, shape and values in the dtype's typed array. */
export interface SafetensorsTensor<D extends SafetensorsDtype = SafetensorsDtype> {
  /** The element type stored in the file. */
  dtype: D;
  /** Dimensions, outermost first ([] for a scalar). */
  shape: number[];
  /**
   * Row-major values: Float32Array (F32), Uint16Array bit patterns (F16, BF16), Float64Array (F64),
   * Int32Array (I32) or Uint8Array (U8).
   */
  data: TypedArrayFor<D>;
}

/**
 * A tensor to encode. `dtype` may be left out except for a Uint16Array, which is ambiguous: say
 * 'F16' or 'BF16' (its elements are the raw bit patterns). A given dtype must match the array type.
 */
export interface SafetensorsInputTensor {
  /** The element type to store; default from the array type (F32, F64, I32, U8). */
  dtype?: SafetensorsDtype | undefined;
  /** Dimensions, outermost first; their product must equal data.length. */
  shape: number[];
  /** Row-major values (borrowed; copied into the output). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;
}

/** One tensor of a parsed header; `begin`/`end` are byte offsets relative to the data section. */
export interface SafetensorsEntry {
  /** The tensor's name (a key of the header JSON). */
  name: string;
  /** Its element type. */
  dtype: SafetensorsDtype;
  /** Its dimensions, outermost first. */
  shape: number[];
  /** Offset of its first byte in the data section. */
  begin: number;
  /** Offset one past its last byte (end - begin = elements x dtype bytes). */
  end: number;
}

/** A parsed, validated header. */
export interface SafetensorsHeader {
  /** 8 + N: the offset of the data section from the start of the file. */
  headerBytes: number;
  /** Every tensor, sorted by `begin` (they are contiguous and cover the data section exactly). */
  entries: SafetensorsEntry[];
  /** The header's `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
}

/** Bytes per element of each dtype. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I32: 4,
  U8: 1,
};
const BYTES = SAFETENSORS_DTYPE_BYTES;

/** The largest header accepted (the Rust `safetensors` crate's limit): anything longer is corruption. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Thrown for any malformed, truncated or corrupted safetensors buffer. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

function toLittleEndianBytes(data: AnyTypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j]!;
  return out;
}

function arrayTypeName(data: unknown): string {
  return (data as { constructor?: { name?: string | undefined } } | null)?.constructor?.name ?? typeof data;
}

function dtypeOf(name: string, t: SafetensorsInputTensor): SafetensorsDtype {
  const { data, dtype } = t;
  let implied: SafetensorsDtype[];
  if (data instanceof Float32Array) implied = ['F32'];
  else if (data instanceof Float64Array) implied = ['F64'];
  else if (data instanceof Int32Array) implied = ['I32'];
  else if (data instanceof Uint16Array) implied = ['F16', 'BF16'];
  else if (data instanceof Uint8Array) implied = ['U8'];
  else {
    throw new SafetensorsError(
      `tensor "${name}": data must be a Float32Array, Float64Array, Int32Array, Uint8Array or (F16/BF16 bits) Uint16Array, got ${arrayTypeName(data)}`,
    );
  }
  if (dtype === undefined) {
    if (implied.length > 1) {
      throw new SafetensorsError(
        `tensor "${name}": a Uint16Array is ambiguous; pass dtype: 'F16' or 'BF16' (its elements are the raw bit patterns)`,
      );
    }
    return implied[0]!;
  }
  if (!implied.includes(dtype)) {
    throw new SafetensorsError(
      `tensor "${name}": dtype ${dtype} does not match a ${arrayTypeName(data)} (it takes ${implied.join(' or ')})`,
    );
  }
  return dtype;
}

/**
 * Encodes tensors (in the given order) and string metadata into one safetensors buffer.
 * Names must be non-empty and not "__metadata__"; data length must match the shape. F16 and BF16
 * tensors are given as Uint16Array bit patterns with an explicit dtype (see float-formats.ts).
 */
export function encodeSafetensors(
  tensors: Iterable<[string, SafetensorsInputTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '' || name === '__metadata__') throw new SafetensorsError(`invalid tensor name "${name}"`);
    if (Object.hasOwn(header, name)) throw new SafetensorsError(`duplicate tensor name "${name}"`);
    const dtype = dtypeOf(name, t);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((s) => Number.isInteger(s) && s >= 0) || numel !== t.data.length) {
      throw new SafetensorsError(`tensor "${name}": ${t.data.length} values do not fill shape [${t.shape}]`);
    }
    const bytes = toLittleEndianBytes(t.data);
    Object.defineProperty(header, name, {
      value: { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
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

/**
 * The total header size 8 + N read from a file's first 8 bytes (N: u64 little-endian), i.e. how
 * many bytes `parseSafetensorsHeader` needs. Throws a SafetensorsError when fewer than 8 bytes are
 * given or N exceeds SAFETENSORS_MAX_HEADER_BYTES (100 MB: the input is not safetensors, or damaged).
 */
export function safetensorsHeaderLength(first8: Uint8Array): number {
  if (first8.length < 8) {
    throw new SafetensorsError(`truncated: ${first8.length} bytes is shorter than the 8-byte header length`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const n = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (n > SAFETENSORS_MAX_HEADER_BYTES) {
    throw new SafetensorsError(
      `corrupted: the header length field says ${n} bytes, over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit; ` +
        'this is not a safetensors file or it is damaged (an HTML error page or a Git LFS pointer saved in its place?)',
    );
  }
  return 8 + n;
}

function defineOwn(target: Record<string, string>, key: string, value: string): void {
  // defineProperty, not assignment: a key "__proto__" must stay a plain entry.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Parses and validates the header of a safetensors file of `totalBytes` bytes from its first bytes
 * (`prefix` needs at least `safetensorsHeaderLength(prefix)` bytes; more are ignored). Every entry is
 * checked: a supported dtype, a valid shape, offsets spanning exactly shape x element size, and all
 * tensors contiguous, without gaps or overlap, covering the data section (totalBytes - 8 - N) exactly.
 * Throws a SafetensorsError naming the problem for a truncated or corrupted header.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, totalBytes: number): SafetensorsHeader {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) {
    throw new SafetensorsError(`totalBytes must be a non-negative integer, got ${totalBytes}`);
  }
  const available = Math.min(prefix.length, totalBytes);
  if (available < 8) {
    throw new SafetensorsError(`truncated: ${available} bytes is shorter than the 8-byte header length`);
  }
  const headerBytes = safetensorsHeaderLength(prefix);
  const headerLength = headerBytes - 8;
  if (headerBytes > available) {
    throw new SafetensorsError(
      `truncated or corrupted: the header claims ${headerLength} bytes but only ${available - 8} follow the length field`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, headerBytes)));
  } catch {
    throw new SafetensorsError('corrupted: the header is not valid UTF-8 JSON');
  }
  if (header == null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('corrupted: the header is not a JSON object');
  }
  const dataLength = totalBytes - headerBytes;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw == null || typeof raw !== 'object' || Array.isArray(raw))
        throw new SafetensorsError('corrupted: __metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`corrupted: metadata "${k}" is not a string`);
        defineOwn(metadata, k, v);
      }
      continue;
    }
    const e = raw as {
      dtype?: unknown | undefined;
      shape?: unknown | undefined;
      data_offsets?: unknown | undefined;
    } | null;
    if (typeof e?.dtype !== 'string' || !Object.hasOwn(BYTES, e.dtype)) {
      throw new SafetensorsError(
        `tensor "${name}": unsupported dtype ${JSON.stringify(e?.dtype)} (this reader handles ${Object.keys(BYTES).join(', ')})`,
      );
    }
    const dtype = e.dtype as SafetensorsDtype;
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new SafetensorsError(`corrupted: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
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
  // Stable: empty tensors sharing an offset keep their header order.
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of entries) {
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
  return { headerBytes, entries, metadata };
}

/** The parsed contents of a safetensors buffer. Tensor data are fresh, aligned copies. */
export interface DecodedSafetensors {
  /** Every tensor by name, in data-offset order; owned by the caller. */
  tensors: Map<string, SafetensorsTensor>;
  /** The header's `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
}

/**
 * Decodes a safetensors buffer, validating every header entry; clear errors for truncated or
 * corrupted input. Lossless: F16 and BF16 data come back as their Uint16Array bit patterns.
 * For large files, prefer `readSafetensorsStream` (one tensor at a time, converted to float32).
 */
export function decodeSafetensors(buffer: Uint8Array | ArrayBuffer): DecodedSafetensors {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const { headerBytes, entries, metadata } = parseSafetensorsHeader(bytes, bytes.length);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    // An explicit copy (a Node Buffer's slice() is a view into a shared pool): aligned and owned.
    const chunk = new Uint8Array(e.end - e.begin);
    chunk.set(bytes.subarray(headerBytes + e.begin, headerBytes + e.end));
    const w = BYTES[e.dtype];
    if (!littleEndian && w > 1) {
      for (let i = 0; i < chunk.length; i += w) chunk.subarray(i, i + w).reverse();
    }
    const data =
      e.dtype === 'F32'
        ? new Float32Array(chunk.buffer)
        : e.dtype === 'F16' || e.dtype === 'BF16'
          ? new Uint16Array(chunk.buffer)
          : e.dtype === 'F64'
            ? new Float64Array(chunk.buffer)
            : e.dtype === 'I32'
              ? new Int32Array(chunk.buffer)
              : chunk;
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data } as SafetensorsTensor);
  }
  return { tensors, metadata };
}
