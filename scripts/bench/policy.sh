#!/usr/bin/env bash
# scripts/bench/policy.sh — the cost of a policy decision, next to a spawn.
#
# tests/helpers/bench-policy times policy_decide() on typical and large
# Bash commands and a Read against ~200 path rules, the agent-file and
# settings parsers, and as the anchor fork+exec+wait of /bin/true (the
# least a confined tool call costs). Best of 5 batches, in-process.
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${HELPERS:=$B/tests/helpers}"
H=$HELPERS/bench-policy
[ -x "$H" ] || { echo "SKIP: $H missing (make test-bins)"; exit 0; }
echo "# $(uname -sr), $(nproc) CPUs"
ROOT=$ROOT "$H" -n "${BENCH_POLICY_N:-2000}"
