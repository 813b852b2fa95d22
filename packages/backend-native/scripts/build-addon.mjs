#!/usr/bin/env node
// Builds the md4_native N-API addon with node-gyp. Runs on install (the package's `install`
// script) and never fails the install: where the addon cannot be built it prints one line and the
// 'native' backend falls back to plain wasm at run time. Run it by hand (`node <this file> --verbose`)
// to rebuild, e.g. after pnpm 10 skipped the install script of a package it was not told to trust.
//
// node-gyp is not a dependency: the first found of a node-gyp installed next to this package (the
// workspace's), the one the package manager runs install scripts with (npm_config_node_gyp), the
// one npm ships beside Node, and `node-gyp` on PATH.
// Node's headers are taken from the running Node's own prefix (<prefix>/include/node, present
// in Debian's nodejs and in the official tarballs), so nothing is downloaded.
// An addon newer than all its sources is kept (N-API addons do not depend on the Node version);
// --force rebuilds. MD4_NATIVE_SKIP_BUILD=1 skips the build; --verbose prints the compiler's output.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nativeDir = resolve(here, '..', 'native');
const verbose = process.argv.includes('--verbose');
const built = join(nativeDir, 'build', 'Release', 'md4_native.node');

function notice(reason) {
  console.log(
    `@md4/backend-native: addon not built (${reason}); the 'native' backend will fall back to wasm. ` +
      `Rebuild with: node ${fileURLToPath(import.meta.url)} --verbose`,
  );
  process.exit(0);
}

/** The node-gyp to run, as [command, ...leading args], or null where none is found. */
function findNodeGyp() {
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')];
  } catch {}
  const fromPackageManager = process.env.npm_config_node_gyp;
  if (fromPackageManager && existsSync(fromPackageManager)) {
    return /\.[cm]?js$/.test(fromPackageManager)
      ? [process.execPath, fromPackageManager]
      : [fromPackageManager];
  }
  const besideNode = resolve(
    dirname(process.execPath),
    '..',
    'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  );
  if (existsSync(besideNode)) return [process.execPath, besideNode];
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'node-gyp'))
    .find((file) => existsSync(file));
  return onPath ? [onPath] : null;
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

const nodeGyp = findNodeGyp();
if (nodeGyp == null) notice('node-gyp not found: install it (npm install -g node-gyp)');

const prefixes = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].filter(Boolean);
const nodedir = prefixes.find((p) => existsSync(join(p, 'include', 'node', 'node_api.h')));

const [command, ...args] = [...nodeGyp, 'rebuild', `--directory=${nativeDir}`];
if (nodedir != null) args.push(`--nodedir=${nodedir}`);
const started = Date.now();
const run = spawnSync(command, args, {
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
console.log(
  `@md4/backend-native: addon built in ${((Date.now() - started) / 1000).toFixed(1)} s with ${nodeGyp.at(-1)} (${built})`,
);
