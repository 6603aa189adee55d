#!/usr/bin/env bash
# The README's first command: scripts/demo must run on a fresh machine and
# show the policy and the sandbox doing their jobs; its escape checks must
# prove what they show: each works on the host, and against a `cordon` whose
# sandbox confines nothing, each is reported ESCAPED.
. "$ROOT/tests/lib.sh"

out=$(B="$B" "$ROOT/scripts/demo" 2>&1); rc=$?
t_eq "scripts/demo exits 0" "$rc" 0
t_contains "the suite fails before the run" "$out" "FAIL mean of 2 4 6: got 3.33333, want 4"
t_contains "the agent runs with its own policy" "$out" "agent test-fixer, tools Read, Write, Edit, Glob, Grep, Bash, TaskOutput, TaskStop, TodoWrite, permission mode acceptEdits"
t_contains "the agent runs make test with Bash (its tools line allows Bash(make:*))" "$out" "> Bash make test"
t_contains "and sees it fail before its fix" "$out" "    ✗ Exit code 2"
t_contains "the allowed Edit under src/ lands" "$out" "src/stats.c has been updated successfully"
t_contains "the Edit of tests/ is denied by the agent's tools line" "$out" "allows Edit only for: Edit(./src/**)"
t_contains "the run ends in success and counts the denial" "$out" "result: success, 8 turns, exit 0, 1 call(s) denied"
t_contains "the transcript is kept" "$out" "transcript: "
t_contains "the suite is green after the run" "$out" "ok   mean of 2 4 6"
t_contains "the diff shows the fix" "$out" "+	for (i = 0; i < n; i++)"
case $out in
*"tests/test_stats.c |"*) t_fail "the test file is unchanged" "$out" ;;
*) t_pass "the test file is unchanged" ;;
esac
case $out in
*ESCAPED*|*LEAKED*|*"proves nothing"*) t_fail "no escape step succeeds in the demo, and each works on the host" \
	"$(printf '%s\n' "$out" | grep -E 'ESCAPED|LEAKED|proves nothing')" ;;
*) t_pass "no escape step succeeds in the demo, and each works on the host" ;;
esac
if [ "$(id -u)" = 0 ]; then
	t_contains "password hashes hidden (readable on the host)" "$out" "(/etc/shadow): hidden   (on the host: readable)"
	t_contains "/etc/passwd refused (writable on the host)" "$out" "open /etc/passwd for writing: refused   (on the host: writable)"
else
	t_contains "password hashes hidden" "$out" "(/etc/shadow): hidden"
	t_contains "/etc/passwd refused" "$out" "open /etc/passwd for writing: refused"
fi
t_contains "the hook cannot be planted (writable on the host)" "$out" "plant .git/hooks/pre-commit: refused   (on the host: writable)"
t_contains "the host's listener is refused (reached on the host)" "$out" "): refused   (on the host: connected)"
t_contains "the canary key does not reach the child (seen on the host)" "$out" \
	"secrets in the environment (a canary ANTHROPIC_API_KEY): none   (on the host: visible)"

# The same demo with a cordon whose sandbox runs the command unconfined:
# every escape check must then say ESCAPED.
fake=$(t_tmpdir)
cat >"$fake/cordon" <<SH
#!/bin/sh
# cordon, except that "sandbox" confines nothing
if [ "\$1" = sandbox ]; then
	while [ \$# -gt 0 ] && [ "\$1" != -- ]; do shift; done
	shift
	exec "\$@"
fi
exec "$CORDON" "\$@"
SH
chmod 755 "$fake/cordon"
out=$(B="$fake" "$ROOT/scripts/demo" 2>&1)
t_contains "without a sandbox the hook check says ESCAPED" "$out" "plant .git/hooks/pre-commit: ESCAPED (writable)"
t_contains "without a sandbox the network check says ESCAPED" "$out" "): ESCAPED (connected)"
t_contains "without a sandbox the canary check says ESCAPED" "$out" "(a canary ANTHROPIC_API_KEY): ESCAPED (visible)"
if [ "$(id -u)" = 0 ]; then
	t_contains "without a sandbox (as root) the shadow check says ESCAPED" "$out" "(/etc/shadow): ESCAPED (read)"
	t_contains "without a sandbox (as root) the passwd check says ESCAPED" "$out" "open /etc/passwd for writing: ESCAPED (writable)"
fi
t_done
