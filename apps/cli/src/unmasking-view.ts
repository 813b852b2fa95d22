import type { TextTokenizer } from '@md4/datasets';
import type { StepEvent } from '@md4/samplers';

const DIM = '\x1b[2m';
const BOLD_GREEN = '\x1b[1;32m';
const RESET = '\x1b[0m';

/**
 * Shows unmasking step by step in the terminal, the way the paper's figure does: masked positions
 * dim, tokens revealed in this step highlighted. On a terminal the view redraws in place; otherwise
 * each step is printed as a line.
 */
export class UnmaskingView {
  private lines = 0;
  private readonly tty: boolean;

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  render(event: StepEvent): void {
    const header = `step ${event.step + 1}  t ${event.t.toFixed(3)} -> ${event.s.toFixed(3)}  network calls ${event.networkCalls}`;
    const bodies = event.tokens.map((tokens, i) => this.sequence(tokens, new Set(event.changed[i] ?? [])));
    const text = [header, ...bodies].join('\n');
    if (this.tty) {
      if (this.lines > 0) this.out.write(`\x1b[${this.lines}F\x1b[J`);
      this.out.write(`${text}\n`);
      this.lines =
        text.split('\n').length +
        bodies.reduce((n, b) => n + Math.floor(b.length / (this.out.columns || 80)), 0);
    } else {
      this.out.write(`${text}\n`);
    }
  }

  private sequence(tokens: Int32Array, changed: Set<number>): string {
    const mask = this.tokenizer.maskId;
    let out = '';
    for (let i = 0; i < tokens.length; i++) {
      const piece = this.tokenizer.decode([tokens[i]!]);
      if (!this.tty) out += piece;
      else if (tokens[i] === mask) out += `${DIM}${piece}${RESET}`;
      else if (changed.has(i)) out += `${BOLD_GREEN}${piece}${RESET}`;
      else out += piece;
    }
    return out;
  }
}
