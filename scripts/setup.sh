#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine: the virtualenv from the lock files
# and, for the given purpose, the Debian packages (CJK fonts and HarfBuzz's subsetter for PDFs,
# Chromium for browser tests).
# Usage: scripts/setup.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"
PYTHON="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.requirements.sha
want=$(cat requirements/base.txt requirements/dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python dependencies from the lock files"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/base.txt -r requirements/dev.txt
  echo "$want" > "$stamp"
fi

# HarfBuzz's subsetter lets WeasyPrint embed only the glyphs a PDF uses; without it WeasyPrint
# falls back to fontTools, which spends seconds per CJK face on every PDF.
packages=(fonts-noto-cjk libharfbuzz-subset0)
[ "$purpose" = "test" ] && packages+=(chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! missing Debian packages: ${missing[*]}"
    echo "!! install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  fi
fi
