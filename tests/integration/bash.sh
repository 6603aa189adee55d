#!/usr/bin/env bash
# The Bash tool through `cordon tool --stdin` and `cordon -p` (docs/tools.md,
# "Bash"): the working directory kept and reset, the environment (no secret:
# canaries in cordon's own), stdin, a timeout that kills the whole tree,
# background commands read, stopped and gone with the session, git inside
# the sandbox and what it refuses, a server on the sandbox's own loopback, a
# compile with cc and make, the "blocked by cordon" lines, the per-workspace
# cache, policy denials naming the part and the rule, notifications and
# checkpoints through the agent loop.
. "$ROOT/tests/lib.sh"

tmp=$(t_tmpdir)
ws=$tmp/ws
mkdir -p "$ws/sub/dir" "$tmp/home"
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state
unset XDG_CACHE_HOME ANTHROPIC_BASE_URL GIT_DIR GIT_WORK_TREE
# Canaries: cordon holds them, no command may see them.
CANARY=canary-$$-$RANDOM
export ANTHROPIC_API_KEY=sk-ant-$CANARY GITHUB_TOKEN=ghp_$CANARY AWS_SECRET_ACCESS_KEY=$CANARY
export GIT_CONFIG_NOSYSTEM=1

# calls JSONL...: one `cordon tool --stdin` session in $ws; sets OUT (one
# result line per call) and RC.
calls() {
	OUT=$(printf '%s\n' "$@" | (cd "$ws" && "$CORDON" tool --workspace "$ws" --stdin "${TOOL_ARGS[@]}" 2>"$tmp/err"))
	RC=$?
}
TOOL_ARGS=()
# bashcall COMMAND [EXTRA-JSON-MEMBERS]: one Bash call line.
bashcall() {
	python3 -c 'import json,sys; i={"command": sys.argv[1]}; i.update(json.loads("{" + sys.argv[2] + "}")); print(json.dumps({"name": "Bash", "input": i}))' "$1" "${2:-}"
}
# field N KEY: a field of result line N (1-based) of $OUT.
field() {
	printf '%s\n' "$OUT" | sed -n "${1}p" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$2"
}

# ---- output, exit codes, trimming -------------------------------------------
calls "$(bashcall 'printf "\n\n  padded  \n\n"')" "$(bashcall 'echo out; echo err >&2; exit 3')" \
	"$(bashcall 'grep -q nothing /dev/null')" "$(bashcall 'printf "\xff\xfeok"')" "$(bashcall 'readlink /proc/self/fd/0; cat')"
t_eq "leading blank lines and trailing space trimmed, leading spaces kept" "$(field 1 content)" "  padded"
t_eq "a failure: Exit code, stdout and stderr in write order" "$(field 2 content)" "$(printf 'Exit code 3\nout\nerr')"
t_eq "and is_error" "$(field 2 is_error)" "true"
t_eq "grep's exit 1 is no error" "$(field 3 content)/$(field 3 is_error)" "(Bash completed with no output)/false"
t_eq "invalid UTF-8 becomes U+FFFD" "$(field 4 content)" "$(printf '\xef\xbf\xbd\xef\xbf\xbdok')"
t_eq "stdin is /dev/null" "$(field 5 content)" "/dev/null"

# ---- the working directory ------------------------------------------------------
mkdir -p "$ws/gone"
calls "$(bashcall 'cd sub/dir')" "$(bashcall 'pwd')" "$(bashcall 'cd /tmp')" "$(bashcall 'pwd')" \
	"$(bashcall 'cd sub && false')" "$(bashcall 'pwd')" "$(bashcall 'cd gone')" "$(bashcall 'rmdir ../gone')" "$(bashcall 'pwd')"
t_eq "cd persists to the next call" "$(field 2 content)" "$ws/sub/dir"
t_eq "cd out of the working directories is reset, with the reference's note" "$(field 3 content)" \
	"Shell cwd was reset to $ws"
