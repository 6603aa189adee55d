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

# t_tmpdir: a fresh directory removed at exit (by t_cleanup, the EXIT trap;
# a script that sets its own EXIT trap calls t_cleanup in it). They live
# under one directory per script, named when lib.sh is sourced and made on
# first use, so that `d=$(t_tmpdir)` (a subshell, whose bookkeeping would be
# lost) is still cleaned up. A planted directory of that name is refused: it
# must be ours and not a link.
T_TMPBASE=$(mktemp -u "${TMPDIR:-/tmp}/cordon-test.XXXXXXXX")
t_tmpdir() {
	mkdir -m 755 "$T_TMPBASE" 2>/dev/null ||
		{ [ -d "$T_TMPBASE" ] && [ ! -L "$T_TMPBASE" ] && [ -O "$T_TMPBASE" ]; } ||
		{ echo "t_tmpdir: cannot make '$T_TMPBASE'" >&2; return 1; }
	mktemp -d "$T_TMPBASE/d.XXXXXX"
}
t_cleanup() {
	if [ -d "$T_TMPBASE" ] && [ ! -L "$T_TMPBASE" ] && [ -O "$T_TMPBASE" ]; then rm -rf "$T_TMPBASE"; fi
	return 0
}
trap t_cleanup EXIT

t_done() { exit 0; }
