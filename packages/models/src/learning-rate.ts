/** The learning-rate schedule of `AdamW`: linear warmup, then cosine decay (serialisable). */
export interface LearningRateConfig {
  /** Peak learning rate (default 3e-4). */
  lr?: number | undefined;
  /** Linear warmup steps (default 0). */
  warmupSteps?: number | undefined;
  /** Step at which the cosine decay reaches its floor; null (default) keeps the peak after warmup. */
  totalSteps?: number | null | undefined;
  /** Floor as a fraction of the peak (default 0). */
  minLrRatio?: number | undefined;
}

/**
 * lr(step) for step = 0, 1, ... (the step about to be taken), as in torch_md4.py:
 *   warm = min(1, (step + 1) / warmupSteps)
 *   progress = clamp((step - warmupSteps) / (totalSteps - warmupSteps), 0, 1)
 *   lr = peak * warm * (m + (1 - m) * (1 + cos(pi * progress)) / 2),   m = minLrRatio.
 */
export function learningRateAt(config: LearningRateConfig, step: number): number {
  const peak = config.lr ?? 3e-4;
  const warmup = config.warmupSteps ?? 0;
  const warm = warmup > 0 ? Math.min(1, (step + 1) / warmup) : 1;
  const total = config.totalSteps ?? null;
  const m = config.minLrRatio ?? 0;
  if (total == null) return peak * warm;
  const progress = Math.min(1, Math.max(0, (step - warmup) / Math.max(1, total - warmup)));
  return peak * warm * (m + ((1 - m) * (1 + Math.cos(Math.PI * progress))) / 2);
}
