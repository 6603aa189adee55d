# Resource abuse (docs/threats.md, RS), every attack bounded: a fixed count
# or size, the battery's watchdog (ESC_TIMEOUT), and cordon's --timeout.
# Sourced by battery. Bash-profile limits (policy/profile.c): pids 512,
# NOFILE 1024, memory 4 GiB (cgroup), private /tmp 512 MiB.

attack RS01 "fork bomb (1024 sleeping children)" -- forks 1024 3
# Faulting in 4 GiB is kernel work that took 3 to 14 s on a busy 2-core VM
# (no sanitizer code is involved: the probe is plain and alone in the call's
# memory cgroup), so its watchdog is longer than the others'.
attack RS02 "memory balloon (4608 MiB; 256 MiB unconfined)" layer=cgroup timeout=150 uargs="256" -- alloc 4608
attack RS03 "fill /tmp (640 MiB)" uargs="$WS/fill-probe 64" -- fill /tmp/cordon-fill 640
attack RS07 "open 4096 descriptors" -- nofile 4096
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	ESC_CG_PROCS=/sys/fs/cgroup/cgroup.procs
else
	ESC_CG_PROCS=/sys/fs/cgroup/pids/cgroup.procs
fi
ESC_NO_CG=""
[ -f "$ESC_CG_PROCS" ] || ESC_NO_CG="no $ESC_CG_PROCS: no cgroup hierarchy to leave"
attack RS10 "move itself to the root cgroup (out of the call's limits)" unconf=root skip="$ESC_NO_CG" \
	-- write-pid "$ESC_CG_PROCS"

# RS05: a CPU spin is killed by --timeout, with its whole tree.
rs05() {
	local label="[$ESC_MODE] RS05 CPU spin killed by --timeout 2" t0 t1 el u="spins unconfined"
	[ "$ESC_DEGRADED" = 1 ] && u="unconfined shown in $ESC_PLAIN_MODE mode"
	if [ "$ESC_DEGRADED" != 1 ]; then
		esc_exec U "$WS" 0 "" "${RUNAS[@]}" "$PROBE" spin 1
		case $(esc_verdict spin "$U_out" "$U_rc") in
		ok*) ;;
		*) t_fail "$label: the probe does not spin unconfined" "$U_out"; return ;;
		esac
	fi
	[ "$ESC_SANDBOX" = 1 ] || { t_skip "$label" "$ESC_SANDBOX_WHY"; return; }
	esc_confined_cmd --timeout 2 -- "$WSPROBE" spin 20
	t0=$(date +%s%N)
	esc_exec C "$WS" 0 "" "${CONF_CMD[@]}"
	t1=$(date +%s%N)
	el=$(((t1 - t0) / 1000000))
	esc_record RS05 "ok" "rc=$C_rc ${el}ms"
	if [ "$C_rc" = 124 ] && [ "$el" -lt 8000 ]; then
		t_pass "$label: $u, killed confined after ${el} ms (exit 124)"
	else
		t_fail "$label: exit $C_rc after ${el} ms (want 124 within 8 s)" "command: ${CONF_CMD[*]}" "${C_out:0:500}"
	fi
}
esc_case RS05 rs05

# RS06: an output flood is capped (10 MiB per stream by default) and the
# call still ends.
rs06() {
	local label="[$ESC_MODE] RS06 output flood (64 MiB to stdout)" n rc u="writes 64 MiB unconfined"
	[ "$ESC_DEGRADED" = 1 ] && u="unconfined shown in $ESC_PLAIN_MODE mode"
	if [ "$ESC_DEGRADED" != 1 ]; then
		n=$(cd "$WS" && timeout -k 5 "$ESC_TIMEOUT" "${RUNAS[@]}" "$PROBE" flood 64 2>/dev/null </dev/null | wc -c)
		[ "$n" = $((64 << 20)) ] || { t_fail "$label: the probe wrote $n bytes unconfined, want 64 MiB"; return; }
	fi
	[ "$ESC_SANDBOX" = 1 ] || { t_skip "$label" "$ESC_SANDBOX_WHY"; return; }
	esc_confined_cmd -- "$WSPROBE" flood 64
	# The exit status from inside: PIPESTATUS does not cross $(...).
	n=$(cd "$WS" && {
		timeout -k 5 "$ESC_TIMEOUT" "${CONF_CMD[@]}" 2>/dev/null </dev/null | wc -c
		exit "${PIPESTATUS[0]}"
	})
	rc=$?
	esc_record RS06 "ok" "bytes=$n rc=$rc"
	if [ "$n" -le $((16 << 20)) ] && [ "$rc" != 124 ] && [ "$rc" -lt 128 ]; then
		t_pass "$label: $u, $((n >> 20)) MiB passed confined (exit $rc)"
	else
		t_fail "$label: $n bytes passed confined, exit $rc (want at most 16 MiB and a clean end)" "command: ${CONF_CMD[*]}"
	fi
}
esc_case RS06 rs06

# PR07: a detached grandchild (setsid + double fork) must not outlive the call.
pr07() {
	local label="[$ESC_MODE] PR07 a detached grandchild outlives the call" f=$WS/survivor u="survives unconfined"
	[ "$ESC_DEGRADED" = 1 ] && u="unconfined shown in $ESC_PLAIN_MODE mode"
	rm -f "$f"
	if [ "$ESC_DEGRADED" != 1 ]; then
		esc_exec U "$WS" 0 "" "${RUNAS[@]}" "$PROBE" daemon 1 "$f"
		for _ in $(seq 50); do [ -s "$f" ] && break; sleep 0.1; done
		[ -s "$f" ] || { t_fail "$label: the probe's grandchild did not survive unconfined" "$U_out"; return; }
		rm -f "$f"
	fi
	[ "$ESC_SANDBOX" = 1 ] || { t_skip "$label" "$ESC_SANDBOX_WHY"; return; }
	esc_confined_cmd -- "$WSPROBE" daemon 1 "$f"
	esc_exec C "$WS" 0 "" "${CONF_CMD[@]}"
	sleep 2.5 # the grandchild would write 1 s after the call; leave it ample time
	if [ -s "$f" ]; then
		esc_record PR07 ok "survived"
		t_fail "$label: ESCAPED, the grandchild wrote after the call ended" "command: ${CONF_CMD[*]}"
	elif [ "$C_rc" = 0 ]; then
		esc_record PR07 ok "killed"
		t_pass "$label: $u, killed with the call confined"
	else
		esc_record PR07 ok "broken rc=$C_rc"
		t_fail "$label: the confined probe did not run (exit $C_rc)" "${C_out:0:500}"
	fi
}
esc_case PR07 pr07
