# tests/escape/lib.sh — the escape battery's machinery. Sourced by
# tests/escape/battery after tests/lib.sh; the cases/*.sh files call attack().
#
# One mode per process (tests/escape/battery MODE):
#   root      cordon and the probes run as uid 0
#   user      as the unprivileged user $ESC_USER (created if missing)
#   degraded  as $ESC_USER under tests/helpers/no-userns: no user namespaces,
#             so cordon has Landlock + seccomp + rlimits only
#   degraded-root  as uid 0 under `no-userns --all`: no namespace of any kind
#             (root in a container with Docker's default seccomp profile)
#
# The cases/*.sh files are lists of cases, each with an ID:
#
#	attack ID "what it does" [OPTION...] -- PROBE-NAME [ARGS...]
#	esc_case ID FUNCTION [ARGS...]     (a check attack() cannot express)
#
# The battery reads the lists twice. First to list the IDs (ESC_LISTING=1:
# nothing runs, so the files must do nothing at top level but define
# functions and call attack/esc_case), which gives the plan: the number of
# lines the mode will print, known before anything runs. Then to run them.
# Every case runs in a subshell and must print exactly one TAP line; a case
# that dies (a set -u error, an exit, a signal) or prints no verdict or two
# is reported as a failure naming it (esc_run_case), and the next case runs.
# If the battery itself dies, its EXIT trap names every case that got no
# verdict as a failure (esc_unfinished); were even that impossible (SIGKILL),
# the plan is unmet, which tests/escape/run reports.
#
# attack runs the probe twice: unconfined (directly, as the mode's user, cwd = the
# workspace), where it must work, and confined
#	cordon sandbox --profile bash --workspace $WS -- $WS/bin/probe ...
# where it must be refused. Options:
#   unconf=must    the probe must work unconfined (default); if it does not,
#                  the probe is broken and the line fails
#   unconf=root    must work unconfined only when the mode's user is root
#   unconf=user    must work unconfined only when the mode's user is not root
#   unconf=maybe   depends on the kernel (config, sysctls): reported either way
#   unconf=no      do not run it unconfined (said so in the line)
#   ns             namespaces are what blocks it (mount view, pid/net/ipc/uts
#                  namespace): in degraded mode a breach is reported as a SKIP
#                  naming the missing layer, not as a failure
#   layer=NAME     only that layer (e.g. cgroup) can block it: when cordon
#                  reports the layer inactive for this mode, a breach is a
#                  SKIP naming it (ESC_LAYERS, from `cordon doctor --json`)
#   residual=WHY   a known residual risk: the outcome is reported, never failed
#   evidence=FN    FN prints a state string (a log's line count, a file's
#                  hash); a change across a run means the attack had effect,
#                  whatever the probe printed
#   after=FN       FN restores the fixture after a run that worked
#   uargs="A B"    the probe's arguments for the unconfined run, when they must
#                  differ (word-split)
#   tty            run under script(1): the command's terminal is a pty that
#                  is the controlling terminal of the calling session
#   fd7=PATH       the command inherits PATH open on fd 7
#   bin=PATH       run this binary instead of the probe (both runs)
#   skip=WHY       when WHY is not empty, a SKIP with that reason, nothing
#                  run: only for what a probe or the fixture proved (the
#                  kernel lacks the ABI, the host has no such address)
#   timeout=S      the watchdog for this attack's runs (default ESC_TIMEOUT):
#                  for attacks whose work is large by design (RS02)
#   set_aside=PATH a name no mount can pin before it exists (a guarded name
#                  at depth, a new repository, .git/commondir): the sandbox
#                  may let the command create it, but must set it aside when
#                  the call ends (runtime/sandbox/sentinel.h). Blocked means
#                  the probe was refused, or PATH is gone when cordon returns,
#                  PATH.cordon-quarantine is there instead and cordon said
#                  "set aside" on stderr. The after= function cleans both.
#
# A confined run counts as blocked only when the probe printed its "denied"
# line or died of a signal the sandbox sends (SIGSYS, SIGKILL, SIGXFSZ);
# anything else (the probe did not start, cordon failed) is a failure, so a
# sandbox that cannot run anything never looks safe.

