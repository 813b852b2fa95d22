import { type ResolvedDDiTConfig, resolveDDiTConfig, SIGMA_EMBEDDING_DIM } from './ddit-config';

/**
 * The Hugging Face hub layout of MDLM-family checkpoints (kuleshov-group/mdlm-owt and its kin):
 *   config.json        { "model_type": "mdlm", "vocab_size": V + 1, "model_length": L, "hidden_dim": d,
 *                        "cond_dim": c, "n_blocks": n, "n_heads": H, "dropout", "time_conditioning", ... }
 *   model.safetensors  the state dict of MDLM's `DIT` under "backbone." (PyTorch Linear weights [out, in])
 * The mask token is the last id, V = vocab_size - 1 (MDLM appends it when the tokenizer has none,
 * as for GPT-2: 50257).
 */
export const MDLM_MODEL_TYPE = 'mdlm';
/** The weights file of a hub folder, next to config.json. */
export const MDLM_WEIGHTS_FILE = 'model.safetensors';
/** The prefix of every learned tensor's name in the hub weights file (MDLM's `backbone` module). */
export const MDLM_PREFIX = 'backbone.';
/**
 * Extra config.json key our exporter writes: the id of the tokenizer behind the token ids (MDLM's
 * Hugging Face config keeps unknown keys and ignores them).
 */
export const MDLM_TOKENIZER_KEY = 'md4_tokenizer';
/** GPT-2's vocabulary without the mask: hub models of this V use GPT-2 tokens (EOS 50256, mask 50257). */
const GPT2_VOCAB = 50257;
/** Buffers MDLM's state dict may carry that hold no learned values (the rotary frequencies). */
const DERIVED_BUFFERS = /^backbone\.rotary_emb\./;

/** Any problem with a hub-layout folder: bad config.json, missing or misshapen tensors. */
export class MdlmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MdlmFormatError';
  }
}

/** config.json of an MDLM hub folder (the fields we read; others are kept on export). */
export interface MdlmHubConfig {
  /** Always "mdlm" (MDLM_MODEL_TYPE): how a hub folder is told from our checkpoints. */
  model_type: typeof MDLM_MODEL_TYPE;
  /** V + 1: the real token values and the mask, which is the last id (our vocabSize is one less). */
  vocab_size: number;
  /** Maximum sequence length L (our seqLen). */
  model_length: number;
  /** Model width d (our dModel). */
  hidden_dim: number;
  /** Width of the sigma conditioning vector (our condDim). */
  cond_dim: number;
  /** Number of blocks (our layers). */
  n_blocks: number;
  /** Attention heads (our heads). */
  n_heads: number;
  /** Dropout rate in training (default 0 when absent). */
  dropout?: number | undefined;
  /** Whether the network sees the noise level (default false when absent; our timeConditioned). */
  time_conditioning?: boolean | undefined;
  [key: string]: unknown;
}

/** True when a parsed config.json is an MDLM hub config (`model_type` "mdlm"). */
export function isMdlmConfig(json: unknown): json is MdlmHubConfig {
  return (
    json != null &&
    typeof json === 'object' &&
    (json as { model_type?: unknown | undefined }).model_type === MDLM_MODEL_TYPE
  );
}

