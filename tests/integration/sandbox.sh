#!/usr/bin/env bash
# Integration: `cordon sandbox` runs real commands in the real sandbox.
. "$ROOT/tests/lib.sh"

ws=$(t_tmpdir)
cd "$ws" || exit 1
sbx() { "$CORDON" sandbox --workspace "$ws" "$@"; }

sbx -- /bin/true
t_eq "true exits 0" "$?" 0

sbx -- sh -c 'exit 42'
t_eq "exit status propagates" "$?" 42

sbx -- sh -c 'kill -TERM $$' 2>/dev/null
t_eq "signal death is 128+N" "$?" 143

sbx -- /no/such/command 2>/dev/null
t_eq "missing command is 127" "$?" 127

out=$(sbx -- sh -c 'echo out; echo err >&2' 2>&1)
t_contains "stdout is relayed" "$out" "out"
t_contains "stderr is relayed" "$out" "err"

# Timeout: the whole tree dies, including a background child.
start=$(date +%s)
sbx --timeout 1 -- sh -c 'sleep 1013 & sleep 1013' 2>/dev/null
rc=$?
t_eq "timeout exit status" "$rc" 124
t_check "timeout is prompt" test $(( $(date +%s) - start )) -lt 10
sleep 0.2
t_eq "no sleep survives the timeout" "$(pgrep -fc '^sleep 1013$' || true)" 0

# A background process may not outlive a call that exits normally either.
sbx -- sh -c 'sleep 1019 & exit 0'
sleep 0.2
t_eq "background children are killed at the end of the call" "$(pgrep -fc '^sleep 1019$' || true)" 0

# Output cap: the command is never blocked, the output is cut.
n=$(sbx --max-output 1048576 -- sh -c 'yes | head -c 100M; echo finished >&2' 2>/tmp/cordon-sbx-err.$$ | wc -c)
t_eq "output capped at --max-output" "$n" 1048576
t_contains "the command ran to the end" "$(cat /tmp/cordon-sbx-err.$$)" "finished"
t_contains "truncation is reported" "$(cat /tmp/cordon-sbx-err.$$)" "truncated"
rm -f /tmp/cordon-sbx-err.$$

# Environment: allowlisted only.
out=$(CANARY_API_KEY=canary GITHUB_TOKEN=tok LANG=C.UTF-8 sbx -- env)
case $out in *CANARY*|*canary*|*GITHUB_TOKEN*) t_fail "no secret in the child's env" "$out" ;; *) t_pass "no secret in the child's env" ;; esac
t_contains "allowlisted variables pass" "$out" "LANG=C.UTF-8"

# Files: the workspace is writable, the rest is not.
sbx -- sh -c 'echo data > inside.txt'
t_eq "write inside the workspace" "$(cat "$ws/inside.txt")" "data"
outside=$(t_tmpdir)
sbx -- sh -c "echo x > '$outside/pwned'" 2>/dev/null
t_check "write outside the workspace fails" test ! -e "$outside/pwned"
sbx -- sh -c 'echo x > /etc/cordon-pwned' 2>/dev/null
t_check "write to /etc fails" test ! -e /etc/cordon-pwned
mkdir -p "$ws/.git/hooks"
echo orig > "$ws/.git/config"
sbx -- sh -c 'echo evil > .git/config; echo evil > .git/hooks/post-checkout; mv .git/hooks .git/h' 2>/dev/null
t_eq ".git/config stays read-only" "$(cat "$ws/.git/config")" "orig"
t_check ".git/hooks stays empty" test ! -e "$ws/.git/hooks/post-checkout"
t_check ".git/hooks cannot be renamed" test -d "$ws/.git/hooks"

# FS13: .git cannot be swapped out from around its read-only hooks and config.
repo=$(t_tmpdir)
git -C "$repo" init -q .
"$CORDON" sandbox --workspace "$repo" -- sh -c 'mv .git .git-aside' 2>/dev/null
t_check "the .git directory cannot be renamed" test -d "$repo/.git" -a ! -e "$repo/.git-aside"
out=$("$CORDON" sandbox --workspace "$repo" -- sh -c 'echo hi > tracked.txt; git add tracked.txt && git status --short' 2>&1)
t_contains "git works inside the sandbox" "$out" "A  tracked.txt"
case $out in *bashrc*|*envrc*) t_fail "placeholders are ignored by git" "$out" ;; *) t_pass "placeholders are ignored by git" ;; esac

