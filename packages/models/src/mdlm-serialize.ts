import type { DDiT } from './ddit';
import { MDLM_PREFIX, mdlmConfigFromDDiT, mdlmTensorMappings } from './mdlm-format';
import { encodeSafetensors } from './safetensors';

/** An MDLM hub folder in memory: config.json text and model.safetensors bytes. */
export interface SerializedMdlm {
  /** The text of config.json (MdlmHubConfig, with the tokenizer id under MDLM_TOKENIZER_KEY when known). */
  configJson: string;
  /** The bytes of model.safetensors (F32). */
  weights: Uint8Array;
}

/**
 * A DDiT in MDLM's hub layout (`mdlm-format.ts`): the state dict of MDLM's `DIT` under "backbone."
 * in F32, with PyTorch's [out, in] Linear weights, MDLM's rotate-half qkv order, a zero mask row
 * in the output layer, and the rotary frequencies MDLM registers as a buffer. MDLM's Hugging Face
 * code (`AutoModelForMaskedLM.from_pretrained(dir, trust_remote_code=True)`) loads the folder.
 * `tokenizer` is recorded in config.json so that our loader knows the ids again.
 */
export async function serializeMdlm(
  model: DDiT,
  opts: { tokenizer?: string | null | undefined } = {},
): Promise<SerializedMdlm> {
  const c = model.config;
  const entries: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const m of mdlmTensorMappings(c)) {
    const values = await model.params[m.name]!.data();
    entries.push([m.hubName, { shape: m.hubShape, data: m.write(values as Float32Array) }]);
  }
  const hd = c.dModel / c.heads;
  const invFreq = Float32Array.from({ length: hd / 2 }, (_, j) => 1 / c.ropeTheta ** ((2 * j) / hd));
  entries.push([`${MDLM_PREFIX}rotary_emb.inv_freq`, { shape: [hd / 2], data: invFreq }]);
  return {
    configJson: `${JSON.stringify(mdlmConfigFromDDiT(c, opts.tokenizer ?? null), null, 2)}\n`,
    weights: encodeSafetensors(entries, { format: 'pt' }),
  };
}
