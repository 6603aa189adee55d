#!/usr/bin/env bash
# scripts/bench/git.sh — the cost of a run's git record (runtime/git) on the
# glibc tree: the base snapshot and each checkpoint after it.
#
# Corpus: the glibc source tree (scripts/bench/make-corpus), copied once to
# $BENCH_OUT/git/ and committed there (~20k files; the copy keeps the Grep
# corpus free of a .git). Warm page cache.
#
# Timed with tests/helpers/gitrun (the module in-process, as cordon -p calls
# it; each figure is its own clock around the call):
#   base        gitrun_open(): the private copy of the index, the scan, the
#               base commit and its ref (a clean checkout: nothing read again)
#   checkpoint  one file rewritten, then gitrun_checkpoint(): scan with stat
#               reuse, the changed blob and trees, the commit, the ref
#               (BENCH_CHECKPOINTS rounds, default 20; median and max)
#   cold base   the same tree with no commit and no index: every file read
#               and written as a blob, every ignore rule consulted (anchor:
#               git add -A && git write-tree there)
# Anchors on the same tree: `git status --porcelain` (git's own stat scan)
# and `git add -A && git write-tree` with a temporary index copied from the
# real one (the closest thing git does to a checkpoint).
# Goal: a checkpoint after the first <= 0.2 s.
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${HELPERS:=$B/tests/helpers}"
: "${BENCH_OUT:=$B/bench}"
n=${BENCH_CHECKPOINTS:-20}
GITRUN=$HELPERS/gitrun
if [ ! -x "$GITRUN" ]; then
	echo "SKIP: $GITRUN is not built (make test-bins)"
	exit 0
fi
corpus=$("$ROOT/scripts/bench/make-corpus" 2>/dev/null) || {
	echo "SKIP: no corpus (apt-get install glibc-source; scripts/bench/make-corpus)"
	exit 0
}
dir=$BENCH_OUT/git
repo=$dir/glibc
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost GIT_COMMITTER_NAME=bench \
	GIT_COMMITTER_EMAIL=bench@localhost GIT_CONFIG_NOSYSTEM=1
if [ ! -f "$dir/.committed" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$corpus" "$repo"
	rm -f "$repo/.unpacked"
	git -C "$repo" init -q
	git -C "$repo" add -A
	git -C "$repo" commit -qm corpus
	touch "$dir/.committed"
fi
files=$(git -C "$repo" ls-files | wc -l)
size=$(du -sm --exclude=.git "$repo" | cut -f1)
uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Warm the cache (and the index's stat data: git status refreshes it).
git -C "$repo" status --porcelain >/dev/null

echo "corpus: $repo ($files files, $size MB)"
out=$("$GITRUN" bench "$repo" "$(uuid)" "$n") || { echo "gitrun bench failed"; exit 1; }
printf '%s\n' "$out" >"$dir/bench.out"
base=$(printf '%s\n' "$out" | awk '$1 == "base" {print $2}')
cps=$(printf '%s\n' "$out" | awk '$1 == "checkpoint" {print $2}')
cp_med=$(printf '%s\n' "$cps" | median)
cp_max=$(printf '%s\n' "$cps" | sort -n | tail -n 1)
cp_first=$(printf '%s\n' "$cps" | head -n 1)
made=$(printf '%s\n' "$out" | grep -c ' made$')
rm -f "$repo/cordon-bench-file.txt"

# Anchors.
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
st=$(for _ in 1 2 3 4 5; do t git -C "$repo" status --porcelain; done | median)
idx=$dir/index.tmp
wt=$(for _ in 1 2 3 4 5; do
	cp "$repo/.git/index" "$idx"
	touch -r "$repo/.git/index" "$idx"
	t env GIT_INDEX_FILE="$idx" sh -c "git -C '$repo' add -A && git -C '$repo' write-tree"
done | median)
rm -f "$idx"

# The cold base: the same files, no commit, no index.
cold=$dir/cold
if [ ! -d "$cold" ]; then
	cp -a "$repo" "$cold"
	rm -rf "$cold/.git"
fi
rm -rf "$cold/.git"
git -C "$cold" init -q
cold_out=$("$GITRUN" bench "$cold" "$(uuid)" 5) || { echo "gitrun bench (cold) failed"; exit 1; }
cold_base=$(printf '%s\n' "$cold_out" | awk '$1 == "base" {print $2}')
cold_cp=$(printf '%s\n' "$cold_out" | awk '$1 == "checkpoint" {print $2}' | median)
rm -rf "$cold/.git" "$cold/cordon-bench-file.txt"
git -C "$cold" init -q
cold_git=$(t sh -c "git -C '$cold' add -A && git -C '$cold' write-tree")
rm -rf "$cold/.git"

printf '%-44s %10s\n' "what" "seconds"
printf '%-44s %10s\n' "base snapshot (clean checkout, index seed)" "$base"
printf '%-44s %10s\n' "checkpoint, first after the base" "$cp_first"
printf '%-44s %10s\n' "checkpoint, median of $n ($made made)" "$cp_med"
printf '%-44s %10s\n' "checkpoint, max of $n" "$cp_max"
printf '%-44s %10s\n' "cold base (no commit, no index)" "$cold_base"
printf '%-44s %10s\n' "checkpoint after the cold base (median of 5)" "$cold_cp"
printf '%-44s %10s\n' "anchor: git status --porcelain" "$st"
printf '%-44s %10s\n' "anchor: git add -A && git write-tree" "$wt"
printf '%-44s %10s\n' "anchor: the same, cold (no index)" "$cold_git"
echo "ratio checkpoint/git-status: $(echo "scale=2; $cp_med / $st" | bc)"
echo "ratio checkpoint/git-add+write-tree: $(echo "scale=2; $cp_med / $wt" | bc)"
if [ "$(echo "$cp_med <= 0.2" | bc)" = 1 ]; then
	echo "goal (checkpoint <= 0.2 s): met"
else
	echo "goal (checkpoint <= 0.2 s): NOT met"
fi