t_eq "and the next call starts in the workspace" "$(field 4 content)" "$ws"
t_eq "a failed command's cd does not persist (as the reference's)" "$(field 6 content)" "$ws"
t_eq "a directory removed under the shell: reset when that call ends, said" "$(field 8 content)" \
	"Shell cwd was reset to $ws"
t_eq "and the next call starts in the workspace again" "$(field 9 content)" "$ws"
# Relative paths of the other tools follow the shell.
printf 'in sub\n' >"$ws/sub/f.txt"
calls "$(bashcall 'cd sub')" '{"name":"Read","input":{"file_path":"f.txt"}}'
t_contains "Read resolves a relative path from the shell's directory" "$(field 2 content)" "in sub"

# ---- environment: no secret, a private tmp, the caches ---------------------------------
calls "$(bashcall 'env')" "$(bashcall 'cat /proc/self/environ | tr "\0" "\n"; echo; cat /proc/1/environ 2>&1 | tr "\0" "\n"')" \
	"$(bashcall 'echo $TMPDIR $HOME $XDG_CACHE_HOME $npm_config_cache $GOPATH $CARGO_HOME')"
env_out=$(field 1 content)$(field 2 content)
case $env_out in
*"$CANARY"*) t_fail "no canary secret in the command's environment" "$env_out" ;;
*) t_pass "no canary secret in the command's environment" ;;
esac
case $(field 1 content) in
*ANTHROPIC_* | *GITHUB_* | *AWS_*) t_fail "no secret-named variable at all" "$(field 1 content)" ;;
*) t_pass "no secret-named variable at all" ;;
esac
t_eq "TMPDIR and HOME: the private tmp; caches below it" "$(field 3 content)" \
	"/tmp /tmp /tmp/.cache /tmp/.cache/npm /tmp/.cache/go /tmp/.cache/cargo"
hostfile=$(mktemp /tmp/cordon-bash-host.XXXXXX)
calls "$(bashcall "ls $hostfile; echo x > \$TMPDIR/mine; ls \$TMPDIR/mine")"
t_contains "the host's /tmp is not the command's" "$(field 1 content)" "No such file or directory"
rm -f "$hostfile"
cache_root=$HOME/.cache/cordon/workspaces
calls "$(bashcall 'mkdir -p $XDG_CACHE_HOME/pip && echo cached > $XDG_CACHE_HOME/pip/entry')"
calls "$(bashcall 'cat $XDG_CACHE_HOME/pip/entry')"
t_eq "the cache outlives its session (per workspace)" "$(field 1 content)" "cached"
t_eq "and lives on the host under ~/.cache/cordon/workspaces" "$(cat "$cache_root"/ws-*/pip/entry 2>&1)" "cached"
ws2=$tmp/other
mkdir -p "$ws2"
(cd "$ws2" && "$CORDON" tool --workspace "$ws2" Bash '{"command":"ls $XDG_CACHE_HOME/pip 2>&1; true"}' >"$tmp/o2" 2>&1)
t_contains "another workspace has its own" "$(cat "$tmp/o2")" "No such file or directory"
t_eq "a cache nothing was put in is removed at close" "$(ls -d "$cache_root"/other-* 2>/dev/null | wc -l)" 0

# ---- timeout: the whole tree dies --------------------------------------------------
marker=98$RANDOM.5
t0=$(date +%s)
calls "$(bashcall "echo started; (sleep $marker; echo late > $ws/late) & sleep $marker" '"timeout": 1000')"
t1=$(date +%s)
t_eq "a timeout says so, as the reference does" "$(field 1 content)" "$(printf 'Exit code 143\nCommand timed out after 1s\nstarted')"
t_eq "and is an error" "$(field 1 is_error)" "true"
t_eq "it came back within seconds" "$(( t1 - t0 < 10 ))" 1
sleep 0.3
t_eq "no grandchild sleep survives on the host" "$(pgrep -fc "sleep $marker")" 0
t_eq "and none wrote afterwards" "$(ls "$ws/late" 2>/dev/null | wc -l)" 0
calls "$(bashcall 'true' '"timeout": 99999999')" "$(bashcall 'true' '"timeout": -5')"
t_eq "a timeout above the ceiling is clamped, not refused" "$(field 1 is_error)/$(field 2 is_error)" "false/false"

