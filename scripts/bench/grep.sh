#!/usr/bin/env bash
# scripts/bench/grep.sh — Grep and Glob against ripgrep on the glibc tree.
#
# Corpus: the glibc source tree (scripts/bench/make-corpus, from Debian's
# glibc-source package), ~20k files, ~280 MB unpacked, warm page cache.
# For each case the result sets are checked first (cordon's output with
# head_limit 0 against rg's with the reference's flags, paths normalised,
# sorted): the timing is only reported for equal sets.
#
# Timed, interleaved round by round (order rotated, BENCH_ROUNDS, default
# 10), median wall time of each:
#   cordon        tests/helpers/toolcall: tool_execute() in-process (the
#                 tool code itself: walk, read, match, format)
#   cordon tool   `cordon tool Grep ...`: process start, sandbox, child
#   session       per call inside one open `cordon tool --stdin` session
#                 (how the agent loop runs tools): the paired difference
#                 of two sessions run back to back, both opened by the same
#                 trivial call (a Glob matching nothing),
#                   A = trivial call,  B = trivial call + N calls of the case
#                 per call = (wall(B) - wall(A)) / N, median over rounds.
#                 The difference is exactly the N calls (policy, request,
#                 confined child, search, result over IPC, persisted-output
#                 step); the session set-up and teardown cancel out.
#                 N = BENCH_SESSION_CALLS, default 10.
#   rg            ripgrep with the flags the reference passes (docs/tools.md,
#                 "Grep"), one process per call (as Claude Code runs it)
# and the ratios cordon/rg, cordon-tool/rg and session/rg (goal: <= 1.0).
# The session's result (the N-th call's; a persisted output read from its
# file) is checked against rg's set like the in-process one.
# Glob "**/*.c" is timed against the reference's own command
# (rg --files --glob '**/*.c' --sort=modified --no-ignore --hidden) and
# against the plain `rg --files -g '*.c'`.
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${CORDON:=$B/cordon}"
: "${HELPERS:=$B/tests/helpers}"
: "${BENCH_OUT:=$B/bench}"
mkdir -p "$BENCH_OUT"
rounds=${BENCH_ROUNDS:-10}
ncalls=${BENCH_SESSION_CALLS:-10}
TC=$HELPERS/toolcall
OUTDIR=$BENCH_OUT/grep-out # persisted outputs (overwritten; not left in $TMPDIR)
TRIVIAL='{"name":"Glob","input":{"pattern":"zz_cordon_bench_no_such_file_zz"}}'

command -v rg >/dev/null || { echo "SKIP: ripgrep is not installed"; exit 0; }
[ -x "$TC" ] || { echo "SKIP: $TC missing (make test-bins)"; exit 0; }
C=$("$ROOT/scripts/bench/make-corpus") || { echo "SKIP: no benchmark corpus (scripts/install-deps --bench)"; exit 0; }
nfiles=$(find "$C" -type f | wc -l)
echo "# $(uname -sr), $(nproc) CPUs, $(rg --version | head -1); corpus $C: $nfiles files, $(du -sh "$C" | cut -f1)"
echo "# $rounds interleaved rounds; median wall ms; session: $ncalls calls per session, per-call ms; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache.
rg --no-config -uuu -c zzzzzz_warm "$C" >/dev/null 2>&1
rg --no-config -uuu --files "$C" >/dev/null 2>&1

RGBASE=(--no-config --hidden --glob '!.git' --glob '!.svn' --glob '!.hg' --glob '!.bzr' --glob '!.jj' --glob '!.sl'
	--max-columns 500)

now_ns() { date +%s%N; }

# run_ms CMD...: wall ms of one run, output discarded.
run_ms() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null 2>&1
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000))
}

# session_files TOOL JSON: the stdin of session A (FILE.a) and B (FILE.b).
session_files() {
	local tool=$1 json=$2 f=$BENCH_OUT/grep-session i
	printf '%s\n' "$TRIVIAL" >"$f.a"
	{
		printf '%s\n' "$TRIVIAL"
		for ((i = 0; i < ncalls; i++)); do
			printf '{"name":"%s","input":%s}\n' "$tool" "$json"
		done
	} >"$f.b"
	echo "$f"
}

