#!/usr/bin/env bash
# Tool results and inputs carry every byte: a text-named file holding NULs,
# control bytes and invalid UTF-8 comes back whole through `cordon tool`
# (one-shot and --stdin), i.e. through the confined child, the reply parser
# and the session; NULs in Write/Edit text reach the file; a NUL in a path
# or pattern is refused instead of cutting the string short.
. "$ROOT/tests/lib.sh"

base=$(t_tmpdir)
ws=$base/ws
mkdir -p "$ws"
export HOME=$base/home
mkdir -p "$HOME"
python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)) + b"\n\x00tail\xe2\x82 end")' "$ws/all.txt"

# The reference's text: lines split on '\n' (a '\r' only at a line end goes),
# numbered "N\t", joined by '\n'; bytes decoded as Node decodes them (each
# maximal bad subsequence one U+FFFD), which Python's "replace" also does.
want_read() {
	python3 - "$ws/all.txt" <<'EOF'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
lines = [l[:-1] if l.endswith("\r") else l for l in text.split("\n")]
sys.stdout.buffer.write("\n".join("%d\t%s" % (i + 1, l) for i, l in enumerate(lines)).encode())
EOF
}

"$CORDON" tool --workspace "$ws" Read '{"file_path": "all.txt"}' >"$base/out"; rc=$?
t_eq "one-shot Read of a file with NULs exits 0" "$rc" 0
want_read >"$base/want"
printf '\n' >>"$base/want" # cordon tool prints the text and a newline
if cmp -s "$base/out" "$base/want"; then
	t_pass "one-shot Read prints every byte (NULs, controls, U+FFFD for bad UTF-8)"
else
	t_fail "one-shot Read prints every byte (NULs, controls, U+FFFD for bad UTF-8)" \
		"got $(wc -c <"$base/out") bytes, want $(wc -c <"$base/want")" "$(cmp "$base/out" "$base/want" 2>&1)"
fi

printf '%s\n' '{"name":"Read","input":{"file_path":"all.txt"}}' |
	"$CORDON" tool --workspace "$ws" --stdin >"$base/line"; rc=$?
t_eq "--stdin Read of a file with NULs exits 0" "$rc" 0
got=$(python3 - "$base/line" "$base/want" <<'EOF'
import json, sys
res = json.loads(open(sys.argv[1], "rb").read())
want = open(sys.argv[2], "rb").read()[:-1].decode()
c = res["content"]
print("ok" if c == want and res["is_error"] is False else
      "differs: %d chars, want %d; first difference at %d" % (len(c), len(want),
      next((i for i, (a, b) in enumerate(zip(c, want)) if a != b), min(len(c), len(want)))))
EOF
)
t_eq "--stdin Read returns the whole text as JSON (\\u0000 escapes)" "$got" ok
t_contains "the JSON line escapes NUL" "$(cat "$base/line")" '\u0000'

# Inputs: \u0000 in Write content and Edit strings reaches the file.
printf '%s\n' '{"name":"Write","input":{"file_path":"n.txt","content":"a\u0000b\u0001\nc"}}' \
	'{"name":"Edit","input":{"file_path":"n.txt","old_string":"\u0000b","new_string":"\u0000\u0000B"}}' \
	'{"name":"Read","input":{"file_path":"n.txt"}}' |
	"$CORDON" tool --workspace "$ws" --stdin >"$base/lines"; rc=$?
t_eq "Write, Edit, Read with NULs in the text succeed" "$rc" 0
t_eq "the file holds the NULs" "$(od -An -c "$ws/n.txt" | tr -s ' ')" " a \\0 \\0 B 001 \\n c"
t_eq "and Read gives them back" "$(sed -n 3p "$base/lines")" '{"content":"1\ta\u0000\u0000B\u0001\n2\tc","is_error":false}'

# A NUL in a path or a pattern: refused, never cut short at the NUL.
for call in '{"name":"Read","input":{"file_path":"n.txt\u0000.png"}}' \
	'{"name":"Grep","input":{"pattern":"a\u0000","path":"n.txt"}}' \
	'{"name":"Glob","input":{"pattern":"n.txt\u0000*"}}' \
	'{"name":"Grep","input":{"pattern":"a","path":"n.txt\u0000x"}}'; do
	out=$(printf '%s\n' "$call" | "$CORDON" tool --workspace "$ws" --stdin)
	t_contains "refused: $call" "$out" '"is_error":true'
	t_contains "saying why: $call" "$out" "must not contain NUL characters"
done
t_done
