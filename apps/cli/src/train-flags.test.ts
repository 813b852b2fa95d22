import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { flagOf, resolveTrainConfig, TRAIN_CONFIG_KEYS, trainConfigSchema } from './train-config';
import { addTrainFlags, trainFlagsOf, typedTrainFlags } from './train-flags';

/** `md4 train` as commander parses it, without running anything. */
function parseTrainFlags(args: string[]): Record<string, unknown> {
  const command = addTrainFlags(new Command('train').exitOverride().configureOutput({ writeErr: () => {} }));
  command.parse(args, { from: 'user' });
  return typedTrainFlags(command);
}

describe('md4 train flags, derived from the config schema', () => {
  it('every config key has its kebab-case flag, and booleans their --no- form', () => {
    for (const key of TRAIN_CONFIG_KEYS) {
      const names = trainFlagsOf(key).map((option) => option.long);
      const isBoolean = trainConfigSchema.shape[key].safeParse(true).success;
      expect(names).toEqual(isBoolean ? [flagOf(key), `--no-${flagOf(key).slice(2)}`] : [flagOf(key)]);
    }
  });

  it('each kind of value parses to what the schema takes; untyped keys stay absent', () => {
    const typed = parseTrainFlags([
      '--arch',
      'ddit',
      '--seq-length',
      '64',
      '--lr',
      '1e-3',
      '--schedule',
      'cosine',
      '--no-time-conditioned',
      '--checkpoint-activations',
      '--tokenizer',
      'gpt2',
    ]);
    expect(typed).toEqual({
      arch: 'ddit',
      seqLength: 64,
      lr: 1e-3,
      schedule: 'cosine',
      timeConditioned: false,
      checkpointActivations: true,
      tokenizer: 'gpt2',
    });
    const config = resolveTrainConfig({ steps: 7, lr: 5 }, typed);
    expect(config).toMatchObject({ ...typed, steps: 7, batch: 32 });
    expect(parseTrainFlags([])).toEqual({});
  });

  it('refuses a value of the wrong type or outside the choices, naming the flag', () => {
    const refusal = (args: string[]) => {
      try {
        parseTrainFlags(args);
      } catch (error) {
        if (error instanceof CommanderError) return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(refusal(['--batch', '1.5'])).toMatch(/--batch must be an integer, got "1.5"/);
    expect(refusal(['--lr', 'fast'])).toMatch(/--lr must be a number, got "fast"/);
    expect(refusal(['--precision', 'fp16'])).toMatch(/Allowed choices are auto, fp32, bf16/);
    expect(refusal(['--tokenizer', 'bpe'])).toMatch(/Allowed choices are text8, gpt2/);
  });

  it('the help shows each default from the schema', () => {
    const help = addTrainFlags(new Command('train')).helpInformation();
    expect(help).toMatch(/--steps <n>\s+training steps \(default 1000\)/);
    expect(help).toMatch(/--ema <x>\s+EMA decay[^(]*\(default 0\.999\)/);
    expect(help).toMatch(/--no-checkpoint-activations/);
  });
});