ESC_USER=${ESC_USER:-cordon-test}
ESC_TIMEOUT=${ESC_TIMEOUT:-30}
ESC_RESULTS=${ESC_RESULTS:-$B/escape-results.tsv}

# ---- running things -------------------------------------------------------

# esc_runas CMD...: run CMD as the mode's user (RUNAS set by esc_setup).
esc_runas() { "${RUNAS[@]}" "$@"; }

# esc_exec VARPREFIX CWD TTY FD7 CMD...: run CMD with a watchdog; sets
# ${VARPREFIX}_out (stdout+stderr, \r stripped) and ${VARPREFIX}_rc.
esc_exec() {
	local pfx=$1 cwd=$2 tty=$3 fd7=$4 out rc
	shift 4
	local cmd=(timeout -k 5 "${ESC_WATCHDOG:-$ESC_TIMEOUT}" "$@")
	if [ "$tty" = 1 ]; then
		# script(1) makes a pty the controlling terminal of a new session
		# and runs the command in it: TIOCSTI's precondition.
		cmd=(script -qec "$(printf '%q ' "${cmd[@]}")" /dev/null)
	fi
	if [ -n "$fd7" ]; then
		out=$(cd "$cwd" && "${cmd[@]}" 7<"$fd7" </dev/null 2>&1)
	else
		out=$(cd "$cwd" && "${cmd[@]}" </dev/null 2>&1)
	fi
	rc=$?
	out=${out//$'\r'/}
	printf -v "${pfx}_out" '%s' "$out"
	printf -v "${pfx}_rc" '%s' "$rc"
}

# The confined command line; CONF_PREFIX holds no-userns in degraded mode.
# In a -tool mode the same options go to tests/escape/bash-tool, which runs
# the command as a Bash tool call and answers as `cordon sandbox` does.
esc_confined_cmd() {
	if [ "${ESC_VIA:-sandbox}" = tool ]; then
		CONF_CMD=("${RUNAS[@]}" "${CONF_PREFIX[@]}" "$ROOT/tests/escape/bash-tool" "$CORDON"
			--workspace "$WS" "${CONF_FLAGS[@]}" "$@")
		return
	fi
	CONF_CMD=("${RUNAS[@]}" "${CONF_PREFIX[@]}" "$CORDON" sandbox --profile bash
		--workspace "$WS" "${CONF_FLAGS[@]}" "$@")
}

# esc_verdict NAME OUT RC: "ok DETAIL", "reached ERRNO", "denied ERRNO",
# "signal SIG" or "broken WHY" from a probe run's output and status.
esc_verdict() {
	local name=$1 out=$2 rc=$3 line
	line=$(printf '%s\n' "$out" | grep -E "^ *$name (ok|reached|denied|error)" | tail -n 1)
	line=${line# }
	case $line in
	"$name ok"*) [ "$rc" = 0 ] && { echo "ok${line#"$name ok"}"; return; } ;;
	"$name reached errno="*) [ "$rc" = 0 ] && {
		line=${line#"$name reached errno="}
		echo "reached ${line%% *}"
		return
	} ;;
	"$name denied errno="*) [ "$rc" = 1 ] && {
		echo "denied ${line#"$name denied errno="}"
		return
	} ;;
	esac
	if [ -z "$line" ] && [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		echo "signal $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
		return
	fi
	echo "broken rc=$rc: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
}

esc_record() { printf '%s\t%s\t%s\t%s\n' "$ESC_MODE" "$1" "$2" "$3" >>"$ESC_RESULTS"; }

# ---- the attack -------------------------------------------------------------

# ---- cases ---------------------------------------------------------------------

# esc_wanted ID: does ESC_ONLY select ID (everything when unset)?
esc_wanted() { [ -z "${ESC_ONLY:-}" ] || [[ $1 =~ $ESC_ONLY ]]; }

# esc_case ID FUNCTION [ARGS...]: one case. Listing: note ID. Running: run it
# (esc_run_case).
esc_case() {
	esc_wanted "$1" || return 0
	if [ "${ESC_LISTING:-0}" = 1 ]; then
		ESC_STEPS+=("$1")
		return 0
	fi
	esc_run_case "$@"
}

# attack ID DESC [OPTION...] -- PROBE [ARGS...]: a case run by esc_attack.
attack() { esc_case "$1" esc_attack "$@"; }

# esc_relay TEXT: print a case's output: TAP lines and comments as they are,
# anything else (a shell's error message) as a comment.
esc_relay() {
	local line
	while IFS= read -r line; do
		if t_is_tap "$line"; then
			printf '%s\n' "$line"
		else
			case $line in '#'*) printf '%s\n' "$line" ;; *) printf '#   %s\n' "$line" ;; esac
		fi
	done <<<"$1"
}

