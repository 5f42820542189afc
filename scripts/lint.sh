#!/usr/bin/env bash
# Static checks on our own C++ (server/ client/ sim/ bench/ tests/; not
# third_party/ nor generated code), with the repository's .clang-format and
# .clang-tidy.
#
#   scripts/lint.sh format          clang-format --dry-run: fails on any file
#                                   that is not formatted
#   scripts/lint.sh format --fix    reformat those files in place
#   scripts/lint.sh tidy            clang-tidy on every translation unit of
#                                   ours in $BUILD_DIR/compile_commands.json,
#                                   $JOBS at a time
#   scripts/lint.sh tidy FILE.cc... only those units
#   scripts/lint.sh                 both
#
# The tidy stage needs a configured build whose generated headers exist
# (`./dev lint` and `./dev test` see to that). A translation unit found clean
# is remembered by a hash of its text, the text of every header of ours it
# includes (transitively), the protos, the compile commands (without the
# checkout's path and the configured commit), .clang-tidy and the
# clang-tidy version, in $TIDY_CACHE (default ~/.cache/seedance/clang-tidy,
# shared by every clone on the machine); only changed units are checked
# again.
#
# Environment: BUILD_DIR (default build), JOBS (default nproc),
# CLANG_TIDY / CLANG_FORMAT (default clang-tidy / clang-format), TIDY_CACHE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
OUR_DIRS='^(server|client|sim|bench|tests)/'
# Where clean results are remembered: outside the checkout, like ccache's
# objects, so a fresh clone on the same machine (CI) reuses them.
TIDY_CACHE=${TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seedance/clang-tidy}

say() { printf '[lint] %s\n' "$*" >&2; }

# Our C++ sources and headers, relative to ROOT.
our_files() {
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -- '*.cc' '*.h' | grep -E "$OUR_DIRS"
  else
    (cd "$ROOT" && find server client sim bench tests -name '*.cc' -o -name '*.h') |
      sort
  fi
}

format_check() {
  local fix=${1:-} files bad=()
  command -v "$CLANG_FORMAT" >/dev/null || { say "$CLANG_FORMAT not found"; return 1; }
  mapfile -t files < <(our_files)
  if [ "$fix" = --fix ]; then
    (cd "$ROOT" && "$CLANG_FORMAT" -i "${files[@]}")
    say "clang-format: reformatted ${#files[@]} files in place"
    return 0
  fi
  # One process for the whole tree; its report names each file once per
  # change, so keep the distinct names.
  mapfile -t bad < <(cd "$ROOT" && "$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>&1 |
    sed -nE 's/^([^:]+):[0-9]+:[0-9]+: (error|warning): .*clang-format-violations.*/\1/p' |
    sort -u)
  if [ "${#bad[@]}" -gt 0 ]; then
    say "clang-format: ${#bad[@]} of ${#files[@]} files need formatting" \
      "(scripts/lint.sh format --fix):"
    printf '  %s\n' "${bad[@]}" >&2
    return 1
  fi
  say "clang-format: ${#files[@]} files clean"
}

# --- tidy ------------------------------------------------------------------

# Prints "UNIT KEY" for each unit named after SALT ($1): KEY hashes SALT, the
# unit's text and the text of every header of ours it reaches through
# quoted includes (resolved against ROOT). One python3 process (clang-tidy's
# run-clang-tidy needs python3 anyway) instead of a subshell per header.
unit_keys() {
  python3 - "$ROOT" "$@" <<'PY'
import hashlib, os, re, sys
root, salt, units = sys.argv[1], sys.argv[2], sys.argv[3:]
include = re.compile(rb'^#include "([^"]+)"', re.M)
texts, deps = {}, {}
def text(path):
    if path not in texts:
        with open(path, 'rb') as f:
            texts[path] = f.read()
        deps[path] = [p for p in (os.path.join(root, m.decode())
                                  for m in include.findall(texts[path]))
                      if os.path.isfile(p)]
    return texts[path]
for unit in units:
    seen, todo = set(), [unit]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        text(path)
        todo.extend(deps[path])
    h = hashlib.sha256(salt.encode())
    # Paths relative to the checkout: another clone's clean result counts.
    for path in sorted(seen):
        rel = os.path.relpath(path, root)
        h.update(b'\0== ' + rel.encode() + b'\0' + texts[path])
    print(unit, h.hexdigest())
PY
}

