#!/usr/bin/env bash
# cordon -p end to end against scripts/mock-llm on loopback, for both HTTP
# providers: what cordon sends (tools, results in call order, cache
# breakpoints, where the key goes), faults recovered or ending with the
# right exit status, and no key anywhere in the sandbox's processes.
. "$ROOT/tests/lib.sh"

MOCK=$ROOT/scripts/mock-llm
tmp=$(t_tmpdir)
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state CORDON_TEST_RETRY_SCALE_PCT=1
mkdir -p "$HOME"
KEY=sk-ant-canary-5d1c0e7a-SECRET
OKEY=sk-oai-canary-77ab12ce-SECRET
unset ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN ANTHROPIC_BASE_URL ANTHROPIC_MODEL OPENAI_API_KEY OPENAI_BASE_URL OPENAI_MODEL
ws=$tmp/ws
mkdir -p "$ws/src"
printf 'int add(int a, int b) { return a - b; }\n' >"$ws/src/add.c"

MOCK_PID=
stop_mock() {
	if [ -n "$MOCK_PID" ]; then
		kill -TERM "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
		MOCK_PID=
	fi
}
trap 'stop_mock; t_cleanup' EXIT
SCRIPT=$tmp/script.json
LOG=$tmp/log.jsonl
# mock SCRIPT-JSON: the mock plays it from its first turn, with an empty log.
mock() {
	local i
	printf '%s\n' "$1" >"$SCRIPT"
	rm -f "$tmp/port"
	if [ -z "$MOCK_PID" ]; then
		"$MOCK" --script "$SCRIPT" --log "$LOG" --port-file "$tmp/port" >/dev/null 2>"$tmp/mock.err" &
		MOCK_PID=$!
	else
		kill -HUP "$MOCK_PID"
	fi
	for i in $(seq 1 300); do
		[ -s "$tmp/port" ] && break
		sleep 0.02
	done
	PORT=$(cat "$tmp/port")
}
restore() { printf 'int add(int a, int b) { return a - b; }\n' >"$ws/src/add.c"; }
anthropic() { (cd "$ws" && ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT "$CORDON" -p --model claude-sonnet-4-5 "$@"); }
openai() { (cd "$ws" && OPENAI_API_KEY=$OKEY OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1 OPENAI_MODEL=qwen3-coder "$CORDON" -p --provider openai "$@"); }

read_add='{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"toolu_r","name":"Read","input":{"file_path":"src/add.c"}},{"type":"tool_use","id":"toolu_g","name":"Grep","input":{"pattern":"return"}}],"usage":{"input_tokens":1000,"output_tokens":50},"model":"claude-sonnet-4-5"}'
edit_add='{"content":[{"type":"tool_use","id":"toolu_e","name":"Edit","input":{"file_path":"src/add.c","old_string":"a - b","new_string":"a + b"}}],"usage":{"input_tokens":1200,"cache_read_input_tokens":900,"output_tokens":40},"model":"claude-sonnet-4-5"}'
done_turn='{"content":[{"type":"text","text":"Fixed add()."}],"usage":{"input_tokens":1300,"output_tokens":10},"model":"claude-sonnet-4-5"}'
fix="[$read_add, $edit_add, $done_turn]"

