/**
 * Ctrl-C and SIGTERM while a command runs: the first sets `interrupted` (the training loop then
 * stops after its step and writes a checkpoint) and calls `onFirst`; a second exits at once.
 * `exitCode` follows the shell's convention, 128 + the signal's number (SIGINT 130, SIGTERM 143).
 * `dispose()` removes the handlers.
 */
export class InterruptSignals {
  interrupted = false;
  exitCode = 130;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.exitCode = signal === 'SIGTERM' ? 143 : 130;
    if (this.interrupted) process.exit(this.exitCode);
    this.interrupted = true;
    this.onFirst();
  };

  constructor(private readonly onFirst: () => void) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
