#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for kzlogframe: Chromium and Noto fonts (browser tests,
# chart export, Kazakh glyphs) and PostgreSQL (the DuckLake backend and its tests, scripts/pg_local.sh)
# from Debian, then the Python packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "NotoSans-Regular" \
   || ! fc-list 2>/dev/null | grep -q "NotoColorEmoji" || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-core fonts-noto-color-emoji fontconfig postgresql >/dev/null
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
