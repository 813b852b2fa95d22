import type { Denoiser } from '@md4/core';
import { throwIfAborted } from './abort';
import { nextHittingTime } from './hitting-time';
import type { PredictionRequest } from './predictor';
import { logitsOffset, maskedPositions } from './predictor';
import type { ResolvedOptions } from './sample-options';
import type { Sampler } from './sampler-state';
import { SamplerState } from './sampler-state';
import type { StepEvent } from './step-event';

/**
 * The exact first-hitting sampler (Zheng et al. 2024, arXiv 2409.02908) for a scalar schedule.
 * Each sequence keeps its own time t (starting at 1). A step draws, for every sequence with n
 * masked tokens, the time s < t at which the reverse process next unmasks a token
 * (`nextHittingTime`: the largest of the n tokens' unmask times), picks which masked position it is
 * (uniformly: the tokens are exchangeable), calls the network once for all such sequences, each at
 * its own s, and sets that position to v ~ mu. One token per sequence per call, so a sequence of L
 * tokens takes at most L network calls whatever the schedule; `steps` is not used. With an exact
 * denoiser this samples the joint exactly (an any-order autoregressive draw in a uniform order).
 * Tokens that the eps atom of a squeezed schedule leaves masked at t = 0 are revealed the same way, at t = 0.
 */
export class FirstHittingSampler implements Sampler {
  private readonly state: SamplerState;
  private readonly alpha: (t: number) => number;
  private readonly times: Float64Array;
  private finished: boolean;
  private t = 1;
  private s = 1;

  constructor(
    denoiser: Denoiser,
    private readonly options: ResolvedOptions,
  ) {
    if (!options.alpha) throw new RangeError('first-hitting needs a scalar schedule alpha(t)');
    this.alpha = options.alpha;
    this.state = new SamplerState(denoiser, options);
    this.times = new Float64Array(this.state.tokens.length).fill(1);
    this.finished = this.state.allRevealed();
  }

  async step(): Promise<boolean> {
    if (this.finished) return false;
    const { options, state, times } = this;
    throwIfAborted(options.signal);
    const { rng } = options;
    const requests: PredictionRequest[] = [];
    const next = times.slice();
    let tMax = 0;
    let sMax = 0;
    for (let row = 0; row < state.tokens.length; row++) {
      const n = state.maskedCount[row]!;
      if (n === 0) continue;
      const masked = maskedPositions(state.tokens[row]!, options.vocabSize);
      const t = times[row]!;
      const s = t > 0 ? nextHittingTime(this.alpha, t, n, rng.uniform()) : 0;
      const position = masked[Math.min(n - 1, Math.floor(rng.uniform() * n))]!;
      next[row] = s;
      tMax = Math.max(tMax, t);
      sMax = Math.max(sMax, s);
      requests.push({ row, t: s, positions: [position] });
    }
    const logits = await state.predictor.predict(state.tokens, requests);
    throwIfAborted(options.signal);
    state.changes.clear();
    const V = options.vocabSize;
    for (let i = 0; i < requests.length; i++) {
      const { row, positions } = requests[i]!;
      const n = positions[0]!;
      const rowLogits = logits[i]!;
      const mu = state.context.distribution.at(rowLogits.data, logitsOffset(rowLogits, n, V));
      state.context.reveal(row, n, state.context.distribution.draw(mu, rng));
    }
    times.set(next);
    state.stepsTaken++;
    this.t = tMax;
    this.s = sMax;
    this.finished = state.allRevealed();
    return true;
  }

  event(): StepEvent {
    return { ...this.state.event(this.t, this.s, this.finished), times: this.times.slice() };
  }

  tokens(): Int32Array[] {
    return this.state.copies();
  }

  stats() {
    return this.state.stats();
  }
}
