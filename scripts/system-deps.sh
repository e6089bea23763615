#!/usr/bin/env bash
# Install the Debian packages the product needs when they are missing and we may:
# ngspice's shared library (always) and Chromium (with --browser, for browser tests).
# As root we install; with passwordless sudo we use it; otherwise we stop and say
# exactly what to run.
set -euo pipefail

packages=()
ldconfig -p 2>/dev/null | grep -q 'libngspice\.so\.0' || packages+=(libngspice0 libngspice0-dev)
command -v ngspice >/dev/null 2>&1 || packages+=(ngspice)
if [[ "${1:-}" == "--browser" ]]; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Kirchhoff needs these Debian packages: ${packages[*]}" >&2
  echo "Install them, then run make again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
echo "Installing ${packages[*]} ..."
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
