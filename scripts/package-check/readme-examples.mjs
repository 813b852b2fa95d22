// The README examples as programs, for scripts/package-check.sh: every ```ts and ```js block of
// the READMEs given is written to a file of its own, named for its README and its place there
// (the first block of packages/samplers/README.md is readme-samplers-1.ts, of the root README
// readme-root-1.ts), then each is run in Node, so that a failure names the README and the block.
// An example fails when it exits with an error (an exception), runs past 120 s or prints NaN.
//
// A ts/js block that is not a program (a type listing, pseudo-code) is skipped only when the line
// just before its fence says so, with the reason:
//
//   <!-- not run: a type listing -->
//
// Blocks in other languages (sh, python, text, none) are never run. Plain Node, no dependencies.
//
//   node readme-examples.mjs extract <out-dir> <readme>...
//       README paths relative to the current folder (the repository root); writes the .ts and .mjs
//       files and examples.json (what each file is) into <out-dir>
//   node readme-examples.mjs run <out-dir> <compiled-dir> <working-dir>
//       runs each example in README order with <working-dir> as its current folder: the .ts ones
//       from <compiled-dir> (tsc's output, <name>.js), the .mjs ones as written
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Seconds an example may run before it counts as failed. */
const TIME_LIMIT_S = 120;
const LANGUAGES = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const SKIP_MARKER = /^<!--\s*not run:(.*)-->$/;

/**
 * The ts and js blocks of one README, in order: `{ block, line, lang, code, skip }`, where `block`
 * counts the README's ts/js blocks from 1 (skipped ones too, so a marker renumbers nothing), `line`
 * is the README line of the block's first code line and `skip` the marker's reason (or null).
 */
function readmeBlocks(markdown, readme) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```\s*([\w-]*)/.exec(lines[i]);
    if (open === null) continue;
    const close = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (close === -1) throw new Error(`${readme}:${i + 1}: a code fence that is never closed`);
    const lang = LANGUAGES[open[1].toLowerCase()];
    if (lang !== undefined) {
      const marker = SKIP_MARKER.exec((lines[i - 1] ?? '').trim());
      const skip = marker === null ? null : marker[1].trim();
      if (skip === '') {
        throw new Error(
          `${readme}:${i}: a "not run" marker must say why, e.g. <!-- not run: a type listing -->`,
        );
      }
      const code = `${lines.slice(i + 1, close).join('\n')}\n`;
      blocks.push({ block: blocks.length + 1, line: i + 2, lang, code, skip });
    }
    i = close;
  }
  return blocks;
}

/** The file name stem for a README's blocks: the package folder's name, or 'root' for README.md. */
function readmeName(readme) {
  const folder = dirname(readme);
  return folder === '.' ? 'root' : folder.split(/[\\/]/).pop();
}

/** Writes each runnable block of the READMEs into `outDir` and the list of them as examples.json. */
function extract(outDir, readmes) {
  mkdirSync(outDir, { recursive: true });
  const examples = [];
  for (const readme of readmes) {
    for (const b of readmeBlocks(readFileSync(readme, 'utf8'), readme)) {
      const name = `readme-${readmeName(readme)}-${b.block}`;
      if (b.skip !== null) {
        console.log(`${readme} block ${b.block} (line ${b.line}): not run (${b.skip})`);
        continue;
      }
      const file = `${name}.${b.lang === 'ts' ? 'ts' : 'mjs'}`;
      // One header line, so line n of the file is line n + (b.line - 2) of the README.
      const header = `// ${readme}, block ${b.block}: line n of this file is line n + ${b.line - 2} there.\n`;
      writeFileSync(join(outDir, file), header + b.code);
      examples.push({ name, file, lang: b.lang, readme, block: b.block, line: b.line });
    }
  }
  writeFileSync(join(outDir, 'examples.json'), `${JSON.stringify(examples, null, 2)}\n`);
  console.log(`${examples.length} README examples written to ${outDir}`);
}

/** Why a finished example counts as failed, or null when it passed. */
function failure(result) {
  if (result.error?.code === 'ETIMEDOUT') return `still running after ${TIME_LIMIT_S} s (the limit)`;
  if (result.error) return `could not start: ${result.error.message}`;
  if (result.status !== 0) return `exited with code ${result.status ?? result.signal}`;
  if (/\bNaN\b/.test(result.stdout)) return 'printed NaN';
  return null;
}

/** Runs every example listed in `outDir`/examples.json; exits 1 at the first one that fails. */
function run(outDir, compiledDir, workingDir) {
  const examples = JSON.parse(readFileSync(join(outDir, 'examples.json'), 'utf8'));
  for (const e of examples) {
    const script = resolve(e.lang === 'ts' ? join(compiledDir, `${e.name}.js`) : join(outDir, e.file));
    const started = Date.now();
    const result = spawnSync(process.execPath, [script], {
      cwd: workingDir,
      encoding: 'utf8',
      timeout: TIME_LIMIT_S * 1000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const why = failure(result);
    if (why !== null) {
      process.stdout.write(result.stdout ?? '');
      process.stderr.write(result.stderr ?? '');
      console.error(
        `README example failed: ${e.readme} block ${e.block} (line ${e.line}, ${e.file}) ${why}. ` +
          'Fix the example in the README; a block that is not a program can be marked ' +
          '<!-- not run: why --> on the line before its fence.',
      );
      process.exit(1);
    }
    console.log(`${e.readme} block ${e.block} (line ${e.line}): ran in ${seconds} s`);
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'extract' && args.length >= 2) {
  extract(args[0], args.slice(1));
} else if (command === 'run' && args.length === 3) {
  run(args[0], args[1], args[2]);
} else {
  console.error(
    'usage: node readme-examples.mjs extract <out-dir> <readme>... | run <out-dir> <compiled-dir> <working-dir>',
  );
  process.exit(2);
}
