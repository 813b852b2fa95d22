/**
 * Thrown by `Trainer.step` when the loss or the gradient norm is NaN or infinite. No weight,
 * optimizer moment or EMA was updated; the trainer's generator has advanced past the step's draws.
 */
export class NonFiniteLossError extends Error {
  /** The step that failed (1-based: `completedSteps + 1`). */
  readonly step: number;
  /** The loss value computed (bits/token; NaN or infinite when the loss is the cause). */
  readonly loss: number;
  /** The global L2 norm of the gradients (NaN or infinite when a gradient is the cause). */
  readonly gradNorm: number;

  constructor(step: number, loss: number, gradNorm: number) {
    super(
      `training step ${step}: ${Number.isFinite(loss) ? `the gradient norm is ${gradNorm}` : `the loss is ${loss}`} ` +
        '(not finite); the update was skipped, so weights, optimizer state and EMA are unchanged and no ' +
        'checkpoint should be written from this point. Lower the learning rate, set clipNorm, or check the ' +
        'data and the weights for NaN/Inf.',
    );
    this.name = 'NonFiniteLossError';
    this.step = step;
    this.loss = loss;
    this.gradNorm = gradNorm;
  }
}
