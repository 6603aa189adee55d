#!/usr/bin/env bash
# Integration: both HTTP providers against scripts/mock-llm on loopback,
# through provider_send() (tests/helpers/llm-call): turns assembled, every
# fault recovered from or reported as the right error, and the requests as
# the APIs want them (headers, key placement, body, cache breakpoints).
. "$ROOT/tests/lib.sh"

if ! command -v python3 >/dev/null; then
	t_skip "providers against the mock" "python3 not installed"
	t_done
fi
CALL=$HELPERS/llm-call
MOCK=$ROOT/scripts/mock-llm
tmp=$(t_tmpdir)
KEY=sk-ant-test-0123456789-SECRET
OKEY=sk-oai-test-9876543210-SECRET
unset ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN ANTHROPIC_BASE_URL ANTHROPIC_MODEL OPENAI_API_KEY OPENAI_BASE_URL OPENAI_MODEL
MOCK_PID=

stop_mock() {
	if [ -n "$MOCK_PID" ]; then
		kill -TERM "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
		MOCK_RC=$?
		MOCK_PID=
	fi
}
trap 'stop_mock; t_cleanup' EXIT

# mock SCRIPT-JSON: the mock playing this script from its first turn, with an
# empty log (one process for the whole file: SIGHUP starts it over); sets
# PORT and LOG.
SCRIPT=$tmp/script.json
LOG=$tmp/log.jsonl
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
	for i in $(seq 1 200); do
		[ -s "$tmp/port" ] && break
		sleep 0.02
	done
	PORT=$(cat "$tmp/port" 2>/dev/null)
}

# call PROVIDER ARGS...: llm-call against the mock; the JSON lines in $OUT.
call() {
	local p=$1
	shift
	if [ "$p" = anthropic ]; then
		OUT=$(ANTHROPIC_API_KEY=$KEY "$CALL" --provider anthropic --base-url "http://127.0.0.1:$PORT" \
			--model claude-sonnet-4-5 --scale 1 "$@" 2>&1)
	else
		OUT=$(OPENAI_API_KEY=$OKEY "$CALL" --provider openai --base-url "http://127.0.0.1:$PORT/v1" \
			--model qwen3-coder --scale 1 "$@" 2>&1)
	fi
	ALL_OUT+=$OUT
}
ALL_OUT=

# chk NAME EXPR WANT queues a check that str(EXPR) == WANT, has NAME EXPR
# NEEDLE one that NEEDLE is in it; checks runs the queue (one Python for
# them all) and prints a TAP line each. EXPR sees r (the call's first
# line), rs (all of them), log (the mock's log entries) and tools (the
# request's tools as compact JSON).
CHECKS=()
chk() { CHECKS+=(eq "$1" "$2" "$3"); }
has() { CHECKS+=(in "$1" "$2" "$3"); }
checks() {
	local lines n
	# The Python prints the TAP lines; each is counted here for the plan.
	lines=$(python3 - "$OUT" "$LOG" "$TOOLS_COMPACT" "${CHECKS[@]}" <<'EOF'
import json, sys
out, logf, tools = sys.argv[1:4]
args = sys.argv[4:]
rs = []
for l in out.splitlines():
    try:
        rs.append(json.loads(l))
    except ValueError:
        pass
r = rs[0] if rs else {}
log = [json.loads(l) for l in open(logf)]
for i in range(0, len(args), 4):
    mode, name, expr, want = args[i:i + 4]
    try:
        got = str(eval(expr))
    except Exception as e:
        got = "error: %s: %s" % (type(e).__name__, e)
    if (got == want) if mode == "eq" else (want in got):
        print("ok - " + name)
    else:
        print("not ok - " + name)
        print("#   got:  " + got[:3000].replace("\n", "\n#   "))
        print("#   want: " + want[:3000])
        if not rs:
            print("#   output: " + out[:2000].replace("\n", "\n#   "))
EOF
)
	printf '%s\n' "$lines"
	n=$(printf '%s\n' "$lines" | grep -cE '^(ok|not ok) ')
	T_COUNT=$((T_COUNT + n))
	case $lines in *"not ok "*) T_FAILED=1 ;; esac
	CHECKS=()
}

