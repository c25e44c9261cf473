#!/usr/bin/env bash
# Tests the library against one end of the aws-cdk-lib range it supports, after the build (it
# needs lib/, assets/, .jsii, and for the Python step the wheel of `package:python:offline`):
#
#   scripts/cdk-range.sh floor    the aws-cdk-lib and constructs floors of package.json's peerDependencies
#   scripts/cdk-range.sh latest   the newest aws-cdk-lib and constructs the npm registry serves
#   scripts/cdk-range.sh 2.230.0  that aws-cdk-lib, with the constructs floor
#
# Further arguments go to jest (e.g. a test file) in place of the suites it runs by default.
#
# The project is copied into .cache/cdk-range/<end>/project (node_modules as hard links, so the
# copy costs no space), aws-cdk-lib and constructs of that end are installed into an overlay
# beside it and replace their links in the copy's node_modules (removing a link leaves the
# original intact; nothing in the working tree's node_modules is written), and then, against
# those versions, the steps of CDK_RANGE_STEPS (default "types unit python"):
#
#   types   the library's code (src/) type-checks: every aws-cdk-lib API it calls exists;
#   unit    the jest suites (jest --ci: a snapshot is compared, never written), except the
#           suites named in CDK_RANGE_SKIP (space-separated paths; the tasks in
#           projenrc/cdk-range.ts set it and say why). Tests that need a tool newer than this
#           end allows skip themselves and say why in their names (test/cdk-range.ts); they are
#           listed at the end of the step;
#   python  the Python tests: Python and TypeScript synthesize identical templates
#           (test/python/test_templates.py), the README's Python examples run, with the Python
#           packages of this end's aws-cdk-lib and constructs.
#
# Each step prints its time; the working tree is left as it is.
# shellcheck disable=SC2317 # the step functions are called through `run`
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

end=${1:?usage: scripts/cdk-range.sh floor|latest|<aws-cdk-lib version> [jest arguments]}
shift
# The lower bound of a peer range in package.json (`^2.215.0` is 2.215.0).
floor_of() { node -p "require('./package.json').peerDependencies['$1'].replace(/^[\\^~>=]+/, '')"; }
case "$end" in
  floor) cdk=$(floor_of aws-cdk-lib); constructs=$(floor_of constructs) ;;
  latest) cdk=$(npm view aws-cdk-lib@latest version); constructs=$(npm view constructs@latest version) ;;
  [0-9]*.*.*) cdk=$end; constructs=$(floor_of constructs) ;;
  *) echo "cdk-range: unknown end '$end' (floor, latest or a version)" >&2; exit 2 ;;
esac
steps=${CDK_RANGE_STEPS:-types unit python}
for built in lib/index.js .jsii assets; do
  if [ ! -e "$built" ]; then
    echo "cdk-range: $built is missing; run \`npx projen compile\` first" >&2
    exit 1
  fi
done

work=.cache/cdk-range/$end
echo "cdk-range: $end = aws-cdk-lib $cdk, constructs $constructs (in $work)"
started=$SECONDS

# The overlay: the two packages at this end with their own dependencies, installed once per
# pair of versions.
overlay=$work/overlay
if [ "$(cat "$overlay/.versions" 2>/dev/null)" != "$cdk $constructs" ]; then
  rm -rf "$overlay"
  mkdir -p "$overlay"
  echo '{ "name": "cdk-range-overlay", "private": true }' > "$overlay/package.json"
  (cd "$overlay" && npm install --no-save --no-audit --no-fund --loglevel=error --ignore-scripts \
    "aws-cdk-lib@$cdk" "constructs@$constructs")
  echo "$cdk $constructs" > "$overlay/.versions"
fi

# The copy: the working tree without its caches, then node_modules as hard links with the
# overlay's packages in place of the project's.
copy=$work/project
mkdir -p "$copy"
rsync -a --delete --exclude=/node_modules/ --exclude=/.git/ --exclude=/.cache/ --exclude=/.tools/ \
  --exclude='/cdk.out*/' --exclude=/coverage/ --exclude=/test-reports/ --exclude=/dist/js/ ./ "$copy/"
rm -rf "$copy/node_modules"
cp -al node_modules "$copy/node_modules"
replace() {
  rm -rf "$copy/node_modules/$1"
  mkdir -p "$(dirname "$copy/node_modules/$1")"
  cp -al "$overlay/node_modules/$1" "$copy/node_modules/$1"
}
for entry in "$overlay"/node_modules/*; do
  name=$(basename "$entry")
  if [ "${name#@}" != "$name" ]; then
    for scoped in "$entry"/*; do replace "$name/$(basename "$scoped")"; done
  else
    replace "$name"
  fi
done
# The Python packages generated for each npm version are shared with the working tree's cache
# (they are keyed by version); the virtualenv is the copy's own.
mkdir -p .cache/python/deps "$copy/.cache/python"
ln -sfn "$root/.cache/python/deps" "$copy/.cache/python/deps"
wheelhouse=${PYTHON_WHEELHOUSE:-../shared/python-wheelhouse}
if [ -d "$wheelhouse" ]; then
  PYTHON_WHEELHOUSE="$(cd "$wheelhouse" && pwd)"
  export PYTHON_WHEELHOUSE
fi

cd "$copy"
export PATH="$PWD/node_modules/.bin:$PATH"
installed=$(node -p 'require("aws-cdk-lib/package.json").version + ", constructs " + require("constructs/package.json").version')
if [ "$installed" != "$cdk, constructs $constructs" ]; then
  echo "cdk-range: the copy resolves aws-cdk-lib $installed, not $cdk, constructs $constructs" >&2
  exit 1
fi
echo "cdk-range: the copy resolves aws-cdk-lib $installed ($((SECONDS - started)) s)"

status=0
run() {
  local name=$1; shift
  local step_started=$SECONDS
  if "$@"; then
    echo "cdk-range: $end: $name passed ($((SECONDS - step_started)) s)"
  else
    echo "cdk-range: $end: $name FAILED ($((SECONDS - step_started)) s)" >&2
    status=1
  fi
}
# jest --ci on every suite but the skipped ones, then the names of the tests that skipped
# themselves (their names say why).
unit_tests() {
  rm -rf test-reports
  local args=("$@") result=0 skipped
  if [ ${#args[@]} -eq 0 ]; then
    for skipped in ${CDK_RANGE_SKIP:-}; do
      echo "cdk-range: not run here (see the task's description): $skipped"
      args+=(--testPathIgnorePatterns "/${skipped//./\\.}")
    done
  fi
  npx jest --ci --coverage=false "${args[@]}" || result=$?
  if [ -f test-reports/junit.xml ]; then
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e '
      const xml = require("fs").readFileSync("test-reports/junit.xml", "utf8");
      for (const m of xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*>\s*<skipped/g)) {
        const name = m[1].replace(/&apos;/g, "\x27").replace(/&quot;/g, "\x22").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
        console.log(`cdk-range: skipped: ${name}`);
      }'
  fi
  return "$result"
}
python_tests() {
  if [ ! -d dist/python ]; then
    npx projen package:python:offline
  fi
  bash scripts/python-test.sh
}
for step in $steps; do
  case "$step" in
    types) run "the library's code type-checks" npx tsc --noEmit -p tsconfig.json ;;
    unit) run "unit tests" unit_tests "$@" ;;
    python) run "Python tests (templates identical to TypeScript's, the README's Python examples)" python_tests ;;
    *) echo "cdk-range: unknown step '$step'" >&2; status=1 ;;
  esac
done
echo "cdk-range: $end (aws-cdk-lib $cdk) done in $((SECONDS - started)) s"
exit "$status"
