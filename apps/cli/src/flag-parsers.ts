import { type MaskingSchedule, parseSchedule } from '@md4/schedules';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './cli-errors';

/** A commander argument parser: an integer, or an error naming the flag and the value given. */
export function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    return n;
  };
}

/** A commander argument parser: an integer >= 1. */
export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    }
    return n;
  };
}

/** A commander argument parser: a finite number. */
export function number(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${value}"`);
    return n;
  };
}

/** A masking schedule named by `flag` (linear, cosine, polyK, geometric), or a UsageError naming the flag. */
export function scheduleFlag(flag: string, spec: string): MaskingSchedule {
  try {
    return parseSchedule(spec);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}
