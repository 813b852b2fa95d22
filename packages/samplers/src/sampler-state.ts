import type { Denoiser } from '@md4/core';
import { maskId } from '@md4/core';
import { Predictor } from './predictor';
import type { ResolvedOptions } from './sample-options';
import type { StepEvent } from './step-event';
import { ChangeLog } from './step-event';
import type { StepContext } from './step-kernel';
import { TokenDistribution } from './token-distribution';

/** A sampler that advances one step per call; holds no tensors between calls. */
export interface Sampler {
  /** Takes one step; false (and no step) when every position is already revealed. */
  step(): Promise<boolean>;
  /** The event of the step just taken. */
  event(): StepEvent;
  /** Copies of the current sequences. */
  tokens(): Int32Array[];
  /** The run's counters so far. */
  stats(): SampleStats;
}

/** Counters of a run. */
export interface SampleStats {
  /** Steps taken. */
  steps: number;
  /** Denoiser invocations (a batched call counts once). */
  networkCalls: number;
  /** Sequences passed through the denoiser (the sum of the calls' batch sizes). */
  sequencesEvaluated: number;
  /** Predictions reused from the cache. */
  cacheHits: number;
}

/** The sequences being sampled, the reveal log, the network access and the draw context shared by all samplers. */
export class SamplerState {
  readonly tokens: Int32Array[];
  readonly maskedCount: Int32Array;
  readonly initialMasked: Int32Array;
  readonly changes = new ChangeLog();
  readonly remasks = new ChangeLog();
  /** Per sequence, 1 at the prompt's fixed positions. */
  readonly fixed: Uint8Array[];
  readonly predictor: Predictor;
  readonly context: StepContext;
  stepsTaken = 0;

  constructor(
    denoiser: Denoiser,
    readonly options: ResolvedOptions,
  ) {
    const V = options.vocabSize;
    const MASK = maskId(V);
    this.tokens = options.tokens;
    this.maskedCount = Int32Array.from(this.tokens, (row) =>
      row.reduce((c, token) => c + (token === MASK ? 1 : 0), 0),
    );
    this.initialMasked = this.maskedCount.slice();
    this.fixed = this.tokens.map((row) => Uint8Array.from(row, (token) => (token === MASK ? 0 : 1)));
    this.predictor = new Predictor(denoiser, options.length, this.tokens.length, options.caching, {
      fixed: this.fixed,
      guidance: options.guidance,
      eos: options.eos,
    });
    const distribution = new TokenDistribution(
      V,
      options.temperature,
      options.topP,
      options.samplingPrecision,
    );
    this.context = {
      tokens: this.tokens,
      vocabSize: V,
      rng: options.rng,
      distribution,
      fixed: this.fixed,
      remask: (row, position) => {
        const sequence = this.tokens[row]!;
        if (sequence[position] === MASK || this.fixed[row]![position] === 1)
          throw new Error(`internal: position ${position} of sequence ${row} is not a generated token`);
        sequence[position] = MASK;
        this.maskedCount[row]!++;
        this.remasks.add(row, position);
        this.predictor.invalidate(row);
      },
      reveal: (row, position, value) => {
        const sequence = this.tokens[row]!;
        if (sequence[position] !== MASK)
          throw new Error(`internal: position ${position} of sequence ${row} is not masked`);
        sequence[position] = value;
        this.maskedCount[row]!--;
        this.changes.add(row, position);
        this.predictor.invalidate(row);
      },
    };
  }

  /** True when no sequence has a masked position. */
  allRevealed(): boolean {
    return this.maskedCount.every((c) => c === 0);
  }

  copies(): Int32Array[] {
    return this.tokens.map((row) => row.slice());
  }

  event(t: number, s: number, done: boolean): StepEvent {
    return {
      step: this.stepsTaken - 1,
      t,
      s,
      tokens: this.copies(),
      changed: this.changes.byRow(this.tokens.length),
      ...(this.options.method === 'remdm' ? { remasked: this.remasks.byRow(this.tokens.length) } : {}),
      networkCalls: this.predictor.networkCalls,
      done,
    };
  }

  stats(): SampleStats {
    return {
      steps: this.stepsTaken,
      networkCalls: this.predictor.networkCalls,
      sequencesEvaluated: this.predictor.sequencesEvaluated,
      cacheHits: this.predictor.cacheHits,
    };
  }
}