# session_ms STDIN-FILE: wall us of one `cordon tool --stdin` session.
session_ms() {
	local t0 t1
	t0=$(now_ns)
	"$CORDON" tool --workspace "$C" --output-dir "$OUTDIR" --stdin <"$1" >/dev/null 2>&1
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000))
}

# session_result TOOL JSON: the text the model gets from the call made as
# the second of a session (the first being the trivial one), with a
# persisted output replaced by the saved file's whole text.
session_result() {
	printf '%s\n{"name":"%s","input":%s}\n' "$TRIVIAL" "$1" "$2" |
		"$CORDON" tool --workspace "$C" --output-dir "$OUTDIR" --stdin 2>/dev/null | sed -n 2p |
		python3 -c '
import json, re, sys
c = json.loads(sys.stdin.read())["content"]
m = re.match(r"<persisted-output>\nOutput too large \([^)]*\)\. Full output saved to: (.*)\n", c)
if m:
    c = open(m.group(1), encoding="utf-8", errors="replace").read()
sys.stdout.write(c.rstrip("\n") + "\n")'
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

norm() {
	python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().decode("utf-8", "replace"))' |
		sed -e "s|^$C/||" | LC_ALL=C sort
}

fails=0
# bench_grep NAME JSON RG-ARGS...
bench_grep() {
	local name=$1 json=$2 got want n i order sf sa a=() t=() r=() s=() src
	shift 2
	want=$(rg "${RGBASE[@]}" "$@" "$C" 2>/dev/null | norm)
	n=$(printf '%s\n' "$want" | grep -c .)
	for src in toolcall session; do
		if [ $src = toolcall ]; then
			got=$("$TC" "$C" Grep "$json")
		else
			got=$(session_result Grep "$json")
		fi
		case $json in
		*'"content"'*) ;;
		*) got=$(printf '%s\n' "$got" | tail -n +2) ;;
		esac
		got=$(printf '%s\n' "$got" | norm)
		if [ "$got" != "$want" ]; then
			echo "MISMATCH $name ($src): result sets differ from rg's"
			diff <(echo "$want") <(echo "$got") | head -5
			fails=1
			return
		fi
	done
	sf=$(session_files Grep "$json")
	for ((i = 0; i < rounds; i++)); do
		order=$((i % 4))
		for k in 0 1 2 3; do
			case $(((order + k) % 4)) in
			0) a+=("$(run_ms "$TC" -q "$C" Grep "$json")") ;;
			1) t+=("$(run_ms "$CORDON" tool --workspace "$C" --output-dir "$OUTDIR" Grep "$json")") ;;
			2) r+=("$(run_ms rg "${RGBASE[@]}" "$@" "$C")") ;;
			3)
				sa=$(session_ms "$sf.a")
				s+=($((($(session_ms "$sf.b") - sa) / ncalls)))
				;;
			esac
		done
	done
	local ma mt mr ms
	ma=$(printf '%s\n' "${a[@]}" | median)
	mt=$(printf '%s\n' "${t[@]}" | median)
	mr=$(printf '%s\n' "${r[@]}" | median)
	ms=$(printf '%s\n' "${s[@]}" | median)
	printf '%-28s %6d lines/files, sets equal | cordon %7.1f  cordon-tool %7.1f  session %7.1f  rg %7.1f ms | ratio %.2f / %.2f / %.2f\n' \
		"$name" "$n" "$ma" "$mt" "$ms" "$mr" "$(echo "$ma / $mr" | bc -l)" "$(echo "$mt / $mr" | bc -l)" \
		"$(echo "$ms / $mr" | bc -l)"
	echo "grep,$name,$n,$ma,$mt,$mr,$ms" >>"$BENCH_OUT/grep.csv"
}

