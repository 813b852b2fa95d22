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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
MD4_REQUIRE_NATIVE=1 pnpm run test:packages 2>&1 | tee "$log"
# One closing line over every package's vitest summary ("Tests  N passed | M skipped (T)").
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  / Tests +[0-9]/ {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) passed += $i
      if ($(i + 1) ~ /^failed/) failed += $i
      if ($(i + 1) ~ /^skipped/) skipped += $i
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }'
