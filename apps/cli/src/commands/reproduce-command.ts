import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '@md4/core/node';
import { type ReproductionScale, reproductionSteps } from '../reproduce/reproduction-plan';
import { writeResultsPage } from '../reproduce/results-page';
import { runStep, type StepRecord } from '../reproduce/step-runner';

export interface ReproduceOptions {
  scale: ReproductionScale;
  /** Where the page goes (default docs/reproduce/<scale>). */
  out?: string;
  /** Where the runs and step records go (default runs/reproduce/<scale>). */
  work?: string;
  backend: string;
  quiet: boolean;
  /** This md4's version, for the page. */
  version: string;
}

/**
 * `md4 reproduce`: trains and measures what the paper's claims need at this machine's scale (the
 * plan of `reproductionSteps`), each step an md4 command whose --json result is kept in the work
 * folder, so a stopped reproduction resumes where it stopped; then writes the results page.
 */
export async function reproduceCommand(opts: ReproduceOptions): Promise<string> {
  const out = opts.out ?? join('docs', 'reproduce', opts.scale);
  const work = opts.work ?? join('runs', 'reproduce', opts.scale);
  makeDirectory(out);
  const steps = reproductionSteps(opts.scale, work, out);
  const log = (line: string) => {
    if (!opts.quiet) process.stderr.write(`md4 reproduce: ${line}\n`);
  };
  const cli = process.argv[1]!;
  const records = new Map<string, StepRecord>();
  for (const [i, step] of steps.entries()) {
    log(`[${i + 1}/${steps.length}] ${step.id}`);
    records.set(
      step.id,
      await runStep(step, { cli, backend: opts.backend, recordsDir: join(work, 'steps'), log }),
    );
  }
  const page = await writeResultsPage(out, records, {
    scale: opts.scale,
    command: `md4 reproduce --scale ${opts.scale}${opts.out ? ` --out ${opts.out}` : ''}${opts.work ? ` --work ${opts.work}` : ''}`,
    date: new Date().toISOString().slice(0, 10),
    versions: { md4: opts.version, node: process.versions.node },
    cpu: `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores)`,
    backend: opts.backend,
  });
  log(`wrote ${page}`);
  return page;
}
