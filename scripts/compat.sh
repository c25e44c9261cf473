#!/usr/bin/env bash
# API compatibility with the last release: compares the compiled assembly (.jsii) with the
# latest published version of this package using jsii-diff, which fails on a breaking change to
# the public API in any jsii language. Until a version has been published there is nothing to
# compare with, and the check says so and succeeds. Any other registry error fails the check.
#
# While the package is experimental (0.x) a breaking change is allowed, but never unannounced:
# jsii-diff reports changes to experimental APIs as errors here too (--experimental-errors), and
# the check passes only when a commit since that release is marked as breaking (`feat!:` or a
# `BREAKING CHANGE:` footer), which makes the release a new minor version and puts the change in
# the changelog. A stable API's breaking change (from 1.0 on) is accepted only by adding the key
# jsii-diff prints to .compatignore.
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
if jsii-diff "npm:$name@$released" . --keys --ignore-file .compatignore --experimental-errors; then
  exit 0
fi
stability=$(node -p 'require("./package.json").stability')
if [ "$stability" = "experimental" ]; then
  # The commits since the release's tag (v<version>, as the release workflow writes it).
  if ! git rev-parse -q --verify "refs/tags/v$released" >/dev/null; then
    echo "compat: the tag v$released is not in this clone (git fetch --tags), so the breaking change cannot be matched with a commit" >&2
    exit 1
  fi
  mapfile -t marked < <(git log --format='%H' -E --grep='^[a-z]+(\([^()]+\))?!: ' --grep='^BREAKING[ -]CHANGE: ' "v$released..HEAD")
  if [ ${#marked[@]} -gt 0 ]; then
    echo "compat: the API changed incompatibly since $released; accepted, since it is experimental and these commits are marked as breaking:"
    git log --no-walk --oneline "${marked[@]}"
    exit 0
  fi
  echo "compat: the API changed incompatibly since $name@$released (above) and no commit since then is marked as breaking." >&2
  echo "compat: mark the commit (\`feat!: ...\` or a \`BREAKING CHANGE: <what users must change>\` footer); see CONTRIBUTING.md, Releases." >&2
fi
exit 1
