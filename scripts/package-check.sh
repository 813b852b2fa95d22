#!/usr/bin/env bash
# The packages as a user gets them: packs every library package (after `pnpm build`), lints each
# tarball (publint, and attw with the esm-only profile), installs the tarballs into a fresh project
# outside the workspace, type-checks a strict Node app and a browser app against them
# (scripts/package-check/: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes), runs the
# Node app (train, save, load, generate and infill text), and bundles the browser app with esbuild
# and Vite for the browser (no Node built-ins, no backend package the app did not install).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages=(core schedules elbo models samplers datasets generate)

mkdir -p "$work/tarballs" "$work/app"
for p in "${packages[@]}"; do
  (cd "$root/packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
cp "$root/scripts/package-check/"*.ts "$root/scripts/package-check/"{tsconfig.json,index.html} "$work/app/"

# The app's package.json: every tarball, and the tools at the versions the workspace uses.
node - "$work" "${packages[@]}" <<'EOF'
const [work, ...packages] = process.argv.slice(2);
const { readdirSync, writeFileSync } = require('node:fs');
const tarballs = readdirSync(`${work}/tarballs`);
const dependencies = { '@tensorflow/tfjs': '4.22.0', '@tensorflow/tfjs-core': '4.22.0' };
for (const p of packages) {
  const file = tarballs.find((t) => t.startsWith(`md4-${p}-`));
  if (file == null) throw new Error(`no tarball for @md4/${p}`);
  dependencies[`@md4/${p}`] = `file:${work}/tarballs/${file}`;
}
const devDependencies = {
  typescript: '5.9.3',
  '@types/node': '20.19.43',
  esbuild: '0.28.2',
  vite: '8.4.0',
  publint: '0.3.25',
  '@arethetypeswrong/cli': '0.18.5',
};
writeFileSync(
  `${work}/app/package.json`,
  JSON.stringify({ name: 'md4-package-check', private: true, type: 'module', dependencies, devDependencies }, null, 2),
);
EOF

cd "$work/app"
npm install --no-audit --no-fund --loglevel=error
for tarball in "$work"/tarballs/*.tgz; do
  npx publint run "$tarball" --strict
  npx attw --pack "$tarball" --profile esm-only --format table-flipped
done
# skipLibCheck is off so that our declarations are checked too; tfjs 4.22's own fail a strict check
# (hash_util's Long, tfjs-layers' LayersModel): those are let through, every other error fails.
if ! npx tsc -p tsconfig.json > tsc.log; then
  if grep -v '^node_modules/@tensorflow/' tsc.log | grep -q 'error TS'; then
    cat tsc.log
    exit 1
  fi
fi
node dist/node-app.js
npx esbuild browser-app.ts --bundle --format=esm --platform=browser --outfile=dist/browser-bundle.js --log-level=warning
# Vite turns a Node built-in into an empty stub with a warning: here the warning is a failure.
npx vite build --outDir dist/vite --emptyOutDir >vite.log 2>&1 || { cat vite.log; exit 1; }
if grep -qi 'externalized for browser compatibility' vite.log; then
  cat vite.log
  exit 1
fi
echo "package check: ${#packages[@]} packages packed, linted, installed, type-checked strictly, run in Node and bundled for the browser (esbuild, Vite)"
