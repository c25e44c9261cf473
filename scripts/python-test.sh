#!/usr/bin/env bash
# Runs the Python tests (test/python) against the package `package:python:offline` built, in a
# virtualenv made without the Python package registry:
#
# - the Python packages of every jsii dependency of the library (aws-cdk-lib, constructs, ...)
#   are generated with jsii-pacmak from the exact npm versions in node_modules, so both languages
#   run the same versions. They are cached in .cache/python/deps/<package>@<version>/ and the
#   virtualenv in .cache/python/venv/, which is rebuilt only when that list changes;
# - the jsii runtime and its pure-Python dependencies come from wheels pip finds through
#   PIP_FIND_LINKS (the wheelhouse PYTHON_WHEELHOUSE, default ../shared/python-wheelhouse beside
#   the clone, first when it exists, and then with PIP_NO_INDEX=1), or from the registry pip is
#   configured with where there is no wheelhouse. attrs, cattrs, python-dateutil and pytest come
#   from the OS (python3-attr, python3-cattr, python3-dateutil, python3-pytest) through
#   --system-site-packages.
#
#   scripts/python-test.sh [pytest arguments]
#
# PYTHON selects the interpreter (default /usr/bin/python3, whose site packages hold the OS
# packages above).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-/usr/bin/python3}
cache=.cache/python
venv=$cache/venv
started=$SECONDS

# The wheelhouse (PYTHON_WHEELHOUSE, default ../shared/python-wheelhouse) holds everything pip
# needs beyond the OS packages: when it exists it goes first in PIP_FIND_LINKS (keeping any links
# already configured) and pip asks no index, unless PIP_NO_INDEX says otherwise.
wheelhouse=${PYTHON_WHEELHOUSE:-../shared/python-wheelhouse}
if [ -d "$wheelhouse" ]; then
  PIP_FIND_LINKS="$(cd "$wheelhouse" && pwd)${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}"
  PIP_NO_INDEX=${PIP_NO_INDEX:-1}
  export PIP_FIND_LINKS PIP_NO_INDEX
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

shopt -s nullglob
wheels=(dist/python/*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "python-test: expected one wheel in dist/python/ (run \`npx projen package:python:offline\` after compile), found ${#wheels[@]}" >&2
  exit 1
fi

# The jsii dependency closure of the library, as `<npm name>@<version>` (versions from node_modules).
# shellcheck disable=SC2016 # JavaScript, not shell
mapfile -t deps < <(node -e '
  const fs = require("fs");
  const closure = Object.keys(JSON.parse(fs.readFileSync(".jsii", "utf8")).dependencyClosure ?? {});
  for (const name of closure.sort()) {
    const pkg = require.resolve(`${name}/package.json`, { paths: [process.cwd()] });
    console.log(`${name}@${JSON.parse(fs.readFileSync(pkg, "utf8")).version}`);
  }')

mkdir -p "$cache/deps"
for dep in "${deps[@]}"; do
  dir="$cache/deps/${dep//\//+}"
  if [ ! -f "$dir/python/setup.py" ]; then
    echo "python-test: generating the Python package of $dep (aws-cdk-lib takes about a minute)" >&2
    rm -rf "$dir.tmp"
    NODE_OPTIONS="--max-old-space-size=8192 ${NODE_OPTIONS:-}" \
      jsii-pacmak --target python --code-only --no-npmignore --outdir "$dir.tmp" "node_modules/${dep%@*}"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
done

# The virtualenv is reused while it holds the same dependency packages and runtime requirements.
stamp=$(printf '%s\n' "${deps[@]}" "$("$python" --version 2>&1)" "${PIP_FIND_LINKS:-}")
if [ ! -f "$venv/.deps" ] || [ "$(cat "$venv/.deps")" != "$stamp" ]; then
  echo "python-test: creating $venv" >&2
  rm -rf "$venv"
  "$python" -m venv --system-site-packages "$venv"
  for dep in "${deps[@]}"; do
    "$venv/bin/pip" install --quiet --no-deps --no-build-isolation "$cache/deps/${dep//\//+}/python"
  done
  # The runtime, and typing_extensions >= 4.6 named explicitly: an older one from the OS would
  # otherwise count as satisfying the runtime's requirement, and generated code needs 4.6.
  "$venv/bin/pip" install --quiet 'jsii>=1.140.0,<2' 'publication>=0.0.3' 'typeguard>=2.13.3,<4.3.0' 'typing_extensions>=4.6'
  echo "$stamp" > "$venv/.deps"
fi
"$venv/bin/pip" install --quiet --no-deps --force-reinstall "${wheels[0]}"
echo "python-test: environment ready in $((SECONDS - started)) s" >&2

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
status=0
"$venv/bin/python" -m pytest -p no:cacheprovider test/python "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "python-test: pytest collected no tests" >&2
fi
echo "python-test: done in $((SECONDS - started)) s" >&2
exit "$status"
