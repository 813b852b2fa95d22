/** Exit codes: 0 success, 1 internal failure, 2 bad usage (flags, config), 3 bad input (files, data). */
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;

/** A mistake in how the command was called: an unknown flag, a bad value, an invalid config key. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  override name = 'UsageError';
}

/** A problem with a file or data the user gave: missing, corrupted, mismatched vocabulary. */
export class InputError extends Error {
  readonly exitCode = EXIT_INPUT;
  override name = 'InputError';
}

/** The exit code for any error: usage and input errors keep theirs, everything else is internal. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof InputError) return error.exitCode;
  const code = (error as { code?: string } | null)?.code;
  if (code === 'commander.unknownOption' || code === 'commander.invalidArgument') return EXIT_USAGE;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EROFS' || code === 'EISDIR' || code === 'ENOTDIR') {
    return EXIT_INPUT;
  }
  return EXIT_INTERNAL;
}