# esc_run_case ID FUNCTION [ARGS...]: run the case in a subshell, so that
# whatever it does (trip set -u, exit, die of a signal) cannot end the
# battery, and hold it to one verdict: exactly one TAP line and a normal
# end, or one failure naming the case. Either way the case counts as one
# line of the plan.
esc_run_case() {
	local id=$1 out rc n
	shift
	out=$(
		exec 2>&1
		"$@"
		exit 0
	)
	rc=$?
	n=$(t_tap_count "$out")
	if [ "$rc" = 0 ] && [ "$n" = 1 ]; then
		esc_relay "$out"
		T_COUNT=$((T_COUNT + 1))
		case $(printf '%s\n' "$out" | grep -E '^(not )?ok') in "not ok"*) T_FAILED=1 ;; esac
	elif [ "$n" = 0 ]; then
		t_fail "[$ESC_MODE] $id: the case died before its verdict (exit $rc)" "$out"
	else
		t_fail "[$ESC_MODE] $id: the case printed $n verdicts, exit $rc (want one and a normal end)" "$out"
	fi
	ESC_DONE=$((ESC_DONE + 1))
	ESC_LAST=$id
}

# esc_step_done: a fixed check of the battery (L00, L01...) printed its line.
esc_step_done() {
	ESC_DONE=$((ESC_DONE + 1))
	ESC_LAST=${ESC_STEPS[ESC_DONE - 1]:-}
}

