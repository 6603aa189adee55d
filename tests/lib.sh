# tests/lib.sh — helpers for shell test scripts (integration, conformance,
# escape). Source it; every check prints one TAP line that tests/run counts.
#
#	. "$ROOT/tests/lib.sh"
#	t_check "agents list finds the seed" "$CORDON" agents list
#	t_eq "exit code" "$rc" 2
#	t_done
#
# Names are one line. Diagnostics (t_fail's extra arguments, t_diag) may hold
# any text: every line of them is printed as a "#" comment, so captured
# output such as another run's "not ok" lines never reaches the TAP stream.
#
# Environment from tests/run: ROOT, B, CORDON, HELPERS.
set -u
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${B:=$ROOT/build}"
: "${CORDON:=$B/cordon}"
: "${HELPERS:=$B/tests/helpers}"
T_FAILED=0

# t_name TEXT: TEXT on one line (a newline in a name would end the TAP line).
t_name() {
	local s=${1//$'\r'/ }
	printf '%s' "${s//$'\n'/ }"
}

# t_diag TEXT...: every line of every argument as a TAP comment.
t_diag() {
	local arg line
	for arg in "$@"; do
		while IFS= read -r line || [ -n "$line" ]; do
			printf '#   %s\n' "${line//$'\r'/}"
		done <<<"$arg"
	done
}

t_pass() { echo "ok - $(t_name "$*")"; }
t_fail() {
	echo "not ok - $(t_name "$1")"
	T_FAILED=1
	shift
	[ $# -gt 0 ] && t_diag "$@"
	return 0
}
t_skip() { echo "ok - $(t_name "$1") # SKIP $(t_name "$2")"; }

# t_check NAME CMD...: passes when CMD exits 0.
t_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "command: $*" "${out:0:2000}"; fi
}

# t_check_fails NAME CMD...: passes when CMD exits non-zero.
t_check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then t_fail "$name" "unexpected success: $*" "${out:0:2000}"; else t_pass "$name"; fi
}

# t_eq NAME GOT WANT
t_eq() {
	if [ "$2" == "$3" ]; then t_pass "$1"; else t_fail "$1" "got:  ${2:0:2000}" "want: ${3:0:2000}"; fi
}

# t_contains NAME HAYSTACK NEEDLE
t_contains() {
	case $2 in
	*"$3"*) t_pass "$1" ;;
	*) t_fail "$1" "missing: $3" "in: ${2:0:2000}" ;;
	esac
}

# t_tmpdir: a fresh directory removed at exit.
t_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/cordon-test.XXXXXX")
	T_TMPDIRS+=("$d")
	echo "$d"
}
T_TMPDIRS=()
t_cleanup() { local d; for d in "${T_TMPDIRS[@]}"; do rm -rf "$d"; done; }
trap t_cleanup EXIT

t_done() { exit 0; }
