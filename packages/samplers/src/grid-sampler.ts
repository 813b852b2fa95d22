import type { Denoiser } from '@md4/core';
import { throwIfAborted } from './abort';
import { ancestralKernel } from './ancestral-step';
import { confidenceKernel } from './confidence-step';
import { genmd4Kernel } from './genmd4-step';
import { meanKernel } from './mean-step';
import type { PredictionRequest } from './predictor';
import { maskedPositions, NO_LOGITS } from './predictor';
import { remdmKernel } from './remdm-step';
import type { ResolvedOptions } from './sample-options';
import type { Sampler } from './sampler-state';
import { SamplerState } from './sampler-state';
import type { StepEvent } from './step-event';
import type { RowPlan, StepKernel } from './step-kernel';

function kernelFor(state: SamplerState, options: ResolvedOptions): StepKernel<RowPlan> {
  const { context } = state;
  if (options.exponents) return genmd4Kernel(context, options.exponents);
  const alpha = options.alpha!;
  switch (options.method) {
    case 'ancestral':
      return ancestralKernel(context, alpha);
    case 'mean':
      return meanKernel(context, alpha);
    case 'confidence':
      return confidenceKernel(context, alpha, state.initialMasked, options.grid.length - 1, options.transfer);
    case 'remdm':
      return remdmKernel(context, alpha, options.remask!);
    case 'first-hitting':
      throw new Error('internal: first-hitting has no grid kernel');
    default: {
      const unknown: never = options.method;
      throw new Error(`internal: no grid kernel for method "${unknown}"`);
    }
  }
}

/**
 * Runs a step kernel down a time grid 1 = t_0 > t_1 > ... > t_T = 0. Each step: plan every
 * sequence with masks (every sequence, for a kernel that remasks), one batched network call at t
 * (or a plan's own time) for the sequences that need a prediction (all with masks when `lazy` is
 * off), apply. Stops early once every position is revealed, unless the kernel remasks.
 */
export class GridSampler implements Sampler {
  private readonly state: SamplerState;
  private readonly kernel: StepKernel<RowPlan>;
  private index = 0;
  private finished: boolean;
  private t = 1;
  private s = 1;

  constructor(
    denoiser: Denoiser,
    private readonly options: ResolvedOptions,
  ) {
    this.state = new SamplerState(denoiser, options);
    this.kernel = kernelFor(this.state, options);
    this.finished = this.state.allRevealed();
  }

  async step(): Promise<boolean> {
    if (this.finished) return false;
    const { options, state, kernel } = this;
    throwIfAborted(options.signal);
    const { grid, vocabSize: V } = options;
    const steps = grid.length - 1;
    const t = grid[this.index]!;
    const s = grid[this.index + 1]!;
    const last = this.index + 1 === steps;
    kernel.begin(t, s, last);
    const plans: RowPlan[] = [];
    const requests: PredictionRequest[] = [];
    const requestOf: number[] = []; // per plan, its request's index or -1
    for (let row = 0; row < state.tokens.length; row++) {
      if (state.maskedCount[row] === 0 && !kernel.remasks) continue;
      const masked = maskedPositions(state.tokens[row]!, V);
      const plan = kernel.plan(row, masked);
      const positions = options.lazy ? (plan?.positions ?? []) : masked;
      if (plan) {
        requestOf.push(positions.length > 0 ? requests.length : -1);
        plans.push(plan);
      }
      if (positions.length > 0) requests.push({ row, t: plan?.time ?? t, positions });
    }
    const logits = await state.predictor.predict(state.tokens, requests);
    throwIfAborted(options.signal);
    state.changes.clear();
    state.remasks.clear();
    for (let i = 0; i < plans.length; i++) {
      const request = requestOf[i]!;
      kernel.apply(plans[i]!, request >= 0 ? logits[request]! : NO_LOGITS);
    }
    this.index++;
    state.stepsTaken++;
    this.t = t;
    this.s = s;
    this.finished = last || (!kernel.remasks && state.allRevealed());
    if (last && !state.allRevealed()) throw new Error('internal: masked tokens remain after the last step');
    return true;
  }

  event(): StepEvent {
    return this.state.event(this.t, this.s, this.finished);
  }

  tokens(): Int32Array[] {
    return this.state.copies();
  }

  stats() {
    return this.state.stats();
  }
}