TURN_TOOL='{"content":[{"type":"text","text":"I will read it."},{"type":"tool_use","id":"toolu_01A","name":"Read","input":{"file_path":"src/parse.c","limit":40}},{"type":"tool_use","id":"toolu_01B","name":"Bash","input":{"command":"make test 2>&1 | tail -n 5"}}],"usage":{"input_tokens":12,"cache_read_input_tokens":2940,"output_tokens":96}}'
TURN_TEXT='{"content":[{"type":"text","text":"All tests pass."}]}'
cat >"$tmp/request.json" <<'EOF'
{"system":[{"type":"text","text":"You are a coding agent."}],
 "tools":[{"name":"Bash","description":"Run a command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}},
          {"name":"Read","description":"Read a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"},"limit":{"type":"integer"}},"required":["file_path"]}}],
 "messages":[{"role":"user","content":"Fix the failing test"}],
 "max_tokens":4096}
EOF
TOOLS_COMPACT=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["tools"], separators=(",",":")))' "$tmp/request.json")

# fault KIND [JSON-FIELDS]: a script of one text turn whose first request gets that fault.
fault() { mock "{\"turns\":[$TURN_TEXT],\"faults\":{\"1\":[{\"kind\":\"$1\"${2:+,$2}}]}}"; }

for P in anthropic openai; do
	[ $P = anthropic ] && MODEL=claude-sonnet-4-5 || MODEL=qwen3-coder

	# ---- a tool_use turn, and what was sent ----------------------------------------------
	mock "{\"turns\":[$TURN_TOOL,$TURN_TOOL]}"
	call $P --request "$tmp/request.json" --turns 2
	chk "$P: tool_use turn completes" 'r["rc"], r["stop_reason"], r["attempts"]' "('ok', 'tool_use', 1)"
	chk "$P: text then the calls, inputs parsed" \
		'[(b["type"], b.get("name"), b.get("input")) for b in r["message"]["content"]]' \
		"[('text', None, None), ('tool_use', 'Read', {'file_path': 'src/parse.c', 'limit': 40}), ('tool_use', 'Bash', {'command': 'make test 2>&1 | tail -n 5'})]"
	chk "$P: tool ids kept" '[b.get("id") for b in r["message"]["content"]][1:]' "['toolu_01A', 'toolu_01B']"
	chk "$P: usage normalised (uncached, cache read, output)" \
		'r["usage"]["input_tokens"], r["usage"]["cache_read_input_tokens"], r["usage"]["output_tokens"]' "(12, 2940, 96)"
	chk "$P: request id reported" 'r["request_id"]' "req_mock_1"
	chk "$P: body streams, names the model" 'log[0]["body"]["stream"], log[0]["body"]["model"]' "(True, '$MODEL')"
	chk "$P: the same request gives the same bytes" 'len(log), log[0]["body_raw"] == log[1]["body_raw"]' "(2, True)"
	chk "$P: no temperature" '"temperature" in log[0]["body"]' False
	chk "$P: content-type" 'log[0]["headers"].get("content-type")' "application/json"
	if [ $P = anthropic ]; then
		chk "$P: x-api-key carries the key" 'log[0]["headers"].get("x-api-key") == "'$KEY'"' True
		chk "$P: and there is no Authorization header" '"authorization" in log[0]["headers"]' False
		chk "$P: anthropic-version" 'log[0]["headers"].get("anthropic-version")' "2023-06-01"
		chk "$P: the tools passed through byte for byte" '"\"tools\":" + tools in log[0]["body_raw"]' True
		chk "$P: max_tokens, system, messages" \
			'log[0]["body"]["max_tokens"], log[0]["body"]["system"][0]["text"], log[0]["body"]["messages"][0]["role"]' \
			"(4096, 'You are a coding agent.', 'user')"
		chk "$P: cache breakpoints on the system prompt and the last message" \
			'[log[0]["body"]["system"][-1].get("cache_control"), log[0]["body"]["messages"][-1]["content"][-1].get("cache_control")]' \
			"[{'type': 'ephemeral'}, {'type': 'ephemeral'}]"
	else
		chk "$P: Authorization: Bearer carries the key" 'log[0]["headers"].get("authorization") == "Bearer '$OKEY'"' True
		chk "$P: and no x-api-key, no anthropic-version" '"x-api-key" in log[0]["headers"], "anthropic-version" in log[0]["headers"]' \
			"(False, False)"
		chk "$P: the tools as functions" \
			'[(t["type"], t["function"]["name"], t["function"]["parameters"]["required"]) for t in log[0]["body"]["tools"]]' \
			"[('function', 'Bash', ['command']), ('function', 'Read', ['file_path'])]"
		chk "$P: system first, usage asked for" 'log[0]["body"]["messages"][0], log[0]["body"]["stream_options"]' \
			"({'role': 'system', 'content': 'You are a coding agent.'}, {'include_usage': True})"
	fi
	checks

	# ---- retried failures ------------------------------------------------------------------
	fault 429 '"retry_after":"1"'
	call $P --scale 100
	chk "$P: 429 retried" 'r["rc"], r["attempts"], r["retries"][0]["status"]' "('ok', 2, 429)"
	chk "$P: after the retry-after it asked for" 'r["retries"][0]["delay_ms"], r["elapsed_ms"] >= 900' "(1000, True)"
	checks

	fault 429 '"retry_after_ms":"250","retry_after":"9"'
	call $P --scale 100
	chk "$P: retry-after-ms comes first" 'r["rc"], r["retries"][0]["delay_ms"], r["elapsed_ms"] >= 200' "('ok', 250, True)"
	checks

	for k in 529 500 reset; do
		fault $k
		call $P
		chk "$P: $k then success" 'r["rc"], r["attempts"], r["message"]["content"][0]["text"], len(log)' \
			"('ok', 2, 'All tests pass.', 2)"
		case $k:$P in
		529:anthropic) want="(529, 'overloaded_error', False)" ;;
		500:anthropic) want="(500, 'api_error', False)" ;;
		5*:openai) want="($k, 'server_error', False)" ;;
		reset:*) want="(0, 'connection', False)" ;;
		esac
		chk "$P: $k reported before the retry" 'r["retries"][0]["status"], r["retries"][0]["error_type"], r["retries"][0]["stream"]' "$want"
		checks
	done

	for k in midstream_error truncate reset_midstream malformed_json; do
		mock "{\"turns\":[$TURN_TOOL],\"faults\":{\"1\":[{\"kind\":\"$k\"}]}}"
		call $P --request "$tmp/request.json"
		chk "$P: $k: the partial turn thrown away, the request re-sent" \
			'r["rc"], r["attempts"], len(r["message"]["content"]), r["retries"][0]["stream"]' "('ok', 2, 3, True)"
		chk "$P: $k: the same body both times" 'len(log), log[0]["body_raw"] == log[1]["body_raw"]' "(2, True)"
		checks
	done

	fault stall '"after":3,"stall_ms":8000'
	call $P --idle-ms 1000
	chk "$P: an idle stream times out and is re-sent" \
		'r["rc"], r["attempts"], r["retries"][0]["error_type"], r["retries"][0]["stream"], r["elapsed_ms"] < 4000' \
		"('ok', 2, 'timeout', True, True)"
	checks

	fault slow '"pause_ms":30'
	call $P --idle-ms 1000
	chk "$P: a slow stream is just slow" 'r["rc"], r["attempts"]' "('ok', 1)"
	checks

	# ---- failures that are not retried --------------------------------------------------------
	fault 401
	call $P
	chk "$P: 401 is an auth error, not retried" 'r["rc"], r["error"]["auth"], r["error"]["status"], r["attempts"], len(log)' \
		"('protocol error', True, 401, 1, 1)"
	# The mock quotes the key back in its message, as some servers do.
	has "$P: cordon's message hides the key the server quoted" 'r["error"]["message"]' "invalid x-api-key: [redacted]"
	checks

	fault prompt_too_long
	call $P
	chk "$P: prompt too long is a context overflow, not retried" \
		'r["rc"], r["error"]["context_overflow"], r["error"]["status"], r["attempts"]' "('protocol error', True, 400, 1)"
	checks

	fault 500 '"headers":{"x-should-retry":"false"}'
	call $P
	chk "$P: x-should-retry: false wins over a 500" 'r["rc"], r["attempts"]' "('protocol error', 1)"
	checks

	mock "{\"turns\":[$TURN_TEXT],\"faults\":{\"1\":[{\"kind\":\"500\"},{\"kind\":\"529\"},{\"kind\":\"500\"},{\"kind\":\"ok\"}]}}"
	call $P --max-retries 2
	chk "$P: retries run out" 'r["rc"], r["attempts"], len(r["retries"]), r["retries"][-1]["max_retries"]' "('protocol error', 3, 2, 2)"
	has "$P: and it says so" 'r["error"]["message"]' "gave up after 3 attempts"
	checks

	mock "{\"turns\":[$TURN_TEXT],\"faults\":{\"1\":[{\"kind\":\"midstream_error\"},{\"kind\":\"truncate\"},{\"kind\":\"ok\"}]}}"
	call $P --max-stream-retries 1
	chk "$P: stream re-sends have their own budget" 'r["rc"], r["attempts"], r["error"]["type"]' "('protocol error', 2, 'stream')"
	checks

	fault oversized '"after":2'
	call $P
	chk "$P: an oversized event hits the ceiling, not retried" 'r["rc"], r["attempts"]' "('size limit reached', 1)"
	has "$P: and says which" 'r["error"]["message"]' "exceeds"
	checks

	fault 429 '"retry_after":"30"'
	call $P --scale 100 --cancel-after-ms 300
	chk "$P: cancel during a retry wait" 'r["rc"], r["elapsed_ms"] < 3000' "('killed', True)"
	checks

	fault stall '"after":2,"stall_ms":20000'
	call $P --cancel-after-ms 300
	chk "$P: cancel during a stalled stream" 'r["rc"], r["elapsed_ms"] < 3000, r["attempts"]' "('killed', True, 1)"
	checks

	mock "{\"turns\":[$TURN_TEXT]}"
	call $P --max-retries 1 --base-url "http://127.0.0.1:1$([ $P = openai ] && echo /v1)"
	chk "$P: nothing listening: connection errors retried, then reported" \
		'r["rc"], r["attempts"], r["error"]["type"]' "('protocol error', 2, 'connection')"
	checks
