import { countParameters } from '@md4/models';
import { loadCheckpointDir } from '@md4/models/node';
import { checkpointFolder } from '../checkpoint-access';
import { InputError } from '../cli-errors';

/** `md4 info <checkpoint>`: architecture, parameters, schedule, tokenizer, step and data seen. */
export async function infoCommand(path: string, opts: { json: boolean }): Promise<void> {
  const folder = checkpointFolder(path);
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
    model: config.model,
    parameters: countParameters(config.model),
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
  const m = config.model;
  const lines = [
    `checkpoint   ${folder}`,
    `model        ${m.layers} layers x ${m.dModel}, ${m.heads} heads, seq ${m.seqLen}, V ${m.vocabSize}, ` +
      `time conditioning ${m.timeConditioned ? 'on' : 'off'}`,
    `parameters   ${info.parameters.toLocaleString()}`,
    `schedule     ${JSON.stringify(config.schedule)}`,
    `tokenizer    ${config.tokenizer}`,
    `step         ${info.step ?? 'n/a (inference-only checkpoint)'}`,
    `data seen    ${info.tokensSeen != null ? `${info.tokensSeen.toLocaleString()} tokens` : 'n/a'}`,
    `weights      ${config.weights.file} (${config.weights.bytes.toLocaleString()} bytes, crc32 ${config.weights.crc32})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