# ---- background commands ------------------------------------------------------------------
cat >"$tmp/bg.py" <<'EOF'
import json, re, subprocess, sys, time
cordon, ws, marker = sys.argv[1:4]
p = subprocess.Popen([cordon, "tool", "--workspace", ws, "--stdin"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True, cwd=ws)
def call(name, inp):
    p.stdin.write(json.dumps({"name": name, "input": inp}) + "\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())
out = {}
r = call("Bash", {"command": "echo one; sleep 0.5; echo two >&2; exit 4", "run_in_background": True,
                  "description": "Count to two"})
out["start"] = r
tid = re.search(r"ID: (b[0-9a-z]+)\.", r["content"]).group(1)
path = re.search(r"written to: (\S+)\. ", r["content"]).group(1)
out["peek"] = call("TaskOutput", {"task_id": tid, "block": False})
out["wait"] = call("TaskOutput", {"task_id": tid, "timeout": 10000})
out["read"] = call("Read", {"file_path": path})
out["again"] = call("TaskStop", {"task_id": tid})
r = call("Bash", {"command": "sleep %s & sleep %s" % (marker, marker), "run_in_background": True})
tid2 = re.search(r"ID: (b[0-9a-z]+)\.", r["content"]).group(1)
time.sleep(0.3)
out["running"] = call("Bash", {"command": "pgrep -xc sleep"})
out["stop"] = call("TaskStop", {"task_id": tid2})
out["after_stop"] = call("Bash", {"command": "pgrep -xc sleep || true"})
out["stopped"] = call("TaskOutput", {"task_id": tid2, "block": False})
out["unknown"] = call("TaskOutput", {"task_id": "bnothere"})
out["killshell"] = call("TaskStop", {"shell_id": "bnothere"})
# One left running when the session ends.
r = call("Bash", {"command": "sleep %s.1" % marker, "run_in_background": True})
time.sleep(0.3)
p.stdin.close()
p.wait()
out["path"] = path
print(json.dumps(out))
EOF
bgm=97$RANDOM.5
bg=$(python3 "$tmp/bg.py" "$CORDON" "$ws" "$bgm")
bgf() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2], {"d": d}); print(v)' "$bg" "$1"; }
t_contains "run_in_background: the reference's start text" "$(bgf 'd["start"]["content"]')" \
	"You will be notified when it completes. To check interim output, use Read on that file path."
t_contains "TaskOutput block=false on a running task: not_ready" "$(bgf 'd["peek"]["content"]')" \
	"<retrieval_status>not_ready</retrieval_status>"
t_eq "TaskOutput waits for the end: status, exit code, both streams" "$(bgf 'd["wait"]["content"]')" \
	"$(printf '<retrieval_status>success</retrieval_status>\n\n<task_id>%s</task_id>\n\n<task_type>local_bash</task_type>\n\n<status>failed</status>\n\n<exit_code>4</exit_code>\n\n<output>\none\ntwo\n</output>' "$(bgf 'd["wait"]["content"].split("<task_id>")[1].split("<")[0]')")"
