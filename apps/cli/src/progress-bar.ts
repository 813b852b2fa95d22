import cliProgress from 'cli-progress';

/**
 * A live training bar: step, loss in bits/token, tokens/s, ETA. On a terminal it redraws in place
 * with messages printed above it; otherwise it prints a plain progress line every 10 s.
 */
export class TrainingProgress {
  private readonly bars: cliProgress.MultiBar | null;
  private readonly bar: cliProgress.SingleBar | null;
  private lastLine = 0;

  constructor(
    private total: number,
    start: number,
    private readonly quiet: boolean,
  ) {
    this.bars =
      process.stderr.isTTY && !quiet
        ? new cliProgress.MultiBar(
            {
              format:
                'train {bar} {value}/{total} | loss {loss} bits/tok | {speed} tok/s | ETA {eta_formatted}',
              stream: process.stderr,
              hideCursor: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar = this.bars?.create(total, start, { loss: '-', speed: '-' }) ?? null;
  }

  /** A new number of steps to the end (the run was re-planned). */
  setTotal(total: number): void {
    this.total = total;
    this.bar?.setTotal(total);
  }

  update(step: number, loss: number, tokensPerSecond: number): void {
    if (this.bar) {
      this.bar.update(step, { loss: loss.toFixed(3), speed: Math.round(tokensPerSecond) });
    } else if (!this.quiet && (Date.now() - this.lastLine > 10_000 || step === this.total)) {
      this.lastLine = Date.now();
      process.stderr.write(
        `step ${step}/${this.total}  loss ${loss.toFixed(3)} bits/tok  ${Math.round(tokensPerSecond)} tok/s\n`,
      );
    }
  }

  /** Prints a message (above the bar on a terminal). */
  log(line: string): void {
    if (this.quiet) return;
    if (this.bars) this.bars.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  }

  stop(): void {
    this.bars?.stop();
  }
}
