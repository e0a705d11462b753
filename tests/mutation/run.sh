#!/usr/bin/env bash
# Mutation smoke test: applies each one-line mutation of mutations.txt to a scratch copy of the
# source, rebuilds the unit tests there and runs them. A mutation the suite does not catch ("SURVIVED")
# means a behaviour no test pins. Run before a release (minutes per mutation on two cores), not in CI.
#   tests/mutation/run.sh [MUTATIONS_FILE]     (scratch copy in $MUTATION_DIR, default build/mutation)
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
list="${1:-$here/mutations.txt}"
scratch="${MUTATION_DIR:-$source_dir/build/mutation}"
copy="$scratch/src"

# The copy keeps the tree's layout (sources + build/default inside), so ccache finds the real build's
# objects for every file the mutation does not touch.
mkdir -p "$copy"
find "$copy" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +  # keep the scratch build for the next run
# -m: the copied files get the current time. With the tree's own times, a file a previous run mutated
# and restored would look older than its (mutated) object, and ninja would link that object again.
tar -C "$source_dir" --exclude=./build --exclude=./.git -cf - . | tar -C "$copy" -xmf -
cmake -S "$copy" -B "$copy/build/default" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKATABOT_INTEGRATION_TESTS=OFF >/dev/null ||
  exit 2
if ! cmake --build "$copy/build/default" --target unit_tests -j2 >"$scratch/baseline.log" 2>&1 ||
   ! "$copy/build/default/tests/unit_tests" >>"$scratch/baseline.log" 2>&1; then
  echo "mutation: the unmutated suite is not green (see $scratch/baseline.log)" >&2
  exit 2
fi

# Prints KILLED / SURVIVED / NOT-APPLIED for one mutation and leaves the copy unmutated.
mutate() {
  local file="$1" original="$2" mutated="$3"
  cp "$copy/$file" "$scratch/original"
  if ! python3 - "$copy/$file" "$original" "$mutated" <<'PY'
import sys
path, original, mutated = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
if text.count(original) != 1:
    sys.exit(1)
open(path, "w", encoding="utf-8").write(text.replace(original, mutated))
PY
  then
    echo "NOT-APPLIED"
    return
  fi
  if ! cmake --build "$copy/build/default" --target unit_tests -j2 >"$scratch/last.log" 2>&1; then
    echo "KILLED (build)"
  elif timeout 600 "$copy/build/default/tests/unit_tests" >>"$scratch/last.log" 2>&1; then
    echo "SURVIVED"
  else
    echo "KILLED ($(grep -m1 -o 'test cases: .*' "$scratch/last.log" || echo 'suite red'))"
  fi
  cp "$scratch/original" "$copy/$file"
}

survivors=0
total=0
while IFS= read -r -d '' file && IFS= read -r -d '' original && IFS= read -r -d '' mutated; do
  verdict="$(mutate "$file" "$original" "$mutated")"
  total=$((total + 1))
  [[ "$verdict" == KILLED* ]] || survivors=$((survivors + 1))
  echo "$verdict  $file: $original  =>  $mutated"
done < <(python3 -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip() or line.startswith("#"):
        continue
    fields = [field.strip() for field in line.rstrip("\n").split(" @@ ")]
    sys.stdout.write("\0".join(fields) + "\0")
' "$list")
echo "mutation: $((total - survivors)) of $total mutations killed"
[[ $survivors -eq 0 ]]
