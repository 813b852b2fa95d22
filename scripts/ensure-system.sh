#!/usr/bin/env bash
# Installs what the project needs beyond Node 20: pnpm, and Debian packages.
#   bash scripts/ensure-system.sh          pnpm + OpenBLAS (the native backend's BLAS) and oneDNN (its
#                                          bf16 products, --precision bf16); both optional
#   bash scripts/ensure-system.sh --tests  also Fashion-MNIST (dataset tests), Chromium (web app tests;
#                                          its SwiftShader is also the Vulkan device of the WebGPU test in
#                                          Node) and the Vulkan loader libvulkan1 (Dawn opens libvulkan.so.1;
#                                          chromium bundles its own copy, which Dawn does not find)
# Idempotent: installs only what is missing.
set -euo pipefail

PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

OPTIONAL=(libopenblas0-pthread libdnnl-dev)
REQUIRED=()
if [ "${1:-}" = "--tests" ]; then
  REQUIRED+=(dataset-fashion-mnist chromium libvulkan1)
fi

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}
mapfile -t missing < <(missing_of "${OPTIONAL[@]}" "${REQUIRED[@]}")
[ "${#missing[@]}" -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=none; fi
fi
if [ "$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mapfile -t still < <(missing_of "${REQUIRED[@]}")
if [ "${#still[@]}" -gt 0 ]; then
  echo "missing Debian packages the tests need: ${still[*]} (as root: apt-get install -y ${still[*]})" >&2
  exit 1
fi
mapfile -t still < <(missing_of "${OPTIONAL[@]}")
for p in "${still[@]}"; do
  case "$p" in
    libopenblas0-pthread) echo "note: $p not installed; training falls back to the slower wasm backend" >&2 ;;
    libdnnl-dev) echo "note: $p not installed; --precision bf16 falls back to float32 products, and float32 products stay on OpenBLAS" >&2 ;;
  esac
done
