/**
 * Thrown when a data file (or in-memory input) cannot be used. The message names the file, the
 * problem and, where there is one, the fix; `file` and `problem` are also kept as fields.
 */
export class DataFormatError extends Error {
  /** Always 'DataFormatError'. */
  override readonly name = 'DataFormatError';
  /** The file (or a name for in-memory input, e.g. 'text8 input') that cannot be used. */
  readonly file: string;
  /** What is wrong with it, without the file name or the fix. */
  readonly problem: string;

  constructor(file: string, problem: string, fix?: string) {
    super(`${file}: ${problem}${fix ? `; ${fix}` : ''}`);
    this.file = file;
    this.problem = problem;
  }
}
