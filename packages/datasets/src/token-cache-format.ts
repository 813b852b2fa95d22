import { DataFormatError } from './data-format-error';

/**
 * Token cache file layout (version 1, all integers little-endian):
 *
 *   offset size  field
 *        0    8  magic "MD4TOKS\n" (4d 44 34 54 4f 4b 53 0a)
 *        8    4  uint32 format version (1)
 *       12    4  uint32 header size in bytes (128)
 *       16    4  uint32 vocabulary size V (tokens are 0..V-1)
 *       20    4  uint32 bytes per token: 2 (uint16, when V <= 65536) or 4 (uint32)
 *       24    8  uint64 token count N
 *       32    8  uint64 document count
 *       40   40  tokenizer id, UTF-8, NUL-padded (e.g. "gpt2")
 *       80   32  source fingerprint (SHA-256 of the inputs and options that made the file)
 *      112   16  reserved, zero
 *      128  N*b  the tokens
 *
 * The file size must be exactly 128 + N * bytesPerToken.
 */
export const TOKEN_CACHE_MAGIC = 'MD4TOKS\n';
/** The format version this library writes and the only one it reads. */
export const TOKEN_CACHE_VERSION = 1;
/** The header's size in bytes; the tokens start at this offset. */
export const TOKEN_CACHE_HEADER_BYTES = 128;
const ID_BYTES = 40;
const MAX_TOKEN_COUNT = 2 ** 52;

/** A token cache file's header, parsed (the layout above). */
export interface TokenCacheHeader {
  /** The format version (TOKEN_CACHE_VERSION; the parser rejects others). */
  version: number;
  /** V: the tokens are 0..V-1. */
  vocabSize: number;
  /** 2 (uint16, when V <= 65536) or 4 (uint32). */
  bytesPerToken: 2 | 4;
  /** N, the tokens in the file (end-of-document tokens included). */
  tokenCount: number;
  /** The documents the tokens came from. */
  documentCount: number;
  /** The tokenizer's id (`tokenizerFromId` rebuilds it), 1..40 UTF-8 bytes. */
  tokenizerId: string;
  /** 64 hex digits. */
  fingerprint: string;
}

/** Serialises a header into its 128 bytes. */
export function encodeTokenCacheHeader(h: Omit<TokenCacheHeader, 'version'>): Uint8Array {
  const out = new Uint8Array(TOKEN_CACHE_HEADER_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = TOKEN_CACHE_MAGIC.charCodeAt(i);
  dv.setUint32(8, TOKEN_CACHE_VERSION, true);
  dv.setUint32(12, TOKEN_CACHE_HEADER_BYTES, true);
  dv.setUint32(16, h.vocabSize, true);
  dv.setUint32(20, h.bytesPerToken, true);
  dv.setBigUint64(24, BigInt(h.tokenCount), true);
  dv.setBigUint64(32, BigInt(h.documentCount), true);
  const id = new TextEncoder().encode(h.tokenizerId);
  if (id.length === 0 || id.length > ID_BYTES)
    throw new RangeError(
      `token cache: tokenizer id must be 1..${ID_BYTES} UTF-8 bytes, got '${h.tokenizerId}'`,
    );
  out.set(id, 40);
  if (!/^[0-9a-f]{64}$/.test(h.fingerprint))
    throw new RangeError('token cache: fingerprint must be 64 lowercase hex digits');
  for (let i = 0; i < 32; i++) out[80 + i] = Number.parseInt(h.fingerprint.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Parses and checks a header. `fileSize` is the whole file's size: a file shorter than the header
 * says is reported as truncated. Every problem is a DataFormatError naming `file`.
 */
export function parseTokenCacheHeader(bytes: Uint8Array, fileSize: number, file: string): TokenCacheHeader {
  const rebuild = 'delete the file to rebuild the cache';
  if (bytes.length < TOKEN_CACHE_HEADER_BYTES || fileSize < TOKEN_CACHE_HEADER_BYTES) {
    throw new DataFormatError(
      file,
      `is truncated: ${Math.min(bytes.length, fileSize)} bytes, shorter than the ${TOKEN_CACHE_HEADER_BYTES}-byte token cache header`,
      rebuild,
    );
  }
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== TOKEN_CACHE_MAGIC.charCodeAt(i)) {
      throw new DataFormatError(
        file,
        'is not an MD4 token cache (wrong magic bytes)',
        'pass a file written by textCorpus / writeTokenCache',
      );
    }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, TOKEN_CACHE_HEADER_BYTES);
  const version = dv.getUint32(8, true);
  if (version !== TOKEN_CACHE_VERSION) {
    throw new DataFormatError(
      file,
      `has token cache format version ${version}; this library reads version ${TOKEN_CACHE_VERSION}`,
      rebuild,
    );
  }
  const headerBytes = dv.getUint32(12, true);
  if (headerBytes !== TOKEN_CACHE_HEADER_BYTES)
    throw new DataFormatError(
      file,
      `has header size ${headerBytes}, expected ${TOKEN_CACHE_HEADER_BYTES}`,
      rebuild,
    );
  const vocabSize = dv.getUint32(16, true);
  const bytesPerToken = dv.getUint32(20, true);
  if (bytesPerToken !== 2 && bytesPerToken !== 4)
    throw new DataFormatError(file, `has ${bytesPerToken} bytes per token; expected 2 or 4`, rebuild);
  if (vocabSize < 1 || (bytesPerToken === 2 && vocabSize > 65536)) {
    throw new DataFormatError(
      file,
      `has vocabulary size ${vocabSize}, impossible with ${bytesPerToken}-byte tokens`,
      rebuild,
    );
  }
  const tokenCount64 = dv.getBigUint64(24, true);
  const documentCount64 = dv.getBigUint64(32, true);
  if (tokenCount64 > BigInt(MAX_TOKEN_COUNT) || documentCount64 > BigInt(MAX_TOKEN_COUNT)) {
    throw new DataFormatError(
      file,
      `has an impossible token or document count (${tokenCount64}, ${documentCount64})`,
      rebuild,
    );
  }
  const tokenCount = Number(tokenCount64);
  const documentCount = Number(documentCount64);
  const idRaw = bytes.subarray(40, 40 + ID_BYTES);
  const idEnd = idRaw.indexOf(0) < 0 ? ID_BYTES : idRaw.indexOf(0);
  let tokenizerId: string;
  try {
    tokenizerId = new TextDecoder('utf-8', { fatal: true }).decode(idRaw.subarray(0, idEnd));
  } catch {
    throw new DataFormatError(file, 'has a tokenizer id that is not valid UTF-8', rebuild);
  }
  if (tokenizerId.length === 0) throw new DataFormatError(file, 'has an empty tokenizer id', rebuild);
  let fingerprint = '';
  for (let i = 80; i < 112; i++) fingerprint += bytes[i]!.toString(16).padStart(2, '0');
  const expected = TOKEN_CACHE_HEADER_BYTES + tokenCount * bytesPerToken;
  if (fileSize < expected) {
    throw new DataFormatError(
      file,
      `is truncated: the header promises ${tokenCount} tokens (${expected} bytes) but the file has ${fileSize} bytes`,
      rebuild,
    );
  }
  if (fileSize > expected) {
    throw new DataFormatError(
      file,
      `has ${fileSize - expected} bytes after the ${tokenCount} tokens its header promises`,
      rebuild,
    );
  }
  return { version, vocabSize, bytesPerToken, tokenCount, documentCount, tokenizerId, fingerprint };
}
