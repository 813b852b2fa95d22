import type { SerializedCheckpoint } from '@md4/models';
import { saveCheckpoint } from '@md4/models/node';

/**
 * A run's checkpoints, each written only once it is known to be good: a due checkpoint is staged
 * (serialised at once) and saved once the next step's loss, which evaluates exactly those
 * weights, is healthy; a diverging step discards it. So a run that diverges never overwrites its
 * last good checkpoint. `lastSaved` is the step of the checkpoint in `dir`, or null.
 */
export class StagedCheckpoint {
  private staged: { step: number; serialized: SerializedCheckpoint } | null = null;

  constructor(
    readonly dir: string,
    private readonly serialize: () => Promise<SerializedCheckpoint>,
    public lastSaved: number | null,
  ) {}

  /** Serialises the state after `step`, to be saved by the next `commit`. */
  async stage(step: number): Promise<void> {
    this.staged = { step, serialized: await this.serialize() };
  }

  /** Drops the staged checkpoint: the step after it was not healthy. */
  discard(): void {
    this.staged = null;
  }

  /** Saves the staged checkpoint, if any (atomically: see saveCheckpoint). */
  async commit(): Promise<void> {
    if (this.staged == null) return;
    await saveCheckpoint(this.dir, this.staged.serialized);
    this.lastSaved = this.staged.step;
    this.staged = null;
  }
}
