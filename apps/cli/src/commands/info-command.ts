import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  countNetworkParameters,
  dditConfigFromMdlm,
  isMdlmConfig,
  MDLM_WEIGHTS_FILE,
  type MdlmHubConfig,
  type NetworkConfig,
  parseSafetensorsHeader,
  safetensorsHeaderLength,
  tokenizerOfMdlm,
} from '@md4/models';
import { loadCheckpointDir } from '@md4/models/node';
import { checkpointFolder } from '../checkpoint-access';
import { InputError } from '../cli-errors';

/** One line describing an architecture. */
function describeModel(m: NetworkConfig): string {
  const common = `${m.layers} layers x ${m.dModel}, ${m.heads} heads, seq ${m.seqLen}, V ${m.vocabSize}, time conditioning ${m.timeConditioned ? 'on' : 'off'}`;
  switch (m.arch) {
    case 'md4':
      return `md4 transformer, ${common}`;
    case 'ddit':
      return `DDiT (MDLM), ${common}, cond ${m.condDim}`;
  }
}

/** `md4 info` for an MDLM hub folder: config.json and the safetensors header only (no weights read). */
async function mdlmInfo(folder: string, json: unknown) {
  const model = dditConfigFromMdlm(json);
  const path = join(folder, MDLM_WEIGHTS_FILE);
  const handle = await open(path).catch((error: Error) => {
    throw new InputError(`${folder}: cannot read ${MDLM_WEIGHTS_FILE} (${error.message})`);
  });
  try {
    const { size } = await handle.stat();
    const first = new Uint8Array(8);
    await handle.read(first, 0, 8, 0);
    const length = safetensorsHeaderLength(first);
    const prefix = new Uint8Array(Math.min(size, length));
    await handle.read(prefix, 0, prefix.length, 0);
    const header = parseSafetensorsHeader(prefix, size);
    const dtypes = [...new Set(header.entries.map((e) => e.dtype))].join(', ');
    return {
      checkpoint: folder,
      format: 'mdlm',
      model,
      parameters: countNetworkParameters(model),
      schedule: { name: 'linear' },
      tokenizer: tokenizerOfMdlm(json as MdlmHubConfig),
      step: null,
      weights: { file: MDLM_WEIGHTS_FILE, bytes: size, dtypes, tensors: header.entries.length },
    };
  } finally {
    await handle.close();
  }
}

/** `md4 info <checkpoint>`: architecture, parameters, schedule, tokenizer, step and data seen. */
export async function infoCommand(path: string, opts: { json: boolean }): Promise<void> {
  const folder = checkpointFolder(path);
  const configPath = join(folder, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (error) {
    throw new InputError(
      `${configPath} cannot be read as JSON (${(error as Error).message}); the checkpoint is damaged: restore it from a copy`,
    );
  }
  if (isMdlmConfig(json)) {
    const info = await mdlmInfo(folder, json).catch((error: Error) => {
      throw error instanceof InputError ? error : new InputError(error.message);
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(info)}\n`);
      return;
    }
    const lines = [
      `checkpoint   ${folder} (MDLM hub layout)`,
      `model        ${describeModel(info.model)}`,
      `parameters   ${info.parameters.toLocaleString()}`,
      'schedule     linear (MDLM log-linear noise)',
      `tokenizer    ${info.tokenizer ?? 'unknown'}`,
      `weights      ${info.weights.file} (${info.weights.bytes.toLocaleString()} bytes, ${info.weights.tensors} tensors, ${info.weights.dtypes})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const checkpoint = await loadCheckpointDir(folder).catch((error: Error) => {
    throw new InputError(error.message);
  });
  const { config } = checkpoint;
  const training = config.training;
  const cursor = training?.dataCursor as { step?: number; batchSize?: number } | null | undefined;
  const sequencesSeen =
    cursor?.step != null && cursor.batchSize != null ? cursor.step * cursor.batchSize : null;
  const info = {
    checkpoint: folder,
    format: 'md4-checkpoint',
    model: config.model,
    parameters: countNetworkParameters(config.model),
    schedule: config.schedule,
    tokenizer: config.tokenizer,
    step: training?.step ?? null,
    loss: training?.loss ?? null,
    sequencesSeen,
    tokensSeen: sequencesSeen != null ? sequencesSeen * config.model.seqLen : null,
    weights: config.weights,
    metadata: config.metadata,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(info)}\n`);
    return;
  }
  const lines = [
    `checkpoint   ${folder}`,
    `model        ${describeModel(config.model)}`,
    `parameters   ${info.parameters.toLocaleString()}`,
    `schedule     ${JSON.stringify(config.schedule)}`,
    `tokenizer    ${config.tokenizer}`,
    `step         ${info.step ?? 'n/a (inference-only checkpoint)'}`,
    `data seen    ${info.tokensSeen != null ? `${info.tokensSeen.toLocaleString()} tokens` : 'n/a'}`,
    `weights      ${config.weights.file} (${config.weights.bytes.toLocaleString()} bytes, crc32 ${config.weights.crc32})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