: >"$BENCH_OUT/grep.csv"
bench_grep "-l literal memcpy" '{"pattern":"memcpy","head_limit":0}' -l -e memcpy
bench_grep "-l regex str[a-z]*cmp\\s*\\(" '{"pattern":"str[a-z]*cmp\\s*\\(","head_limit":0}' -l -e 'str[a-z]*cmp\s*\('
bench_grep "-l -i deadlock" '{"pattern":"deadlock","-i":true,"head_limit":0}' -l -i -e deadlock
bench_grep "content literal memcpy" '{"pattern":"memcpy","output_mode":"content","head_limit":0}' -n -e memcpy
bench_grep "content regex" '{"pattern":"str[a-z]*cmp\\s*\\(","output_mode":"content","head_limit":0}' -n -e 'str[a-z]*cmp\s*\('
bench_grep "content -i deadlock" '{"pattern":"deadlock","-i":true,"output_mode":"content","head_limit":0}' -n -i -e deadlock

# Glob **/*.c: cordon shows the 100 oldest; check they are rg's matches with rg's 100 oldest mtimes.
{
	json='{"pattern":"**/*.c"}'
	all=$(cd "$C" && rg --no-config --files --glob '**/*.c' --no-ignore --hidden | LC_ALL=C sort)
	n=$(printf '%s\n' "$all" | grep -c .)
	m_want=$(cd "$C" && printf '%s\n' "$all" | xargs stat -c %Y | sort -n | head -100 | md5sum)
	ok=1
	for src in toolcall session; do
		if [ $src = toolcall ]; then
			got=$("$TC" "$C" Glob "$json")
		else
			got=$(session_result Glob "$json")
		fi
		got=$(printf '%s\n' "$got" | grep -v '^(Results are truncated')
		missing=$(comm -13 <(echo "$all") <(printf '%s\n' "$got" | LC_ALL=C sort) | grep -c . || true)
		m_got=$(cd "$C" && printf '%s\n' "$got" | xargs stat -c %Y | sort -n | md5sum)
		if [ "$missing" != 0 ] || [ "$m_got" != "$m_want" ]; then
			echo "MISMATCH glob ($src): $missing paths not matched by rg, or not rg's 100 oldest"
			fails=1 ok=0
		fi
	done
	if [ $ok = 1 ]; then
		a=() t=() r=() u=() s=()
		sf=$(session_files Glob "$json")
		for ((i = 0; i < rounds; i++)); do
			a+=("$(run_ms "$TC" -q "$C" Glob "$json")")
			r+=("$(cd "$C" && run_ms rg --no-config --files --glob '**/*.c' --sort=modified --no-ignore --hidden)")
			sa=$(session_ms "$sf.a")
			s+=($((($(session_ms "$sf.b") - sa) / ncalls)))
			u+=("$(cd "$C" && run_ms rg --no-config --files -g '*.c')")
			t+=("$(run_ms "$CORDON" tool --workspace "$C" --output-dir "$OUTDIR" Glob "$json")")
		done
		ma=$(printf '%s\n' "${a[@]}" | median)
		mt=$(printf '%s\n' "${t[@]}" | median)
		mr=$(printf '%s\n' "${r[@]}" | median)
		mu=$(printf '%s\n' "${u[@]}" | median)
		ms=$(printf '%s\n' "${s[@]}" | median)
		printf '%-28s %6d files (100 shown), sets agree | cordon %7.1f  cordon-tool %7.1f  session %7.1f  rg --sort=modified %7.1f  rg -g %7.1f ms | ratio %.2f / %.2f / %.2f (vs rg -g: %.2f / %.2f / %.2f)\n' \
			"Glob **/*.c" "$n" "$ma" "$mt" "$ms" "$mr" "$mu" "$(echo "$ma / $mr" | bc -l)" "$(echo "$mt / $mr" | bc -l)" \
			"$(echo "$ms / $mr" | bc -l)" "$(echo "$ma / $mu" | bc -l)" "$(echo "$mt / $mu" | bc -l)" "$(echo "$ms / $mu" | bc -l)"
		echo "glob,**/*.c,$n,$ma,$mt,$mr,$mu,$ms" >>"$BENCH_OUT/grep.csv"
	fi
}
exit $fails
