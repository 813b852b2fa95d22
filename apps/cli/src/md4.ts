import { readFileSync } from 'node:fs';
import { MATMUL_PRECISIONS } from '@md4/backend-native';
import { SAMPLING_PRECISIONS } from '@md4/core';
import { DEFAULT_MASK_CHAR, DEFAULT_STEPS } from '@md4/generate';
import { REMASK_STRATEGIES, SAMPLE_METHODS, TRANSFER_COUNTS, TRANSFER_RANKS } from '@md4/samplers';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BACKEND_HELP } from './backend-names';
import { EXIT_USAGE, exitCodeOf } from './cli-errors';
import { type EvalOptions, evalCommand } from './commands/eval-command';
import { EXPORT_FORMATS, type ExportFormat, exportCommand } from './commands/export-command';
import { infoCommand } from './commands/info-command';
import { plotMetricsCommand, plotSchedulesCommand } from './commands/plot-command';
import { type ReproduceOptions, reproduceCommand } from './commands/reproduce-command';
import { type SampleCommandOptions, sampleCommand } from './commands/sample-command';
import { trainCommand } from './commands/train-command';
import { integer, number, positiveInteger } from './flag-parsers';
import { REPRODUCTION_SCALES } from './reproduce/reproduction-plan';
import { readConfigFile, resolveTrainConfig, resumedTrainConfig } from './train-config';
import { addTrainFlags, typedTrainFlags } from './train-flags';

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** `--precision` of `md4 eval` and `md4 sample`: of the native backend's matrix products, default fp32. */
function precisionOption(): Option {
  return new Option(
    '--precision <p>',
    'matrix products: fp32; bf16 (bfloat16 inputs through oneDNN on the native backend); auto (bf16 where the CPU has bf16 instructions, else fp32)',
  )
    .choices(MATMUL_PRECISIONS)
    .default('fp32');
}

/**
 * The sampler settings `md4 sample` and `md4 eval --gen-ppl` share (one list): reverse steps under
 * `stepsFlag`, method, time grid, top-p, temperature and the precision of the draws.
 */
function samplerOptions(stepsFlag: '--steps' | '--sample-steps'): Option[] {
  return [
    new Option(`${stepsFlag} <n>`, 'reverse steps T')
      .argParser(positiveInteger(stepsFlag))
      .default(DEFAULT_STEPS),
    new Option('--method <name>', 'sampler').choices(SAMPLE_METHODS).default('ancestral'),
    new Option('--grid <kind>', 'time grid').choices(['uniform', 'cosine']).default('cosine'),
    new Option('--top-p <p>', 'nucleus truncation in (0, 1]').argParser(number('--top-p')).default(1),
    new Option('--temperature <x>', 'softmax temperature (0: greedy)')
      .argParser(number('--temperature'))
      .default(1),
    new Option(
      '--sampling-precision <p>',
      'token draws: float64 (exact); float32 Gumbel-max as float32 PyTorch samplers draw, only to measure what float64 protects against',
    )
      .choices(SAMPLING_PRECISIONS)
      .default('float64'),
  ];
}

/** Adds options in order. */
function withOptions(command: Command, options: Option[]): Command {
  for (const option of options) command.addOption(option);
  return command;
}

/** A hidden flag under its old name, refused with the new one (so that no script silently changes meaning). */
function renamedOption(flags: string, renamedTo: string): Option {
  const name = flags.split(' ')[0];
  return new Option(flags).hideHelp().argParser(() => {
    throw new InvalidArgumentError(`${name} is named ${renamedTo} now; write ${renamedTo} instead`);
  });
}

