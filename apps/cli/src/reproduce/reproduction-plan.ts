import { join } from 'node:path';

/** How big `md4 reproduce` runs: 'full' (hours), 'quick' (minutes), 'smoke' (seconds; for tests). */
export const REPRODUCTION_SCALES = ['full', 'quick', 'smoke'] as const;
/** One of REPRODUCTION_SCALES. */
export type ReproductionScale = (typeof REPRODUCTION_SCALES)[number];

/** The sizes one scale trains and measures at. */
export interface ScaleSettings {
  /** The text model's size flags of `md4 train` (preset, layers, width, heads, sequence length). */
  model: string[];
  /** MD4's sequences per step; GenMD4 takes half (two masks each: the same network passes). */
  batch: number;
  /** Training steps of every text run (the judge trains twice as long). */
  steps: number;
  /** The optimiser flags of every run (learning rate, warmup, weight decay, clipping). */
  optimiser: string[];
  /** EMA decay of the evaluated weights (short runs need a short EMA: 0.999^250 still weighs the initial weights 0.78). */
  ema: number;
  /** Seeds of the GenMD4-against-MD4 comparison. */
  seeds: number;
  /** Validation batches per evaluation (undefined: the whole split). */
  evalBatches: number | undefined;
  /** (t, mask) draws per sequence in the ELBO evaluations. */
  elboSamples: number;
  /** Samples per generative-perplexity row. */
  genPplSamples: number;
  /** Reverse steps of the sample-quality curve. */
  sampleSteps: number[];
  /** The Fashion-MNIST model: its size flags, steps, batch, optimiser flags, EMA decay and test batches evaluated. */
  image: {
    model: string[];
    steps: number;
    batch: number;
    optimiser: string[];
    ema: number;
    evalBatches: number;
  };
}

/** The quick start's optimiser flags at a learning rate and warmup: weight decay 0.03, clipping at 1. */
function optimiserFlags(lr: number, warmup: number): string[] {
  return ['--lr', String(lr), '--warmup', String(warmup), '--weight-decay', '0.03', '--clip', '1'];
}

export const SCALES: Readonly<Record<ReproductionScale, ScaleSettings>> = {
  full: {
    model: ['--preset', 'tiny', '--seq-length', '128'],
    batch: 64,
    steps: 2400,
    optimiser: optimiserFlags(0.003, 200),
    ema: 0.999,
    seeds: 3,
    evalBatches: undefined,
    elboSamples: 2,
    genPplSamples: 64,
    sampleSteps: [16, 64, 256, 1024],
    image: {
      model: ['--preset', 'image-28'],
      steps: 2000,
      batch: 16,
      optimiser: optimiserFlags(0.002, 100),
      ema: 0.999,
      evalBatches: 40,
    },
  },
  quick: {
    model: ['--preset', 'tiny', '--seq-length', '64'],
    batch: 32,
    steps: 560,
    optimiser: optimiserFlags(0.003, 40),
    ema: 0.99,
    seeds: 3,
    evalBatches: 8,
    elboSamples: 2,
    genPplSamples: 16,
    sampleSteps: [16, 64, 256],
    image: {
      model: ['--preset', 'image-28'],
      steps: 100,
      batch: 8,
      optimiser: optimiserFlags(0.003, 10),
      ema: 0.9,
      evalBatches: 2,
    },
  },
  smoke: {
    model: ['--preset', 'tiny', '--layers', '1', '--dim', '16', '--heads', '2', '--seq-length', '16'],
    batch: 4,
    steps: 3,
    optimiser: ['--lr', '0.001', '--warmup', '1'],
    ema: 0.5,
    seeds: 2,
    evalBatches: 1,
    elboSamples: 1,
    genPplSamples: 2,
    sampleSteps: [2, 4],
    image: {
      model: ['--preset', 'image-28', '--layers', '1', '--dim', '16', '--heads', '2'],
      steps: 2,
      batch: 2,
      optimiser: ['--lr', '0.001', '--warmup', '1'],
      ema: 0.5,
      evalBatches: 1,
    },
  },
};

/** The paper's claims the page checks, in its order (the `claim` of each step). */
export const CLAIMS = [
  'schedule-invariance',
  'discretisation',
  'genmd4-vs-md4',
  'schedules',
  'md4-vs-ar',
  'sample-quality',
  'images',
] as const;
/** One of CLAIMS. */
export type Claim = (typeof CLAIMS)[number];

/** One md4 command of a reproduction; its --json output is kept under its id. */
export interface ReproductionStep {
  /** Unique, file-name safe. */
  id: string;
  /** The md4 arguments (the runner adds --json and --backend). */
  args: string[];
  /** Training steps write a run folder and resume from it when interrupted. */
  kind: 'train' | 'measure';
  /** The claims whose results read this step (a run serves several). */
  claims: Claim[];
}

/** The text runs: id, claims and the flags that make them differ. */
interface TextRun {
  id: string;
  claims: Claim[];
  flags: string[];
  /** Training steps when not the scale's. */
  steps?: number;
  /** Sequences per step when not the scale's. */
  batch?: number;
}

