#!/usr/bin/env bash
# The README's first command: scripts/demo must run on a fresh machine and
# show the policy and the sandbox doing their jobs.
. "$ROOT/tests/lib.sh"

out=$(ANTHROPIC_API_KEY=sk-canary-demo B="$B" "$ROOT/scripts/demo" 2>&1); rc=$?
t_eq "scripts/demo exits 0" "$rc" 0
t_contains "the suite fails before the edit" "$out" "FAIL mean of 2 4 6: got 3.33333, want 4"
t_contains "the allowed Edit under src/ lands" "$out" "src/stats.c has been updated successfully"
t_contains "the Edit of tests/ is denied by the agent's tools line" "$out" "allows Edit only for: Edit(./src/**)"
t_contains "the suite is green after the edit" "$out" "ok   mean of 2 4 6"
t_contains "the compound command with curl is denied" "$out" "command curl -s https://example.com has been denied"
t_contains "the diff shows the fix" "$out" "+	for (i = 0; i < n; i++)"
case $out in
*ESCAPED*|*LEAKED*) t_fail "no escape step succeeds in the demo" "$(printf '%s\n' "$out" | grep -E 'ESCAPED|LEAKED')" ;;
*) t_pass "no escape step succeeds in the demo" ;;
esac
t_contains "password hashes hidden" "$out" "(/etc/shadow): hidden"
t_contains "the network is refused" "$out" "connect to the host network: refused"
t_done
