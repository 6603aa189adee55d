#!/usr/bin/env bash
# cordon -p end to end with the replay provider: the real loop, policy,
# session and sandbox on a real repository; the outputs, the exit statuses,
# the transcript, signals and --resume.
. "$ROOT/tests/lib.sh"

tmp=$(t_tmpdir)
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state
mkdir -p "$HOME"
ws=$tmp/ws
mkdir -p "$ws/src"
printf 'int add(int a, int b) { return a - b; }\n' >"$ws/src/add.c"
printf 'secret\n' >"$ws/key.txt"
git -C "$ws" init -q
git -C "$ws" add .
git -C "$ws" -c user.name=t -c user.email=t@t commit -qm init

# turn JSON...: one replay line per argument
script() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}
read_add='{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"toolu_r","name":"Read","input":{"file_path":"src/add.c"}},{"type":"tool_use","id":"toolu_g","name":"Grep","input":{"pattern":"return"}}],"stop_reason":"tool_use"}'
edit_add='{"content":[{"type":"tool_use","id":"toolu_e","name":"Edit","input":{"file_path":"src/add.c","old_string":"a - b","new_string":"a + b"}}],"stop_reason":"tool_use"}'
done_turn='{"content":[{"type":"text","text":"Fixed add()."}],"stop_reason":"end_turn"}'
script "$tmp/fix.jsonl" "$read_add" "$edit_add" "$done_turn"

run() { (cd "$ws" && "$CORDON" -p --provider replay "$@"); }

# ---- text ----
out=$(run --replay-script "$tmp/fix.jsonl" "fix add" 2>"$tmp/err"); rc=$?
t_eq "text: exit 0" "$rc" 0
t_eq "text: the final text only" "$out" "Fixed add()."
t_eq "text: the edit landed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
t_eq "text: nothing on stderr (not a terminal)" "$(cat "$tmp/err")" ""
git -C "$ws" checkout -q src/add.c

# ---- json ----
out=$(run --replay-script "$tmp/fix.jsonl" --output-format json "fix add"); rc=$?
t_eq "json: exit 0" "$rc" 0
t_eq "json: one line" "$(printf '%s\n' "$out" | wc -l)" 1
t_check "json: the result object" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["type"] == "result" and r["subtype"] == "success" and r["is_error"] is False, r
assert r["num_turns"] == 3 and r["result"] == "Fixed add()." and r["exit_code"] == 0, r
assert r["stop_reason"] == "end_turn" and r["terminal_reason"] == "completed", r
assert r["permission_denials"] == [] and "usage" in r and "session_id" in r, r
' "$out"
git -C "$ws" checkout -q src/add.c

# ---- stream-json ----
out=$(run --replay-script "$tmp/fix.jsonl" --output-format stream-json "fix add"); rc=$?
t_eq "stream-json: exit 0" "$rc" 0
t_check "stream-json: init first, result last, events in Claude Code's shapes" python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
assert ev[0]["type"] == "system" and ev[0]["subtype"] == "init", ev[0]
assert ev[0]["tools"] == ["Read", "Write", "Edit", "Glob", "Grep", "Bash", "TaskOutput", "TaskStop", "WebFetch", "TodoWrite"], ev[0]["tools"]
assert ev[0]["permissionMode"] == "sandbox", ev[0]
assert ev[-1]["type"] == "result" and ev[-1]["subtype"] == "success", ev[-1]
sid = ev[0]["session_id"]
assert all(e["session_id"] == sid for e in ev), "one session id"
a = [e for e in ev if e["type"] == "assistant"]
assert [len(e["message"]["content"]) for e in a] == [1, 1, 1, 1, 1], "one assistant event per block"
assert [e["message"]["content"][0]["type"] for e in a] == ["text", "tool_use", "tool_use", "tool_use", "text"]
u = [e for e in ev if e["type"] == "user"]
ids = [e["message"]["content"][0]["tool_use_id"] for e in u]
assert ids == ["toolu_r", "toolu_g", "toolu_e"], ids
assert u[0]["message"]["content"][0]["content"].startswith("1\tint add"), u[0]
assert u[1]["tool_use_result"] == "Found 1 file\nsrc/add.c", u[1]
' "$out"
git -C "$ws" checkout -q src/add.c

