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
# 2. whole processes, alternating (tests/helpers/alternate): `cordon sandbox
#    -- /bin/true` (session setup + one call + teardown) against /bin/true,
#    the same bwrap line (goal: cordon <= 1.0x bwrap), firejail and unshare.
# Environment: ROOT, B, CORDON, HELPERS, BENCH_OUT (scripts/bench/run sets
# them); BENCH_ROUNDS (15), BENCH_CALLS (30), BENCH_ONESHOT_ROUNDS (30). As root, part 1 runs twice:
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

# ---- 2. one-shot whole processes, alternating --------------------------------
# `cordon sandbox --workspace WS -- /bin/true` (session set-up, one call,
# teardown: every layer) beside the other one-shot sandboxes, each run once
# per round in rotating order (tests/helpers/alternate): bubblewrap (the
# goal: cordon <= 1.0x), firejail with its default profile and no network,
# and util-linux unshare (namespaces only, no filter, no Landlock: a floor).
# BENCH_ONESHOT_ROUNDS (default 30) rounds after 3 warm-up rounds.
oneshot_rounds=${BENCH_ONESHOT_ROUNDS:-30}
if [ -x "$HELPERS/alternate" ]; then
	cmds=("true=/bin/true" "cordon=$CORDON sandbox --profile bash --workspace $ws -- /bin/true")
	bw="bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true"
	fj="firejail --quiet --net=none /bin/true"
	un="unshare --user --map-root-user --mount --pid --fork --net --ipc --uts --cgroup /bin/true"
	# A tool is compared only where it runs here.
	# shellcheck disable=SC2086
	command -v bwrap >/dev/null && $bw >/dev/null 2>&1 && cmds+=("bwrap=$bw")
	# shellcheck disable=SC2086
	command -v firejail >/dev/null && $fj >/dev/null 2>&1 && cmds+=("firejail=$fj")
	# shellcheck disable=SC2086
	command -v unshare >/dev/null && $un >/dev/null 2>&1 && cmds+=("unshare=$un")
	echo "## one-shot processes, alternating (alternate -r $oneshot_rounds; load $(cut -d' ' -f1-3 /proc/loadavg))"
	"$HELPERS/alternate" -r "$oneshot_rounds" -w 3 -j "$BENCH_OUT/sandbox-oneshot.json" "${cmds[@]}" \
		>"$BENCH_OUT/sandbox-oneshot.txt" || { echo "alternate failed" >&2; exit 1; }
	grep -v '^ratio' "$BENCH_OUT/sandbox-oneshot.txt"
	grep '^ratio cordon/' "$BENCH_OUT/sandbox-oneshot.txt"
	r=$(sed -n 's/^ratio cordon\/bwrap paired=\([0-9.]*\).*/\1/p' "$BENCH_OUT/sandbox-oneshot.txt")
	[ -n "$r" ] && echo "oneshot_cordon_vs_bwrap_paired=$r (goal <= 1.0)"
else
	echo "(no $HELPERS/alternate: no one-shot figures; make test-bins)"
fi