# ---- anthropic: a whole run, and the requests it made ----
mock "{\"turns\": $fix}"
out=$(anthropic --output-format json "fix add"); rc=$?
t_eq "anthropic: exit 0" "$rc" 0
t_eq "anthropic: the edit landed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
t_check "anthropic: the result counts tokens and cost" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["subtype"] == "success" and r["num_turns"] == 3 and r["result"] == "Fixed add().", r
assert r["usage"]["input_tokens"] == 3500 and r["usage"]["cache_read_input_tokens"] == 900, r["usage"]
assert r["usage"]["output_tokens"] == 100, r["usage"]
assert isinstance(r["total_cost_usd"], float) and r["total_cost_usd"] > 0, r
assert "claude-sonnet-4-5" in r["modelUsage"], r["modelUsage"]
' "$out"
t_check "anthropic: the requests (tools, results in call order, breakpoints, the key)" python3 -c '
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
key = sys.argv[2]
assert len(reqs) == 3, len(reqs)
b = [r["body"] for r in reqs]
names = [t["name"] for t in b[0]["tools"]]
assert names == ["Read", "Write", "Edit", "Glob", "Grep", "Bash", "TaskOutput", "TaskStop", "WebFetch", "TodoWrite"], names
for t in b[0]["tools"]:
    assert t["input_schema"]["type"] == "object" and t["input_schema"]["additionalProperties"] is False, t
# the tools and the system prompt, byte for byte the same in every request (prompt caching)
raw = [r["body_raw"] for r in reqs]
tools = [re.search(r"\"tools\":\s*(\[.*?\])\s*,\s*\"", x, re.S) for x in raw]
assert all(json.dumps(x["tools"], sort_keys=False) == json.dumps(b[0]["tools"], sort_keys=False) for x in b)
assert all(x["system"] == b[0]["system"] for x in b), "the system prompt changed"
assert b[0]["system"][-1].get("cache_control") == {"type": "ephemeral"}, b[0]["system"]
assert b[0]["stream"] is True and b[0]["model"] == "claude-sonnet-4-5"
# the second request: the reply verbatim, then the results in call order, the rolling breakpoint last
m = b[1]["messages"]
assert [x["role"] for x in m] == ["user", "assistant", "user"], m
assert [c["type"] for c in m[1]["content"]] == ["text", "tool_use", "tool_use"]
res = m[2]["content"]
assert [c["tool_use_id"] for c in res] == ["toolu_r", "toolu_g"], res
assert res[0]["content"].startswith("1\tint add"), res[0]
assert res[-1].get("cache_control") == {"type": "ephemeral"}, res[-1]
assert sum(1 for x in m for c in x["content"] if isinstance(c, dict) and "cache_control" in c) == 1
# the key went only in the x-api-key header, never in a body
for r in reqs:
    h = {k.lower(): v for k, v in r["headers"].items()}
    assert h.get("x-api-key") == key and "authorization" not in h, h
    assert key not in r["body_raw"]
' "$LOG" "$KEY"
restore

# ---- the key never reaches the sandbox ----
mock "{\"turns\": $fix, \"faults\": {\"2\": [{\"kind\": \"slow\", \"pause_ms\": 400}]}}"
(cd "$ws" && ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT exec "$CORDON" -p --model claude-sonnet-4-5 \
	--output-format stream-json --run-dir "$tmp/run-key" "fix add" >"$tmp/key.out" 2>&1) &
pid=$!
for _ in $(seq 200); do grep -q '"tool_use_id":"toolu_g"' "$tmp/key.out" 2>/dev/null && break; sleep 0.05; done
# A sanitizer runtime (ASan) reads /proc/self/environ into a buffer of its own
# when the supervisor starts, for its GetEnv, before main() runs: that copy of
# the whole initial environment is the runtime's, not cordon's, and is in every
# forked process of an instrumented build. There, and only there, that one
# block is taken out before the search; any other copy of the key still fails.
san=0
nm -D "$CORDON" 2>/dev/null | grep -q " __asan_init" && san=1
t_check "the key is nowhere in the sandbox's processes (memory, environment, command line)" python3 -c '
import os, re, sys
root, key, san = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3] == "1"
block = open("/proc/%d/environ" % root, "rb").read()
kids = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            st = open("/proc/%s/stat" % p).read()
            kids.setdefault(int(st.rsplit(")", 1)[1].split()[1]), []).append(int(p))
        except OSError:
            pass
tree, todo = [], list(kids.get(root, []))
while todo:
    q = todo.pop()
    tree.append(q)
    todo += kids.get(q, [])