t_contains "the output file can be read with Read, as the text says" "$(bgf 'd["read"]["content"]')" "two"
t_contains "TaskStop on an ended task: not running" "$(bgf 'd["again"]["content"]')" "is not running (status: failed)"
t_eq "a background command runs (both of its processes)" "$(bgf 'd["running"]["content"]')" 2
t_contains "TaskStop answers as the reference does" "$(bgf 'd["stop"]["content"]')" '"task_type":"local_bash"'
t_eq "and its whole tree is gone" "$(bgf 'd["after_stop"]["content"]')" 0
t_contains "TaskOutput of a stopped task: killed" "$(bgf 'd["stopped"]["content"]')" "<status>killed</status>"
t_eq "an unknown task id" "$(bgf 'd["unknown"]["content"]')" "<tool_use_error>No task found with ID: bnothere</tool_use_error>"
t_eq "KillShell's shell_id is taken as task_id" "$(bgf 'd["killshell"]["content"]')" \
	"<tool_use_error>No task found with ID: bnothere</tool_use_error>"
sleep 0.3
t_eq "a background command still running dies with the session" "$(pgrep -fc "sleep $bgm")" 0
# cordon itself killed (-9: no cleanup of its own) with a background command running: the
# warden dies with it (PDEATHSIG) and takes every process of the session along.
kbm=96$RANDOM.5
mkfifo "$tmp/killin"
"$CORDON" tool --workspace "$ws" --stdin <"$tmp/killin" >"$tmp/killout" 2>&1 &
kpid=$!
exec 8>"$tmp/killin"
bashcall "sleep $kbm" '"run_in_background": true' >&8
for _ in $(seq 1 100); do [ "$(pgrep -fc "sleep $kbm")" -gt 0 ] && break; sleep 0.05; done
t_eq "a background command runs while cordon does" "$(( $(pgrep -fc "sleep $kbm") > 0 ))" 1
kill -9 "$kpid"
exec 8>&-
wait "$kpid" 2>/dev/null
for _ in $(seq 1 100); do [ "$(pgrep -fc "sleep $kbm")" = 0 ] && break; sleep 0.05; done
t_eq "cordon killed: its background command is gone too" "$(pgrep -fc "sleep $kbm")" 0

# ---- git inside the sandbox ------------------------------------------------------
repo=$ws/repo
mkdir -p "$repo"
git -C "$repo" init -q
printf 'one\n' >"$repo/a.txt"
git -C "$repo" add a.txt
git -C "$repo" -c user.name=t -c user.email=t@x commit -qm init
config_before=$(sha256sum <"$repo/.git/config")
# The user's identity in their own ~/.gitconfig (which the sandbox's HOME does not have) reaches git
# inside; the control shows that without it, git inside has no identity.
mkdir -p "$HOME"
printf '[user]\n\tname = Host Person\n\temail = host@example.com\n' >"$HOME/.gitconfig"
calls "$(bashcall 'cd /tmp && git init -q id && cd id && echo x > x && git add x && git commit -qm x && git log -1 --format=%an/%ae/%cn/%ce')"
t_contains "git inside commits as the user of ~/.gitconfig" "$(field 1 content)" "Host Person/host@example.com/Host Person/host@example.com"
rm "$HOME/.gitconfig"
calls "$(bashcall 'cd /tmp && git init -q id && cd id && echo x > x && git add x && git -c user.useConfigOnly=true commit -qm x')"
t_contains "(control) without it, git inside has no identity" "$(field 1 content)" "Exit code"
export GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.com GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@example.com
calls "$(bashcall '(cd repo && echo two >> a.txt && git add a.txt && git commit -qm second && git log --oneline | wc -l && git diff HEAD~1 --stat)')" \
	"$(bashcall 'cd repo && git config user.name someone-else')" "$(bashcall 'cd repo && git config core.hooksPath /tmp/hooks')" \
	"$(bashcall 'cd repo && echo "exit 0" > .git/hooks/pre-commit')" "$(bashcall 'cd /tmp && git init -q fresh && cd fresh && echo x > x && git add x && git commit -qm x && git log --oneline | wc -l')"