# ---- the transcript ----
out=$(run --replay-script "$tmp/fix.jsonl" --output-format json --run-dir "$tmp/run1" "fix add")
t_check "transcript: every event, in order, with the conversation" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
types = [l["type"] for l in lines]
assert types[0] == "system" and types[-1] == "result", types
assert types.count("request") == 3 and types.count("tool_call") == 3 and types.count("tool_result") == 3, types
msgs = [l for l in lines if l["type"] == "message"]
assert [m["role"] for m in msgs] == ["user", "assistant", "user", "assistant", "user", "assistant"], msgs
assert [l["seq"] for l in lines] == list(range(1, len(lines) + 1))
assert all("ts" in l for l in lines)
' "$tmp/run1/transcript.jsonl"
t_eq "transcript: private to the user" "$(stat -c %a "$tmp/run1/transcript.jsonl")" 600
git -C "$ws" checkout -q src/add.c
t_check "runs go under XDG_STATE_HOME by default" test -d "$XDG_STATE_HOME/cordon/runs"

# ---- limits ----
out=$(run --replay-script "$tmp/fix.jsonl" --output-format json --max-turns 1 "fix add"); rc=$?
t_eq "max turns: exit 3" "$rc" 3
t_check "max turns: the reference's result" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["subtype"] == "error_max_turns" and r["is_error"] and r["num_turns"] == 2, r
assert r["errors"] == ["Reached maximum number of turns (1)"] and r["terminal_reason"] == "max_turns", r
' "$out"
t_eq "max turns: the edit did not happen" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a - b; }"

# ---- the policy in a run ----
printf -- '---\nname: looker\ndescription: reads only\ntools: Read, Grep\n---\nYou only read.\n' >"$tmp/looker.md"
out=$(run --replay-script "$tmp/fix.jsonl" --agent "$tmp/looker.md" --output-format stream-json "fix add"); rc=$?
t_eq "undeclared tool: the run still succeeds" "$rc" 0
t_check "undeclared tool: an error result and a permission denial" python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
assert ev[0]["tools"] == ["Read", "Grep"], ev[0]["tools"]
assert ev[0]["agents"] == ["looker"], ev[0]
res = [e["message"]["content"][0] for e in ev if e["type"] == "user"]
edit = [r for r in res if r["tool_use_id"] == "toolu_e"][0]
assert edit.get("is_error") is True and "No such tool available: Edit" in edit["content"], edit
r = ev[-1]
assert r["subtype"] == "success" and not r["is_error"], r
' "$out"
t_eq "undeclared tool: nothing changed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a - b; }"

script "$tmp/deny.jsonl" '{"content":[{"type":"tool_use","id":"toolu_k","name":"Read","input":{"file_path":"key.txt"}}],"stop_reason":"tool_use"}' "$done_turn"
out=$(run --replay-script "$tmp/deny.jsonl" --disallowedTools 'Read(./key.txt)' --output-format json "x"); rc=$?
t_eq "denied call: exit 0" "$rc" 0
t_check "denied call: listed in permission_denials" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["permission_denials"] == [{"tool_name": "Read", "tool_use_id": "toolu_k", "tool_input": {"file_path": "key.txt"}}], r
' "$out"
out=$(run --replay-script "$tmp/deny.jsonl" --disallowedTools 'Read(./key.txt)' --fail-on-denial --output-format json "x"); rc=$?
t_eq "--fail-on-denial: exit 8" "$rc" 8
t_contains "--fail-on-denial: says why" "$out" '"terminal_reason":"permission_denied"'
t_contains "--fail-on-denial: names the call and the rule" "$out" "(--fail-on-denial): Read: Permission to read"

script "$tmp/bad.jsonl" \
	'{"content":[{"type":"tool_use","id":"toolu_x","name":"Frobnicate","input":{}},{"type":"tool_use","id":"toolu_y","name":"Read","input":{"path":"x"}},{"type":"tool_use","id":"toolu_z","name":"Write","input":{"file_path":7}}],"stop_reason":"tool_use"}' \
	"$done_turn"
out=$(run --replay-script "$tmp/bad.jsonl" --output-format stream-json "x"); rc=$?
t_eq "malformed calls: no crash, exit 0" "$rc" 0
t_check "malformed calls: each answered with an error" python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
res = {e["message"]["content"][0]["tool_use_id"]: e["message"]["content"][0] for e in ev if e["type"] == "user"}
assert set(res) == {"toolu_x", "toolu_y", "toolu_z"}, res
assert all(r.get("is_error") for r in res.values()), res
assert "No such tool available: Frobnicate" in res["toolu_x"]["content"]
assert "InputValidationError" in res["toolu_y"]["content"], res["toolu_y"]
assert "InputValidationError" in res["toolu_z"]["content"], res["toolu_z"]
' "$out"

