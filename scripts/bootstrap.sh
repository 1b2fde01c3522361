#!/usr/bin/env bash
# Install what liuke needs into this checkout: a virtual environment at .venv (locked versions from
# requirements.lock) and the front-end libraries from npm, copied into the static tree. Idempotent:
# it only redoes a step when its inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;36m[liuke]\033[0m %s\n' "$*"; }

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "liuke needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2; exit 2; }
  say "creating the virtual environment in .venv with $($PY --version)"
  "$PY" -m venv .venv || {
    echo "Could not create a virtual environment. On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 2; }
fi

stamp=.venv/.liuke-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
  say "installing Python packages (locked in requirements.lock)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
  touch "$stamp"
fi

assets=src/liuke/static/vendor/.installed
if [ ! -f "$assets" ] || [ package-lock.json -nt "$assets" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Node.js and npm (Debian packages) for the front-end libraries"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "liuke's front-end libraries come from npm: install Node.js and npm, then run this again." >&2
      exit 2
    fi
  fi
  say "installing front-end libraries from npm (served by liuke itself, never from a CDN)"
  npm ci --no-audit --no-fund --loglevel=error
  .venv/bin/python tools/vendor_assets.py
  touch "$assets"
fi
