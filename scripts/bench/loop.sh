#!/usr/bin/env bash
# scripts/bench/loop.sh — the agent loop (issue 11): cordon -p against Claude
# Code on the same scripted sessions, and the supervisor's own costs.
#
# 1. Sessions against scripts/mock-llm on loopback (one mock for the whole
#    run, reset with SIGHUP between runs), both tools in the same fresh copy
#    of examples/sample-repo (a git repository with one commit, at the same
#    absolute path for both):
#      tools10  10 model turns, 12 calls of Read, Grep, Glob, Edit, Write and
#               TodoWrite (the Edit fixes the sample's bug), then a text answer;
#      notools  one text answer, no tool call.
#    cordon: `cordon -p --provider anthropic` (its default agent);
#    Claude Code: `claude -p --output-format json --dangerously-skip-permissions`
#    (@anthropic-ai/claude-code@$BENCH_CLAUDE_CODE_VERSION, default 2.1.112,
#    installed by npm under $BENCH_OUT/claude-code, never in the repository),
#    with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, a dummy key and a HOME of
#    its own. The mock answers requests that offer no tools (Claude Code's
#    session title) with a fixed text (--side-reply), so both tools play the
#    same turns (Claude Code's start-up `HEAD /`, which opens the connection
#    early, is logged and reported, not counted). Every run is checked: exit
#    0, is_error false, the scripted final text, the same number of loop
#    requests, no tool result that is an error, the workspace edited as
#    scripted, no POST to another route. A run that fails a check stops the
#    benchmark (exit 1): the comparison would mean nothing.
#    BENCH_ROUNDS rounds (default 5), the two tools alternating (the order
#    flips each round), after one warm-up run of each (not timed; it gives
#    the peak RSS of each tool, from GNU time).
#    Figures, min / median / max: wall time (from the exec of the tool to its
#    exit), time to first request (from the exec to the first byte of the
#    first request at the mock: the kernel's receive timestamp), client time
#    per turn (from the last byte of answer N to the first byte of request
#    N+1: what the tool does between two model turns, tools included, the
#    mock excluded; +-0.5 ms: the mock stamps an answer's end after its last
#    write), and the time after the last answer (result, teardown).
#    Goals: Claude Code / cordon wall time >= 20; cordon's time to first
#    request <= 5 ms.
# 2. Supervisor overhead per turn: `cordon -p --provider replay` (offline),
#    scripts of 50, 500 and 2000 turns whose only call is to a tool that
#    does not exist (answered in the supervisor: no tool child, no policy
#    decision), in rotating order; per turn = (median(2000) - median(50)) /
#    1950, in wall time and in CPU time (user + sys, GNU time: steadier on a
#    loaded machine). Peak RSS of the 500-turn run (the largest process of
#    the tree, GNU time): goal <= 20 MiB.
# 3. `cordon --version` (hyperfine -N), against /bin/true and Claude Code's
#    `node cli.js --version`.
# Environment: ROOT, B, CORDON, BENCH_OUT (scripts/bench/run sets them);
# BENCH_ROUNDS, BENCH_CLAUDE_CODE_VERSION, BENCH_NO_CLAUDE=1 (skip the
# comparison). Raw results: $BENCH_OUT/loop/. The comparison part prints
# "SKIP (Claude Code comparison): why" when npm cannot fetch Claude Code;
# the other figures are still measured. Never fails over a number.
set -u
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${B:=$ROOT/build}"
: "${CORDON:=$B/cordon}"
: "${BENCH_OUT:=$B/bench}"
rounds=${BENCH_ROUNDS:-5}
cc_version=${BENCH_CLAUDE_CODE_VERSION:-2.1.112}
out=$BENCH_OUT/loop
MOCK=$ROOT/scripts/mock-llm
mkdir -p "$out"

for tool in python3 git /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "SKIP: '$tool' is not installed"; exit 0; }
done
[ -x "$CORDON" ] || { echo "cordon is not built ($CORDON)"; exit 1; }