t_contains "git add, commit, log, diff work (the repository's own cwd)" "$(field 1 content)" "$(printf '2\n a.txt | 1 +')"
t_eq "git's author comes from the allowed GIT_AUTHOR_* variables" "$(git -C "$repo" log -1 --format=%an)" agent
t_contains "git config cannot write: git's error" "$(field 2 content)" "could not write config file"
t_contains "and cordon says why and what to do" "$(field 2 content)" "blocked by cordon: git configuration is read-only"
t_contains "core.hooksPath cannot be redirected" "$(field 3 content)" "blocked by cordon: git configuration is read-only"
t_eq "the repository's config is unchanged" "$(sha256sum <"$repo/.git/config")" "$config_before"
t_contains "a hook cannot be written: read-only, said so" "$(field 4 content)" "blocked by cordon: that path is read-only"
t_eq "git init, add, commit in a scratch repository in the private tmp work (the shell then returns)" \
	"$(field 5 content)" "$(printf '1\nShell cwd was reset to %s' "$ws")"
calls "$(bashcall 'git init -q newrepo && echo made')"
t_contains "a repository made in the workspace is set aside when the call ends, and the result says so" \
	"$(field 1 content)" "blocked by cordon: set aside newrepo/.git"

# ---- loopback, compilers ---------------------------------------------------------------
port=$((20000 + RANDOM % 20000))
calls "$(bashcall "python3 -m http.server $port --bind 127.0.0.1 >/dev/null 2>&1 & for i in \$(seq 50); do python3 -c 'import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(\"http://127.0.0.1:$port/\").read().decode()[:15])' 2>/dev/null && break; sleep 0.1; done")" \
	"$(bashcall "python3 -c 'import urllib.request; urllib.request.urlopen(\"http://example.com/\", timeout=3)'")"
t_contains "a test server listens on the sandbox's own loopback and answers" "$(field 1 content)" "<!DOCTYPE HTML"
t_contains "nothing leaves: the network is off, said so" "$(field 2 content)" "blocked by cordon: commands have no network access"
mkdir -p "$ws/c"
printf '#include <stdio.h>\nint main(void) { puts("compiled ok"); return 0; }\n' >"$ws/c/hello.c"
printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' >"$ws/c/Makefile"
calls "$(bashcall 'cd c && make -s && ./hello')" "$(bashcall 'python3 -c "print(6*7)"')" "$(bashcall 'touch /usr/cordon-x')"
t_eq "cc and make build and run" "$(field 1 content)" "compiled ok"
t_eq "python runs" "$(field 2 content)" "42"
if command -v node >/dev/null 2>&1; then
	calls "$(bashcall 'node -e "console.log(6*7)"')"
	t_eq "node runs" "$(field 1 content)" "42"
else
	t_skip "node runs" "node is not installed here"
fi
calls "$(bashcall 'touch /usr/cordon-x')"
t_contains "a write outside the workspace: read-only, said so" "$(field 1 content)" "blocked by cordon: that path is read-only"

# ---- big output: capped, saved, said ----------------------------------------------------
calls "$(bashcall 'head -c 12000000 /dev/zero | tr "\0" "x"; echo; echo tail-line')"
t_contains "output over the capture cap is saved with a preview" "$(field 1 content)" "<persisted-output>"
saved=$(field 1 content | sed -n 's/.*Full output saved to: //p' | head -n 1)
t_contains "and the saved text says what was kept" "$(tail -c 200 "$saved")" "[cordon kept the first 8MB of the output: the command wrote more]"

