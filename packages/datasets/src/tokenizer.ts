/** What every tokenizer has: a stable id (stored in checkpoints and token caches) and its vocabulary. */
export interface BaseTokenizer {
  /** Stable identifier, e.g. 'text8', 'gpt2', 'pixels-28x28x1'. `tokenizerFromId(id)` rebuilds it. */
  readonly id: string;
  /** V: real token values are 0..V-1. */
  readonly vocabSize: number;
  /** The MASK token id, always V (= vocabSize). */
  readonly maskId: number;
}

/** A tokenizer for text: encode a string to token ids and decode ids back for people to read. */
export interface TextTokenizer extends BaseTokenizer {
  /** Always 'text' (tells it from a PixelTokenizer). */
  readonly kind: 'text';
  /** The string `decode` shows for a MASK token. */
  readonly maskPlaceholder: string;
  /** The end-of-document token appended after each document by corpus loaders. */
  readonly eosId: number;
  /** True when `eosId` ends a text (GPT-2's <|endoftext|>), false when it only separates documents (text8's space). */
  readonly eosEndsText: boolean;
  /**
   * Token ids 0..V-1 of `text` (a new array). text8 throws a DataFormatError for a character
   * outside a-z and space; GPT-2 encodes any string.
   */
  encode(text: string): Int32Array;
  /** Decodes ids; MASK (id V) is shown as `maskPlaceholder` (or `opts.mask`). */
  decode(tokens: ArrayLike<number>, opts?: { mask?: string | undefined }): string;
}

/** A tokenizer for images: one token per pixel and channel, 256 levels, laid out height x width x channels. */
export interface PixelTokenizer extends BaseTokenizer {
  /** Always 'image' (tells it from a TextTokenizer). */
  readonly kind: 'image';
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel (1 grey, 3 RGB); each pixel is `channels` consecutive tokens. */
  readonly channels: number;
  /** Pixel bytes (HWC, row-major) -> tokens 0..255. */
  encode(pixels: ArrayLike<number>): Int32Array;
  /** Tokens -> pixel bytes; MASK becomes `maskValue` (default 0). Use `renderImageGrid` to see masks. */
  decode(tokens: ArrayLike<number>, opts?: { maskValue?: number | undefined }): Uint8Array;
}

/** A text or a pixel tokenizer; `kind` tells which. */
export type Tokenizer = TextTokenizer | PixelTokenizer;
