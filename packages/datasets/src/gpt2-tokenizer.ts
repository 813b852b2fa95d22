import { decode as r50kDecode, encode as r50kEncode } from 'gpt-tokenizer/encoding/r50k_base';
import type { TextTokenizer } from './tokenizer';

const VOCAB = 50257;
const EOS = 50256;
/** Shown for MASK by `gpt2Tokenizer.decode`: U+2588 FULL BLOCK. */
export const GPT2_MASK_PLACEHOLDER = '\u2588';
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

function encodeGpt2(text: string): Int32Array {
  // '<|endoftext|>' inside a text is encoded as ordinary text, so every string round-trips exactly;
  // the EOS token (50256) is only added by corpus loaders between documents.
  return Int32Array.from(r50kEncode(text, NO_SPECIAL));
}

function decodeGpt2(tokens: ArrayLike<number>, opts?: { mask?: string | undefined }): string {
  const mask = opts?.mask ?? GPT2_MASK_PLACEHOLDER;
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!Number.isInteger(t) || t < 0 || t > VOCAB) {
      throw new RangeError(
        `gpt2 decode: token ${t} at position ${i} is outside 0..${VOCAB} (${VOCAB} is MASK)`,
      );
    }
    if (t === VOCAB) {
      if (run.length > 0) out += r50kDecode(run);
      run = [];
      out += mask;
    } else {
      run.push(t);
    }
  }
  if (run.length > 0) out += r50kDecode(run);
  return out;
}

/**
 * GPT-2's byte-level BPE (`r50k_base`, via gpt-tokenizer, ranks bundled: works offline).
 * V = 50257, EOS = 50256 ('<|endoftext|>'), MASK = 50257 decodes as U+2588 '█'.
 * `decode(encode(s)) === s` for every well-formed string (one whose surrogates are paired).
 * A MASK between the bytes of one character splits it; the partial bytes decode to nothing.
 */
export const gpt2Tokenizer: TextTokenizer = Object.freeze({
  kind: 'text' as const,
  id: 'gpt2',
  vocabSize: VOCAB,
  maskId: VOCAB,
  maskPlaceholder: GPT2_MASK_PLACEHOLDER,
  eosId: EOS,
  eosEndsText: true,
  encode: encodeGpt2,
  decode: decodeGpt2,
});
