#!/usr/bin/env bash
# The project's full check, as run by CI: system packages, dependencies, build, typecheck, lint, tests,
# and the packed packages as a user installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-system.sh --tests
pnpm install --frozen-lockfile
pnpm run build
pnpm run typecheck
pnpm run lint
# Every symbol the packages export (each entry of their exports maps) has a doc comment, and so has
# each member of their exported interfaces, object types and classes.
node scripts/api-docs-check.mjs
log=$(mktemp)
check_log=$(mktemp)
trap 'rm -f "$log" "$check_log"' EXIT
MD4_REQUIRE_NATIVE=1 pnpm run test:packages 2>&1 | tee "$log"
# The packed packages in a fresh project outside the workspace (strict types, Node run, browser bundle).
if ! bash scripts/package-check.sh >"$check_log" 2>&1; then
  cat "$check_log"
  exit 1
fi
tail -n 1 "$check_log"
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
