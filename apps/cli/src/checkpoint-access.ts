import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CheckpointConfig,
  modelFromCheckpoint,
  scheduleFromCheckpoint,
  type Transformer,
} from '@md4/models';
import { loadCheckpointDir } from '@md4/models/node';
import type { MaskingSchedule, StateDependentSchedule } from '@md4/schedules';
import { InputError } from './cli-errors';

/** A checkpoint opened for evaluation or sampling: its EMA model (when kept) and schedule. */
export interface OpenedCheckpoint {
  config: CheckpointConfig;
  model: Transformer;
  schedule: MaskingSchedule | StateDependentSchedule;
  dispose(): void;
}

/** Resolves a run folder (holding checkpoint/) or a checkpoint folder. */
export function checkpointFolder(path: string): string {
  if (!existsSync(path)) throw new InputError(`no checkpoint at ${path}: the path does not exist`);
  if (!statSync(path).isDirectory()) {
    throw new InputError(`${path} is a file; give the checkpoint folder (the one holding config.json)`);
  }
  if (existsSync(join(path, 'config.json'))) return path;
  if (existsSync(join(path, 'checkpoint', 'config.json'))) return join(path, 'checkpoint');
  throw new InputError(`no checkpoint at ${path}: it holds no config.json (nor checkpoint/config.json)`);
}

/** Loads and validates a checkpoint, then builds its evaluation model and schedule. */
export async function openCheckpoint(path: string): Promise<OpenedCheckpoint> {
  let checkpoint: Awaited<ReturnType<typeof loadCheckpointDir>>;
  try {
    checkpoint = await loadCheckpointDir(checkpointFolder(path));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError((error as Error).message);
  }
  const model = modelFromCheckpoint(checkpoint);
  const schedule = scheduleFromCheckpoint(checkpoint);
  return {
    config: checkpoint.config,
    model,
    schedule,
    dispose() {
      model.dispose();
      if ('dispose' in schedule) schedule.dispose();
    },
  };
}