# esc_unfinished RC: from the battery's EXIT trap when it did not reach its
# end: one failure for every planned step that got no verdict, so that the
# plan still adds up and each lost case is named.
esc_unfinished() {
	local rc=$1 i
	for ((i = ESC_DONE; i < ${#ESC_STEPS[@]}; i++)); do
		t_fail "[$ESC_MODE] ${ESC_STEPS[i]}: no verdict, the battery died (exit $rc)${ESC_LAST:+ after ${ESC_LAST}}"
	done
	ESC_DONE=${#ESC_STEPS[@]}
}

# ---- the attack -------------------------------------------------------------

esc_attack() {
	local id=$1 desc=$2
	shift 2
	local unconf=must ns=0 residual="" evidence="" after="" uargs="" tty=0 fd7="" skip="" aside=""
	local ubin=$PROBE cbin=$WSPROBE layer="" watchdog=$ESC_TIMEOUT
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		unconf=*) unconf=${1#unconf=} ;;
		ns) ns=1 ;;
		layer=*) layer=${1#layer=} ;;
		residual=*) residual=${1#residual=} ;;
		evidence=*) evidence=${1#evidence=} ;;
		after=*) after=${1#after=} ;;
		uargs=*) uargs=${1#uargs=} ;;
		tty) tty=1 ;;
		fd7=*) fd7=${1#fd7=} ;;
		bin=*) ubin=${1#bin=} cbin=${1#bin=} ;;
		skip=*) skip=${1#skip=} ;;
		timeout=*) watchdog=${1#timeout=} ;;
		set_aside=*) aside=${1#set_aside=} ;;
		*) t_fail "[$ESC_MODE] $id: bad attack option '$1'"; return ;;
		esac
		shift
	done
	[ "${1:-}" = -- ] && shift
	local name=${1:-} label="[$ESC_MODE] $id $desc"
	local u_res="not run" u_worked=0 u_note="" before
	local -a pargs=("$@")
	local ESC_WATCHDOG=$watchdog

	if [ -n "$skip" ]; then
		t_skip "$label" "$skip"
		esc_record "$id" "-" "skip"
		return
	fi

	# Unconfined: proves the probe and the fixture.
	if [ "$ESC_DEGRADED" = 1 ]; then
		unconf=no
		u_note="unconfined shown in $ESC_PLAIN_MODE mode"
	fi
	[ "$unconf" = no ] && [ -z "$u_note" ] && u_note="not run unconfined (it would change the host)"
	if [ "$unconf" != no ]; then
		local -a ua=("${pargs[@]}")
		# shellcheck disable=SC2206
		[ -n "$uargs" ] && ua=("$name" $uargs)
		[ -n "$evidence" ] && before=$($evidence)
		esc_exec U "$WS" "$tty" "$fd7" "${RUNAS[@]}" "$ubin" "${ua[@]}"
		u_res=$(esc_verdict "$name" "$U_out" "$U_rc")
		case $u_res in ok* | reached*) u_worked=1 ;; esac
		if [ -n "$evidence" ] && [ "$u_worked" = 1 ] && [ "$($evidence)" = "$before" ]; then
			u_worked=0
			u_res="$u_res (no effect seen)"
		fi
		[ "$u_worked" = 1 ] && [ -n "$after" ] && $after
		local must=0
		case $unconf in
		must) must=1 ;;
		root) [ "$ESC_UID" = 0 ] && must=1 ;;
		user) [ "$ESC_UID" != 0 ] && must=1 ;;
		esac
		if [ "$u_worked" = 0 ]; then
			case $u_res in broken*) must=1 ;; esac
			if [ "$must" = 1 ]; then
				t_fail "$label: the probe does not work unconfined ($u_res)" \
					"command: ${RUNAS[*]} $ubin ${ua[*]}" "${U_out:0:1000}"
				esc_record "$id" "probe-broken" "-"
				return
			fi
			u_note="not shown unconfined here (${u_res#denied })"
			u_res=${u_res%% *}
		else
			u_note="works unconfined (${u_res%% *})"
		fi
	fi

	# Confined.
	if [ "$ESC_SANDBOX" != 1 ]; then
		t_skip "$label: $u_note" "cordon sandbox unavailable: $ESC_SANDBOX_WHY"
		esc_record "$id" "${u_res%% *}" "skip"
		return
	fi
	local c_res escaped=0
	esc_confined_cmd -- "$cbin" "${pargs[@]}"
	[ -n "$evidence" ] && before=$($evidence)
	esc_exec C "$WS" "$tty" "$fd7" "${CONF_CMD[@]}"
	c_res=$(esc_verdict "$name" "$C_out" "$C_rc")
	case $c_res in ok* | reached*) escaped=1 ;; esac
	if [ -n "$aside" ] && [ "$escaped" = 1 ]; then
		# The command made it; the call's end must have taken it away.
		if ! [ -e "$aside" ] && ! [ -L "$aside" ] && [ -e "$aside.cordon-quarantine" ] &&
			printf '%s' "$C_out" | grep -q "set aside"; then
			escaped=0
			c_res="denied set-aside-after-the-call"
		else
			c_res="$c_res (still there after the call)"
		fi
	fi
	if [ -n "$evidence" ] && [ "$($evidence)" != "$before" ]; then
		escaped=1
		c_res="$c_res (effect seen outside)"
	fi
	{ [ "$escaped" = 1 ] || [ -n "$aside" ]; } && [ -n "$after" ] && $after
	esc_record "$id" "${u_res%% *}" "$c_res"

	local how=""
	case $c_res in
	denied*) how=${c_res#denied } ;;
	# Signals the sandbox sends; a probe that crashes (SEGV...) proves nothing.
	"signal SYS" | "signal KILL" | "signal XFSZ") how="killed by ${c_res#signal }" ;;
	esac
	if [ "$escaped" = 1 ]; then
		if [ -n "$residual" ]; then
			t_skip "$label: $u_note, NOT blocked confined ($c_res)" "known residual: $residual"
		elif [ -n "$layer" ] && ! esc_layer_active "$layer"; then
			t_skip "$label: not blocked ($c_res)" "the $layer layer is not active in $ESC_MODE mode"
		elif [ "$ns" = 1 ] && [ "$ESC_DEGRADED" = 1 ]; then
			t_skip "$label: not blocked without namespaces ($c_res)" "needs namespaces (degraded mode)"
		else
			t_fail "$label: $u_note, ESCAPED confined ($c_res)" "command: ${CONF_CMD[*]}" "${C_out:0:1000}"
		fi
	elif [ -n "$how" ]; then
		if [ -n "$residual" ]; then
			t_skip "$label: $u_note, blocked confined ($how)" "known residual: $residual"
		else
			t_pass "$label: $u_note, blocked confined ($how)"
		fi
	else
		t_fail "$label: the confined probe did not run ($c_res)" "command: ${CONF_CMD[*]}" "${C_out:0:1000}"
	fi
}

