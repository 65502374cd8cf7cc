#!/usr/bin/env bash
# Checks the project's citations of its protocol pages (see docs/README.md):
# - no file outside docs/ cites the team's former fact sheets by their old names;
# - every `docs/<page>.md §N` citation names a page of docs/ and a section that page has
#   (for lists and ranges, `§4, §8` and `§4–§6`, every section named).
# Usage: docs/check-citations.sh (from anywhere in the repository). Exit 1 on a bad citation.
set -euo pipefail
cd "$(dirname "$0")/.."

sources() {
  git ls-files -- '*.rs' '*.py' '*.sh' '*.md' '*.json' '*.toml' "$@"
}

status=0

# Old names: the fact sheets lived outside the repository.
old='client-protocol\.md|nada-programs\.md|shared/protocol/|(^|[^/a-z-])masking\.md|(^|[^/a-z-])payments-and-devnet\.md'
# (docs/ itself is exempt: its index links the pages by their relative names.)
if sources ':!docs/**' | xargs -r grep -nE "$old" --; then
  echo "error: the lines above cite a document outside the repository (see docs/README.md)" >&2
  status=1
fi

# Every cited section must exist as a `§N` heading of the cited page (the pages' own
# cross-references included).
cite='docs/[a-z-]+\.md`?( ?§[0-9]+(\.[0-9]+)*((, ?| ?– ?|-)§[0-9]+(\.[0-9]+)*)*)?'
while IFS= read -r hit; do
  location=${hit%%:docs/*}
  citation=${hit#"$location":}
  page=${citation%%.md*}.md
  if [ ! -f "$page" ]; then
    echo "$location: $citation: no page $page" >&2
    status=1
    continue
  fi
  for section in $(grep -oE '§[0-9]+(\.[0-9]+)*' <<<"$citation"); do
    if ! grep -qE "^#+ ${section}( |$)" "$page"; then
      echo "$location: $citation: $page has no section $section" >&2
      status=1
    fi
  done
done < <(sources | xargs -r grep -noE "$cite" --)

exit "$status"
