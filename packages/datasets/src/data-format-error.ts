/**
 * Thrown when a data file (or in-memory input) cannot be used. The message names the file, the
 * problem and, where there is one, the fix; `file` and `problem` are also kept as fields.
 */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, fix?: string) {
    super(`${file}: ${problem}${fix ? `; ${fix}` : ''}`);
    this.file = file;
    this.problem = problem;
  }
}
