#!/usr/bin/env bash
# The project's full check, as run by CI: system packages, dependencies, build, typecheck, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-system.sh --tests
pnpm install --frozen-lockfile
pnpm run build
pnpm run typecheck
pnpm run lint
MD4_REQUIRE_NATIVE=1 pnpm run test:packages
