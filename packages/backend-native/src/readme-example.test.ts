// The README's example, run as a user runs it. scripts/package-check.sh runs the other packages'
// README examples against their packed tarballs; this package is not packed (it needs its compiled
// addon), so its example runs here instead: extracted by the same script
// (scripts/package-check/readme-examples.mjs), type-checked with the package check's strict
// tsconfig against the built package (dist/), compiled and run in a Node process of its own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAvailable } from './native-available.test-helper';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PACKAGE_DIR, '../..');
const EXTRACT = join(ROOT, 'scripts/package-check/readme-examples.mjs');
const STRICT_TSCONFIG = join(ROOT, 'scripts/package-check/tsconfig.json');
const TIME_LIMIT_MS = 120_000;

interface Example {
  name: string;
  file: string;
  lang: 'ts' | 'js';
  readme: string;
  block: number;
  line: number;
}

const built = existsSync(join(PACKAGE_DIR, 'dist/index.js'));
if (!built) {
  console.warn('@md4/backend-native: dist/ is not built (pnpm build): the README example test is skipped');
}

/**
 * Writes the README's runnable blocks into a fresh folder under the package (.md4-tmp/, ignored by
 * git), where `@md4/backend-native` and its dependencies resolve as in an app that installed them.
 */
function extractExamples(): { dir: string; examples: Example[] } {
  mkdirSync(join(PACKAGE_DIR, '.md4-tmp'), { recursive: true });
  const dir = mkdtempSync(join(PACKAGE_DIR, '.md4-tmp/readme-'));
  const result = spawnSync(process.execPath, [EXTRACT, 'extract', dir, 'packages/backend-native/README.md'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`readme-examples.mjs extract failed: ${result.stderr}`);
  return { dir, examples: JSON.parse(readFileSync(join(dir, 'examples.json'), 'utf8')) as Example[] };
}

/**
 * Type-checks the ts examples with the package check's strict options (skipLibCheck on: tfjs's own
 * declarations fail them) and writes their JavaScript next to them; returns tsc's errors, formatted.
 */
function compileExamples(dir: string, examples: Example[]): string {
  const config = ts.readConfigFile(STRICT_TSCONFIG, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
  const files = examples.filter((e) => e.lang === 'ts').map((e) => join(dir, e.file));
  const program = ts.createProgram(files, { ...options, skipLibCheck: true, rootDir: dir, outDir: dir });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  });
}

describe.skipIf(!built)('the README example', () => {
  let dir = '';
  let examples: Example[] = [];
  let typeErrors = '';
  beforeAll(() => {
    ({ dir, examples } = extractExamples());
    typeErrors = compileExamples(dir, examples);
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('is one ts block, and it type-checks strictly against the built package', () => {
    expect(examples.map((e) => `${e.name} (${e.lang})`)).toEqual(['readme-backend-native-1 (ts)']);
    expect(
      typeErrors,
      'readme-backend-native-1.ts is the ts block of packages/backend-native/README.md',
    ).toBe('');
  });

  it(`runs in Node and picks 'native' when the backend is available (here: ${nativeAvailable})`, () => {
    for (const e of examples) {
      const result = spawnSync(process.execPath, [join(dir, `${e.name}.js`)], {
        cwd: dir,
        encoding: 'utf8',
        timeout: TIME_LIMIT_MS,
      });
      const where = `${e.readme} block ${e.block} (line ${e.line})`;
      expect(result.error, `${where}: ${result.error?.message}`).toBeUndefined();
      expect(result.status, `${where} exited with ${result.status}:\n${result.stderr}`).toBe(0);
      // The last line it prints: native.ok, the backend, c.shape; without the addon, tfjs's cpu.
      const expected = nativeAvailable ? 'true native [ 4096, 768 ]' : 'false cpu [ 4096, 768 ]';
      expect(result.stdout.trim().split('\n').at(-1), where).toBe(expected);
    }
  });
});
