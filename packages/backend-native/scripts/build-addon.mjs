#!/usr/bin/env node
// Builds the md4_native N-API addon with node-gyp. Runs on `pnpm install` (the package's
// `install` script) and never fails the install: where the addon cannot be built it prints one
// line and the 'native' backend falls back to plain wasm at run time.
//
// Node's headers are taken from the running Node's own prefix (<prefix>/include/node, present
// in Debian's nodejs and in the official tarballs), so nothing is downloaded.
// An addon newer than all its sources is kept (N-API addons do not depend on the Node version);
// --force rebuilds. MD4_NATIVE_SKIP_BUILD=1 skips the build; --verbose prints the compiler's output.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nativeDir = resolve(here, '..', 'native');
const verbose = process.argv.includes('--verbose');
const built = join(nativeDir, 'build', 'Release', 'md4_native.node');

function notice(reason) {
  console.log(
    `@md4/backend-native: addon not built (${reason}); the 'native' backend will fall back to wasm.`,
  );
  process.exit(0);
}

if (process.env.MD4_NATIVE_SKIP_BUILD === '1') notice('MD4_NATIVE_SKIP_BUILD=1');
if (process.platform !== 'linux' && process.platform !== 'darwin')
  notice(`unsupported platform ${process.platform}`);

const sources = [
  join(nativeDir, 'binding.gyp'),
  ...readdirSync(join(nativeDir, 'src')).map((f) => join(nativeDir, 'src', f)),
];
if (!process.argv.includes('--force') && existsSync(built)) {
  const builtAt = statSync(built).mtimeMs;
  if (sources.every((f) => statSync(f).mtimeMs < builtAt)) {
    if (verbose) console.log(`@md4/backend-native: addon up to date (${built})`);
    process.exit(0);
  }
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  notice('node-gyp is not installed');
}

const prefixes = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].filter(Boolean);
const nodedir = prefixes.find((p) => existsSync(join(p, 'include', 'node', 'node_api.h')));

const args = [nodeGyp, 'rebuild', `--directory=${nativeDir}`];
if (nodedir != null) args.push(`--nodedir=${nodedir}`);
const started = Date.now();
const run = spawnSync(process.execPath, args, {
  cwd: nativeDir,
  encoding: 'utf8',
  stdio: verbose ? 'inherit' : 'pipe',
  timeout: 300_000,
  env: { ...process.env, JOBS: process.env.JOBS ?? '2' },
});
if (run.error != null) notice(`node-gyp could not run: ${run.error.message}`);
if (run.status !== 0) {
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const firstError = output.split('\n').find((l) => /error|not found|No such/i.test(l));
  notice(`node-gyp failed${firstError ? `: ${firstError.trim().slice(0, 160)}` : ''}`);
}
if (!existsSync(built)) notice('node-gyp finished without producing md4_native.node');
console.log(`@md4/backend-native: addon built in ${((Date.now() - started) / 1000).toFixed(1)} s (${built})`);
