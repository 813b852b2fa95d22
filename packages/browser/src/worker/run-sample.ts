import { createRng, maskId } from '@md4/core';
import { type SampleOptions, sampleWithStats } from '@md4/samplers';
import type { SampleResult, SampleSettings, SampleStep } from '../protocol';
import type { ActiveModel } from './model-session';

/**
 * Encodes an infilling template: each mask placeholder ('_' for text8) is a position to generate,
 * everything else is kept. Throws the tokenizer's error (naming the character) for text it cannot encode.
 */
export function encodeTemplate(template: string, m: ActiveModel): Int32Array {
  const V = m.model.vocabSize;
  const mark = m.tokenizer.maskPlaceholder;
  const parts: number[] = [];
  for (const [i, piece] of template.split(mark).entries()) {
    if (i > 0) parts.push(V);
    if (piece.length > 0) {
      try {
        parts.push(...m.tokenizer.encode(piece));
      } catch (error) {
        throw new RangeError(`infill text: ${(error as Error).message}`);
      }
    }
  }
  return Int32Array.from(parts);
}

/**
 * Runs the sampler of @md4/samplers on the current model, reporting a step-0 event (the starting
 * tokens) and then every reverse step, with the time since the start.
 */
export async function runSample(
  m: ActiveModel,
  settings: SampleSettings,
  signal: AbortSignal,
  report: (e: SampleStep) => void,
): Promise<SampleResult> {
  const V = m.model.vocabSize;
  const prompt = settings.template != null ? encodeTemplate(settings.template, m) : null;
  const length = prompt ? prompt.length : settings.length;
  const maxLength = m.model.config.seqLen;
  if (!Number.isInteger(length) || length < 1 || length > maxLength) {
    throw new RangeError(
      `length ${length} is outside 1..${maxLength}: this model was built for sequences of up to ${maxLength} tokens`,
    );
  }
  const MASK = maskId(V);
  const start = prompt ?? new Int32Array(length).fill(MASK);
  const masked = start.reduce((n, t) => n + (t === MASK ? 1 : 0), 0);
  if (masked === 0)
    throw new RangeError(
      `nothing to generate: mark at least one position with "${m.tokenizer.maskPlaceholder}"`,
    );
  const revealedAt = Int32Array.from(start, (t) => (t === MASK ? -1 : 0));
  const total = settings.method === 'first-hitting' ? masked : settings.steps;
  const t0 = performance.now();
  let step = 0;
  report({
    step: 0,
    totalSteps: total,
    t: 1,
    s: 1,
    tokens: start,
    changed: new Int32Array(0),
    remasked: new Int32Array(0),
    networkCalls: 0,
    elapsedMs: 0,
  });
  const result = await sampleWithStats(m.model, {
    length,
    steps: settings.method === 'first-hitting' ? undefined : settings.steps,
    schedule: m.schedule,
    grid: settings.grid,
    method: settings.method,
    topP: settings.topP,
    temperature: settings.temperature,
    ...methodOptions(settings),
    ...(prompt && settings.guidance ? { guidance: settings.guidance } : {}),
    prompt: prompt ? [prompt] : undefined,
    rng: createRng(settings.seed),
    signal,
    onStep: (e) => {
      step = e.step + 1;
      const changed = e.changed[0]!;
      const remasked = e.remasked?.[0] ?? new Int32Array(0);
      for (const pos of changed) revealedAt[pos] = step;
      for (const pos of remasked) revealedAt[pos] = -1;
      report({
        step,
        totalSteps: total,
        t: e.t,
        s: e.s,
        tokens: e.tokens[0]!,
        changed,
        remasked,
        networkCalls: e.networkCalls,
        elapsedMs: performance.now() - t0,
      });
    },
  });
  const tokens = result.tokens[0]!;
  for (let i = 0; i < tokens.length; i++) if (revealedAt[i] === -1) revealedAt[i] = Math.max(1, step);
  return {
    tokens,
    text: m.tokenizer.decode(tokens),
    revealedAt,
    steps: step,
    networkCalls: result.networkCalls,
    elapsedMs: performance.now() - t0,
  };
}

/** The method-specific sampler options of the visitor's settings (the rest are ignored). */
function methodOptions(settings: SampleSettings): Partial<SampleOptions> {
  switch (settings.method) {
    case 'confidence':
      return {
        transfer: settings.transfer,
        rank: settings.rank,
        ...(settings.transfer === 'threshold' ? { threshold: settings.threshold } : {}),
      };
    case 'remdm': {
      const strategy = settings.remask ?? 'cap';
      return { remask: strategy === 'conf' ? { strategy } : { strategy, eta: settings.eta } };
    }
    case 'ancestral':
    case 'mean':
    case 'first-hitting':
      return {};
    default: {
      const unknown: never = settings.method;
      throw new RangeError(`unknown sampling method "${unknown}"`);
    }
  }
}