tmp=$(mktemp -d /tmp/cordon-bench-loop.XXXXXX)
MOCK_PID=
cleanup() {
	[ -n "$MOCK_PID" ] && kill -TERM "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# $(uname -sr), $(nproc) CPUs, $(id -un); $(date -u +%FT%TZ); load $(load)"
echo "# cordon $("$CORDON" --version 2>/dev/null | head -n1) at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"

# ---- the workspace and the scripts ----------------------------------------
WS=$tmp/ws
tpl=$tmp/template
mkdir -p "$tpl" "$tmp/home-cordon" "$tmp/home-claude" "$out/runs"
cp -R "$ROOT/examples/sample-repo/." "$tpl/"
git -C "$tpl" init -q
git -C "$tpl" -c user.name=bench -c user.email=bench@localhost add -A
git -C "$tpl" -c user.name=bench -c user.email=bench@localhost commit -qm "sample repository"

python3 - "$WS" "$tmp" <<'PY'
import json, sys
ws, tmp = sys.argv[1], sys.argv[2]
def tu(i, name, inp):
    return {"type": "tool_use", "id": "toolu_bench_%02d" % i, "name": name, "input": inp}
def turn(*blocks):
    return {"content": list(blocks), "stop_reason": "tool_use", "usage": {"input_tokens": 100, "output_tokens": 50}}
def text(t):
    return {"type": "text", "text": t}
todos = [{"content": "Find why the mean is wrong", "status": "in_progress", "activeForm": "Finding why the mean is wrong"},
         {"content": "Fix it", "status": "pending", "activeForm": "Fixing it"}]
done = [dict(t, status="completed") for t in todos]
final = "Fixed: stats_mean summed from index 1."
tools10 = [
    turn(text("Looking around."), tu(1, "TodoWrite", {"todos": todos}), tu(2, "Glob", {"pattern": "**/*.c"})),
    turn(tu(3, "Grep", {"pattern": "stats_mean", "output_mode": "content", "-n": True}),
         tu(4, "Read", {"file_path": ws + "/tests/test_stats.c"})),
    turn(tu(5, "Read", {"file_path": ws + "/src/stats.c"})),
    turn(tu(6, "Grep", {"pattern": "include", "glob": "*.h", "output_mode": "files_with_matches"})),
    turn(tu(7, "Read", {"file_path": ws + "/src/stats.h"})),
    turn(text("The loop starts at 1."),
         tu(8, "Edit", {"file_path": ws + "/src/stats.c",
                        "old_string": "\tfor (i = 1; i < n; i++)\n\t\tsum += v[i];",
                        "new_string": "\tfor (i = 0; i < n; i++)\n\t\tsum += v[i];"})),
    turn(tu(9, "Read", {"file_path": ws + "/src/stats.c", "offset": 1, "limit": 20})),
    turn(tu(10, "Write", {"file_path": ws + "/NOTES.md", "content": "stats_mean skipped v[0]; fixed.\n"})),
    turn(tu(11, "Glob", {"pattern": "*.md"}), tu(12, "TodoWrite", {"todos": done})),
    {"content": [text(final)], "stop_reason": "end_turn", "usage": {"input_tokens": 100, "output_tokens": 20}},
]
notools = [{"content": [text("Nothing to do: " + final)], "stop_reason": "end_turn",
            "usage": {"input_tokens": 100, "output_tokens": 20}}]
for name, turns in (("tools10", tools10), ("notools", notools)):
    with open("%s/%s.jsonl" % (tmp, name), "w") as f:
        for t in turns:
            f.write(json.dumps(t) + "\n")
for n in (50, 500, 2000):
    with open("%s/replay%d.jsonl" % (tmp, n), "w") as f:
        for i in range(1, n):
            f.write(json.dumps({"content": [text("turn %d" % i),
                                            tu(i, "NoSuchTool", {"i": i})],
                                "stop_reason": "tool_use", "usage": {"input_tokens": 100, "output_tokens": 20}}) + "\n")
        f.write(json.dumps({"content": [text("done")], "stop_reason": "end_turn"}) + "\n")
PY

# ---- Claude Code ------------------------------------------------------------
CC=
cc_skip=
if [ "${BENCH_NO_CLAUDE:-}" = 1 ]; then
	cc_skip="BENCH_NO_CLAUDE=1"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	cc_skip="node and npm are not installed"
else
	ccdir=$BENCH_OUT/claude-code
	CC=$ccdir/node_modules/@anthropic-ai/claude-code/cli.js
	have=$(node -p "require('$ccdir/node_modules/@anthropic-ai/claude-code/package.json').version" 2>/dev/null)
	if [ "$have" != "$cc_version" ]; then
		echo "# installing @anthropic-ai/claude-code@$cc_version under $ccdir (npm)"
		mkdir -p "$ccdir"
		if ! timeout 600 npm install --prefix "$ccdir" --no-audit --no-fund --no-save --loglevel=error \
			"@anthropic-ai/claude-code@$cc_version" >"$out/npm.log" 2>&1; then
			cc_skip="npm could not install @anthropic-ai/claude-code@$cc_version: $(grep -m1 -i 'err' "$out/npm.log")"
		fi
	fi
	[ -z "$cc_skip" ] && [ ! -f "$CC" ] && cc_skip="no cli.js in @anthropic-ai/claude-code@$cc_version (a native build?)"
fi
if [ -n "$cc_skip" ]; then
	echo "SKIP (Claude Code comparison): $cc_skip"
	CC=
else
	echo "# Claude Code $(node "$CC" --version 2>/dev/null | head -n1) on node $(node --version)"
fi

# ---- the mock ---------------------------------------------------------------
SCRIPT=$tmp/mock-script.jsonl
LOG=$tmp/mock-log.jsonl
TIMING=$tmp/mock-timing.jsonl
cp "$tmp/notools.jsonl" "$SCRIPT"
"$MOCK" --script "$SCRIPT" --log "$LOG" --timing "$TIMING" --side-reply '{"title": "Benchmark session"}' \
	--port-file "$tmp/port" >/dev/null 2>"$out/mock.err" &
MOCK_PID=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.02; done
[ -s "$tmp/port" ] || { echo "the mock did not start: $(cat "$out/mock.err")"; exit 1; }
PORT=$(cat "$tmp/port")

# mock_reset SESSION: the mock plays SESSION from its first turn, with empty logs.
mock_reset() {
	cp "$tmp/$1.jsonl" "$SCRIPT"
	rm -f "$tmp/port"
	kill -HUP "$MOCK_PID"
	for _ in $(seq 500); do [ -s "$tmp/port" ] && return 0; sleep 0.01; done
	echo "the mock did not restart"
	exit 1
}

RESULTS=$out/sessions.jsonl
: >"$RESULTS"

# session SIDE SESSION LABEL [WRAP...]: one timed run, checked; a line in $RESULTS.
session() {
	local side=$1 name=$2 label=$3 rc t1 dir
	dir=$out/runs/$side-$name-$label
	shift 3
	rm -rf "$WS" "$dir"
	mkdir -p "$dir"
	cp -R "$tpl" "$WS"
	mock_reset "$name"
	if [ "$side" = cordon ]; then
		(
			cd "$WS" || exit 99
			export HOME=$tmp/home-cordon ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT ANTHROPIC_API_KEY=sk-bench-dummy
			unset ANTHROPIC_AUTH_TOKEN ANTHROPIC_MODEL XDG_STATE_HOME
			printf '%s\n' "$EPOCHREALTIME" >"$dir/t0"
			exec "$@" "$CORDON" -p --output-format json --max-turns 20 --run-dir "$dir/run" "fix the failing test" \
				>"$dir/stdout" 2>"$dir/stderr"
		)
	else
		(
			cd "$WS" || exit 99
			export HOME=$tmp/home-claude ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT ANTHROPIC_API_KEY=sk-bench-dummy \
				CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 IS_SANDBOX=1 DISABLE_AUTOUPDATER=1
			unset ANTHROPIC_AUTH_TOKEN ANTHROPIC_MODEL
			printf '%s\n' "$EPOCHREALTIME" >"$dir/t0"
			exec "$@" node "$CC" -p "fix the failing test" --output-format json --max-turns 20 \
				--dangerously-skip-permissions >"$dir/stdout" 2>"$dir/stderr"
		)
	fi
	rc=$?
	t1=$EPOCHREALTIME
	cp "$LOG" "$dir/mock-log.jsonl"
	cp "$TIMING" "$dir/mock-timing.jsonl"
	python3 - "$side" "$name" "$label" "$rc" "$t1" "$dir" "$WS" <<'PY' >>"$RESULTS" || exit 1
import json, os, sys
side, name, label, rc, t1, d, ws = sys.argv[1:8]
rc = int(rc)
t0 = float(open(d + "/t0").read())
t1 = float(t1)
log = [json.loads(l) for l in open(d + "/mock-log.jsonl")]
timing = [json.loads(l) for l in open(d + "/mock-timing.jsonl")]
loop = [e for e in log if e.get("seq", 0) > 0]
side_reqs = [e for e in log if e.get("side")]
other = [e for e in log if e.get("route") == "none"]
bad_routes = [e for e in other if e["method"] == "POST"]
want = {"tools10": 10, "notools": 1}[name]
problems = []
if rc != 0:
    problems.append("exit status %d" % rc)
try:
    res = json.loads(open(d + "/stdout").read().strip().splitlines()[-1])
except Exception as e:
    res = {}
    problems.append("no json result on stdout (%s)" % e)
if res.get("is_error") is not False:
    problems.append("is_error is %r" % res.get("is_error"))
if "Fixed: stats_mean summed from index 1." not in (res.get("result") or ""):
    problems.append("result %r" % (res.get("result"),))
if len(loop) != want:
    problems.append("%d loop requests, want %d" % (len(loop), want))
if bad_routes:
    problems.append("POST requests to unknown routes: %s" % sorted({e["path"] for e in bad_routes}))
errors = 0
results = 0
if loop:
    for m in loop[-1]["body"].get("messages", []):
        if isinstance(m.get("content"), list):
            for b in m["content"]:
                if b.get("type") == "tool_result":
                    results += 1
                    errors += bool(b.get("is_error"))
if name == "tools10":
    if results != 12 or errors:
        problems.append("%d tool results, %d errors (want 12, 0)" % (results, errors))
    src = open(ws + "/src/stats.c").read()
    if "for (i = 0; i < n; i++)\n\t\tsum += v[i];" not in src or not os.path.exists(ws + "/NOTES.md"):
        problems.append("the workspace was not edited as scripted")
if problems:
    sys.stderr.write("INVALID: %s %s %s: %s (raw output in %s)\n" % (side, name, label, "; ".join(problems), d))
    sys.exit(1)
reqs = sorted(timing, key=lambda e: e["recv_ns"])
loop_t = [e for e in reqs if e.get("seq", 0) > 0]
first_any = min([reqs[0]["recv_ns"]] + [e["recv_ns"] for e in other])
gaps = [(loop_t[i]["recv_ns"] - loop_t[i - 1]["done_ns"]) / 1e6 for i in range(1, len(loop_t))]
print(json.dumps({"side": side, "session": name, "label": label,
                  "wall_ms": (t1 - t0) * 1e3,
                  "first_request_ms": first_any / 1e6 - t0 * 1e3,
                  "first_model_request_ms": reqs[0]["recv_ns"] / 1e6 - t0 * 1e3,
                  "turn_gaps_ms": gaps,
                  "after_last_ms": t1 * 1e3 - loop_t[-1]["done_ns"] / 1e6,
                  "mock_ms": sum(e["done_ns"] - e["recv_ns"] for e in reqs) / 1e6,
                  "loop_requests": len(loop), "side_requests": len(side_reqs),
                  "other_requests": sorted("%s %s" % (e["method"], e["path"]) for e in other),
                  "request_bytes": sum(len(e.get("body_raw", "")) for e in loop)}))
PY
}

sides=(cordon)
[ -n "$CC" ] && sides+=(claude)

echo "## sessions against the mock ($rounds rounds, ${sides[*]} alternating)"
# Warm-up (page cache, node's compile cache, Claude Code's first-run files),
# under GNU time for the peak RSS.
for s in "${sides[@]}"; do
	for n in tools10 notools; do
		session "$s" "$n" warmup /usr/bin/time -f %M -o "$out/rss-$s-$n.txt"
	done
done
for ((r = 1; r <= rounds; r++)); do
	order=("${sides[@]}")
	if ((r % 2 == 0)) && [ ${#sides[@]} -eq 2 ]; then order=("${sides[1]}" "${sides[0]}"); fi
	for n in tools10 notools; do
		for s in "${order[@]}"; do
			session "$s" "$n" "r$r"
		done
	done
done
echo "# load after the sessions: $(load)"

# ---- 2. replay: supervisor overhead per turn, peak RSS ----------------------
REPLAY=$out/replay.txt
: >"$REPLAY"
echo "## replay sessions, 50, 500 and 2000 turns ($rounds rounds, rotating order)"
# replay N LABEL: one timed run of the N-turn replay script under GNU time.
replay() {
	local n=$1 label=$2 t0 t1 rc m dir=$out/runs/replay$1-$2
	rm -rf "$WS" "$dir"
	mkdir -p "$dir"
	cp -R "$tpl" "$WS"
	t0=$EPOCHREALTIME
	(cd "$WS" && HOME=$tmp/home-cordon /usr/bin/time -f '%M %U %S' -o "$dir/rss" "$CORDON" -p --provider replay \
		--replay-script "$tmp/replay$n.jsonl" --output-format json --run-dir "$dir/run" "go" \
		>"$dir/stdout" 2>"$dir/stderr")
	rc=$?
	t1=$EPOCHREALTIME
	if [ $rc -ne 0 ] || ! grep -q "\"num_turns\":$n," "$dir/stdout"; then
		echo "INVALID: replay of $n turns: exit $rc, $(head -c 300 "$dir/stdout") $(head -n 3 "$dir/stderr")"
		exit 1
	fi
	read -r m u s <"$dir/rss"
	echo "$n $label $(python3 -c "print('%.3f %.0f' % (($t1 - $t0) * 1e3, ($u + $s) * 1e3))") $m" >>"$REPLAY"
}
replay 50 warmup
replay 500 warmup
replay 2000 warmup
lens=(50 500 2000)
for ((r = 1; r <= rounds; r++)); do
	for ((k = 0; k < 3; k++)); do
		replay "${lens[(r + k) % 3]}" "r$r"
	done
done

# ---- 3. start-up ---------------------------------------------------------------
VERSION_JSON=
if command -v hyperfine >/dev/null; then
	echo "## start-up (hyperfine -N)"
	VERSION_JSON=$out/version.json
	cmds=(/bin/true "$CORDON --version")
	[ -n "$CC" ] && cmds+=("node $CC --version")
	hyperfine -N --warmup 5 --runs 40 --export-json "$VERSION_JSON" "${cmds[@]}" >"$out/version.txt" 2>&1 ||
		VERSION_JSON=
else
	echo "# hyperfine is not installed: no start-up figure"
fi
echo "# load at the end: $(load)"

# ---- the figures ---------------------------------------------------------------
python3 - "$RESULTS" "$REPLAY" "${VERSION_JSON:-}" "$out" <<'PY' | tee "$out/summary.txt"
import json, statistics, sys
res_path, replay_path, version_path, out = sys.argv[1:5]
rows = [json.loads(l) for l in open(res_path)]
timed = [r for r in rows if r["label"] != "warmup"]
def rss(side, name):
    try:
        return int(open("%s/rss-%s-%s.txt" % (out, side, name)).read().split()[-1]) / 1024
    except Exception:
        return None
def mmm(v, fmt="%.1f"):
    if not v:
        return "-"
    return (fmt + " / " + fmt + " / " + fmt) % (min(v), statistics.median(v), max(v))
def med(v):
    return statistics.median(v) if v else None
def verdict(ok):
    return "met" if ok else "NOT met"
sides = [s for s in ("cordon", "claude") if any(r["side"] == s for r in timed)]
name_of = {"cordon": "cordon -p", "claude": "Claude Code"}
print("### sessions (min / median / max over rounds; ms)")
for n in ("tools10", "notools"):
    print("%s:" % n)
    for s in sides:
        rs = [r for r in timed if r["side"] == s and r["session"] == n]
        gaps = [g for r in rs for g in r["turn_gaps_ms"]]
        print(("  %-12s wall %-26s first model request %-24s per turn %-22s after last answer %s"
               % (name_of[s], mmm([r["wall_ms"] for r in rs]), mmm([r["first_model_request_ms"] for r in rs]),
                  mmm(gaps), mmm([r["after_last_ms"] for r in rs]))).rstrip())
        print("  %-12s loop requests %d, side requests %d, other requests %s (first of any kind: %s ms),"
              " request bytes %d, peak RSS %s MiB"
              % ("", rs[0]["loop_requests"], rs[0]["side_requests"],
                 ", ".join(sorted(set(x for r in rs for x in r["other_requests"]))) or "none",
                 mmm([r["first_request_ms"] for r in rs]), rs[0]["request_bytes"],
                 "%.1f" % rss(s, n) if rss(s, n) else "-"))
goals = []
if "claude" in sides:
    for n in ("tools10", "notools"):
        c = [r["wall_ms"] for r in timed if r["side"] == "cordon" and r["session"] == n]
        k = [r["wall_ms"] for r in timed if r["side"] == "claude" and r["session"] == n]
        ratio = med(k) / med(c)
        # Paired: each round's own ratio (slow drifts of a shared machine cancel).
        byl = {}
        for r in timed:
            if r["session"] == n:
                byl.setdefault(r["label"], {})[r["side"]] = r["wall_ms"]
        paired = [v["claude"] / v["cordon"] for v in byl.values() if len(v) == 2]
        print("=> %s: Claude Code / cordon wall time: %.1fx (medians); per round %s"
              % (n, ratio, mmm(paired)))
        goals.append(("wall time, Claude Code / cordon, %s (goal >= 20x)" % n, "%.1fx" % ratio, ratio >= 20))
fr = [r["first_request_ms"] for r in timed if r["side"] == "cordon"]
goals.append(("cordon time to first request, median (goal <= 5 ms)", "%.1f ms" % med(fr), med(fr) <= 5))
print("### replay, supervisor only (ms; RSS in MiB)")
rep = [l.split() for l in open(replay_path)]
t50 = [float(l[2]) for l in rep if l[0] == "50" and l[1] != "warmup"]
t500 = [float(l[2]) for l in rep if l[0] == "500" and l[1] != "warmup"]
t2000 = [float(l[2]) for l in rep if l[0] == "2000" and l[1] != "warmup"]
c50 = [float(l[3]) for l in rep if l[0] == "50" and l[1] != "warmup"]
c500 = [float(l[3]) for l in rep if l[0] == "500" and l[1] != "warmup"]
c2000 = [float(l[3]) for l in rep if l[0] == "2000" and l[1] != "warmup"]
rss500 = [int(l[4]) / 1024 for l in rep if l[0] == "500"]
rss50 = [int(l[4]) / 1024 for l in rep if l[0] == "50"]
rss2000 = [int(l[4]) / 1024 for l in rep if l[0] == "2000"]
per_turn = (med(t2000) - med(t50)) / 1950
cpu_turn = (med(c2000) - med(c50)) / 1950
paired = {}
for l in rep:
    if l[1] != "warmup":
        paired.setdefault(l[1], {})[l[0]] = float(l[2])
pp = [(v["2000"] - v["50"]) / 1950 for v in paired.values() if "2000" in v and "50" in v]
print("  50 turns   wall %s   CPU %s   peak RSS %s" % (mmm(t50), mmm(c50, "%.0f"), mmm(rss50)))
print("  500 turns  wall %s   CPU %s   peak RSS %s" % (mmm(t500), mmm(c500, "%.0f"), mmm(rss500)))
print("  2000 turns wall %s   CPU %s   peak RSS %s" % (mmm(t2000), mmm(c2000, "%.0f"), mmm(rss2000)))
print("=> supervisor overhead per turn (no tool child): %.3f ms wall (medians; per round %s), %.3f ms CPU (user+sys)"
      % (per_turn, mmm(pp, "%.3f"), cpu_turn))
goals.append(("peak RSS, 500-turn replay session (goal <= 20 MiB)", "%.1f MiB" % max(rss500), max(rss500) <= 20))
if version_path:
    v = json.load(open(version_path))["results"]
    print("### start-up (hyperfine -N, 40 runs; ms, min / median / max)")
    base = None
    for r in v:
        t = [x * 1e3 for x in r["times"]]
        c = r["command"]
        c = ("cordon --version" if c.endswith("cordon --version") else
             "node claude-code/cli.js --version" if "cli.js" in c else c)
        print("  %-36s %s" % (c, mmm(t, "%.2f")))
    cv = [r for r in v if r["command"].endswith("cordon --version")]
    if cv:
        print("=> cordon --version: %.2f ms (median)" % (cv[0]["median"] * 1e3))
print("### goals")
for what, fig, ok in goals:
    print("  %-62s %-10s %s" % (what, fig, verdict(ok)))
PY
