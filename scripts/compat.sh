#!/usr/bin/env bash
# API compatibility with the last release: compares the compiled assembly (.jsii) with the
# latest published version of this package using jsii-diff, which fails on a breaking change to
# the public API in any jsii language. Until a version has been published there is nothing to
# compare with, and the check says so and succeeds. Any other registry error fails the check.
# A deliberate breaking change is accepted by adding the key jsii-diff prints to .compatignore.
set -euo pipefail
cd "$(dirname "$0")/.."

name=$(node -p 'require("./package.json").name')
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

if ! released=$(npm view "$name" version 2>"$errors"); then
  if grep -q 'E404' "$errors"; then
    released=""
  else
    cat "$errors" >&2
    echo "compat: could not ask the registry for the last release of $name" >&2
    exit 1
  fi
fi
if [ -z "$released" ]; then
  echo "compat: no previous release of $name; nothing to compare with"
  exit 0
fi

if [ ! -f .jsii ]; then
  echo "compat: .jsii is missing; run \`npx projen compile\` first" >&2
  exit 1
fi
echo "compat: comparing the API with $name@$released"
jsii-diff "npm:$name@$released" . --keys --ignore-file .compatignore
