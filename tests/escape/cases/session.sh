# Attacks between the calls of one session (tests/helpers/escape-session):
# an agent makes many calls, some concurrent, through one session sandbox;
# `cordon sandbox` makes one. A call must not reach a concurrent call's
# processes, memory or environment, leave a process behind for the next
# call, or read the supervisor's command line. Sourced by battery.

# ss_run: run the driver once for all SS cases (in the battery's shell, at
# the top of this list; the cases read SS_OUT). Returns 1 if it is missing.
ss_run() {
	[ -x "$HELPERS/escape-session" ] || return 1
	ARGV_MARKER=argv-secret-$$-$RANDOM
	ARGV_HEX=$(printf '%s' "$ARGV_MARKER" | od -An -tx1 | tr -d ' \n')
	SS_OUT=$(cd "$WS" && timeout -k 5 60 "${RUNAS[@]}" "${CONF_PREFIX[@]}" "$HELPERS/escape-session" \
		"$WS" "$WSPROBE" "$ARGV_MARKER" 2>&1)
	SS_RC=$?
}

# ss_ready LABEL: can the SS cases judge anything? Prints the case's line
# (SKIP or failure) and returns 1 when not.
ss_ready() {
	if [ "$ESC_SANDBOX" != 1 ]; then
		t_skip "$1" "$ESC_SANDBOX_WHY"
		return 1
	fi
	if [ "$SS_RAN" != 1 ]; then
		t_fail "$1: the session driver did not run" "no $HELPERS/escape-session (make test-bins)"
		return 1
	fi
}

# ss_check ID DESC UNCONF-PROBE-ARGS [ns]: judge line ID of the driver's
# output; the unconfined half runs the probe against a host process. "ns":
# without namespaces a breach is a SKIP (as attack()'s ns option).
ss_check() {
	local id=$1 desc=$2 uargs=$3 ns=${4:-} label="[$ESC_MODE] $1 $2" line u_note="" name res
	ss_ready "$label" || return
	if [ "$ESC_DEGRADED" = 1 ]; then
		u_note="unconfined shown in $ESC_PLAIN_MODE mode"
	elif [ -n "$uargs" ]; then
		# shellcheck disable=SC2086
		esc_exec U "$WS" 0 "" "${RUNAS[@]}" "$PROBE" $uargs
		name=${uargs%% *}
		case $(esc_verdict "$name" "$U_out" "$U_rc") in
		ok* | reached*) u_note="works unconfined against a host process" ;;
		*) t_fail "$label: the probe does not work unconfined" "$U_out"; return ;;
		esac
	fi
	line=$(printf '%s\n' "$SS_OUT" | grep "^$id " | head -n 1)
	line=${line#"$id "}
	case $line in
	"exit=1 "*" denied errno="*)
		res=${line#*denied errno=}
		esc_record "$id" ok "denied $res"
		t_pass "$label: $u_note, blocked in the session ($res)"
		;;
	"signal=31 "* | "signal=9 "*)
		esc_record "$id" ok "signal ${line%% *}"
		t_pass "$label: $u_note, blocked in the session (${line%% *})"
		;;
	"exit=0 "*" ok"*)
		esc_record "$id" ok "ok: ${line#exit=0 }"
		if [ "$ns" = ns ] && [ "$ESC_DEGRADED" = 1 ]; then
			t_skip "$label: not blocked without namespaces (${line#exit=0 })" "needs namespaces (degraded mode)"
			return
		fi
		t_fail "$label: $u_note, ESCAPED in the session (${line#exit=0 })" "$(printf '%s\n' "$SS_OUT" | head -n 20)"
		;;
	*)
		esc_record "$id" ok "broken: $line"
		t_fail "$label: the driver gave no verdict (exit $SS_RC)" "$(printf '%s\n' "$SS_OUT" | head -n 20)"
		;;
	esac
}

ss05() {
	local label="[$ESC_MODE] SS05 a detached grandchild outlives its call in a session"
	ss_ready "$label" || return
	case $SS_OUT in
	*"SS05 survivor=no"*) t_pass "$label: killed with the call" ;;
	*"SS05 survivor=yes"*) t_fail "$label: ESCAPED, it wrote after the call" ;;
	*) t_fail "$label: no verdict" "$SS_OUT" ;;
	esac
}

ss07() {
	ss_check SS07 "read the supervisor's command line (a key passed in argv)" \
		"proc-grep hex:$ARGV_HEX ${ARGV_HOLDER:-0}" ns
	[ -n "${ARGV_HOLDER:-}" ] && kill "$ARGV_HOLDER" 2>/dev/null
	return 0
}

SS_RAN=0 SS_OUT="" SS_RC="" ARGV_HEX="" ARGV_HOLDER=""
if [ "${ESC_LISTING:-0}" != 1 ] && [ "$ESC_SANDBOX" = 1 ] &&
	{ esc_wanted SS01 || esc_wanted SS02 || esc_wanted SS03 || esc_wanted SS04 ||
		esc_wanted SS05 || esc_wanted SS06 || esc_wanted SS07; }; then
	ss_run && SS_RAN=1
	# A host process with the marker in its argv, only for SS07's unconfined
	# half (the driver ran before it existed). Its sleep dies with it: a
	# killed sh would leave the sleep behind.
	if [ "$SS_RAN" = 1 ] && [ "$ESC_DEGRADED" != 1 ]; then
		"${RUNAS[@]}" sh -c 'trap "kill \$! 2>/dev/null; exit 0" TERM; sleep 600 & wait' "$ARGV_MARKER" \
			</dev/null >/dev/null 2>&1 &
		ARGV_HOLDER=$!
		ESC_PIDS+=("$ARGV_HOLDER")
	fi
fi
esc_case SS01 ss_check SS01 "signal a concurrent call's process" "kill-all"
esc_case SS02 ss_check SS02 "ptrace a concurrent call's process" "ptrace $VICTIM"
esc_case SS03 ss_check SS03 "read a concurrent call's environment" "proc-grep hex:$CANARY_HEX $VICTIM"
esc_case SS04 ss_check SS04 "open a concurrent call's /proc/PID/mem" "mem-open $VICTIM"
esc_case SS06 ss_check SS06 "find a process left by an earlier call" "kill-all"
esc_case SS07 ss07
esc_case SS05 ss05
