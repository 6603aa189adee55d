#!/usr/bin/env bash
# Integration: `cordon doctor` reports the machine's sandbox layers.
. "$ROOT/tests/lib.sh"

json=$("$CORDON" doctor --json)
t_eq "doctor --json exits 0" "$?" 0
t_check "doctor --json parses" python3 -c 'import json,sys; json.loads(sys.argv[1])' "$json"
get() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$json" "$1"; }
t_eq "landlock ABI matches the kernel probe" "$(get 'd["landlock"]["abi"] >= 1')" "True"
t_eq "seccomp available" "$(get 'd["seccomp"]["available"]')" "True"
t_contains "cgroup reported" "$(get 'd["cgroup"]["detail"]')" "v"
t_eq "sysctl io_uring_disabled read" "$(get 'd["sysctls"]["kernel.io_uring_disabled"]')" "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo None)"
t_contains "bash layers measured" "$(get '",".join(d["bash_layers"]["current"]["layers"])')" "seccomp"
if [ "$(id -u)" = 0 ]; then
	t_eq "unprivileged probe as 65534" "$(get 'd["bash_layers"]["unprivileged"]["uid"]')" 65534
fi
out=$("$CORDON" doctor)
t_contains "text output names landlock" "$out" "landlock"
t_contains "text output names the bash layers" "$out" "a Bash call gets"
if [ -x "$HELPERS/no-userns" ]; then
	json=$("$HELPERS/no-userns" "$CORDON" doctor --json)
	t_eq "doctor sees refused user namespaces" "$(get 'd["userns"]["available"]')" "False"
	t_contains "and says which layers are missing" "$(get '",".join(d["bash_layers"]["current"]["missing"])')" "userns"
fi
"$CORDON" doctor --bogus 2>/dev/null
t_eq "unknown flag is a usage error" "$?" 2
t_done
