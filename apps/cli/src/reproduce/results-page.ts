import { join } from 'node:path';
import { writeFileAtomic } from '@md4/core/node';
import type { TopLevelSpec } from 'vega-lite';
import { chartToSvg } from '../render-chart';
import { ClaimResults, meanAndSpread, withinNoise } from './claim-results';
import { type ReproductionScale, SCALES } from './reproduction-plan';
import type { StepRecord } from './step-runner';

/** What the page says about where and how it was made. */
export interface PageContext {
  scale: ReproductionScale;
  /** The reproduce command as typed. */
  command: string;
  date: string;
  versions: { md4: string; node: string };
  cpu: string;
  backend: string;
}

const f4 = (x: number) => x.toFixed(4);
const f3 = (x: number) => x.toFixed(3);
const pm = (x: { bitsPerToken: number; stderr: number }) => `${f4(x.bitsPerToken)} ± ${f4(x.stderr)}`;

/** A markdown table from a header and rows of cells. */
function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** A chart of y against x, one line per series (x on a log scale when asked). */
function lineChart(
  title: string,
  points: Array<{ x: number; y: number; series: string }>,
  axes: { x: string; y: string; logX: boolean },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 260,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes.x, scale: axes.logX ? { type: 'log' } : {} },
      y: { field: 'y', type: 'quantitative', title: axes.y, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  } as TopLevelSpec;
}

/**
 * Writes the results page of a finished reproduction to `dir`: README.md (every claim's table and
 * verdict, the runs, the exact commands with their run times, versions and CPU), the plots as SVG
 * and results.json (every command's output). Returns the page's path.
 */
