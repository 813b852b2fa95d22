import { type Command, Option } from 'commander';
import { z } from 'zod';
import { integer, number } from './flag-parsers';
import {
  flagOf,
  TRAIN_CONFIG_KEYS,
  type TrainConfigKey,
  trainConfigSchema,
  trainFlagHelp,
} from './train-config';

/** What a config key's flag takes, read from the key's schema. */
type FlagValue =
  | { kind: 'boolean' }
  | { kind: 'integer' }
  | { kind: 'number' }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'string' };

/** The value a key's schema takes and its default (undefined when it has none). */
function flagValueOf(key: TrainConfigKey): { value: FlagValue; defaultValue: unknown } {
  let schema: z.ZodType = trainConfigSchema.shape[key];
  let defaultValue: unknown;
  for (;;) {
    if (schema instanceof z.ZodDefault) {
      defaultValue = schema.def.defaultValue;
      schema = schema.unwrap() as z.ZodType;
    } else if (schema instanceof z.ZodOptional) {
      schema = schema.unwrap() as z.ZodType;
    } else break;
  }
  if (schema instanceof z.ZodBoolean) return { value: { kind: 'boolean' }, defaultValue };
  if (schema instanceof z.ZodNumber)
    return { value: { kind: schema.isInt ? 'integer' : 'number' }, defaultValue };
  if (schema instanceof z.ZodEnum) {
    return { value: { kind: 'choice', choices: schema.options.map(String) }, defaultValue };
  }
  if (schema instanceof z.ZodString) return { value: { kind: 'string' }, defaultValue };
  throw new Error(`train-flags: no flag form for the schema of config key "${key}"; add one here`);
}

/**
 * The flags of one config key: `--key <value>` (kebab-case), with the key's registered help and
 * the schema's default in it, a parser or choices by its type; a boolean gets `--key` and `--no-key`.
 * Commander is given no defaults, so that a flag's value is there only when it was typed.
 */
export function trainFlagsOf(key: TrainConfigKey): Option[] {
  const help = trainFlagHelp.get(trainConfigSchema.shape[key]);
  if (help == null)
    throw new Error(`train-flags: config key "${key}" has no registered help (trainFlagHelp)`);
  const { value, defaultValue } = flagValueOf(key);
  const flag = flagOf(key);
  const withDefault =
    defaultValue === undefined ? help.help : `${help.help} (default ${String(defaultValue)})`;
  switch (value.kind) {
    case 'boolean': {
      const negated = new Option(`--no-${flag.slice(2)}`, help.negatedHelp ?? `the opposite of ${flag}`);
      return [new Option(flag, help.help), negated];
    }
    case 'integer':
      return [new Option(`${flag} ${help.value ?? '<n>'}`, withDefault).argParser(integer(flag))];
    case 'number':
      return [new Option(`${flag} ${help.value ?? '<x>'}`, withDefault).argParser(number(flag))];
    case 'choice':
      return [new Option(`${flag} ${help.value ?? '<name>'}`, withDefault).choices(value.choices)];
    case 'string':
      return [new Option(`${flag} ${help.value ?? '<value>'}`, withDefault)];
    default: {
      const unknown: never = value;
      throw new Error(`train-flags: unknown flag value ${JSON.stringify(unknown)}`);
    }
  }
}

/** Adds the flags of every config key to `md4 train`, in the schema's order. */
export function addTrainFlags(command: Command): Command {
  for (const key of TRAIN_CONFIG_KEYS) for (const option of trainFlagsOf(key)) command.addOption(option);
  return command;
}

/** The config values typed as flags on `command`'s command line (absent keys were not typed). */
export function typedTrainFlags(command: Command): Partial<Record<TrainConfigKey, unknown>> {
  const values = command.opts();
  const typed: Partial<Record<TrainConfigKey, unknown>> = {};
  for (const key of TRAIN_CONFIG_KEYS) {
    if (command.getOptionValueSource(key) === 'cli') typed[key] = values[key];
  }
  return typed;
}