# ---- usage errors ----
out=$("$CORDON" --no-such-flag 2>&1); rc=$?
t_eq "cordon --no-such-flag: exit 2" "$rc" 2
out=$(cd "$ws" && "$CORDON" -p --provider replay --replay-script "$tmp/fix.jsonl" --bogus x 2>&1); rc=$?
t_eq "an unknown option after -p: exit 2" "$rc" 2
out=$(cd "$ws" && "$CORDON" -p "fix add" --provider replay --replay-script "$tmp/fix.jsonl" --no-such-flag 2>&1); rc=$?
t_eq "an unknown option after the prompt: exit 2" "$rc" 2
out=$(cd "$ws" && "$CORDON" -p "fix add" --provider replay --replay-script "$tmp/fix.jsonl" --output-format json \
	--max-turns 1 2>&1); rc=$?
t_eq "options after the prompt are options (claude -p accepts them there)" "$rc" 3
t_contains "options after the prompt: the json format was taken" "$out" '"subtype":"error_max_turns"'
out=$(cd "$ws" && "$CORDON" -p --provider replay --replay-script "$tmp/fix.jsonl" --output-format json \
	--run-dir "$tmp/run-dash" -- "--help is a word of this prompt" 2>&1); rc=$?
t_check "after --, a prompt may start with a dash" grep -q '"text":"--help is a word of this prompt"' "$tmp/run-dash/transcript.jsonl"
git -C "$ws" checkout -q src/add.c
out=$(cd "$ws" && "$CORDON" -p --provider replay --replay-script "$tmp/fix.jsonl" </dev/null 2>&1); rc=$?
t_eq "no prompt: exit 2" "$rc" 2
t_contains "no prompt: says so" "$out" "no prompt"
out=$(cd "$ws" && "$CORDON" -p --provider replay "x" 2>&1); rc=$?
t_eq "replay without a script: exit 2" "$rc" 2
out=$(cd "$ws" && "$CORDON" -p --max-turns 0 "x" 2>&1); rc=$?
t_eq "--max-turns 0: exit 2" "$rc" 2
out=$(cd "$ws" && "$CORDON" -p --output-format yaml "x" 2>&1); rc=$?
t_eq "unknown output format: exit 2" "$rc" 2
out=$(cd "$ws" && env -u ANTHROPIC_API_KEY -u ANTHROPIC_AUTH_TOKEN "$CORDON" -p "x" 2>&1); rc=$?
t_eq "no API key: exit 2" "$rc" 2
t_contains "no API key: names the variable" "$out" "ANTHROPIC_API_KEY"
out=$(printf 'from stdin\n' | (cd "$ws" && "$CORDON" -p --provider replay --replay-script "$tmp/fix.jsonl" --output-format json --run-dir "$tmp/run-stdin"))
t_check "the prompt on standard input" grep -q '"text":"from stdin' "$tmp/run-stdin/transcript.jsonl"
git -C "$ws" checkout -q src/add.c

# ---- signals ----
python3 -c '
import json
for i in range(100000):
    print(json.dumps({"content": [{"type": "tool_use", "id": "toolu_%d" % i, "name": "Glob", "input": {"pattern": "**/*"}}], "stop_reason": "tool_use"}))
' >"$tmp/long.jsonl"
(cd "$ws" && exec "$CORDON" -p --provider replay --replay-script "$tmp/long.jsonl" --output-format stream-json \
	--run-dir "$tmp/run-term" "loop" >"$tmp/term.out" 2>"$tmp/term.err") &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/term.out" ] && [ "$(wc -l <"$tmp/term.out")" -gt 20 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