done

# ---- Anthropic only: blocks kept verbatim, bad input marked, the other key ----------------------
mock '{"turns":[{"content":[{"type":"thinking","thinking":"The failure is in parse.c.","signature":"EqQBCgIYAh=="},{"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"tool_use","id":"toolu_bad","name":"Bash","input_raw":"{\"command\": \"ls"}],"stop_reason":"max_tokens"}]}'
call anthropic --request "$tmp/request.json"
chk "anthropic: thinking and redacted thinking kept verbatim" 'r["message"]["content"][:2]' \
	"[{'type': 'thinking', 'thinking': 'The failure is in parse.c.', 'signature': 'EqQBCgIYAh=='}, {'type': 'redacted_thinking', 'data': 'EmwKAhgB'}]"
chk "anthropic: a cut-off tool input is marked, its input {}" \
	'r["stop_reason"], list(r["bad_inputs"]), r["message"]["content"][2]["input"]' "('max_tokens', ['toolu_bad'], {})"
checks

mock "{\"turns\":[$TURN_TEXT,$TURN_TEXT,$TURN_TEXT]}"
OUT=$(ANTHROPIC_AUTH_TOKEN=$KEY "$CALL" --provider anthropic --base-url "http://127.0.0.1:$PORT" 2>&1)
ALL_OUT+=$OUT
chk "ANTHROPIC_AUTH_TOKEN goes as a bearer token, never with x-api-key" \
	'r["rc"], log[0]["headers"].get("authorization") == "Bearer '$KEY'", "x-api-key" in log[0]["headers"]' "('ok', True, False)"
