#!/usr/bin/env bash
# `cordon tool`: one-shot and --stdin sessions, exit codes, the policy of
# --agent/--settings, and oversized results saved to the output directory.
. "$ROOT/tests/lib.sh"

base=$(mktemp -d /tmp/cordon-toolcli-XXXXXX)
trap 'rm -rf "$base"' EXIT
ws=$base/ws
mkdir -p "$ws"
printf 'alpha\nbeta\n' >"$ws/a.txt"
export HOME=$base/home
mkdir -p "$HOME"

out=$("$CORDON" tool --workspace "$ws" Read '{"file_path": "a.txt"}'); rc=$?
t_eq "one-shot Read exits 0" "$rc" 0
t_eq "one-shot Read prints the numbered content" "$out" "$(printf '1\talpha\n2\tbeta\n3\t')"

# A file with terminal escapes, read to a terminal: made visible, not run.
printf 'x\033]52;c;SGVsbG8=\007y\n' >"$ws/esc.txt"
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "$CORDON tool --workspace $ws Read '{\"file_path\": \"esc.txt\"}'" /dev/null | od -An -c | tr -s ' \n' ' ')
	t_check "Read to a terminal: no ESC byte reaches it" sh -c "! printf '%s' '$out' | grep -q '033'"
	t_contains "Read to a terminal: ESC shown as U+FFFD" "$out" "x 357 277 275 ] 5 2"
else
	t_skip "Read to a terminal: no ESC byte reaches it" "no script(1) to give cordon a terminal"
	t_skip "Read to a terminal: ESC shown as U+FFFD" "no script(1)"
fi
out=$("$CORDON" tool --workspace "$ws" Read '{"file_path": "esc.txt"}' | od -An -c | tr -s ' \n' ' ')
t_contains "Read to a pipe: the bytes as they are" "$out" "x 033 ] 5 2"

out=$("$CORDON" tool --workspace "$ws" Read '{"file_path": "missing.txt"}'); rc=$?
t_eq "a tool error exits 1" "$rc" 1
t_contains "and prints the error" "$out" "File does not exist"

"$CORDON" tool --workspace "$ws" Read 'not json' >/dev/null 2>&1; rc=$?
t_eq "bad JSON input is a usage error" "$rc" 2
"$CORDON" tool --workspace "$ws" --bogus >/dev/null 2>&1; rc=$?
t_eq "an unknown option is a usage error" "$rc" 2

# One session: read-state carries over; a new session forgets it.
out=$(printf '%s\n' '{"name":"Read","input":{"file_path":"a.txt"}}' \
	'{"name":"Edit","input":{"file_path":"a.txt","old_string":"beta","new_string":"gamma"}}' \
	'not json' \
	'{"name":"TodoWrite","input":{"todos":[]}}' | "$CORDON" tool --workspace "$ws" --stdin); rc=$?
t_eq "--stdin answers every line" "$(printf '%s\n' "$out" | wc -l)" 4
t_contains "Edit after Read in the same session works" "$(printf '%s\n' "$out" | sed -n 2p)" '"is_error":false'
t_contains "a bad line gets an error result" "$(printf '%s\n' "$out" | sed -n 3p)" "invalid request line"
t_eq "the file was edited" "$(cat "$ws/a.txt")" "$(printf 'alpha\ngamma')"
out=$(printf '%s\n' '{"name":"Edit","input":{"file_path":"a.txt","old_string":"gamma","new_string":"delta"}}' |
	"$CORDON" tool --workspace "$ws" --stdin); rc=$?
t_contains "a new session must Read again" "$out" "File has not been read yet"
t_eq "and exits 1" "$rc" 1

# Policy: an agent that may only Read.
printf -- '---\nname: ro\ndescription: read only\ntools: Read\n---\nRead things.\n' >"$base/ro.md"
out=$("$CORDON" tool --workspace "$ws" --agent "$base/ro.md" Write '{"file_path": "b.txt", "content": "x"}'); rc=$?
t_eq "Write is refused for a Read-only agent" "$rc" 1
t_contains "with the reference's message" "$out" "Write exists but is not enabled in this context"
[ -e "$ws/b.txt" ] && t_fail "nothing was written" || t_pass "nothing was written"
out=$("$CORDON" tool --workspace "$ws" --agent "$base/ro.md" Read '{"file_path": "a.txt"}'); rc=$?
t_eq "Read is allowed for it" "$rc" 0
printf '{"permissions":{"deny":["Read(./a.txt)"]}}' >"$base/s.json"
out=$("$CORDON" tool --workspace "$ws" --settings "$base/s.json" Read '{"file_path": "a.txt"}'); rc=$?
t_eq "a settings deny rule refuses Read" "$rc" 1
t_contains "and names the rule" "$out" "Read(./a.txt)"

