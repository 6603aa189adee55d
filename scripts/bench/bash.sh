#!/usr/bin/env bash
# scripts/bench/bash.sh — what a Bash tool call costs (issue 8).
#
# tests/helpers/bench-bash: one tool session (runtime/session/session.h,
# the real sandbox), then interleaved rounds of
#   a Bash tool call of `true`, request to result (session_call: input
#   checks, the policy, the wrapper, the sandbox call, the sentinel, the
#   shell's directory, the result's text),
#   plain fork + execve of `/bin/bash -c true` + waitpid from the same
#   process (the anchor);
# medians per call, the paired ratio, and paced calls (3 ms apart). Goal:
# the tool call ≤ 1.3× the anchor. Runs without a policy and with a
# default-mode policy that judges every call.
# Environment: ROOT, B, HELPERS, BENCH_OUT (scripts/bench/run sets them);
# BENCH_ROUNDS (15), BENCH_CALLS (30).
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${HELPERS:=$B/tests/helpers}"
: "${BENCH_OUT:=$B/bench}"
mkdir -p "$BENCH_OUT"
rounds=${BENCH_ROUNDS:-15}
calls=${BENCH_CALLS:-30}

[ -x "$HELPERS/bench-bash" ] || { echo "SKIP: needs $HELPERS/bench-bash (make test-bins)"; exit 0; }
ws=$(mktemp -d /tmp/cordon-bench.XXXXXX)
home=$(mktemp -d /tmp/cordon-bench-home.XXXXXX)
trap 'rm -rf "$ws" "$home"' EXIT
echo "# $(uname -sr), $(nproc) CPUs, $(id -un), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
if ! HOME=$home "$HELPERS/bench-bash" -r 1 -n 1 -P 0 -w "$ws" >/dev/null 2>"$BENCH_OUT/bash.err"; then
	echo "SKIP: a Bash call cannot run here: $(head -n 1 "$BENCH_OUT/bash.err")"
	exit 0
fi
echo "## Bash tool call of true vs fork+exec of bash -c true (bench-bash -r $rounds -n $calls -P 40)"
HOME=$home "$HELPERS/bench-bash" -r "$rounds" -n "$calls" -P 40 -w "$ws" | tee "$BENCH_OUT/bash-percall.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench-bash failed" >&2; exit 1; }
echo "## the same, every call judged by a default-mode policy (--policy)"
HOME=$home "$HELPERS/bench-bash" -r "$rounds" -n "$calls" -P 40 -w "$ws" --policy | tee "$BENCH_OUT/bash-percall-policy.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench-bash --policy failed" >&2; exit 1; }
