#!/usr/bin/env bash
# The main job: set up, train a small MD4 model on the bundled corpus (State of the Union addresses,
# public domain, cleaned to text8 characters), evaluate it on the held-out addresses, print samples.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-system.sh
pnpm install --frozen-lockfile
pnpm exec turbo run build --filter @md4/cli...
md4() { node apps/cli/dist/md4.js "$@"; }
md4 train --config apps/cli/configs/quickstart.yaml --out runs/quickstart
md4 eval runs/quickstart/checkpoint --split valid
md4 sample runs/quickstart/checkpoint --count 4 --length 128 --steps 128 --seed 1