function textRuns(s: ScaleSettings): TextRun[] {
  const runs: TextRun[] = [];
  for (let seed = 0; seed < s.seeds; seed++) {
    const md4Claims: Claim[] =
      seed === 0
        ? ['genmd4-vs-md4', 'schedules', 'discretisation', 'md4-vs-ar', 'sample-quality']
        : ['genmd4-vs-md4'];
    runs.push({ id: `md4-linear-seed${seed}`, claims: md4Claims, flags: ['--seed', String(seed)] });
    runs.push({
      id: `genmd4-seed${seed}`,
      claims: ['genmd4-vs-md4'],
      flags: ['--schedule', 'genmd4', '--seed', String(seed)],
      batch: s.batch / 2,
    });
  }
  for (const schedule of ['cosine', 'poly2']) {
    runs.push({ id: `md4-${schedule}-seed0`, claims: ['schedules'], flags: ['--schedule', schedule] });
  }
  runs.push({ id: 'md4-untimed-seed0', claims: ['schedule-invariance'], flags: ['--no-time-conditioned'] });
  runs.push({ id: 'ar-seed0', claims: ['md4-vs-ar'], flags: ['--objective', 'ar'] });
  runs.push({
    id: 'judge',
    claims: ['md4-vs-ar', 'sample-quality'],
    flags: ['--objective', 'ar', '--seed', '100'],
    steps: 2 * s.steps,
  });
  return runs;
}

/**
 * Every command of a reproduction at `scale`, in the order they run: the training runs (in
 * `work`/runs), then the measurements. `pageDir` receives files a command writes (the image grid).
 */
export function reproductionSteps(
  scale: ReproductionScale,
  work: string,
  pageDir: string,
): ReproductionStep[] {
  const s = SCALES[scale];
  const run = (id: string) => join(work, 'runs', id);
  const evalBatches = s.evalBatches != null ? ['--max-batches', String(s.evalBatches)] : [];
  const steps: ReproductionStep[] = textRuns(s).map(({ id, claims, flags, steps: runSteps, batch }) => ({
    id,
    kind: 'train',
    claims,
    args: [
      'train',
      ...s.model,
      '--batch',
      String(batch ?? s.batch),
      '--steps',
      String(runSteps ?? s.steps),
      ...s.optimiser,
      '--ema',
      String(s.ema),
      '--eval-batches',
      String(s.evalBatches ?? 8),
      '--quiet',
      ...flags,
      '--out',
      run(id),
    ],
  }));
  steps.push({
    id: 'image',
    kind: 'train',
    claims: ['images'],
    args: [
      'train',
      '--data',
      'fashion-mnist',
      ...s.image.model,
      '--batch',
      String(s.image.batch),
      '--steps',
      String(s.image.steps),
      ...s.image.optimiser,
      '--ema',
      String(s.image.ema),
      '--eval-batches',
      '1',
      '--quiet',
      '--out',
      run('image'),
    ],
  });
  const measure = (id: string, claims: Claim[], args: string[]) =>
    steps.push({ id, kind: 'measure', claims, args });
  for (const schedule of ['linear', 'cosine', 'poly2', 'geometric']) {
    measure(
      `elbo-untimed-${schedule}`,
      ['schedule-invariance'],
      [
        'eval',
        run('md4-untimed-seed0'),
        '--schedule',
        schedule,
        '--samples',
        String(2 * s.elboSamples),
        ...evalBatches,
      ],
    );
  }
  measure(
    'elbo-timesteps',
    ['discretisation'],
    [
      'eval',
      run('md4-linear-seed0'),
      '--timesteps',
      '8,32,128,1024,inf',
      '--samples',
      String(s.elboSamples),
      ...evalBatches,
    ],
  );
  for (const { id } of textRuns(s).filter((r) => r.id !== 'judge' && r.id !== 'md4-untimed-seed0')) {
    measure(
      `elbo-${id}`,
      ['genmd4-vs-md4', 'schedules', 'md4-vs-ar'],
      ['eval', run(id), '--samples', String(s.elboSamples), ...evalBatches],
    );
  }
  const genPpl = (model: string, extra: string[]) => [
    'eval',
    run(model),
    '--max-batches',
    '1',
    '--gen-ppl',
    String(s.genPplSamples),
    '--judge',
    run('judge'),
    ...extra,
  ];
  measure('gen-ppl-ar', ['md4-vs-ar'], genPpl('ar-seed0', []));
  for (const T of s.sampleSteps) {
    measure(
      `gen-ppl-ancestral-${T}`,
      ['sample-quality', 'md4-vs-ar'],
      [
        ...genPpl('md4-linear-seed0', ['--method', 'ancestral', '--sample-steps', String(T)]),
        '--sampling-precision',
        'float32',
      ],
    );
    measure(
      `gen-ppl-confidence-${T}`,
      ['sample-quality'],
      genPpl('md4-linear-seed0', ['--method', 'confidence', '--sample-steps', String(T)]),
    );
  }
  measure(
    'gen-ppl-first-hitting',
    ['sample-quality'],
    genPpl('md4-linear-seed0', ['--method', 'first-hitting']),
  );
  measure(
    'image-bits',
    ['images'],
    ['eval', run('image'), '--max-batches', String(s.image.evalBatches), '--batch', '16'],
  );
  measure(
    'image-samples',
    ['images'],
    [
      'sample',
      run('image'),
      '--count',
      '16',
      '--steps',
      String(Math.min(256, s.sampleSteps.at(-1)!)),
      '--out',
      join(pageDir, 'fashion-mnist-samples.png'),
    ],
  );
  return steps;
}