assert tree, "no sandbox processes found under cordon"
for q in tree:
    for f in ("environ", "cmdline"):
        assert key not in open("/proc/%d/%s" % (q, f), "rb").read(), (q, f)
    with open("/proc/%d/maps" % q) as maps, open("/proc/%d/mem" % q, "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (r)", line)
            if not m or "[vvar]" in line or "[vsyscall]" in line:
                continue
            a, b = int(m.group(1), 16), int(m.group(2), 16)
            # A sanitizer build maps terabytes of shadow memory: no key lives
            # there, and reading it would never end.
            if b - a > (1 << 30):
                continue
            prev = b""
            while a < b:
                n = min(b - a, 16 << 20)
                try:
                    mem.seek(a)
                    chunk = mem.read(n)
                except (OSError, ValueError, OverflowError):
                    break
                seen = prev[-len(block):] + chunk
                if san:
                    seen = seen.replace(block, b"")
                assert key not in seen, (q, line)
                prev = chunk
                a += n
# and the supervisor does hold it (the probe can see a key where there is one)
assert key in block
' "$pid" "$KEY" "$san"
wait "$pid"
t_eq "the key run: exit 0" "$?" 0
t_check "the key is not in the transcript" sh -c "! grep -q '$KEY' '$tmp/run-key/transcript.jsonl'"
restore

# ---- faults ----
mock "{\"turns\": $fix, \"faults\": {\"1\": [{\"kind\": \"529\"}, {\"kind\": \"429\", \"retry_after\": \"1\"}], \"2\": [{\"kind\": \"midstream_error\"}, {\"kind\": \"reset\"}], \"3\": [{\"kind\": \"truncate\"}, {\"kind\": \"500\"}]}}"
out=$(anthropic --output-format stream-json "fix add"); rc=$?
t_eq "faults recovered: exit 0" "$rc" 0
t_check "faults recovered: an api_retry event before each retry, the turn counted once" python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
retries = [e for e in ev if e["type"] == "system" and e.get("subtype") == "api_retry"]
assert len(retries) == 6, retries
assert [r["error_status"] for r in retries][:2] == [529, 429], retries
r = ev[-1]
assert r["subtype"] == "success" and r["num_turns"] == 3, r
assert sum(1 for e in ev if e["type"] == "assistant") == 5, "no half turn was kept"
' "$out"
t_eq "faults recovered: the edit landed once" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
t_eq "faults recovered: 9 requests in all" "$(wc -l <"$LOG")" 9
restore

mock "{\"turns\": $fix, \"faults\": {\"1\": [{\"kind\": \"401\"}]}}"
out=$(anthropic --output-format json "fix add"); rc=$?
t_eq "401: exit 7, no retry" "$rc" 7
t_contains "401: the result says auth" "$out" '"terminal_reason":"auth"'
t_eq "401: one request" "$(wc -l <"$LOG")" 1
case $out in *"$KEY"*) t_fail "401: the key is not echoed" "$out" ;; *) t_pass "401: the key is not echoed" ;; esac

mock "{\"turns\": $fix, \"faults\": {\"2\": [{\"kind\": \"prompt_too_long\"}, {\"kind\": \"prompt_too_long\"}]}}"
out=$(anthropic --output-format json "fix add"); rc=$?
t_eq "prompt too long (nothing to trim): exit 5" "$rc" 5
t_contains "prompt too long: says so" "$out" '"terminal_reason":"prompt_too_long"'

five00='{"kind": "500"}'
mock "{\"turns\": $fix, \"faults\": {\"1\": [$five00, $five00, $five00, $five00, $five00, $five00, $five00, $five00, $five00, $five00]}}"
out=$(anthropic --output-format json "fix add"); rc=$?
t_eq "retries exhausted: exit 1" "$rc" 1
t_check "retries exhausted: the status and the error" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["is_error"] and r["api_error_status"] == 500 and r["terminal_reason"] == "api_error", r
assert r["result"].startswith("API Error: 500"), r
' "$out"