rc=$?
t_eq "SIGTERM: exit 143" "$rc" 143
t_check "SIGTERM: the result is the last line, and says so" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ev = [json.loads(l) for l in lines]
r = ev[-1]
assert r["type"] == "result" and r["is_error"] and r["terminal_reason"] == "interrupted" and r["exit_code"] == 143, r
tr = [json.loads(l) for l in open(sys.argv[2])]
assert tr[-1]["type"] == "result", tr[-1]
# every call asked for was answered
asked = {b["id"] for l in tr if l["type"] == "message" and l["role"] == "assistant" for b in l["content"] if b["type"] == "tool_use"}
answered = {b["tool_use_id"] for l in tr if l["type"] == "message" and l["role"] == "user" for b in l["content"] if b.get("type") == "tool_result"}
assert asked == answered, asked - answered
' "$tmp/term.out" "$tmp/run-term/transcript.jsonl"

(cd "$ws" && exec "$CORDON" -p --provider replay --replay-script "$tmp/long.jsonl" --output-format stream-json \
	--run-dir "$tmp/run-kill" "loop" >"$tmp/kill.out" 2>&1) &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/kill.out" ] && [ "$(wc -l <"$tmp/kill.out")" -gt 20 ] && break; sleep 0.1; done
kids=$(pgrep -P "$pid" | tr '\n' ' ')
{ kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
left=""
for _ in $(seq 50); do
	left=""
	for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
	[ -z "$left" ] && break
	sleep 0.1
done
t_eq "kill -9: the sandbox dies with cordon (warden: $kids)" "$left" ""
t_check "kill -9: the transcript is intact up to the kill" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "every line ends in a newline"
for l in lines[:-1]:
    json.loads(l)
assert len(lines) > 10
' "$tmp/run-kill/transcript.jsonl"

# ---- a sandbox that cannot start: the first request went out, no call runs ----
# (the warden is built while the first request goes out; the loop waits for it
# before the first call). A required layer this process cannot have:
if [ -x "$HELPERS/no-userns" ]; then
	mkdir -p "$ws/.claude"
	printf '{"sandbox": {"require": ["namespaces"]}}\n' >"$ws/.claude/settings.json"
	write_turn='{"content":[{"type":"tool_use","id":"toolu_w","name":"Write","input":{"file_path":"made.txt","content":"x\n"}}],"stop_reason":"tool_use"}'
	script "$tmp/write.jsonl" "$write_turn" "$done_turn"
	out=$(cd "$ws" && "$HELPERS/no-userns" "$CORDON" -p --provider replay --replay-script "$tmp/write.jsonl" \
		--output-format json "write" 2>"$tmp/err"); rc=$?
	t_eq "no sandbox: exit 1" "$rc" 1
	t_contains "no sandbox: the result says why" "$out" "cannot start the sandbox"
	t_check "no sandbox: the call did not run" test ! -e "$ws/made.txt"
	# the control: the same run where the layer can be had writes the file
	out=$(cd "$ws" && "$CORDON" -p --provider replay --replay-script "$tmp/write.jsonl" "write" 2>&1); rc=$?
	t_eq "no sandbox (control): with the layer, the call runs" "$rc:$(cat "$ws/made.txt" 2>/dev/null)" "0:x"
	rm -rf "$ws/.claude" "$ws/made.txt"
else
	t_skip "no sandbox: the call did not run" "no tests/helpers/no-userns"
fi

# ---- resume ----
script "$tmp/first.jsonl" "$read_add"
out=$(run --replay-script "$tmp/first.jsonl" --output-format json --max-turns 1 --run-dir "$tmp/run-resume" "fix add"); rc=$?
id=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
t_eq "resume: the first part stops at the turn limit" "$rc" 3
script "$tmp/second.jsonl" "$edit_add" "$done_turn"
out=$(run --replay-script "$tmp/second.jsonl" --output-format json --run-dir "$tmp/run-resume" --resume "$id"); rc=$?
t_eq "resume: the run goes on and succeeds" "$rc" 0
t_contains "resume: same session id" "$out" "\"session_id\":\"$id\""
t_eq "resume: the edit landed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
t_check "resume: one transcript holds both parts" python3 -c '
import json, sys
tr = [json.loads(l) for l in open(sys.argv[1])]
assert [l["type"] for l in tr].count("result") == 2
msgs = [l["role"] for l in tr if l["type"] == "message"]
assert msgs == ["user", "assistant", "user", "assistant", "user", "assistant"], msgs
' "$tmp/run-resume/transcript.jsonl"
git -C "$ws" checkout -q src/add.c
out=$(run --replay-script "$tmp/second.jsonl" --resume 00000000-0000-4000-8000-000000000000 2>&1); rc=$?
t_eq "resume of an unknown run: exit 1" "$rc" 1
t_done