export function buildProgram(): Command {
  const program = new Command('md4')
    .description('Masked diffusion (MD4/GenMD4) for discrete data: train, evaluate, sample, plot')
    .version(version)
    .option('--json', 'machine-readable output on stdout')
    .option('-q, --quiet', 'no progress output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addTrainFlags(
    program
      .command('train')
      .description('train a model (default: tiny transformer on the bundled corpus)')
      .option('--config <file>', 'a JSON or YAML file of settings (flags override it)'),
  )
    .option('--resume', 'continue the checkpoint in --out exactly where it stopped')
    .action(async (flags: Record<string, unknown>, command: Command) => {
      const globals = command.optsWithGlobals() as { json?: boolean; quiet?: boolean };
      const fromFile = typeof flags.config === 'string' ? await readConfigFile(flags.config) : {};
      const fromFlags = typedTrainFlags(command);
      const source = typeof flags.config === 'string' ? flags.config : 'flags';
      const config = flags.resume
        ? await resumedTrainConfig({ ...fromFile, ...fromFlags }, source)
        : resolveTrainConfig(fromFile, fromFlags, source);
      await trainCommand(config, {
        resume: Boolean(flags.resume),
        json: Boolean(globals.json),
        quiet: Boolean(globals.quiet),
      });
    });

  const evalProgram = program
    .command('eval')
    .description(
      "the ELBO (an autoregressive model: the exact likelihood) of a checkpoint's model on a data split; --gen-ppl: its samples under a judge",
    )
    .argument('<checkpoint>', 'a run folder or checkpoint folder')
    .option('--data <spec>', "data to evaluate on (default: the checkpoint's training data)")
    .addOption(new Option('--split <name>', 'split').choices(['train', 'valid', 'test']).default('valid'))
    .option(
      '--timesteps <list>',
      'discrete-time T values and/or inf (continuous time), comma-separated, e.g. 100,1000,inf',
      'inf',
    )
    .addOption(renamedOption('--steps <list>', '--timesteps'))
    .option(
      '--schedule <spec>',
      "the ELBO under this masking schedule instead of the checkpoint's (linear, cosine, polyK, geometric)",
    )
    .option('--batch <n>', 'sequences per batch', positiveInteger('--batch'), 32)
    .option('--max-batches <n>', 'evaluate only the first n batches', positiveInteger('--max-batches'))
    .option('--samples <n>', '(t, mask) draws per sequence', positiveInteger('--samples'), 1)
    .option('--seed <n>', 'seed of the times and masks (and of --gen-ppl samples)', integer('--seed'), 0)
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .addOption(precisionOption())
    .option(
      '--gen-ppl <n>',
      'also draw n samples and report their generative perplexity under --judge, with their unigram entropy, beside held-out text',
      positiveInteger('--gen-ppl'),
    )
    .option(
      '--judge <checkpoint>',
      'with --gen-ppl: an autoregressive checkpoint (md4 train --objective ar)',
    );
  withOptions(evalProgram, samplerOptions('--sample-steps')).action(
    async (checkpoint: string, flags: Record<string, unknown>, command: Command) => {
      const { json } = command.optsWithGlobals() as { json?: boolean };
      await evalCommand(checkpoint, { ...(flags as unknown as EvalOptions), json: Boolean(json) });
    },
  );

  withOptions(
    program
      .command('sample')
      .description('generate from a checkpoint; --prompt with placeholders infills; --watch shows unmasking')
      .argument('<checkpoint>', 'a run folder or checkpoint folder')
      .option('--count <n>', 'sequences to generate', integer('--count'), 1)
      .option('--length <n>', "sequence length (the model's)", integer('--length')),
    samplerOptions('--steps'),
  )
    .addOption(
      new Option('--transfer <count>', 'confidence: tokens a step commits (default schedule)').choices(
        TRANSFER_COUNTS,
      ),
    )
    .addOption(
      new Option('--rank <score>', 'confidence: which tokens commit first (default probability)').choices(
        TRANSFER_RANKS,
      ),
    )
    .option(
      '--threshold <p>',
      'confidence --transfer threshold: commit candidates above p (default 0.9)',
      number('--threshold'),
    )
    .option(
      '--confidence-noise <x>',
      'confidence: Gumbel noise on the rank, annealed by t',
      number('--confidence-noise'),
    )
    .addOption(
      new Option('--remask <strategy>', 'remdm: remasking strategy (default cap)').choices(REMASK_STRATEGIES),
    )
    .option('--eta <x>', 'remdm cap/rescale/loop: remasking strength (default 0.02)', number('--eta'))
    .option('--t-on <t>', 'remdm loop: start of the remasking loop (default 0.55)', number('--t-on'))
    .option('--t-off <t>', 'remdm loop: end of the remasking loop (default 0.05)', number('--t-off'))
    .option('--alpha-on <a>', 'remdm loop: alpha held during the loop (default 0.9)', number('--alpha-on'))
    .option('--guidance <w>', 'classifier-free guidance scale with --prompt (0: none)', number('--guidance'))
    .option('--eos', "cut each text after the model's end-of-text token (GPT-2 models)")
    .option('--min-length <n>', 'with --eos: no end-of-text before token n', integer('--min-length'))
    .option('--seed <n>', 'sampling seed', integer('--seed'), 0)
    .option(
      '--prompt <text>',
      'fixed text; each --mask-char is a position to generate; the rest after it too',
    )
    .option('--mask-char <c>', 'placeholder for masked positions in --prompt', DEFAULT_MASK_CHAR)
    .option('--watch', 'show the unmasking step by step')
    .option('--out <file.png>', 'image models: where to write the PNG grid (default samples.png)')
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .addOption(precisionOption())
    .action(async (checkpoint: string, flags: Record<string, unknown>, command: Command) => {
      const { json } = command.optsWithGlobals() as { json?: boolean };
      await sampleCommand(checkpoint, {
        ...(flags as unknown as SampleCommandOptions),
        watch: Boolean(flags.watch),
        eos: Boolean(flags.eos),
        json: Boolean(json),
      });
    });

  program
    .command('reproduce')
    .description("train and measure the paper's claims at this machine's scale, and write a results page")
    .addOption(
      new Option('--scale <name>', 'full (hours), quick (minutes), smoke (seconds, for tests)')
        .choices(REPRODUCTION_SCALES)
        .default('full'),
    )
    .option('--out <dir>', 'where the page goes (default docs/reproduce/<scale>)')
    .option('--work <dir>', 'runs and step results, kept to resume (default runs/reproduce/<scale>)')
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(async (flags: Record<string, unknown>, command: Command) => {
      const { json, quiet } = command.optsWithGlobals() as { json?: boolean; quiet?: boolean };
      const page = await reproduceCommand({
        ...(flags as unknown as Omit<ReproduceOptions, 'quiet' | 'version'>),
        quiet: Boolean(quiet),
        version,
      });
      process.stdout.write(json ? `${JSON.stringify({ page })}\n` : `${page}\n`);
    });

  const plot = program.command('plot').description('plots as SVG or PNG (by the --out extension)');
  plot
    .command('schedules')
    .description("alpha(t) and ELBO weights of masking schedules (the paper's Figure 1)")
    .option('--schedules <list>', 'comma-separated schedules', 'linear,cosine,poly2,poly0.5,geometric')
    .option('--out <file>', 'output .svg or .png', 'schedules.svg')
    .action(async (flags: { schedules: string; out: string }, command: Command) => {
      const out = await plotSchedulesCommand(flags);
      report(command, { out });
    });
  plot
    .command('metrics')
    .description('training and validation loss curves from a run')
    .argument('<metrics>', 'metrics.jsonl (or a run folder holding it)')
    .option('--out <file>', 'output .svg or .png', 'training.svg')
    .action(async (path: string, flags: { out: string }, command: Command) => {
      const file = /\.jsonl$/.test(path) ? path : `${path.replace(/\/$/, '')}/metrics.jsonl`;
      const out = await plotMetricsCommand(file, flags);
      report(command, { out });
    });

  program
    .command('export')
    .description("write a checkpoint in another project's layout (mdlm: a hub folder MDLM's code loads)")
    .argument('<checkpoint>', 'a run folder or checkpoint folder (a DDiT)')
    .argument('<dir>', 'the folder to write')
    .addOption(new Option('--format <name>', 'layout').choices(EXPORT_FORMATS).default('mdlm'))
    .option('--force', 'replace a model already in <dir>')
    .action(
      async (
        checkpoint: string,
        dir: string,
        flags: { format: ExportFormat; force?: boolean },
        command: Command,
      ) => {
        const { json } = command.optsWithGlobals() as { json?: boolean };
        await exportCommand(checkpoint, dir, {
          format: flags.format,
          force: Boolean(flags.force),
          json: Boolean(json),
        });
      },
    );

  program
    .command('info')
    .description('architecture, parameters, schedule, tokenizer, step and data seen of a checkpoint')
    .argument('<checkpoint>', 'a run folder or checkpoint folder')
    .action(async (checkpoint: string, _flags: unknown, command: Command) => {
      const { json } = command.optsWithGlobals() as { json?: boolean };
      await infoCommand(checkpoint, { json: Boolean(json) });
    });

  return program;
}

function report(command: Command, value: { out: string }): void {
  const { json } = command.optsWithGlobals() as { json?: boolean };
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `wrote ${value.out}\n`);
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the message; help and version exit 0
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    const exitCode = exitCodeOf(error);
    // With --json the error is one JSON line too (on stderr, so stdout holds only results).
    if (argv.includes('--json')) process.stderr.write(`${JSON.stringify({ error: message, exitCode })}\n`);
    else process.stderr.write(`md4: ${message}\n`);
    if (process.env.MD4_DEBUG && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv);