# ---- limits ----
mock "{\"turns\": $fix}"
out=$(anthropic --output-format json --max-budget-usd 0.001 "fix add"); rc=$?
t_eq "budget: exit 4" "$rc" 4
t_check "budget: stops before the turn that would pass it" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["subtype"] == "error_max_budget_usd" and r["terminal_reason"] == "budget_exhausted", r
assert r["num_turns"] == 1 and r["total_cost_usd"] >= 0.001, r
' "$out"
restore

mock "{\"turns\": $fix, \"faults\": {\"1\": [{\"kind\": \"stall\", \"after\": 2, \"stall_ms\": 30000}]}}"
out=$(anthropic --output-format json --timeout 1 "fix add"); rc=$?
t_eq "--timeout: exit 124" "$rc" 124
t_contains "--timeout: the result says timeout" "$out" '"terminal_reason":"timeout"'

# ---- the progress line: on a terminal only ----
mock "{\"turns\": $fix}"
if command -v script >/dev/null; then
	tty_err=$(cd "$ws" && ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT \
		script -qec "'$CORDON' -p --model claude-sonnet-4-5 'fix add' >'$tmp/tty.out'" /dev/null 2>&1)
	t_contains "progress: shown on a terminal" "$tty_err" "cordon: turn 2"
	t_eq "progress: stdout still carries only the result" "$(cat "$tmp/tty.out")" "Fixed add()."
else
	t_skip "progress: shown on a terminal" "script(1) is not installed"
fi
restore
mock "{\"turns\": $fix}"
out=$(anthropic "fix add" 2>&1 >/dev/null)
t_eq "progress: nothing on stderr when it is not a terminal" "$out" ""
restore

# ---- SIGTERM during a model stream ----
mock "{\"turns\": $fix, \"faults\": {\"1\": [{\"kind\": \"stall\", \"after\": 2, \"stall_ms\": 30000}]}}"
(cd "$ws" && ANTHROPIC_API_KEY=$KEY ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT exec "$CORDON" -p --model claude-sonnet-4-5 \
	--output-format json "fix add" >"$tmp/stall.out" 2>&1) &
pid=$!
sleep 1
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
t_eq "SIGTERM in a stream: exit 143" "$rc" 143
t_contains "SIGTERM in a stream: the result says interrupted" "$(cat "$tmp/stall.out")" '"terminal_reason":"interrupted"'
if [ "$ms" -lt 5000 ]; then t_pass "SIGTERM in a stream: stops within 5 s (${ms} ms)"; else t_fail "SIGTERM in a stream: stops within 5 s" "took ${ms} ms"; fi

# ---- openai ----
mock "{\"turns\": $fix}"
out=$(openai --output-format json "fix add"); rc=$?
t_eq "openai: exit 0" "$rc" 0
t_eq "openai: the edit landed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
t_check "openai: the requests in its own shape, results as tool messages in call order" python3 -c '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
key = sys.argv[2]
b = [r["body"] for r in reqs]
assert len(b) == 3 and all(r["path"].endswith("/chat/completions") for r in reqs)
assert [t["function"]["name"] for t in b[0]["tools"]] == ["Read", "Write", "Edit", "Glob", "Grep", "Bash", "TaskOutput", "TaskStop", "WebFetch", "TodoWrite"]
assert b[0]["messages"][0]["role"] == "system" and b[0]["model"] == "qwen3-coder"
m = b[1]["messages"]
roles = [x["role"] for x in m]
assert roles == ["system", "user", "assistant", "tool", "tool"], roles
assert [x["tool_call_id"] for x in m[3:]] == ["toolu_r", "toolu_g"], m
for r in reqs:
    h = {k.lower(): v for k, v in r["headers"].items()}
    assert h.get("authorization") == "Bearer " + key, h
' "$LOG" "$OKEY"
restore
t_done