# esc_probe_i386: does the kernel run the i386 ABI? Sets ESC_NO_I386 to the
# reason KS11b cannot happen here, or to "" (the attack runs and must be
# blocked). The proof is the syscall: `probe abi-i386` runs int $0x80 getpid
# in a child, unconfined; only a child killed by SIGSEGV means "no ABI". Any
# other answer (a broken probe) leaves KS11b to run, and fail if it must.
# The kernel config and command line are printed as supporting evidence.
# ESC_SIMULATE_NO_I386=1 (the selftest) makes the child raise SIGSEGV itself.
esc_probe_i386() {
	local out ev="" cfg line
	local -a sim=()
	[ "${ESC_SIMULATE_NO_I386:-0}" = 1 ] && sim=(simulate-segv)
	out=$(timeout -k 5 "$ESC_TIMEOUT" "$PROBE" abi-i386 "${sim[@]}" 2>&1)
	for cfg in /proc/config.gz "/boot/config-$(uname -r)"; do
		[ -r "$cfg" ] || continue
		line=$( (zcat -f "$cfg" 2>/dev/null || cat "$cfg") | grep -E '^(# )?CONFIG_IA32_EMULATION[= ]' | head -n 1)
		ev="$ev ${cfg}: ${line:-no CONFIG_IA32_EMULATION line};"
		break
	done
	line=$(grep -o 'ia32_emulation=[^ ]*' /proc/cmdline 2>/dev/null)
	ev="$ev cmdline: ${line:-no ia32_emulation=};"
	if [ -e /proc/sys/abi/vsyscall32 ]; then ev="$ev /proc/sys/abi/vsyscall32 present"; else ev="$ev no /proc/sys/abi/vsyscall32"; fi
	case $out in
	"abi-i386 denied errno=ENOSYS"*SIGSEGV*)
		ESC_NO_I386="the kernel does not run the i386 ABI (int \$0x80 → SIGSEGV unconfined): the attack is impossible here"
		[ ${#sim[@]} -gt 0 ] && ESC_NO_I386="$ESC_NO_I386 [simulated by the selftest]"
		;;
	*) ESC_NO_I386="" ;;
	esac
	echo "# [$ESC_MODE] i386 ABI probe: ${out//$'\n'/ } (evidence:$ev)"
}

# esc_layer_active NAME: is the layer in ESC_LAYERS? Unknown (empty) counts
# as active: the strict reading.
esc_layer_active() {
	[ -z "${ESC_LAYERS:-}" ] && return 0
	case ",$ESC_LAYERS," in *",$1,"*) return 0 ;; esac
	return 1
}

# ---- evidence and restore helpers ------------------------------------------

# esc_lines FILE: line count (0 when missing).
esc_lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# esc_sum FILE: content hash, "missing" when absent.
esc_sum() { if [ -e "$1" ] || [ -L "$1" ]; then md5sum <"$1" 2>/dev/null || echo unreadable; else echo missing; fi; }
