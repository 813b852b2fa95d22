/**
 * What a sampler reports after each step: plain data only (no tensors), safe to keep.
 * `tokens` are copies; `changed[b]` lists the positions of sequence b revealed in this step.
 */
export interface StepEvent {
  /** 0-based index of the step just taken. */
  step: number;
  /** The time the step started from (for first-hitting: the largest over the sequences). */
  t: number;
  /** The time the step reached (for first-hitting: the largest over the sequences). */
  s: number;
  /** Every sequence's tokens after the step (copies; MASK = V where still masked). */
  tokens: Int32Array[];
  /** Per sequence, the positions revealed in this step (ascending). */
  changed: Int32Array[];
  /** remdm only: per sequence, the positions masked again in this step (ascending). */
  remasked?: Int32Array[] | undefined;
  /** Denoiser calls made so far in this run (a batched call counts once). */
  networkCalls: number;
  /** True on the last step: every position is unmasked. */
  done: boolean;
  /** first-hitting only: each sequence's time after the step (the time its network call used). */
  times?: Float64Array | undefined;
}

/** Records (row, position) reveals of one step and turns them into per-row arrays. */
export class ChangeLog {
  private pairs = new Int32Array(64);
  private size = 0;

  clear(): void {
    this.size = 0;
  }

  add(row: number, position: number): void {
    if (this.size + 2 > this.pairs.length) {
      const grown = new Int32Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[this.size++] = row;
    this.pairs[this.size++] = position;
  }

  /** Per-row ascending positions, for `rows` rows. */
  byRow(rows: number): Int32Array[] {
    const counts = new Int32Array(rows);
    for (let i = 0; i < this.size; i += 2) counts[this.pairs[i]!]!++;
    const out = Array.from(counts, (c) => new Int32Array(c));
    const fill = new Int32Array(rows);
    for (let i = 0; i < this.size; i += 2) {
      const row = this.pairs[i]!;
      out[row]![fill[row]!++] = this.pairs[i + 1]!;
    }
    for (const positions of out) positions.sort();
    return out;
  }
}
