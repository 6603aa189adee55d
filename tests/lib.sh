# tests/lib.sh — helpers for shell test scripts (integration, conformance,
# escape). Source it; every check prints one TAP line that tests/run counts.
#
#	. "$ROOT/tests/lib.sh"
#	t_check "agents list finds the seed" "$CORDON" agents list
#	t_eq "exit code" "$rc" 2
#	t_done
#
# Every script ends with t_done, which prints the plan ("1..N", N the TAP
# lines this shell printed): tests/run fails a script without a plan, or whose
# plan does not match its lines, so a script that dies half-way is a failure
# and not a shorter success. A script that knows its count up front may call
# t_plan first instead; t_done then prints nothing more.
#
# The verdict helpers must run in the script's own shell, not in a subshell
# or a pipeline: a line printed there is not counted and the plan comes out
# short (which tests/run reports). To run a sub-script that prints its own
# TAP, use t_sub.
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
T_COUNT=0
T_PLAN=""

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

t_pass() {
	echo "ok - $(t_name "$*")"
	T_COUNT=$((T_COUNT + 1))
}
t_fail() {
	echo "not ok - $(t_name "$1")"
	T_COUNT=$((T_COUNT + 1))
	T_FAILED=1
	shift
	[ $# -gt 0 ] && t_diag "$@"
	return 0
}
t_skip() {
	echo "ok - $(t_name "$1") # SKIP $(t_name "$2")"
	T_COUNT=$((T_COUNT + 1))
}

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

# t_is_tap LINE: is LINE a TAP result ("ok ...", "not ok ...")?
t_is_tap() {
	case $1 in "ok" | "ok "* | "not ok" | "not ok "*) return 0 ;; esac
	return 1
}

# t_tap_count TEXT: how many TAP result lines TEXT holds.
t_tap_count() {
	local line n=0
	while IFS= read -r line; do
		t_is_tap "$line" && n=$((n + 1))
	done <<<"$1"
	echo "$n"
}

# t_sub LABEL CMD...: run a script that prints TAP with a plan, relay its
# lines as our own (its plan becomes a comment) and count them; when it
# printed no plan, or a different number of lines than it planned (it died
# half-way), add a failure naming LABEL. Returns CMD's exit status.
t_sub() {
	local label=$1 line plan="" n=0 rc lp=0
	shift
	# The loop must run in this shell to count: lastpipe (scripts have no
	# job control, so it applies).
	shopt -q lastpipe && lp=1
	shopt -s lastpipe
	"$@" 2>&1 | while IFS= read -r line || [ -n "$line" ]; do
		if t_is_tap "$line"; then
			n=$((n + 1))
			T_COUNT=$((T_COUNT + 1))
			case $line in "not ok"*) T_FAILED=1 ;; esac
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			if [ -n "$plan" ]; then plan=twice; else plan=${line#1..}; fi
			line="# $label: plan $line"
		fi
		printf '%s\n' "$line"
	done
	rc=${PIPESTATUS[0]}
	[ "$lp" = 1 ] || shopt -u lastpipe
	if [ -z "$plan" ]; then
		t_fail "$label: no plan (died after $n tests?)" "exit status $rc"
	elif [ "$plan" = twice ]; then
		t_fail "$label: printed more than one plan" "exit status $rc"
	elif [ "$plan" != "$n" ]; then
		t_fail "$label: planned $plan tests, ran $n (died half-way?)" "exit status $rc"
	fi
	return "$rc"
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

# t_plan N: announce N tests up front (the plan may come first or last).
t_plan() {
	T_PLAN=$1
	echo "1..$1"
}

# t_done: the trailing plan (unless t_plan printed one), then exit 0. The
# verdicts are in the lines; the exit status is not how a script fails.
t_done() {
	[ -n "$T_PLAN" ] || echo "1..$T_COUNT"
	exit 0
}