/** Our DDiT config for an MDLM hub config.json, every field checked (errors name the field). */
export function dditConfigFromMdlm(json: unknown): ResolvedDDiTConfig {
  if (!isMdlmConfig(json)) {
    const type = (json as { model_type?: unknown | undefined } | null)?.model_type;
    throw new MdlmFormatError(
      `config.json: model_type ${JSON.stringify(type)} is not "${MDLM_MODEL_TYPE}"; ` +
        'this reader opens MDLM hub folders and md4 checkpoints only',
    );
  }
  const need = (key: string) => {
    const v = json[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
      throw new MdlmFormatError(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  if (need('vocab_size') < 2)
    throw new MdlmFormatError('config.json: "vocab_size" must count the mask token too (>= 2)');
  const time = json.time_conditioning ?? false;
  if (typeof time !== 'boolean') {
    throw new MdlmFormatError(
      `config.json: "time_conditioning" must be true or false, got ${JSON.stringify(time)}`,
    );
  }
  try {
    return resolveDDiTConfig({
      arch: 'ddit',
      vocabSize: need('vocab_size') - 1,
      seqLen: need('model_length'),
      layers: need('n_blocks'),
      dModel: need('hidden_dim'),
      heads: need('n_heads'),
      condDim: need('cond_dim'),
      timeConditioned: time,
      dropout: typeof json.dropout === 'number' ? json.dropout : 0,
    });
  } catch (error) {
    throw new MdlmFormatError(`config.json: ${(error as Error).message}`);
  }
}

/**
 * The tokenizer id of a hub config: the one our exporter recorded, else 'gpt2' for GPT-2's
 * vocabulary (vocab_size 50258), else null (MDLM's own text8 ids differ from ours: not guessed).
 */
export function tokenizerOfMdlm(json: MdlmHubConfig): string | null {
  const recorded = json[MDLM_TOKENIZER_KEY];
  if (typeof recorded === 'string') return recorded;
  return json.vocab_size === GPT2_VOCAB + 1 ? 'gpt2' : null;
}

/** The hub config.json for one of our DDiTs (what MDLM's Hugging Face code reads). */
export function mdlmConfigFromDDiT(c: ResolvedDDiTConfig, tokenizer: string | null = null): MdlmHubConfig {
  if (c.mlpHidden !== 4 * c.dModel || c.normEps !== 1e-5 || c.ropeTheta !== 10000 || c.noiseEps !== 1e-3) {
    throw new MdlmFormatError(
      'this DDiT cannot be written in the MDLM layout: MDLM fixes mlpHidden = 4 dModel, normEps 1e-5, ' +
        'ropeTheta 10000 and noiseEps 1e-3',
    );
  }
  return {
    architectures: ['MDLM'],
    model_type: MDLM_MODEL_TYPE,
    vocab_size: c.vocabSize + 1,
    model_length: c.seqLen,
    hidden_dim: c.dModel,
    cond_dim: c.condDim,
    n_blocks: c.layers,
    n_heads: c.heads,
    dropout: c.dropout,
    time_conditioning: c.timeConditioned,
    auto_map: {
      AutoConfig: 'configuration_mdlm.MDLMConfig',
      AutoModelForMaskedLM: 'modeling_mdlm.MDLM',
    },
    ...(tokenizer != null ? { [MDLM_TOKENIZER_KEY]: tokenizer } : {}),
  };
}

/** How one hub tensor maps onto one of our parameters, both ways. */
export interface MdlmTensorMapping {
  /** State-dict name in model.safetensors, e.g. "backbone.blocks.0.attn_qkv.weight". */
  hubName: string;
  /** Its shape in the hub file (PyTorch Linear weights are [out, in], ours [in, out]). */
  hubShape: number[];
  /** Our parameter name (`dditLayout`). */
  name: string;
  /** Hub values (row-major, hubShape) -> ours. */
  read(hub: Float32Array): Float32Array;
  /** Our values -> hub values. */
  write(ours: Float32Array): Float32Array;
}

/** [rows, cols] -> [cols, rows]. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[base + c]!;
  }
  return out;
}

/**
 * The source row of MDLM's qkv weight [3d, d] for each of our qkv columns: q and k channels of each
 * head are interleaved (ours 2j <- MDLM j, ours 2j+1 <- MDLM j + hd/2; see `DDiT`), v is unchanged.
 */
function qkvRowOrder(d: number, heads: number): Int32Array {
  const hd = d / heads;
  const order = new Int32Array(3 * d);
  for (let part = 0; part < 3; part++) {
    for (let h = 0; h < heads; h++) {
      for (let ch = 0; ch < hd; ch++) {
        const col = part * d + h * hd + ch;
        const src = part === 2 ? ch : ch % 2 === 0 ? ch / 2 : (ch - 1) / 2 + hd / 2;
        order[col] = part * d + h * hd + src;
      }
    }
  }
  return order;
}

const same = (x: Float32Array) => x;

/** Every learned tensor of the hub layout for config `c`, with its conversion to and from ours. */
export function mdlmTensorMappings(c: ResolvedDDiTConfig): MdlmTensorMapping[] {
  const { dModel: d, condDim: cond, mlpHidden: h, vocabSize: V } = c;
  const maps: MdlmTensorMapping[] = [];
  const vector = (hub: string, name: string, size: number) =>
    maps.push({ hubName: MDLM_PREFIX + hub, hubShape: [size], name, read: same, write: same });
  /** torch Linear weight [out, in] <-> our kernel [in, out]. */
  const kernel = (hub: string, name: string, out: number, inp: number) =>
    maps.push({
      hubName: MDLM_PREFIX + hub,
      hubShape: [out, inp],
      name,
      read: (x) => transpose(x, out, inp),
      write: (x) => transpose(x, inp, out),
    });
  maps.push({
    hubName: `${MDLM_PREFIX}vocab_embed.embedding`,
    hubShape: [V + 1, d],
    name: 'embed.embedding',
    read: same,
    write: same,
  });
  kernel('sigma_map.mlp.0.weight', 'sigma.mlp1.kernel', cond, SIGMA_EMBEDDING_DIM);
  vector('sigma_map.mlp.0.bias', 'sigma.mlp1.bias', cond);
  kernel('sigma_map.mlp.2.weight', 'sigma.mlp2.kernel', cond, cond);
  vector('sigma_map.mlp.2.bias', 'sigma.mlp2.bias', cond);
  const order = qkvRowOrder(d, c.heads);
  for (let i = 0; i < c.layers; i++) {
    const hub = `blocks.${i}`;
    const ours = `blocks.${i}`;
    vector(`${hub}.norm1.weight`, `${ours}.norm1.scale`, d);
    kernel(`${hub}.adaLN_modulation.weight`, `${ours}.ada.kernel`, 6 * d, cond);
    vector(`${hub}.adaLN_modulation.bias`, `${ours}.ada.bias`, 6 * d);
    maps.push({
      hubName: `${MDLM_PREFIX}${hub}.attn_qkv.weight`,
      hubShape: [3 * d, d],
      name: `${ours}.attn.qkv.kernel`,
      // ours[k, col] = hub[order[col], k]
      read: (x) => {
        const out = new Float32Array(x.length);
        for (let col = 0; col < 3 * d; col++) {
          const src = order[col]! * d;
          for (let k = 0; k < d; k++) out[k * 3 * d + col] = x[src + k]!;
        }
        return out;
      },
      write: (x) => {
        const out = new Float32Array(x.length);
        for (let col = 0; col < 3 * d; col++) {
          const dst = order[col]! * d;
          for (let k = 0; k < d; k++) out[dst + k] = x[k * 3 * d + col]!;
        }
        return out;
      },
    });
    kernel(`${hub}.attn_out.weight`, `${ours}.attn.out.kernel`, d, d);
    vector(`${hub}.norm2.weight`, `${ours}.norm2.scale`, d);
    kernel(`${hub}.mlp.0.weight`, `${ours}.mlp.up.kernel`, h, d);
    vector(`${hub}.mlp.0.bias`, `${ours}.mlp.up.bias`, h);
    kernel(`${hub}.mlp.2.weight`, `${ours}.mlp.down.kernel`, d, h);
    vector(`${hub}.mlp.2.bias`, `${ours}.mlp.down.bias`, d);
  }
  vector('output_layer.norm_final.weight', 'final.norm.scale', d);
  kernel('output_layer.adaLN_modulation.weight', 'final.ada.kernel', 2 * d, cond);
  vector('output_layer.adaLN_modulation.bias', 'final.ada.bias', 2 * d);
  // The output layer has V + 1 rows; the mask's row is never used (SUBS adds -inf to its logit), so
  // we keep V and write the mask row back as zeros.
  maps.push({
    hubName: `${MDLM_PREFIX}output_layer.linear.weight`,
    hubShape: [V + 1, d],
    name: 'out.weight',
    read: (x) => x.subarray(0, V * d),
    write: (x) => {
      const out = new Float32Array((V + 1) * d);
      out.set(x);
      return out;
    },
  });
  maps.push({
    hubName: `${MDLM_PREFIX}output_layer.linear.bias`,
    hubShape: [V + 1],
    name: 'out.bias',
    read: (x) => x.slice(0, V),
    write: (x) => {
      const out = new Float32Array(V + 1);
      out.set(x);
      return out;
    },
  });
  return maps;
}

/** True for state-dict entries that carry no learned values (skipped when reading). */
export function isDerivedMdlmBuffer(hubName: string): boolean {
  return DERIVED_BUFFERS.test(hubName);
}
