#!/usr/bin/env bash
# Integration: Read deny rules hide their literal paths from commands
# (policy/readmask.h -> sandbox_opts.hide): a Bash child cannot read what the
# Read tool may not. Each hiding check is paired with the same command
# without the rule, which does read the file: what hides it is the mount,
# not the fixture.
. "$ROOT/tests/lib.sh"

base=$(t_tmpdir)
ws=$base/ws
mkdir -p "$ws/secrets/sub" "$ws/pub" "$ws/h/.ssh" "$ws/deep/a"
echo TOPSECRET >"$ws/secrets/k"
echo SUBSECRET >"$ws/secrets/sub/k2"
echo ENVSECRET >"$ws/.env"
echo public >"$ws/pub/p"
echo LINKTARGET >"$ws/pub/target"
ln -s target "$ws/pub/link"
echo SSHSECRET >"$ws/h/.ssh/id"
echo PEMSECRET >"$ws/deep/a/x.pem"
# HOME two levels inside the workspace: ~ rules anchor there.
export HOME=$ws/h
cd "$ws" || exit 1

printf '{"permissions":{"deny":["Read(./secrets/**)","Read(./.env)","Read(./pub/link)","Read(~/.ssh/)",
  "Read(./nothere/**)"]}}' >"$base/deny.json"
printf '{"permissions":{"deny":["Read(*.pem)","Read(./src/*/key)"]}}' >"$base/wild.json"
printf '{"permissions":{"allow":["Bash(sh show.sh)"]}}' >"$base/allow.json"

sbx() { "$CORDON" sandbox --workspace "$ws" "$@"; }

if ! sbx --require mountns -- true 2>/dev/null; then
	t_skip "Read deny paths hidden from commands" "no mount namespace here"
	t_done
fi

# The paths, read without and with the rules.
read_all='for f in secrets/k secrets/sub/k2 .env pub/link h/.ssh/id; do cat "$f" 2>/dev/null; done; cat pub/p pub/target'
out=$(sbx -- sh -c "$read_all" 2>&1)
for s in TOPSECRET SUBSECRET ENVSECRET LINKTARGET SSHSECRET; do
	t_contains "without the rules a command reads $s" "$out" "$s"
done
out=$(sbx --settings "$base/deny.json" -- sh -c "$read_all" 2>&1)
for s in TOPSECRET SUBSECRET ENVSECRET SSHSECRET; do
	case $out in
	*"$s"*) t_fail "a Read deny rule hides $s from commands" "in: ${out:0:2000}" ;;
	*) t_pass "a Read deny rule hides $s from commands" ;;
	esac
done
# pub/link is hidden itself; its target keeps its own name and is readable.
t_contains "what the rules do not name stays readable" "$out" "public"
t_contains "a hidden symlink's target is not hidden under its own name" "$out" "LINKTARGET"

sbx --settings "$base/deny.json" -- cat secrets/k >/dev/null 2>&1
t_check "cat of a hidden file fails" test $? -ne 0
t_eq "a hidden directory is empty" "$(sbx --settings "$base/deny.json" -- ls -A secrets 2>&1)" ""
t_eq "a hidden file is empty" "$(sbx --settings "$base/deny.json" -- wc -c .env 2>&1)" "0 .env"

# The covers are read-only and pinned: the host files stay as they were.
sbx --settings "$base/deny.json" -- sh -c 'echo x > secrets/new; echo x > .env; rm -f .env; mv secrets s2' \
	>/dev/null 2>&1
t_check "nothing is written through a cover" test ! -e "$ws/secrets/new"
t_eq "the host file behind a cover is untouched" "$(cat "$ws/.env")" "ENVSECRET"
t_check "a covered directory cannot be renamed away" test -d "$ws/secrets" -a ! -e "$ws/s2"
t_check "no cover is left on the host" test ! -e "$ws/nothere"

# Other profiles see the same view.
out=$(sbx --profile readonly --settings "$base/deny.json" -- sh -c 'cat secrets/k .env' 2>&1)
case $out in
*TOPSECRET*|*ENVSECRET*) t_fail "the readonly profile's view hides them too" "in: ${out:0:2000}" ;;
*) t_pass "the readonly profile's view hides them too" ;;
esac

# A wildcard before the end cannot be hidden by a mount: said, not silent.
out=$(sbx --settings "$base/wild.json" -- cat deep/a/x.pem 2>&1)
t_contains "a wildcard rule is reported as not hidden" "$out" \
	"Read deny rule Read(*.pem) (from cli settings $base/wild.json) has a wildcard before its end"
t_contains "... and names the second one" "$out" "Read(./src/*/key)"
t_contains "... and the command still runs" "$out" "PEMSECRET"

# Degraded (no mount namespace): nothing can be hidden, and the warning says so.
out=$(sbx --no-namespaces --settings "$base/deny.json" -- true 2>&1)
t_contains "degraded mode says the Read deny paths are not hidden" "$out" \
	"the Read deny paths are not hidden from commands (no mount namespace)"

# cordon tool hides them too (from every tool's child). Observed through
# Write, which the policy lets into a Read-denied directory (no Edit rule)
# and the read-only cover refuses: the deny paths reached the tool sandbox.
printf '{"permissions":{"defaultMode":"acceptEdits"}}' >"$base/edits.json"
out=$("$CORDON" tool --workspace "$ws" --settings "$base/edits.json" Write \
	'{"file_path":"secrets/w1","content":"x"}' 2>&1)
t_check "cordon tool: Write into the directory works without the deny rule" test -f "$ws/secrets/w1"
out=$("$CORDON" tool --workspace "$ws" --settings "$base/edits.json" --settings "$base/deny.json" Write \
	'{"file_path":"secrets/w2","content":"x"}' 2>&1)
t_check "cordon tool: the tool children's view covers a Read deny path" test ! -e "$ws/secrets/w2"
t_contains "cordon tool: ... and the Write says why" "$out" "ead-only"
t_done
