#!/usr/bin/env bash
# Runs a command with this project's toolchain, installing what is missing first:
# Node.js 22 (from npm, into .tools/), shellcheck, MariaDB (the tests start their own server) and
# the Python tools (from the OS packages), and node_modules.
#
#   scripts/dev.sh npx projen example   # synthesize the example app
#   scripts/dev.sh npx projen build     # build and run every test
set -euo pipefail
cd "$(dirname "$0")/.."

node_dir="$PWD/.tools/node"
if [ ! -x "$node_dir/node_modules/node/bin/node" ]; then
  echo "Installing Node.js 22 into .tools/node" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$node_dir" node@22 >&2
fi
export PATH="$node_dir/node_modules/node/bin:$PATH"

missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
{ command -v mariadbd || [ -x /usr/sbin/mariadbd ]; } >/dev/null 2>&1 || missing+=(mariadb-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
# mariadbd and mariadb-install-db live in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/sbin"

# The Python package is built with Debian's build tools, and the Python tests (test:python) run
# in a virtualenv that takes attrs, cattrs, python-dateutil and pytest from the OS.
python_packages="python3-venv python3-pip python3-build python3-wheel python3-setuptools twine python3-pytest python3-attr python3-cattr python3-dateutil"
if ! /usr/bin/python3 -c 'import ensurepip, venv, build, wheel, setuptools, pytest, attr, cattr, dateutil' >/dev/null 2>&1 \
  || ! command -v twine >/dev/null 2>&1; then
  echo "Installing the Python tools: $python_packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $python_packages >&2
fi

# A fresh clone, or a lock file newer than the installed tree, gets a clean install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi

exec "$@"
