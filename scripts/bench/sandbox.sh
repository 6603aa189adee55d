#!/usr/bin/env bash
# scripts/bench/sandbox.sh — what confinement costs per call (issue 3).
#
# 1. tests/helpers/bench-sandbox: one session sandbox (runtime/sandbox/sandbox.h),
#    then interleaved rounds of
#      Bash-profile /bin/true through the open session,
#      plain fork + execve /bin/true from the same process,
#      a registered in-process function in a confined child (no exec),
#      bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true;
#    medians per call, session setup time, the warden's VmRSS.
#    Goals: sandbox ≤ 1.3× fork+exec, bwrap ≥ 4× the sandbox, function ≤ 0.5×
#    fork+exec.
# 2. hyperfine, whole processes: `cordon sandbox -- /bin/true` (session setup
#    + one call + teardown) against the same bwrap line and /bin/true.
# Environment: ROOT, B, CORDON, HELPERS, BENCH_OUT (scripts/bench/run sets
# them); BENCH_ROUNDS (15), BENCH_CALLS (30). As root, part 1 runs twice:
# as root (cgroup per call) and as uid 65534 (no cgroup: rlimits only).
# Prints "SKIP: why" and exits 0 when the sandbox is not there to measure.
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${CORDON:=$B/cordon}"
: "${HELPERS:=$B/tests/helpers}"
: "${BENCH_OUT:=$B/bench}"
mkdir -p "$BENCH_OUT"
rounds=${BENCH_ROUNDS:-15}
calls=${BENCH_CALLS:-30}

ws=$(mktemp -d /tmp/cordon-bench.XXXXXX)
trap 'rm -rf "$ws"' EXIT

echo "# $(uname -sr), $(nproc) CPUs, $(id -un); $(date -u +%FT%TZ)"
if ! out=$("$CORDON" sandbox --profile bash --workspace "$ws" -- /bin/true 2>&1); then
	echo "SKIP: 'cordon sandbox' cannot run /bin/true: $(printf '%s' "$out" | head -n 1)"
	exit 0
fi

# ---- 1. per call, inside one session --------------------------------------
if [ -x "$HELPERS/bench-sandbox" ]; then
	echo "## per call, as $(id -un) (bench-sandbox -r $rounds -n $calls)"
	"$HELPERS/bench-sandbox" -r "$rounds" -n "$calls" -w "$ws" | tee "$BENCH_OUT/sandbox-percall.txt"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench-sandbox failed" >&2; exit 1; }
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		ws2=$(mktemp -d /tmp/cordon-bench.XXXXXX)
		chown 65534:65534 "$ws2"
		echo "## per call, as uid 65534 (bench-sandbox -r $rounds -n $calls --no-bwrap)"
		(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$HELPERS/bench-sandbox" -r "$rounds" -n "$calls" -w "$ws2" --no-bwrap) |
			tee "$BENCH_OUT/sandbox-percall-unpriv.txt"
		rc=${PIPESTATUS[0]}
		rm -rf "$ws2"
		[ "$rc" -eq 0 ] || echo "(bench-sandbox as uid 65534 failed: exit $rc)"
	fi
else
	echo "SKIP: per-call figures need $HELPERS/bench-sandbox (make test-bins)"
fi

# ---- 2. whole processes -----------------------------------------------------
if command -v hyperfine >/dev/null 2>&1; then
	echo "## one-shot processes (hyperfine -N)"
	hyperfine -N --warmup 5 --runs 100 --style basic --export-json "$BENCH_OUT/sandbox-oneshot.json" \
		"/bin/true" \
		"$CORDON sandbox --profile bash --workspace $ws -- /bin/true" \
		"bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true" 2>&1 |
		grep -vE '^\s*$'
	python3 - "$BENCH_OUT/sandbox-oneshot.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = {x["command"].split()[0].split("/")[-1]: x["median"] * 1e6 for x in r}
t, c, b = m.get("true"), m.get("cordon"), m.get("bwrap")
print("oneshot_true_us=%.0f" % t)
print("oneshot_cordon_us=%.0f" % c)
if b:
    print("oneshot_bwrap_us=%.0f" % b)
    print("ratio_oneshot_bwrap_vs_cordon=%.2f" % (b / c))
PY
else
	echo "(hyperfine not installed: no one-shot figures)"
fi