# An extra read root: readable, never writable.
mkdir -p "$base/docs"
echo "reference text" >"$base/docs/ref.txt"
out=$("$CORDON" tool --workspace "$ws" --read-root "$base/docs" Read "{\"file_path\": \"$base/docs/ref.txt\"}"); rc=$?
t_eq "a file in an extra read root can be read" "$rc" 0
t_contains "with its content" "$out" "reference text"
out=$("$CORDON" tool --workspace "$ws" --read-root "$base/docs" Write \
	"{\"file_path\": \"$base/docs/new.txt\", \"content\": \"x\"}"); rc=$?
t_eq "but not written" "$rc" 1
t_contains "because it is outside the workspace" "$out" "outside the workspace"
out=$("$CORDON" tool --workspace "$ws" Read "{\"file_path\": \"$base/docs/ref.txt\"}"); rc=$?
t_eq "without --read-root it cannot be read" "$rc" 1

# Oversized output: saved to the output dir, the model gets a preview.
seq 1 20000 | sed 's/^/match line /' >"$ws/big.txt"
out=$("$CORDON" tool --workspace "$ws" --output-dir "$base/out" Grep \
	'{"pattern": "match", "output_mode": "content", "head_limit": 0}'); rc=$?
if [ "$rc" -eq 0 ] && [ "${out#*not implemented}" = "$out" ]; then
	t_contains "oversized output is persisted" "$out" "<persisted-output>"
	t_contains "with the path in the output dir" "$out" "Full output saved to: $base/out/"
	saved=$(printf '%s\n' "$out" | sed -n 's/.*Full output saved to: //p')
	t_eq "the saved file holds everything" "$(grep -c 'match line' "$saved")" 20000
	t_eq "the preview is at most 2 KB + framing" "$(( ${#out} < 2400 ))" 1
else
	t_skip "oversized output is persisted" "Grep not available: $out"
fi

# Unprivileged (no cgroup can be made): function calls run in the warden with
# their zygote's spares, no call manager (runtime/sandbox/warden.c, accept_call). A
# session of several calls of each kind: results, and the file boundary.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	uws=$(mktemp -d /tmp/cordon-toolcli-uid-XXXXXX)
	printf 'one\ntwo\nthree\n' >"$uws/u.txt"
	chown -R 65534:65534 "$uws"
	calls=""
	for i in 1 2 3; do
		calls="$calls{\"name\":\"Read\",\"input\":{\"file_path\":\"u.txt\"}}
{\"name\":\"Grep\",\"input\":{\"pattern\":\"tw\",\"output_mode\":\"content\"}}
{\"name\":\"Glob\",\"input\":{\"pattern\":\"*.txt\"}}
"
	done
	calls="$calls{\"name\":\"Read\",\"input\":{\"file_path\":\"/etc/shadow\"}}
{\"name\":\"Edit\",\"input\":{\"file_path\":\"u.txt\",\"old_string\":\"two\",\"new_string\":\"2\"}}"
	out=$(printf '%s\n' "$calls" | (cd "$uws" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CORDON" tool --workspace "$uws" --stdin 2>/dev/null))
	# The first Read returns the file; the next two, unchanged, say so (as the reference).
	t_eq "unprivileged: Read returns the file" "$(printf '%s\n' "$out" | grep -c '1\\tone\\n2\\ttwo')" 1
	t_eq "unprivileged: no call failed but the refused one" "$(printf '%s\n' "$out" | grep -c '"is_error":true')" 1
	t_eq "unprivileged: every Grep finds the line" "$(printf '%s\n' "$out" | grep -c '"u.txt:2:two"')" 3
	t_eq "unprivileged: every Glob lists the file" "$(printf '%s\n' "$out" | grep -c '"content":"u.txt"')" 3
	t_contains "unprivileged: a path outside stays refused" "$(printf '%s\n' "$out" | sed -n 10p)" \
		"outside the directories"
	t_contains "unprivileged: Edit after Read writes" "$(cat "$uws/u.txt")" "2"
	rm -rf "$uws"
else
	t_skip "unprivileged session" "needs root and setpriv to switch to uid 65534"
fi
# Without --agent or --settings no policy applies; a settings file the user may
# expect to apply is named on stderr, and --settings '{}' applies it.
nws=$base/noted
mkdir -p "$nws/.claude"
printf 'k\n' >"$nws/.env"
"$CORDON" tool --workspace "$nws" Read '{"file_path": ".env"}' >/dev/null 2>"$base/note.err"
t_eq "no settings file: no note" "$(cat "$base/note.err")" ""
printf '{"permissions": {"deny": ["Read(./.env)"]}}\n' >"$nws/.claude/settings.json"
out=$("$CORDON" tool --workspace "$nws" Read '{"file_path": ".env"}' 2>"$base/note.err")
t_contains "a settings file not applied: the note names it" "$(cat "$base/note.err")" "$nws/.claude/settings.json is not read"
t_contains "a settings file not applied: the call ran" "$out" "k"
out=$("$CORDON" tool --workspace "$nws" --settings '{}' Read '{"file_path": ".env"}' 2>&1); rc=$?
t_eq "--settings '{}' applies it: denied" "$rc:$(grep -c 'has been denied' <<<"$out")" "1:1"
t_done
