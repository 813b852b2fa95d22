import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DDiT } from '@md4/models';
import { exportMdlm } from '@md4/models/node';
import { setupBackend } from '../backend-setup';
import { openCheckpoint } from '../checkpoint-access';
import { InputError, UsageError } from '../cli-errors';

/** The formats `md4 export` writes. */
export const EXPORT_FORMATS = ['mdlm'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `md4 export --format mdlm <checkpoint> <dir>`: writes a DDiT checkpoint's evaluation weights (EMA
 * when kept) as an MDLM hub folder (config.json + model.safetensors) that MDLM's own code loads.
 */
export async function exportCommand(
  checkpointPath: string,
  dir: string,
  opts: { format: ExportFormat; force: boolean; json: boolean },
): Promise<void> {
  if (!EXPORT_FORMATS.includes(opts.format)) {
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  if (existsSync(join(dir, 'config.json')) && !opts.force) {
    throw new UsageError(
      `${dir} already holds a config.json; choose another folder or pass --force to replace it`,
    );
  }
  await setupBackend('wasm');
  const opened = await openCheckpoint(checkpointPath);
  try {
    const model = opened.denoiser;
    if (!(model instanceof DDiT)) {
      throw new InputError(
        `${checkpointPath} holds an md4 transformer; only DDiT models (md4 train --arch ddit, or MDLM folders) ` +
          'can be written in the MDLM layout',
      );
    }
    const paths = await exportMdlm(dir, model, { tokenizer: opened.tokenizer }).catch((error: Error) => {
      throw new InputError(`cannot write ${dir}: ${error.message}`);
    });
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ format: opts.format, ...paths })}\n`
        : `wrote ${paths.config} and ${paths.weights}\n`,
    );
  } finally {
    opened.dispose();
  }
}