checks
OUT=$(ANTHROPIC_API_KEY=$KEY ANTHROPIC_AUTH_TOKEN=other ANTHROPIC_BASE_URL="http://127.0.0.1:$PORT" \
	ANTHROPIC_MODEL=opus "$CALL" --provider anthropic 2>&1)
ALL_OUT+=$OUT
chk "with both set only the API key goes; base URL and model from the environment" \
	'r["rc"], "authorization" in log[1]["headers"], log[1]["headers"]["x-api-key"] == "'$KEY'", log[1]["body"]["model"]' \
	"('ok', False, True, 'claude-opus-4-5')"
checks
OUT=$(OPENAI_MODEL=local "$CALL" --provider openai --base-url "http://127.0.0.1:$PORT/v1" 2>&1)
chk "openai to a local server needs no key" 'r["rc"], "authorization" in log[2]["headers"], log[2]["body"]["model"]' \
	"('ok', False, 'local')"
checks
OUT=$("$CALL" --provider anthropic --base-url "http://127.0.0.1:$PORT" 2>&1)
t_contains "no key: a clear open error" "$OUT" "no API key: set ANTHROPIC_API_KEY"
OUT=$(OPENAI_API_KEY=x "$CALL" --provider openai 2>&1)
t_contains "openai without a model: a clear open error" "$OUT" "needs a model id"
OUT=$(OPENAI_MODEL=m "$CALL" --provider openai 2>&1)
t_contains "the public OpenAI API needs a key" "$OUT" "no API key: set OPENAI_API_KEY"

stop_mock
t_eq "the mock stops cleanly on SIGTERM" "$MOCK_RC" 0
case $ALL_OUT in
*"$KEY"* | *"$OKEY"*) t_fail "no key in anything cordon printed" ;;
*) t_pass "no key in anything cordon printed" ;;
esac
t_done
