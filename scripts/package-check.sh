#!/usr/bin/env bash
# The packages as a user gets them: packs every library package (after `pnpm build`), lints each
# tarball (publint, and attw with the esm-only profile), installs the tarballs into a fresh project
# outside the workspace, type-checks a strict Node app and a browser app against them
# (scripts/package-check/: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes), runs the
# Node app (train, save, load, generate and infill text), and bundles the browser app with esbuild
# and Vite for the browser (no Node built-ins, no backend package the app did not install).
# The README examples too: every ```ts and ```js block of README.md and of the packed packages'
# READMEs is written to its own file (scripts/package-check/readme-examples.mjs: readme-<package>-<n>,
# n counting the README's ts/js blocks; a block marked <!-- not run: why --> is skipped), type-checked
# with the same strict settings (ts blocks) and run in Node, 120 s at most each, in a folder holding
# their inputs: runs/quickstart/checkpoint (the Node app's checkpoint), data/addresses.jsonl, and
# mdlm-owt (a stand-in: the tiny MDLM fixture of packages/models, not the 680 MB download).
# @md4/backend-native is not packed (it needs its compiled addon): its README example is run by
# packages/backend-native/src/readme-example.test.ts instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages=(core schedules elbo models samplers datasets generate browser)
readmes=(README.md)
for p in "${packages[@]}"; do readmes+=("packages/$p/README.md"); done

mkdir -p "$work/tarballs" "$work/app"
for p in "${packages[@]}"; do
  (cd "$root/packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
cp "$root/scripts/package-check/"*.ts "$root/scripts/package-check/"{tsconfig.json,index.html} "$work/app/"
# The README examples, into app/readme (tsconfig.json compiles readme/*.ts with the apps).
(cd "$root" && node scripts/package-check/readme-examples.mjs extract "$work/app/readme" "${readmes[@]}")

# The app's package.json: every tarball, and the tools at the versions the workspace uses.
node - "$work" "${packages[@]}" <<'EOF'
const [work, ...packages] = process.argv.slice(2);
const { readdirSync, writeFileSync } = require('node:fs');
const tarballs = readdirSync(`${work}/tarballs`);
// tfjs-backend-wasm: @md4/models' README example runs on it (the browser app does not import it,
// and the bundle is checked for it below).
const dependencies = {
  '@tensorflow/tfjs': '4.22.0',
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
};
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
    if grep -q '^readme/' tsc.log; then
      echo "README examples fail to type-check: readme/readme-<package>-<n>.ts is the n-th ts/js block" \
        "of packages/<package>/README.md (readme-root: of README.md); fix the example there"
    fi
    exit 1
  fi
fi
# The Node app, keeping its checkpoint where the README examples load it from.
examples="$work/examples"
node dist/node-app.js "$examples/runs/quickstart/checkpoint"
npx esbuild browser-app.ts --bundle --format=esm --platform=browser --outfile=dist/browser-bundle.js \
  --metafile=dist/browser-bundle.meta.json --log-level=warning
# tfjs-backend-wasm is installed for a README example, so a package importing it would resolve:
# the browser app does not import it, so it must not be in the bundle.
if grep -q '@tensorflow/tfjs-backend-wasm' dist/browser-bundle.meta.json; then
  echo "the browser bundle holds @tensorflow/tfjs-backend-wasm, which the browser app does not import:" \
    "a package imports a backend itself (apps pick backends: selectBackend's loaders)"
  exit 1
fi
# Vite turns a Node built-in into an empty stub with a warning: here the warning is a failure.
npx vite build --outDir dist/vite --emptyOutDir >vite.log 2>&1 || { cat vite.log; exit 1; }
if grep -qi 'externalized for browser compatibility' vite.log; then
  cat vite.log
  exit 1
fi

# The README examples' other inputs, then the examples, one at a time in README order.
mkdir -p "$examples/data"
cp -r "$root/packages/models/fixtures/mdlm-tiny" "$examples/mdlm-owt"
node --input-type=module - "$examples/data/addresses.jsonl" <<'EOF'
// 219 documents of 50 sentences from the last 30 State of the Union addresses, one JSON a line:
// enough for textCorpus's default valid split (every 100th document) to fill a 1024-token block.
import { writeFileSync } from 'node:fs';
import { sotuAddresses } from '@md4/datasets/node';
const documents = sotuAddresses()
  .slice(-30)
  .flatMap(({ text }) => {
    const sentences = text.split(/(?<=[.?!])\s+/);
    return Array.from({ length: Math.ceil(sentences.length / 50) }, (_, i) =>
      sentences.slice(50 * i, 50 * i + 50).join(' '),
    );
  });
writeFileSync(process.argv[2], documents.map((text) => `${JSON.stringify({ text })}\n`).join(''));
EOF
MD4_CACHE_DIR="$examples/.cache" node "$root/scripts/package-check/readme-examples.mjs" run readme dist/readme "$examples"
echo "package check: ${#packages[@]} packages packed, linted, installed, type-checked strictly, run in Node and bundled for the browser (esbuild, Vite); their README examples type-checked and run"