# ---- policy: every part judged, the denial names it and the rule ---------------------------
printf '{"permissions":{"deny":["Bash(rm:*)"]}}' >"$tmp/deny.json"
TOOL_ARGS=(--settings "$tmp/deny.json")
touch "$ws/keep.me"
calls "$(bashcall 'ls keep.me && rm -f keep.me')"
TOOL_ARGS=()
t_contains "a denied part is named" "$(field 1 content)" "command rm -f keep.me has been denied"
t_contains "with the rule that denied it" "$(field 1 content)" "deny rule Bash(rm:*)"
t_eq "and nothing ran" "$(ls "$ws/keep.me" 2>/dev/null)" "$ws/keep.me"
mkdir -p "$tmp/agents"
printf -- '---\nname: m\ndescription: d\ntools: Read, Bash(make:*)\n---\nbody\n' >"$tmp/agents/m.md"
TOOL_ARGS=(--agent "$tmp/agents/m.md")
calls "$(bashcall 'make -v >/dev/null && npm test')" '{"name":"TaskOutput","input":{"task_id":"bx"}}'
TOOL_ARGS=()
t_contains "a part the tools line does not allow is named" "$(field 1 content)" "command npm test has been denied"
t_contains "with the rule that would allow it" "$(field 1 content)" "Bash(npm test:*)"
t_contains "an agent with Bash has its companions (TaskOutput)" "$(field 2 content)" "No task found with ID: bx"
calls "$(bashcall 'echo a\\;')"
t_eq "the command runs as the policy judged it: \\\\; collapsed" "$(field 1 content)" "a;"

# ---- through the agent loop: notifications, checkpoints ----------------------------------------
MOCK=$ROOT/scripts/mock-llm
git -C "$ws2" init -q
printf 'base\n' >"$ws2/base.txt"
git -C "$ws2" add base.txt
git -C "$ws2" commit -qm base
turn() { printf '{"content":[%s],"stop_reason":"tool_use"}' "$1"; }
tool() { printf '{"type":"tool_use","id":"%s","name":"%s","input":%s}' "$1" "$2" "$3"; }
t1=$(turn "$(tool toolu_b1 Bash '{"command":"echo from-background","run_in_background":true,"description":"Say hi"}')")
t2=$(turn "$(tool toolu_b2 Bash '{"command":"sleep 1; echo made > made.txt"}')")
done_turn='{"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}'
printf '{"turns": [%s, %s, %s]}\n' "$t1" "$t2" "$done_turn" >"$tmp/script.json"
rm -f "$tmp/port"
"$MOCK" --script "$tmp/script.json" --log "$tmp/mock.log" --port-file "$tmp/port" >/dev/null 2>&1 &
mock_pid=$!
for _ in $(seq 1 300); do [ -s "$tmp/port" ] && break; sleep 0.02; done
(cd "$ws2" && ANTHROPIC_API_KEY=sk-test ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "$tmp/port") \
	"$CORDON" -p --model claude-sonnet-4-5 --output-format json "go" >"$tmp/run.json" 2>"$tmp/run.err")
rc=$?
kill "$mock_pid" 2>/dev/null
wait "$mock_pid" 2>/dev/null
t_eq "cordon -p with Bash: exit 0" "$rc" 0
last=$(tail -n 1 "$tmp/mock.log")
t_check "the loop offered Bash, TaskOutput and TaskStop" python3 -c '
import json, sys
names = [t["name"] for t in json.loads(sys.argv[1])["body"]["tools"]]
assert {"Bash", "TaskOutput", "TaskStop"} <= set(names), names' "$last"
t_check "the background command's end came as a <task-notification> with the next results" python3 -c '
import json, sys
msg = json.loads(sys.argv[1])["body"]["messages"][-1]
texts = [b["text"] for b in msg["content"] if b.get("type") == "text"]
assert len(texts) == 1, msg
t = texts[0]
assert t.startswith("<task-notification>\n<task-id>b") and "<tool-use-id>toolu_b1</tool-use-id>" in t, t
assert "<status>completed</status>" in t and "Background command \"Say hi\" completed (exit code 0)" in t, t' "$last"
t_check "a checkpoint recorded what Bash changed" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["git"]["checkpoints"] >= 1, r["git"]
assert {f["path"] for f in r["changed_files"]} == {"made.txt"}, r["changed_files"]' "$tmp/run.json"
t_done
