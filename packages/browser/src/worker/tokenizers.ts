import { type TextTokenizer, text8Tokenizer } from '@md4/datasets';
import { CheckpointError } from '@md4/models';

/**
 * The text tokenizer of a loaded model, by the id its folder records. text8 is part of the worker;
 * GPT-2's BPE is imported on first use. A model without a tokenizer id, or with one this page does
 * not have, gets an error a visitor can act on.
 */
export async function textTokenizerFor(
  id: string | null,
  vocabSize: number,
  format: 'md4-checkpoint' | 'mdlm',
): Promise<TextTokenizer> {
  // md4 checkpoints written before tokenizer ids were recorded are text8 (27 token values).
  const known =
    id ?? (format === 'md4-checkpoint' && vocabSize === text8Tokenizer.vocabSize ? 'text8' : null);
  let tokenizer: TextTokenizer;
  if (known === 'text8') {
    tokenizer = text8Tokenizer;
  } else if (known === 'gpt2') {
    tokenizer = (await import('./gpt2-tokenizer')).gpt2Tokenizer;
  } else if (known == null) {
    throw new CheckpointError(
      `this model does not say how its ${vocabSize} token ids become text (its config.json names no ` +
        'tokenizer), so this page cannot show what it writes. If you know it is GPT-2 or text8, add ' +
        `"${format === 'mdlm' ? 'md4_tokenizer' : 'tokenizer'}": "gpt2" (or "text8") to config.json and load it again`,
    );
  } else {
    throw new CheckpointError(
      `this model uses the "${known}" tokenizer; this page shows text from text8 (character) and GPT-2 ` +
        'models only: sample it with the md4 CLI instead',
    );
  }
  if (tokenizer.vocabSize !== vocabSize) {
    throw new CheckpointError(
      `the model has ${vocabSize} token values but its tokenizer "${tokenizer.id}" has ` +
        `${tokenizer.vocabSize}: config.json names the wrong tokenizer`,
    );
  }
  return tokenizer;
}
