/** Thrown by `Trainer.step` when the loss or the gradient norm is NaN or infinite. Nothing was updated. */
export class NonFiniteLossError extends Error {
  readonly step: number;
  readonly loss: number;
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