# A protected path that is a symlink is covered: not written through, not replaced.
lnk=$(t_tmpdir)
echo notes > "$lnk/notes.txt"
ln -s notes.txt "$lnk/.envrc"
"$CORDON" sandbox --workspace "$lnk" -- sh -c 'echo evil >> .envrc; rm -f .envrc; echo evil > .envrc' 2>/dev/null
t_eq "no write through a protected symlink" "$(cat "$lnk/notes.txt")" "notes"
t_eq "the protected symlink is not replaced" "$(readlink "$lnk/.envrc")" "notes.txt"

# Protected paths that do not exist yet cannot be created (placeholders), and vanish afterwards.
fresh=$(t_tmpdir)
"$CORDON" sandbox --workspace "$fresh" -- sh -c 'echo evil > .envrc; mkdir -p .claude/commands; echo x > .mcp.json' 2>/dev/null
t_check "missing .envrc cannot be created" test ! -s "$fresh/.envrc"
t_check "missing .claude/ cannot be filled" test ! -e "$fresh/.claude/commands"
t_eq "placeholders are removed at the end" "$(ls -A "$fresh")" ""
# Each placeholder carries its owner's mark (common/placeholder.h), which the
# sandbox can neither change nor remove (the pin is read-only): only a file it
# made itself can get a forged one, and a forged mark removes at most an empty file.
out=$("$CORDON" sandbox --workspace "$fresh" -- python3 -c '
import os
try:
    print("mark", os.getxattr(".envrc", "user.cordon.placeholder").decode().split()[0])
except OSError as e:
    print("mark", e.strerror)
for what, f in (("set", lambda: os.setxattr(".envrc", "user.cordon.placeholder", b"1 forged")),
                ("remove", lambda: os.removexattr(".envrc", "user.cordon.placeholder")),
                ("dir", lambda: os.setxattr(".claude", "user.cordon.placeholder", b"1 forged"))):
    try:
        f()
        print(what, "ok")
    except OSError as e:
        print(what, e.strerror)
' 2>&1)
case $out in
*"mark Operation not supported"*) t_skip "placeholders carry their owner's mark" "the filesystem of $fresh has no user xattrs" ;;
*) t_eq "placeholders carry their owner's mark, which the sandbox cannot change" "$out" "mark 1
set Read-only file system
remove Read-only file system
dir Read-only file system" ;;
esac
t_eq "placeholders are removed at the end (after a look at the mark)" "$(ls -A "$fresh")" ""
out=$(sbx -- sh -c 'touch suid; chmod u+s suid; chmod g+s suid; stat -c %a suid' 2>&1)
t_contains "no set-user-ID bit from Bash" "$out" "Operation not permitted"
t_eq "mode stays without set-id bits" "$(stat -c %a "$ws/suid")" 644

# /tmp is private (namespaced) or a private session dir (degraded).
marker=/tmp/cordon-host-marker.$$
echo host > "$marker"
out=$(sbx -- sh -c "cat '$marker' 2>&1; echo in > \"\$TMPDIR/x\"; ls \"\$TMPDIR\"")
t_contains "/tmp of the host is not visible" "$out" "No such file"
t_contains "the call's tmp is writable" "$out" "x"
rm -f "$marker"

# Confinement read back from the kernel.
out=$(sbx -- cat /proc/self/status)
t_contains "NoNewPrivs" "$out" "NoNewPrivs:	1"
t_contains "Seccomp filter mode" "$out" "Seccomp:	2"
t_contains "no effective capabilities" "$out" "CapEff:	0000000000000000"
t_contains "empty bounding set" "$out" "CapBnd:	0000000000000000"

# Only fds 0-2 reach the command.
t_eq "no inherited fds" "$(sbx -- ls /proc/self/fd | tr '\n' ' ')" "0 1 2 3 "

