#!/usr/bin/env bash
# scripts/bench/files.sh — the file tools on big files (issue 4).
#
#  Read 10 MB:  a ranged Read of the last 100 lines (the whole file is
#               scanned) and of the first 2000 lines; a whole-file Read
#               (refused by size from fstat, must be instant).
#  Edit 100 MB: one unique replacement in the middle of a 100 MB text file
#               (Read limit 1, then Edit, one `cordon tool --stdin` session),
#               against the same session with the Read alone, and against
#               python3 doing read + str.replace + write as the anchor.
#               Goal: the Edit itself (session minus Read-only session)
#               <= 0.5 s.
# Figures: wall seconds (whole `cordon tool` process, start-up included) and
# peak RSS (KB, the largest process of the tree, from /usr/bin/time): median
# time and largest RSS of BENCH_ROUNDS runs (default 5).
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${CORDON:=$B/cordon}"
: "${BENCH_OUT:=$B/bench}"
mkdir -p "$BENCH_OUT"
rounds=${BENCH_ROUNDS:-5}
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (GNU time, Debian package 'time') is not installed"; exit 0; }

ws=$(mktemp -d /tmp/cordon-bench-files.XXXXXX)
trap 'rm -rf "$ws"' EXIT
echo "# $(uname -sr), $(nproc) CPUs; $(date -u +%FT%TZ)"

python3 - "$ws" <<'PY'
import sys
ws = sys.argv[1]
line = "the quick brown fox jumps over the lazy dog, line %07d of the benchmark file\n"
with open(ws + "/r10.txt", "w") as f:
    n = 0; size = 0
    while size < 10 * 1024 * 1024:
        s = line % n; f.write(s); size += len(s); n += 1
with open(ws + "/e100.txt", "w") as f:
    n = 0; size = 0
    while size < 100 * 1024 * 1024:
        s = line % n; f.write(s); size += len(s); n += 1
        if n == 600000: f.write("UNIQUE_MARKER_IN_THE_MIDDLE\n")
PY
r10_lines=$(wc -l <"$ws/r10.txt")

# measure LABEL CMD...: median wall time and max RSS over $rounds runs.
measure() {
	local label=$1 i t m t0 t1 ts=() ms=()
	shift
	for ((i = 0; i < rounds; i++)); do
		t0=$(date +%s%N)
		/usr/bin/time --quiet -f '%M' -o "$BENCH_OUT/files.time" "$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		read -r m <"$BENCH_OUT/files.time"
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
		ts+=("$t")
		ms+=("$m")
	done
	t=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
	m=$(printf '%s\n' "${ms[@]}" | sort -n | tail -1)
	printf '%-44s %8.3f s %10d KB\n' "$label" "$t" "$m"
	echo "$label $t $m" >>"$BENCH_OUT/files.txt"
	LAST=$t
}

: >"$BENCH_OUT/files.txt"
echo "## Read, 10 MB ($r10_lines lines)"
measure "Read whole file (refused by size)" "$CORDON" tool --workspace "$ws" Read '{"file_path":"r10.txt"}'
measure "Read offset=end-100 limit=100 (full scan)" "$CORDON" tool --workspace "$ws" Read \
	"{\"file_path\":\"r10.txt\",\"offset\":$((r10_lines - 99)),\"limit\":100}"
measure "Read limit=2000 (first lines)" "$CORDON" tool --workspace "$ws" Read '{"file_path":"r10.txt","limit":2000}'

echo "## Edit, 100 MB"
read_only='{"name":"Read","input":{"file_path":"e100.txt","limit":1}}'
edit='{"name":"Edit","input":{"file_path":"e100.txt","old_string":"UNIQUE_MARKER_IN_THE_MIDDLE","new_string":"UNIQUE_MARKER_EDITED"}}'
edit_back='{"name":"Edit","input":{"file_path":"e100.txt","old_string":"UNIQUE_MARKER_EDITED","new_string":"UNIQUE_MARKER_IN_THE_MIDDLE"}}'
printf '%s\n' "$read_only" >"$ws/s-read.jsonl"
printf '%s\n' "$read_only" "$edit" "$edit_back" >"$ws/s-edit.jsonl"
measure "session: Read limit=1" sh -c "\"$CORDON\" tool --workspace \"$ws\" --stdin <\"$ws/s-read.jsonl\""
base=$LAST
measure "session: Read limit=1 + 2 Edits" sh -c "\"$CORDON\" tool --workspace \"$ws\" --stdin <\"$ws/s-edit.jsonl\""
per_edit=$(awk -v a="$LAST" -v b="$base" 'BEGIN { printf "%.4f", (a - b) / 2 }')
printf '%-44s %8.3f s   (goal <= 0.5 s)\n' "=> one Edit of 100 MB" "$per_edit"
measure "anchor: python3 read+replace+write" python3 -c "
import sys
p = sys.argv[1]
d = open(p, 'rb').read().replace(b'UNIQUE_MARKER_IN_THE_MIDDLE', b'UNIQUE_MARKER_EDITED', 1)
open(p + '.tmp', 'wb').write(d)
import os; os.replace(p + '.tmp', p)
" "$ws/e100.txt"
grep -q UNIQUE_MARKER_EDITED "$ws/e100.txt" || { echo "anchor did not edit"; exit 1; }