# One unit: run clang-tidy, keep its report, mark it clean in the cache.
tidy_one() {
  local unit=$1 key=$2 cache=$3 out
  out="$cache/$key.log"
  if "$CLANG_TIDY" -p "$BUILD_DIR" --quiet "$unit" >"$out" 2>&1 &&
    ! grep -qE '(warning|error):' "$out"; then
    rm -f "$out"
    touch "$cache/$key.clean"
  else
    sed -E '/^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$/d;
            /^Suppressed [0-9]+ warnings/d; /^Use -header-filter/d' "$out"
    return 1
  fi
}
export -f tidy_one
export CLANG_TIDY BUILD_DIR

tidy_check() {
  local db=$BUILD_DIR/compile_commands.json cache=$TIDY_CACHE
  command -v "$CLANG_TIDY" >/dev/null || { say "$CLANG_TIDY not found"; return 1; }
  [ -f "$db" ] || { say "no $db: configure the build first (./dev lint does)"; return 1; }
  mkdir -p "$cache"
  local units salt unit key todo=() cached=0 start=$SECONDS
  mapfile -t units < <(sed -nE 's/^ *"file": "(.*)",?$/\1/p' "$db" |
    grep -E "^$ROOT/(server|client|sim|bench|tests)/" | sort -u)
  if [ "$#" -gt 0 ]; then
    local wanted=() w
    for w in "$@"; do
      w=$(realpath -m "$w")
      printf '%s\n' "${units[@]}" | grep -qxF "$w" ||
        { say "$w: not a unit of ours in $db"; return 1; }
      wanted+=("$w")
    done
    units=("${wanted[@]}")
  fi
  # The checkout's own path is left out of the key (CI's fresh clone
  # reuses what a clean run here found), and so is the commit the build
  # was configured at (-DSEEDANCE_COMMIT, a string no check looks at),
  # which would make every commit a miss for every unit.
  salt=$({ "$CLANG_TIDY" --version; cat "$ROOT/.clang-tidy";
    sed "s#$ROOT#@ROOT@#g; s#$BUILD_DIR#@BUILD@#g;
         s#-DSEEDANCE_COMMIT=[^ ]*##g" "$db";
    find "$ROOT/proto" "$ROOT/third_party" -name '*.proto' -print0 | sort -z |
      xargs -0 cat; } | sha256sum | cut -c1-64)
  while read -r unit key; do
    if [ -f "$cache/$key.clean" ]; then
      cached=$((cached + 1))
    else
      todo+=("$unit" "$key")
    fi
  done < <(unit_keys "$salt" "${units[@]}")
  if [ "${#units[@]}" -eq 0 ] || [ $((cached + ${#todo[@]} / 2)) -ne "${#units[@]}" ]; then
    say "clang-tidy: found ${#units[@]} units in $db, keyed $((cached + ${#todo[@]} / 2))"
    return 1
  fi
  say "clang-tidy: ${#units[@]} units, $cached unchanged since a clean run," \
    "checking $(( ${#todo[@]} / 2 )) with $JOBS jobs"
  local rc=0
  if [ "${#todo[@]}" -gt 0 ]; then
    printf '%s\0' "${todo[@]}" |
      xargs -0 -n2 -P "$JOBS" bash -c 'tidy_one "$2" "$3" "$1"' _ "$cache" ||
      rc=$?
  fi
  # The same header finding shows once per unit that includes it.
  if [ "$rc" -ne 0 ]; then
    say "clang-tidy: findings above ($((SECONDS - start)) s); fix them, or" \
      "'// NOLINT(check): reason' where the check is wrong for that line"
    return 1
  fi
  say "clang-tidy: clean ($((SECONDS - start)) s)"
}

case "${1:-all}" in
  format) format_check "${2:-}" ;;
  tidy) shift && tidy_check "$@" ;;
  all)
    rc=0
    format_check || rc=1
    tidy_check || rc=1
    exit "$rc"
    ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