# Namespaced mode: pid 1 is the warden, no host processes, only lo.
if "$CORDON" sandbox --workspace "$ws" --require userns,pidns,netns -- true 2>/dev/null; then
	t_eq "pid 1 is the warden" "$(sbx -- cat /proc/1/comm)" "cordon-warden"
	# Every process in view is the session's own: the warden, its zygotes and
	# spares (runtime/sandbox/warden_zygote.h), and this command (sh, cat).
	comms=$(sbx -- sh -c 'for p in /proc/[0-9]*; do cat "$p/comm" 2>/dev/null; done' | sort -u | tr '\n' ' ')
	others=$(printf '%s\n' $comms | grep -vxE 'cordon-warden|cordon-zygote|cordon-spare|sh|cat' | tr '\n' ' ')
	t_eq "host processes are invisible (seen: $comms)" "$others" ""
	t_eq "the warden's environment is not readable" "$(sbx -- sh -c 'wc -c < /proc/1/environ' 2>/dev/null)" ""
	t_contains "only loopback" "$(sbx -- cat /proc/net/dev)" "lo:"
	t_eq "no eth" "$(sbx -- cat /proc/net/dev | grep -c eth || true)" 0
	t_contains "/ of the view can be listed" "$(sbx -- ls /)" "usr"
	t_eq "no /run" "$(sbx -- sh -c 'test -e /run && echo yes || echo no')" "no"
	t_eq "no /home" "$(sbx -- sh -c 'test -e /home && echo yes || echo no')" "no"
else
	t_skip "namespaced checks" "user namespaces unavailable here"
fi