export async function writeResultsPage(
  dir: string,
  records: ReadonlyMap<string, StepRecord>,
  context: PageContext,
): Promise<string> {
  const r = new ClaimResults(records);
  const s = SCALES[context.scale];
  const seeds = Array.from({ length: s.seeds }, (_, i) => i);
  const last = s.sampleSteps.at(-1)!;
  const sections: string[] = [];
  const charts: Array<[string, TopLevelSpec]> = [];

  // 1. a network that ignores t: the continuous ELBO does not depend on the schedule
  const invariance = ['linear', 'cosine', 'poly2', 'geometric'].map((name) => ({
    name,
    ...r.bits(`elbo-untimed-${name}`),
  }));
  const lowest = invariance.reduce((a, b) => (a.bitsPerToken < b.bitsPerToken ? a : b));
  const highest = invariance.reduce((a, b) => (a.bitsPerToken > b.bitsPerToken ? a : b));
  const spread = withinNoise(lowest, highest, 3);
  sections.push(
    [
      '## 1. The ELBO of a network that ignores t does not depend on the schedule',
      '',
      'One model trained with `--no-time-conditioned` (linear schedule), its continuous-time ELBO under each',
      'schedule (`md4 eval --schedule`); each estimate draws its own times and masks.',
      '',
      table(
        ['schedule', 'bits/char ± stderr'],
        invariance.map((x) => [x.name, pm(x)]),
      ),
      '',
      `Largest difference ${f4(spread.difference)} bits/char (${highest.name} against ${lowest.name}); three combined ` +
        `standard errors are ${f4(spread.bound)}: **${spread.agrees ? 'holds' : 'does not hold'}** at this noise level.`,
    ].join('\n'),
  );

  // 2. the discretisation trend of the paper's Table 7
  const byT = r.elbo('elbo-timesteps');
  const continuous = byT.find((x) => x.timesteps === 'inf')!;
  const finite = byT.filter((x) => x.timesteps !== 'inf');
  const decreasing = finite.every(
    (x, i) =>
      i === 0 ||
      x.bitsPerToken <= finite[i - 1]!.bitsPerToken + 2 * Math.hypot(x.stderr, finite[i - 1]!.stderr),
  );
  const gap = finite.at(-1)!.bitsPerToken - continuous.bitsPerToken;
  charts.push([
    'discretisation.svg',
    lineChart(
      'Discrete-time ELBO against T (the continuous-time ELBO as T = 10^5)',
      byT.map((x) => ({
        x: x.timesteps === 'inf' ? 1e5 : x.timesteps,
        y: x.bitsPerToken,
        series: 'MD4, linear',
      })),
      { x: 'T', y: 'bits/char', logX: true },
    ),
  ]);
  sections.push(
    [
      '## 2. L_T decreases to L_∞ as T grows (Table 7)',
      '',
      'The MD4 model (linear schedule, seed 0) evaluated with T discrete steps and in continuous time.',
      '',
      table(
        ['T', 'bits/char ± stderr', 'L_T − L_∞'],
        byT.map((x) => [
          String(x.timesteps),
          pm(x),
          x.timesteps === 'inf' ? '' : f4(x.bitsPerToken - continuous.bitsPerToken),
        ]),
      ),
      '',
      '![L_T against T](discretisation.svg)',
      '',
      `Non-increasing in T within two standard errors: **${decreasing ? 'yes' : 'no'}**; L_${finite.at(-1)!.timesteps} − L_∞ = ${f4(gap)}.`,
    ].join('\n'),
  );

  // 3. GenMD4 against MD4 at equal network passes
  const md4 = seeds.map((seed) => r.bits(`elbo-md4-linear-seed${seed}`));
  const gen = seeds.map((seed) => r.bits(`elbo-genmd4-seed${seed}`));
  const md4Stats = meanAndSpread(md4.map((x) => x.bitsPerToken));
  const genStats = meanAndSpread(gen.map((x) => x.bitsPerToken));
  const wins = seeds.filter((i) => gen[i]!.bitsPerToken < md4[i]!.bitsPerToken).length;
  sections.push(
    [
      '## 3. GenMD4 against MD4 at equal network passes',
      '',
      `MD4 trains on ${s.batch} sequences a step, GenMD4 on ${s.batch / 2} with two masks each (its leave-one-out`,
      'gradient), so both make the same network passes; the same steps and learning rate.',
      '',
      table(
        ['seed', 'MD4 (linear)', 'GenMD4'],
        seeds.map((seed) => [seed, pm(md4[seed]!), pm(gen[seed]!)]),
      ),
      '',
      `Mean ± sd over ${s.seeds} seeds: MD4 ${f4(md4Stats.mean)} ± ${f4(md4Stats.sd)}, GenMD4 ${f4(genStats.mean)} ± ` +
        `${f4(genStats.sd)} bits/char; GenMD4 lower in ${wins} of ${s.seeds} seeds (the paper: GenMD4 <= MD4).`,
    ].join('\n'),
  );

  // 4. schedules at equal compute
  const schedules = ['linear', 'cosine', 'poly2'].map((name) => ({
    name,
    elbo: r.bits(`elbo-md4-${name}-seed0`),
    train: r.training(`md4-${name}-seed0`),
  }));
  sections.push(
    [
      '## 4. Linear, cosine and poly2 schedules at equal compute',
      '',
      table(
        ['schedule', 'bits/char ± stderr', 'training tokens/s'],
        schedules.map((x) => [x.name, pm(x.elbo), x.train.tokensPerSecond.toFixed(0)]),
      ),
    ].join('\n'),
  );

  // 5. MD4 against AR at equal compute
  const arBits = r.bits('elbo-ar-seed0');
  const md4Bits = r.bits('elbo-md4-linear-seed0');
  const arGen = r.modelRow('gen-ppl-ar');
  const md4Gen = r.modelRow(`gen-ppl-ancestral-${last}`);
  const heldOut = r.heldOutRow('gen-ppl-ar');
  sections.push(
    [
      '## 5. MD4 against an autoregressive model at equal compute',
      '',
      'The same transformer, steps and batch; MD4 bidirectional on its ELBO, AR causal on its exact likelihood',
      `(\`--objective ar\`). Generative perplexity of ${s.genPplSamples} samples under the judge, an AR model of the`,
      'same size trained twice as long (another seed); entropy is the mean unigram entropy of a sample (nats).',
      '',
      table(
        ['model', 'bits/char ± stderr', 'gen-ppl', 'entropy', 'network calls per sample'],
        [
          [
            'MD4 (ELBO, a bound)',
            pm(md4Bits),
            f3(md4Gen.perplexity),
            f3(md4Gen.entropy),
            md4Gen.networkCallsPerSample!.toFixed(1),
          ],
          [
            'AR (exact)',
            pm(arBits),
            f3(arGen.perplexity),
            f3(arGen.entropy),
            arGen.networkCallsPerSample!.toFixed(1),
          ],
          ['held-out text', '', f3(heldOut.perplexity), f3(heldOut.entropy), ''],
        ],
      ),
      '',
      `MD4 samples: ancestral, ${last} steps, cosine grid, float64 draws.`,
    ].join('\n'),
  );

  // 6. sample quality against steps
  const qualityRows: Array<Array<string | number>> = [];
  const qualityPoints: Array<{ x: number; y: number; series: string }> = [];
  const addQuality = (label: string, steps: string, id: string, precision: 'float64' | 'float32') => {
    const row = r.modelRow(id, precision);
    qualityRows.push([
      label,
      steps,
      precision,
      f3(row.perplexity),
      f3(row.entropy),
      row.networkCallsPerSample!.toFixed(1),
    ]);
    qualityPoints.push({
      x: row.networkCallsPerSample!,
      y: row.perplexity,
      series: `${label}, ${precision}`,
    });
  };
  for (const T of s.sampleSteps) {
    addQuality('ancestral', String(T), `gen-ppl-ancestral-${T}`, 'float64');
    addQuality('ancestral', String(T), `gen-ppl-ancestral-${T}`, 'float32');
    addQuality('confidence', String(T), `gen-ppl-confidence-${T}`, 'float64');
  }
  addQuality('first-hitting', 'exact', 'gen-ppl-first-hitting', 'float64');
  const reference = r.heldOutRow('gen-ppl-first-hitting');
  charts.push([
    'sample-quality.svg',
    lineChart('Generative perplexity against network calls', qualityPoints, {
      x: 'network calls per sample',
      y: 'gen-ppl under the judge',
      logX: true,
    }),
  ]);
  const float32Lower = s.sampleSteps.filter(
    (T) =>
      r.modelRow(`gen-ppl-ancestral-${T}`, 'float32').perplexity <
      r.modelRow(`gen-ppl-ancestral-${T}`).perplexity,
  ).length;
  sections.push(
    [
      '## 6. Sample quality against steps: ancestral, confidence and first-hitting; float64 against float32 draws',
      '',
      table(['sampler', 'steps', 'draws', 'gen-ppl', 'entropy', 'network calls per sample'], qualityRows),
      '',
      `Held-out text of the same length: gen-ppl ${f3(reference.perplexity)}, entropy ${f3(reference.entropy)}.`,
      '',
      '![gen-ppl against network calls](sample-quality.svg)',
      '',
      `float32 Gumbel-max draws gave a lower gen-ppl than float64 draws at ${float32Lower} of ${s.sampleSteps.length} step counts`,
      '(the same seed; arXiv 2409.02908 reports the truncation lowers gen-ppl and entropy; with V = 27 characters',
      'few probabilities fall below float32’s reach, so the effect is expected to be small here).',
    ].join('\n'),
  );

  // 7. images
  const image = r.bits('image-bits');
  sections.push(
    [
      '## 7. Images: Fashion-MNIST',
      '',
      `A ${s.image.model.join(' ')} model, ${s.image.steps} steps of ${s.image.batch} images: ${pm(image)} bits/dim on`,
      `${image.tokens.toLocaleString('en-US')} test pixels (the paper's CIFAR-10 figure, 2.75, is for a far larger model).`,
      '',
      '![16 samples](fashion-mnist-samples.png)',
    ].join('\n'),
  );

  for (const [file, spec] of charts) await writeFileAtomic(join(dir, file), await chartToSvg(spec));
  const all = [...records.values()];
  const totalSeconds = all.reduce((a, x) => a + x.seconds, 0);
  const trainRuns = all.filter((x) => x.command.startsWith('md4 --json train'));
  const page = [
    `# md4 reproduce --scale ${context.scale}: the paper's claims at this machine's scale`,
    '',
    `Written by \`${context.command}\` on ${context.date}: md4 ${context.versions.md4}, Node ${context.versions.node},`,
    `${context.cpu}, backend ${context.backend}; ${all.length} commands in ${(totalSeconds / 60).toFixed(1)} min of command time.`,
    `Text: the bundled State of the Union corpus (text8 characters), \`${s.model.join(' ')}\`, ${s.steps} steps of ${s.batch} sequences, \`${s.optimiser.join(' ')} --ema ${s.ema}\`;`,
    `validation ${s.evalBatches != null ? `${s.evalBatches} batches of 32 sequences` : 'the whole split'}. Every number below comes from the commands listed at the end.`,
    '',
    ...sections.flatMap((x) => [x, '']),
    '## Training runs',
    '',
    table(
      ['run', 'steps', 'tokens/s', 'train bits', 'seconds'],
      trainRuns.map((x) => {
        const t = x.output as { step: number; tokensPerSecond: number; trainBitsPerToken: number };
        return [x.id, t.step, t.tokensPerSecond.toFixed(0), f4(t.trainBitsPerToken), x.seconds.toFixed(1)];
      }),
    ),
    '',
    '## Commands',
    '',
    'In order, with their wall-clock seconds (results.json holds each one’s output):',
    '',
    '```',
    ...all.map((x) => `${x.command}    # ${x.seconds.toFixed(1)} s`),
    '```',
    '',
  ].join('\n');
  const path = join(dir, 'README.md');
  await writeFileAtomic(path, page);
  await writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify({ context, steps: all }, null, 2)}\n`);
  return path;
}