# Required layers: fail closed.
if [ -x "$HELPERS/no-userns" ]; then
	"$HELPERS/no-userns" "$CORDON" sandbox --workspace "$ws" --require userns -- touch "$ws/ran" 2>/dev/null
	t_eq "missing required layer refuses (125)" "$?" 125
	t_check "and nothing ran" test ! -e "$ws/ran"
	out=$("$HELPERS/no-userns" "$CORDON" sandbox --workspace "$ws" -- cat /proc/self/status 2>&1)
	t_contains "degraded mode warns" "$out" "degraded"
	t_contains "degraded mode keeps seccomp" "$out" "Seccomp:	2"
	t_contains "degraded mode keeps NoNewPrivs" "$out" "NoNewPrivs:	1"
	"$HELPERS/no-userns" "$CORDON" sandbox --workspace "$ws" -- sh -c "echo x > '$outside/pwned2'" 2>/dev/null
	t_check "degraded: writes outside still fail (Landlock)" test ! -e "$outside/pwned2"
	if [ "$(id -u)" = 0 ]; then
		out=$("$HELPERS/no-userns" "$CORDON" sandbox --workspace "$ws" -- sh -c 'echo evil > .git/config' 2>&1)
		t_contains "root without userns keeps the mount namespace" "$out" "mountns"
		t_eq "root without userns: .git/config still read-only" "$(cat "$ws/.git/config")" "orig"
	fi
	out=$("$HELPERS/no-userns" --all "$CORDON" sandbox --workspace "$ws" -- python3 -c '
import socket, sys
try:
    socket.socket(socket.AF_UNIX)
    print("unix socket created")
except OSError as e:
    print("refused", e.errno)
a, b = socket.socketpair()
print("socketpair ok")' 2>/dev/null)
	t_contains "no namespaces: socket(AF_UNIX) refused" "$out" "refused 97"
	t_contains "no namespaces: socketpair still works" "$out" "socketpair ok"
else
	t_skip "degraded mode" "no-userns helper not built"
fi

# readonly profile: exec allowed, writes refused.
sbx --profile readonly -- sh -c 'echo x > ro.txt' 2>/dev/null
t_check "readonly profile cannot write" test ! -e "$ws/ro.txt"
t_eq "readonly profile can read" "$(sbx --profile readonly -- cat inside.txt)" "data"

# A workspace that would make the system writable is refused.
"$CORDON" sandbox --workspace / -- true 2>/dev/null
t_eq "workspace / is refused (125)" "$?" 125
"$CORDON" sandbox --workspace /usr -- true 2>/dev/null
t_eq "workspace /usr is refused (125)" "$?" 125
# Shared directories hold other users' files and live sockets (a tmux
# server's socket in /tmp ran a command outside the sandbox): refused too.
for w in /tmp /var/tmp /dev/shm /home /root /var; do
	[ -d "$w" ] || { t_skip "workspace $w is refused" "no $w here"; continue; }
	out=$("$CORDON" sandbox --workspace "$w" -- true 2>&1)
	t_eq "workspace $w is refused (125)" "$?" 125
done
t_contains "and says why" "$out" "shared with the system or other users"
shared=$(t_tmpdir)
chmod 1777 "$shared"
out=$("$CORDON" sandbox --workspace "$shared" -- true 2>&1)
t_eq "a world-writable workspace is refused (125)" "$?" 125
t_contains "and says why" "$out" "writable by every user"
chmod 755 "$shared"

# A read-only profile's command changes no metadata, not even in the workspace (FS20).
touch "$ws/meta.txt"
chmod 644 "$ws/meta.txt"
out=$(sbx --profile readonly -- chmod 600 "$ws/meta.txt" 2>&1)
t_check "readonly: chmod in the workspace fails" test "$?" -ne 0
t_contains "readonly: with EROFS" "$out" "Read-only file system"
t_eq "readonly: the mode is unchanged" "$(stat -c %a "$ws/meta.txt")" 644
out=$(sbx --profile readonly --no-namespaces -- touch -c "$ws/meta.txt" 2>&1)
t_contains "readonly, no namespaces: utimes fails with EROFS" "$out" "Read-only file system"
sbx -- chmod 600 "$ws/meta.txt"
t_eq "bash: chmod in the workspace works" "$(stat -c %a "$ws/meta.txt")" 600
sbx --no-namespaces -- chmod 640 "$ws/meta.txt" 2>/dev/null
t_eq "bash, no namespaces: chmod in the workspace works (the notifier)" "$(stat -c %a "$ws/meta.txt")" 640

# A guarded name a command creates is set aside when the call ends, and said.
mkdir -p "$ws/deep/er"
out=$(sbx -- sh -c 'echo "export X=1" > deep/er/.envrc' 2>&1)
t_check "a new deep/er/.envrc is gone after the call" test ! -e "$ws/deep/er/.envrc"
t_check "set aside as .envrc.cordon-quarantine" test -f "$ws/deep/er/.envrc.cordon-quarantine"
t_contains "and reported" "$out" "cordon sandbox: set aside deep/er/.envrc as deep/er/.envrc.cordon-quarantine"
rm -rf "$ws/deep"

# Terminal control sequences in the command's output (OSC 52 sets the
# clipboard, others the title, the cursor, the screen): to a terminal they
# arrive as visible U+FFFD, to a pipe as they are.
esc_cmd="printf 'a\\033]52;c;SGVsbG8=\\007b\\033[2Jc\\302\\233d\\n'; printf 'e\\033]0;t\\007\\n' >&2"
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "$CORDON sandbox --workspace $ws -- sh -c \"$esc_cmd\"" /dev/null | od -An -c | tr -s ' \n' ' ')
	t_check "to a terminal: no ESC byte left (stdout and stderr)" sh -c "! printf '%s' '$out' | grep -q '033'"
	t_contains "to a terminal: ESC shown as U+FFFD" "$out" "a 357 277 275 ] 5 2 ;"
	t_contains "to a terminal: a C1 CSI (0xc2 0x9b) shown as U+FFFD" "$out" "c 357 277 275 d"
else
	t_skip "to a terminal: control sequences made visible" "no script(1) to give cordon a terminal"
	t_skip "to a terminal: ESC shown as U+FFFD" "no script(1)"
	t_skip "to a terminal: a C1 CSI shown as U+FFFD" "no script(1)"
fi
out=$(sbx -- sh -c "$esc_cmd" 2>/dev/null | od -An -c | tr -s ' \n' ' ')
t_contains "to a pipe: the bytes as they are" "$out" "a 033 ] 5 2 ;"

# Usage errors.
"$CORDON" sandbox --bogus -- true 2>/dev/null
t_eq "unknown flag is a usage error" "$?" 2
"$CORDON" sandbox --require nosuch -- true 2>/dev/null
t_eq "unknown layer is a usage error" "$?" 2
"$CORDON" sandbox --net host -- true 2>/dev/null
t_eq "--net other than none is refused" "$?" 2
t_done
