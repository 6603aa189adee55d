#!/usr/bin/env bash
# cordon -p and git (docs/git.md), end to end on real repositories made
# here: the base snapshot and checkpoints, --diff (git apply --check on the
# base, then the result reproduced exactly), --commit, the changed files in
# the result, cordon runs and cordon rewind (byte-exact, a dirty working tree
# refused), the user's index, HEAD and stash untouched throughout; kill -9
# at any moment leaves git fsck clean and the run rewindable; no hook,
# fsmonitor or filter driver ever runs; a linked worktree and a submodule.
. "$ROOT/tests/lib.sh"

MOCK=$ROOT/scripts/mock-llm
GITRUN=$HELPERS/gitrun
tmp=$(t_tmpdir)
export HOME=$tmp/home XDG_STATE_HOME=$tmp/state
mkdir -p "$HOME"
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL ANTHROPIC_MODEL GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com GIT_COMMITTER_NAME=tester \
	GIT_COMMITTER_EMAIL=tester@example.com GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git config --global protocol.file.allow always

MOCK_PID=
stop_mock() {
	if [ -n "$MOCK_PID" ]; then
		kill -TERM "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
		MOCK_PID=
	fi
}
trap 'stop_mock; t_cleanup' EXIT
# mock SCRIPT-JSON: a fresh mock server playing it.
mock() {
	stop_mock
	printf '%s\n' "$1" >"$tmp/script.json"
	rm -f "$tmp/port"
	"$MOCK" --script "$tmp/script.json" --log "$tmp/mock.log" --port-file "$tmp/port" >/dev/null 2>"$tmp/mock.err" &
	MOCK_PID=$!
	for _ in $(seq 1 300); do
		[ -s "$tmp/port" ] && break
		sleep 0.02
	done
	PORT=$(cat "$tmp/port")
}
# in DIR cordon -p ARGS... against the mock
viamock() {
	local dir=$1
	shift
	(cd "$dir" && ANTHROPIC_API_KEY=sk-test ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT exec "$CORDON" -p --model claude-sonnet-4-5 "$@")
}
replay() { # DIR SCRIPT ARGS...
	local dir=$1 script=$2
	shift 2
	(cd "$dir" && exec "$CORDON" -p --provider replay --replay-script "$script" "$@")
}
turn() { printf '{"content":[%s],"stop_reason":"tool_use"}' "$1"; }
tool() { printf '{"type":"tool_use","id":"%s","name":"%s","input":%s}' "$1" "$2" "$3"; }
done_turn='{"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}'

# A tree's exact state: type, exec bit, content or link target of every
# path but .git and the names given (ignored files).
tree_state() { # DIR [EXCLUDED-NAME...]
	python3 - "$@" <<'EOF'
import hashlib, os, stat, sys
root, skip = sys.argv[1], set(sys.argv[2:])
out = []
for d, dirs, files in os.walk(root):
    dirs[:] = sorted(x for x in dirs if x != ".git" and x not in skip)
    for f in sorted(files):
        if f in skip:
            continue
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root)
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            out.append("L %r -> %r" % (rel, os.readlink(p)))
        else:
            x = "x" if st.st_mode & 0o100 else "-"
            out.append("F %r %s %s" % (rel, x, hashlib.sha256(open(p, "rb").read()).hexdigest()))
print("\n".join(sorted(out)))
EOF
}
fsck_clean() { # REPO: exit 0 and nothing but dangling objects reported
	local out
	out=$(git -C "$1" fsck --strict 2>&1) || { echo "$out"; return 1; }
	! printf '%s\n' "$out" | grep -v '^dangling ' | grep -q .
}
user_state() { # REPO: what the user owns besides the working tree
	git -C "$1" rev-parse HEAD 2>/dev/null
	git -C "$1" symbolic-ref -q HEAD
	sha256sum <"$1/.git/index"
	git -C "$1" stash list --format='%H %s'
	git -C "$1" for-each-ref --format='%(refname) %(objectname)' refs/heads refs/tags refs/stash | grep -v '^refs/heads/cordon/'
}

# ---- a repository with a bit of everything --------------------------------------------
ws=$tmp/ws
mkdir -p "$ws/src" "$ws/bin" "$ws/build"
cd "$ws" || exit 1
git init -q
printf 'int add(int a, int b) { return a - b; }\n' >src/add.c
head -c 3000 /dev/urandom >bin/blob.dat
printf '#!/bin/sh\necho run\n' >run.sh
chmod +x run.sh
printf 'plain\n' >plain.txt
printf 'a file with a long enough body to be found as a rename\nline two\nline three\n' >"old name.txt"
printf 'going away\n' >gone.txt
printf 'kept\n' >keep.txt
ln -s src/add.c link
printf '*.log\nbuild/\n' >.gitignore
git add -A
git commit -qm init
# The user's own state: a stash entry, a staged change, an unstaged one, an untracked file, ignored files.
printf 'stashed\n' >>keep.txt
git stash -q
printf 'staged\n' >>keep.txt
git add keep.txt
printf 'unstaged\n' >>keep.txt
printf 'notes\n' >notes.txt
printf 'log\n' >x.log
printf 'built\n' >build/out.bin
cd "$tmp" || exit 1
before_user=$(user_state "$ws")
before_cached=$(git -C "$ws" diff --cached)
base_state=$(tree_state "$ws" x.log build)

# ---- a run that adds, modifies, deletes, renames, chmods; binaries; odd names ----------
# Turn 1 is slow: while it streams, this script changes the tree the way a
# Bash call would (delete, rename, chmod, binary, symlink): those changes are
# the run's too, and the next checkpoint records them.
t1=$(turn "$(tool toolu_r Read '{"file_path":"src/add.c"}')")
t2=$(turn "$(tool toolu_e Edit '{"file_path":"src/add.c","old_string":"a - b","new_string":"a + b"}')")
t3=$(turn "$(tool toolu_w1 Write '{"file_path":"dir with space/new\nline.txt","content":"two\nlines\n"}')")
t4=$(turn "$(tool toolu_w2 Write '{"file_path":"nul.bin","content":"a\u0000b\u00ff"}')")
mock "{\"turns\": [$t1, $t2, $t3, $t4, $done_turn], \"faults\": {\"1\": [{\"kind\": \"slow\", \"pause_ms\": 150}]}}"
viamock "$ws" --output-format json --diff "$tmp/run.patch" --commit "change things" >"$tmp/out.json" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 500); do
	git -C "$ws" for-each-ref --format='%(refname)' refs/cordon/runs | grep -q /base && break
	sleep 0.02
done
# (the base exists; turn 1 is still streaming)
rm "$ws/gone.txt"
mv "$ws/old name.txt" "$ws/new name.txt"
chmod -x "$ws/run.sh"
chmod +x "$ws/plain.txt"
head -c 5000 /dev/urandom >"$ws/bin/blob.dat"
ln -sfn keep.txt "$ws/link"
head -c 2000 /dev/urandom >"$ws/bin/new.bin"
printf 'more log\n' >>"$ws/x.log"
wait $pid
rc=$?
t_eq "run: exit 0" "$rc" 0
t_eq "run: the edit landed" "$(cat "$ws/src/add.c")" "int add(int a, int b) { return a + b; }"
out=$(cat "$tmp/out.json")
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_id"])' "$out" 2>/dev/null)
t_check "result: the changed files, each with its status" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
got = {f["path"]: f for f in r["changed_files"]}
want = {"src/add.c": "modified", "gone.txt": "deleted", "new name.txt": "renamed", "run.sh": "modified",
        "plain.txt": "modified", "bin/blob.dat": "modified", "link": "modified", "bin/new.bin": "added",
        "dir with space/new\nline.txt": "added", "nul.bin": "added"}
assert {p: f["status"] for p, f in got.items()} == want, got
assert got["new name.txt"]["old_path"] == "old name.txt", got
assert got["run.sh"]["old_mode"] == "100755" and got["run.sh"]["new_mode"] == "100644", got
assert got["plain.txt"]["new_mode"] == "100755", got
g = r["git"]
assert g["ref"] == "refs/cordon/runs/" + r["session_id"] and g["checkpoints"] >= 3, g
assert g["diff"] and g["branch"] == "cordon/" + r["session_id"] and len(g["commit"]) == 40, g
assert g["head_moved"] is False, g
' "$out"
t_eq "the user's HEAD, branch, index file, stash and refs are untouched" "$(user_state "$ws")" "$before_user"
t_eq "the staged change is still staged, unchanged" "$(git -C "$ws" diff --cached)" "$before_cached"
t_check "git fsck --strict is clean" fsck_clean "$ws"
after_state=$(tree_state "$ws" x.log build)

# The base: the working tree before the run, untracked files included, ignored ones not.
base_files=$(git -C "$ws" ls-tree -r --name-only "refs/cordon/runs/$id/base")
t_contains "base: untracked files are in" "$base_files" "notes.txt"
t_contains "base: the unstaged change is in" "$(git -C "$ws" show "refs/cordon/runs/$id/base:keep.txt")" "unstaged"
case $base_files in *x.log* | *build/*) t_fail "base: ignored files are out" "$base_files" ;; *) t_pass "base: ignored files are out" ;; esac
t_eq "base: its first parent is HEAD" "$(git -C "$ws" rev-parse "refs/cordon/runs/$id/base^1")" "$(git -C "$ws" rev-parse HEAD)"
t_contains "base: its second parent keeps the index" "$(git -C "$ws" show "refs/cordon/runs/$id/base^2:keep.txt")" "staged"
t_eq "base: the index commit has the staged text, not the unstaged one" \
	"$(git -C "$ws" show "refs/cordon/runs/$id/base^2:keep.txt" | grep -c unstaged)" 0

# The patch: git apply --check on the base, then exactly the result.
basedir=$tmp/base
mkdir -p "$basedir"
git -C "$ws" archive "refs/cordon/runs/$id/base" | tar -x -C "$basedir"
t_eq "the base snapshot is the working tree before the run, byte for byte" "$(tree_state "$basedir")" "$base_state"
t_check "the patch passes git apply --check on the base" git -C "$basedir" apply --check "$tmp/run.patch"
git -C "$basedir" apply "$tmp/run.patch" 2>"$tmp/apply.err"
t_eq "git apply of the patch on the base reproduces the result exactly" "$(tree_state "$basedir")" "$after_state"
t_contains "the patch has a git binary patch" "$(cat "$tmp/run.patch")" "GIT binary patch"
t_contains "the patch has the rename" "$(cat "$tmp/run.patch")" "rename from old name.txt"
t_contains "the patch has the mode change" "$(cat "$tmp/run.patch")" "old mode 100755"
t_contains "the patch quotes the name with a newline" "$(cat "$tmp/run.patch")" '"b/dir with space/new\nline.txt"'

# The commit: HEAD's tree with the run's paths changed, nothing else of the user's.
br=cordon/$id
t_eq "commit: on top of HEAD" "$(git -C "$ws" rev-parse "$br^")" "$(git -C "$ws" rev-parse HEAD)"
t_eq "commit: exactly the run's paths changed" "$(git -C "$ws" diff --name-status -M HEAD "$br" | sort)" "$(printf '%s\n' \
	'A	"dir with space/new\nline.txt"' 'A	bin/new.bin' 'A	nul.bin' 'D	gone.txt' 'M	bin/blob.dat' 'M	link' \
	'M	plain.txt' 'M	run.sh' 'M	src/add.c' 'R100	old name.txt	new name.txt' | sort)"
t_eq "commit: the user's untracked notes.txt is not in it" "$(git -C "$ws" ls-tree --name-only "$br" notes.txt)" ""
t_eq "commit: keep.txt is HEAD's (the user's changes to it are theirs)" "$(git -C "$ws" rev-parse "$br:keep.txt")" "$(git -C "$ws" rev-parse HEAD:keep.txt)"
t_check "commit: each changed file's blob is the file's bytes" sh -c '
cd "$1" && for p in src/add.c bin/blob.dat bin/new.bin nul.bin; do
	[ "$(git rev-parse "$2:$p")" = "$(git hash-object --no-filters "$p")" ] || exit 1
done' _ "$ws" "$br"
t_eq "commit: the author from GIT_AUTHOR_*" "$(git -C "$ws" log -1 --format='%an <%ae>' "$br")" "tester <tester@example.com>"
t_contains "commit: the default message names the run" "$(git -C "$ws" log -1 --format=%B "$br")" "Cordon-Run: $id"

# ---- cordon runs -------------------------------------------------------------------------
out=$(cd "$ws" && "$CORDON" runs); rc=$?
t_eq "runs: exit 0" "$rc" 0
case $out in "$id  "*) t_pass "runs: one line beginning with the run id" ;; *) t_fail "runs: one line beginning with the run id" "$out" ;; esac
n_cps=$(git -C "$ws" rev-list --count "refs/cordon/runs/$id/base..refs/cordon/runs/$id/checkpoints")
t_contains "runs: with its checkpoints" "$out" "$n_cps checkpoints"
out=$("$CORDON" runs -C "$ws" --json)
t_check "runs --json: the run, its base and checkpoints" python3 -c '
import json, sys
runs = json.loads(sys.argv[1])
r = runs[0]
assert r["id"] == sys.argv[2] and r["checkpoints"][0]["n"] == 0, r
cps = r["checkpoints"]
assert [c["n"] for c in cps] == list(range(len(cps))) and len(cps) == int(sys.argv[3]) + 1, cps
tools = [c.get("tool") for c in cps[1:]]
assert "Edit" in tools and "Write" in tools, tools
assert any(c.get("tool_use_id") == "toolu_e" for c in cps), cps
' "$out" "$id" "$n_cps"
out=$(cd "$ws" && "$CORDON" runs "${id:0:8}")
t_contains "runs ID: the run's checkpoints, one per line" "$out" "   0  "
t_contains "runs ID: the Edit's checkpoint" "$out" "Edit src/add.c"

# ---- cordon rewind -----------------------------------------------------------------------
cp -a "$ws" "$tmp/ws-after"
out=$(cd "$ws" && "$CORDON" rewind "$id" --dry-run); rc=$?
t_eq "rewind --dry-run: exit 0" "$rc" 0
t_eq "rewind --dry-run: changes nothing" "$(tree_state "$ws" x.log build)" "$after_state"
out=$(cd "$ws" && "$CORDON" rewind "$id"); rc=$?
t_eq "rewind to 0: exit 0" "$rc" 0
t_eq "rewind to 0: the working tree before the run, byte for byte" "$(tree_state "$ws" x.log build)" "$base_state"
t_eq "rewind: ignored files are left alone" "$(cat "$ws/x.log")" "$(printf 'log\nmore log')"
t_eq "rewind: the user's HEAD, index, stash untouched" "$(user_state "$ws")" "$before_user"
out=$(cd "$ws" && "$CORDON" rewind "$id" --to "$n_cps"); rc=$?
t_eq "rewind to the run's last checkpoint: exit 0" "$rc" 0
t_eq "rewind to the run's last checkpoint: the result again, byte for byte" "$(tree_state "$ws" x.log build)" "$after_state"
t_contains "a rewind is a checkpoint of its own" "$(cd "$ws" && "$CORDON" runs "$id" | tail -n 1)" "rewound to checkpoint $n_cps"
# A file changed after the run: refused, nothing touched.
printf 'my own edit\n' >>"$ws/plain.txt"
edited=$(tree_state "$ws" x.log build)
out=$(cd "$ws" && "$CORDON" rewind "$id" --to 0 2>&1); rc=$?
t_eq "rewind over a change made since: refused (exit 1)" "$rc" 1
t_contains "rewind refused: says why" "$out" "changed since the run's last checkpoint"
t_contains "rewind refused: names the file" "$out" "M plain.txt"
t_eq "rewind refused: nothing changed" "$(tree_state "$ws" x.log build)" "$edited"
out=$(cd "$ws" && "$CORDON" rewind "$id" --to 0 --force); rc=$?
t_eq "rewind --force: exit 0" "$rc" 0
saved=$(printf '%s\n' "$out" | sed -n 's/^what was there before is checkpoint \([0-9]*\)$/\1/p')
t_check "rewind --force: the edit was saved as a checkpoint first" test -n "$saved"
out=$(cd "$ws" && "$CORDON" rewind "$id" --to "$saved"); rc=$?
t_eq "rewind to the saved checkpoint: the edit is back" "$(tree_state "$ws" x.log build)" "$edited"
t_check "after the rewinds: git fsck --strict is clean" fsck_clean "$ws"
t_eq "after the rewinds: the user's HEAD, index, stash untouched" "$(user_state "$ws")" "$before_user"
out=$(cd "$ws" && "$CORDON" rewind "$id" --to 999 2>&1); rc=$?
t_eq "rewind to a checkpoint that does not exist: exit 1" "$rc" 1
out=$(cd "$ws" && "$CORDON" rewind 2>&1); rc=$?
t_eq "rewind without a run: usage (exit 2)" "$rc" 2

# ---- runs newest first; the run id is the transcript's -----------------------------------
printf '%s\n' "$(turn "$(tool toolu_x Write '{"file_path":"second.txt","content":"2\n"}')")" "$done_turn" >"$tmp/second.jsonl"
out=$(replay "$ws" "$tmp/second.jsonl" --output-format json "the second run"); rc=$?
id2=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_id"])' "$out")
t_eq "second run: exit 0" "$rc" 0
t_check "second run: its transcript directory has the same id" test -f "$XDG_STATE_HOME/cordon/runs/$id2/transcript.jsonl"
first=$(cd "$ws" && "$CORDON" runs | head -n 1)
case $first in "$id2  "*"the second run") t_pass "runs: newest first" ;; *) t_fail "runs: newest first" "$first" ;; esac
out=$(cd "$ws" && "$CORDON" runs zz 2>&1); rc=$?
t_eq "runs with an unknown id: exit 1" "$rc" 1

# ---- --resume: the same run, its checkpoints go on -------------------------------------------
rs=$tmp/resume
git init -q "$rs"
printf 'r\n' >"$rs/r.txt"
git -C "$rs" add -A && git -C "$rs" commit -qm r
printf '%s\n' "$(turn "$(tool toolu_a Write '{"file_path":"a.txt","content":"A\n"}')")" "$done_turn" >"$tmp/ra.jsonl"
printf '%s\n' "$(turn "$(tool toolu_b Write '{"file_path":"b.txt","content":"B\n"}')")" "$done_turn" >"$tmp/rb.jsonl"
out=$(replay "$rs" "$tmp/ra.jsonl" --output-format json --max-turns 1 "write a then b"); rc=$?
rid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_id"])' "$out")
t_eq "resume: the first part stops at the turn limit (exit 3)" "$rc" 3
out=$(replay "$rs" "$tmp/rb.jsonl" --output-format json --resume "$rid" --diff "$tmp/r.patch" "now b"); rc=$?
t_eq "resume: the second part exits 0" "$rc" 0
t_check "resume: one run, its checkpoints numbered on, the changes of both parts" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["session_id"] == sys.argv[2], r["session_id"]
assert r["git"]["checkpoints"] == 2, r["git"]
assert [f["path"] for f in r["changed_files"]] == ["a.txt", "b.txt"], r["changed_files"]
' "$out" "$rid"
t_eq "resume: cordon runs has one run with two checkpoints" "$(cd "$rs" && "$CORDON" runs | wc -l) $(cd "$rs" && "$CORDON" runs | grep -c '2 checkpoints')" "1 1"
t_contains "resume: the patch has both files" "$(cat "$tmp/r.patch")" "+++ b/b.txt"
t_contains "resume: the patch has both files (a)" "$(cat "$tmp/r.patch")" "+++ b/a.txt"

# ---- --commit on the checked-out branch, asked for -----------------------------------------
co=$tmp/co
git init -q "$co"
printf 'one\n' >"$co/a.txt"
git -C "$co" add -A && git -C "$co" commit -qm one
printf '%s\n' "$(turn "$(tool toolu_w Write '{"file_path":"b.txt","content":"bee\n"}')")" "$done_turn" >"$tmp/b.jsonl"
out=$(replay "$co" "$tmp/b.jsonl" --output-format json --commit --branch main --message "add b" "add b"); rc=$?
t_eq "commit on the checked-out branch: exit 0" "$rc" 0
t_eq "commit on the checked-out branch: it moved" "$(git -C "$co" log -1 --format=%s main)" "add b"
t_eq "commit on the checked-out branch: git status is clean" "$(git -C "$co" status --porcelain)" ""
t_contains "commit on the checked-out branch: the result says HEAD moved" "$out" '"head_moved":true'
t_check "commit on the checked-out branch: fsck clean" fsck_clean "$co"
out=$(replay "$co" "$tmp/b.jsonl" --commit --branch 'bad..name' "x" 2>&1); rc=$?
t_eq "commit with a bad branch name: exit 1" "$rc" 1
t_contains "commit with a bad branch name: says so" "$out" "not a valid branch name"
out=$(cd "$co" && "$CORDON" -p --provider replay --replay-script "$tmp/b.jsonl" --branch x "x" 2>&1); rc=$?
t_eq "--branch without --commit: usage (exit 2)" "$rc" 2
out=$(cd "$co" && "$CORDON" -p --provider replay --replay-script "$tmp/b.jsonl" --no-snapshot --diff "$tmp/x.patch" "x" 2>&1); rc=$?
t_eq "--no-snapshot with --diff: usage (exit 2)" "$rc" 2

# ---- a failed run commits nothing, but its patch is written ---------------------------------
printf '%s\n' "$(turn "$(tool toolu_w Write '{"file_path":"c.txt","content":"see\n"}')")" "$(turn "$(tool toolu_r Read '{"file_path":"c.txt"}')")" "$done_turn" >"$tmp/c.jsonl"
out=$(replay "$co" "$tmp/c.jsonl" --output-format json --max-turns 1 --commit --diff "$tmp/c.patch" "c"); rc=$?
t_eq "failed run: its own exit status (3)" "$rc" 3
t_check "failed run: no commit, the patch is written" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["git"]["commit"] is None and "nothing was committed" in r["git"]["note"], r["git"]
assert [f["path"] for f in r["changed_files"]] == ["c.txt"], r["changed_files"]
' "$out"
t_contains "failed run: the patch" "$(cat "$tmp/c.patch")" "+see"

# ---- not a git repository -------------------------------------------------------------------
plain=$tmp/plain
mkdir -p "$plain"
out=$(replay "$plain" "$tmp/b.jsonl" --output-format json "x" 2>"$tmp/err"); rc=$?
t_eq "no repository: the run still runs (exit 0)" "$rc" 0
t_eq "no repository: stderr stays quiet when it is not a terminal" "$(cat "$tmp/err")" ""
t_check "no repository: the changed files the tools reported, no git" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["changed_files"] == [{"path": "b.txt", "status": "added"}], r["changed_files"]
assert r["git"]["ref"] is None and "not in a git repository" in r["git"]["note"], r["git"]
' "$out"
rm -f "$plain/b.txt"
out=$(replay "$plain" "$tmp/b.jsonl" --diff "$tmp/p.patch" "x" 2>&1); rc=$?
t_eq "no repository with --diff: refused before the first tool call (exit 1)" "$rc" 1
t_contains "no repository with --diff: says why" "$out" "--diff needs the run's snapshot"
t_check "no repository with --diff: the call did not run" test ! -e "$plain/b.txt"

# ---- protection: the file tools cannot write .git; no hook, fsmonitor or driver runs ---------
hk=$tmp/hooked
marker=$tmp/MARKER
git init -q "$hk"
for h in applypatch-msg pre-applypatch post-applypatch pre-commit pre-merge-commit prepare-commit-msg \
	commit-msg post-commit pre-rebase post-checkout post-merge pre-push pre-receive update \
	proc-receive post-receive post-update reference-transaction push-to-checkout pre-auto-gc \
	post-rewrite sendemail-validate fsmonitor-watchman p4-changelist p4-prepare-changelist \
	p4-post-changelist p4-pre-submit post-index-change; do
	printf '#!/bin/sh\necho %s >>%s\nexit 0\n' "$h" "$marker" >"$hk/.git/hooks/$h"
	chmod +x "$hk/.git/hooks/$h"
done
git -C "$hk" config core.fsmonitor "echo fsmonitor >>$marker; false"
git -C "$hk" config filter.mark.clean "echo clean >>$marker; cat"
git -C "$hk" config filter.mark.smudge "echo smudge >>$marker; cat"
git -C "$hk" config filter.mark.process "sh -c 'echo process >>$marker'"
git -C "$hk" config diff.mark.textconv "sh -c 'echo textconv >>$marker; cat \"\$1\"' _"
git -C "$hk" config diff.mark.command "sh -c 'echo diffcmd >>$marker'"
printf '* filter=mark diff=mark\n' >"$hk/.gitattributes"
printf 'data\n' >"$hk/data.txt"
git -C "$hk" -c core.fsmonitor= -c core.hooksPath=/dev/null -c filter.mark.clean=cat -c filter.mark.process= add -A
git -C "$hk" -c core.fsmonitor= -c core.hooksPath=/dev/null -c filter.mark.clean=cat -c filter.mark.process= commit -qm init
rm -f "$marker"
config_before=$(sha256sum <"$hk/.git/config")
w_git='{"file_path":".git/hooks/pre-commit","content":"#!/bin/sh\necho pwned\n"}'
w_cfg='{"file_path":".git/config","content":"[core]\n\tfsmonitor = touch /tmp/pwned\n"}'
printf '%s\n' "$(turn "$(tool toolu_h Write "$w_git")")" "$(turn "$(tool toolu_c Write "$w_cfg")")" \
	"$(turn "$(tool toolu_rc Read '{"file_path":".git/config"}')")" \
	"$(turn "$(tool toolu_ec Edit '{"file_path":".git/config","old_string":"[core]","new_string":"[core]\n\tfsmonitor = touch /tmp/pwned"}')")" \
	"$(turn "$(tool toolu_eh Edit '{"file_path":".git/hooks/pre-commit","old_string":"exit 0","new_string":"echo pwned"}')")" \
	"$(turn "$(tool toolu_r Read '{"file_path":"data.txt"}')")" \
	"$(turn "$(tool toolu_d Write '{"file_path":"data.txt","content":"changed\n"}')")" "$done_turn" >"$tmp/hk.jsonl"
out=$(replay "$hk" "$tmp/hk.jsonl" --output-format stream-json --diff "$tmp/hk.patch" --commit "x"); rc=$?
t_eq "protection: the run exits 0" "$rc" 0
t_check "protection: Write and Edit into .git/ are refused end to end (hooks and config)" python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
res = {e["message"]["content"][0]["tool_use_id"]: e["message"]["content"][0] for e in ev if e["type"] == "user"}
for t in ("toolu_h", "toolu_c", "toolu_ec", "toolu_eh"):
    assert res[t].get("is_error") is True, res[t]
assert not res["toolu_d"].get("is_error"), res["toolu_d"]
' "$out"
t_eq "protection: .git/config unchanged" "$(sha256sum <"$hk/.git/config")" "$config_before"
t_eq "protection: the hook is the one planted here" "$(head -c 9 "$hk/.git/hooks/pre-commit")" "#!/bin/sh"
t_check_fails "protection: the hook file has no 'pwned'" grep -q pwned "$hk/.git/hooks/pre-commit"
hid=$(cd "$hk" && "$CORDON" runs | head -n 1 | cut -d' ' -f1)
(cd "$hk" && "$CORDON" runs --json >/dev/null && "$CORDON" rewind "$hid" >/dev/null && "$CORDON" rewind "$hid" --to last >/dev/null)
t_check "protection: after snapshot, checkpoints, diff, commit, runs and rewinds no hook, fsmonitor, filter or diff driver ran" test ! -e "$marker"
# The planted hooks and drivers are live: git itself runs them (the test would see them).
git -C "$hk" commit -q --allow-empty -m probe 2>/dev/null
t_check "protection: (control) git's own commit runs the planted hooks" test -s "$marker"

# ---- a linked worktree --------------------------------------------------------------------------
main=$tmp/main
git init -q "$main"
printf 'm\n' >"$main/m.txt"
git -C "$main" add -A && git -C "$main" commit -qm m
git -C "$main" worktree add -q -b side "$tmp/linked"
printf 'side edit\n' >>"$tmp/linked/m.txt"
git -C "$tmp/linked" add m.txt
lindex=$(sha256sum <"$main/.git/worktrees/linked/index")
mindex=$(sha256sum <"$main/.git/index")
printf '%s\n' "$(turn "$(tool toolu_w Write '{"file_path":"w.txt","content":"in the worktree\n"}')")" "$done_turn" >"$tmp/w.jsonl"
out=$(replay "$tmp/linked" "$tmp/w.jsonl" --output-format json --diff "$tmp/w.patch" "in a worktree"); rc=$?
t_eq "worktree: exit 0" "$rc" 0
wid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_id"])' "$out")
t_eq "worktree: the run's refs are in the common repository" "$(git -C "$main" rev-parse --verify -q "refs/cordon/runs/$wid/base" >/dev/null && echo yes)" yes
t_eq "worktree: the base's HEAD is the worktree's" "$(git -C "$main" rev-parse "refs/cordon/runs/$wid/base^1")" "$(git -C "$tmp/linked" rev-parse HEAD)"
t_contains "worktree: the base's index commit is the worktree's index" "$(git -C "$main" show "refs/cordon/runs/$wid/base^2:m.txt")" "side edit"
t_eq "worktree: its index untouched" "$(sha256sum <"$main/.git/worktrees/linked/index")" "$lindex"
t_eq "worktree: the main index untouched" "$(sha256sum <"$main/.git/index")" "$mindex"
t_check_fails "worktree: the main working tree got nothing" test -e "$main/w.txt"
out=$(cd "$main" && "$CORDON" rewind "$wid" 2>&1); rc=$?
t_eq "worktree: rewinding it from the main worktree is refused" "$rc" 1
t_contains "worktree: says where the run was made" "$out" "$tmp/linked/"
out=$(cd "$tmp/linked" && "$CORDON" rewind "$wid"); rc=$?
t_eq "worktree: rewinding it there works" "$rc" 0
t_check_fails "worktree: the file is gone again" test -e "$tmp/linked/w.txt"
t_check "worktree: fsck clean" fsck_clean "$main"

# ---- a submodule is not entered --------------------------------------------------------------------
sm=$tmp/smsrc
git init -q "$sm"
printf 'in sub\n' >"$sm/s.txt"
git -C "$sm" add -A && git -C "$sm" commit -qm s
sup=$tmp/super
git init -q "$sup"
printf 'top\n' >"$sup/top.txt"
git -C "$sup" add -A && git -C "$sup" commit -qm top
git -C "$sup" submodule -q add "$sm" sub 2>/dev/null
git -C "$sup" commit -qm sub
recorded=$(git -C "$sup" rev-parse HEAD:sub)
printf 'changed inside\n' >>"$sup/sub/s.txt"
printf 'new inside\n' >"$sup/sub/new.txt"
git -C "$sup/sub" -c user.name=t -c user.email=t@t commit -qam moved
out=$(replay "$sup" "$tmp/w.jsonl" --output-format json "x"); rc=$?
sid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_id"])' "$out")
t_eq "submodule: exit 0" "$rc" 0
t_eq "submodule: the base keeps the commit the index records, not the moved HEAD" \
	"$(git -C "$sup" rev-parse "refs/cordon/runs/$sid/base:sub")" "$recorded"
t_eq "submodule: nothing inside it is in the snapshot" "$(git -C "$sup" ls-tree -r --name-only "refs/cordon/runs/$sid/checkpoints" | grep '^sub/')" ""
t_check "submodule: the changed files are the run's only" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert [f["path"] for f in r["changed_files"]] == ["w.txt"], r["changed_files"]
' "$out"
(cd "$sup" && "$CORDON" rewind "$sid" >/dev/null)
t_eq "submodule: a rewind leaves its files alone" "$(cat "$sup/sub/new.txt")" "new inside"

# ---- kill -9: mid-run (end to end), and at random moments of snapshots -------------------------------
kr=$tmp/killed
git init -q "$kr"
printf 'k\n' >"$kr/k.txt"
git -C "$kr" add -A && git -C "$kr" commit -qm k
ktree=$(tree_state "$kr")
t1=$(turn "$(tool toolu_k Write '{"file_path":"k2.txt","content":"written before the kill\n"}')")
t2=$(turn "$(tool toolu_k2 Write '{"file_path":"k3.txt","content":"never\n"}')")
mock "{\"turns\": [$t1, $t2, $done_turn], \"faults\": {\"2\": [{\"kind\": \"stall\", \"after\": 1, \"stall_ms\": 20000}]}}"
(cd "$kr" && ANTHROPIC_API_KEY=sk-test ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT exec "$CORDON" -p --model claude-sonnet-4-5 "kill me" >/dev/null 2>&1) &
pid=$! # (cordon itself: the subshell execs it)
for _ in $(seq 1 500); do
	git -C "$kr" for-each-ref --format='%(refname)' refs/cordon/runs | grep -q /checkpoints && break
	sleep 0.02
done
sleep 0.2
live=$(cd "$kr" && "$CORDON" runs | head -n 1 | cut -d' ' -f1)
out=$(cd "$kr" && "$CORDON" rewind "$live" --force 2>&1); rc=$?
t_eq "a run still going is not rewound (even with --force)" "$rc $(grep -c 'still going' <<<"$out")" "1 1"
kill -9 $pid
wait $pid 2>/dev/null
stop_mock
t_check "kill -9 mid-run: the Write happened" test -f "$kr/k2.txt"
t_check "kill -9 mid-run: git fsck --strict clean" fsck_clean "$kr"
# A killed sandbox leaves its empty placeholders (the case under test), marked
# with the dead cordon as their owner: not the user's changes, not the run's,
# and the next session removes them. Only where the sandbox makes placeholders
# at all (a degraded one, without a mount namespace, makes none).
leftovers() { (cd "$1" && find . -maxdepth 1 -empty -name '.*' -printf '%f\n' | sort); }
mkdir -p "$tmp/phprobe"
if "$CORDON" sandbox --workspace "$tmp/phprobe" -- test -e .bashrc 2>/dev/null; then
	t_eq "kill -9 mid-run: placeholders were left behind (the case under test)" "$(leftovers "$kr" | grep -cx -e .bashrc -e .envrc)" 2
	t_contains "kill -9 mid-run: git status on the host shows them" "$(git -C "$kr" status --porcelain)" "?? .bashrc"
	mark=$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.cordon.placeholder").decode())' "$kr/.bashrc" 2>&1)
	case $mark in
	*"Operation not supported"*) t_skip "kill -9 mid-run: the leftovers name the killed cordon" "no user xattrs on $kr's filesystem" ;;
	*) t_eq "kill -9 mid-run: the leftovers name the killed cordon" "$(cut -d' ' -f4 <<<"$mark")" "$pid" ;;
	esac
	ph_here=1
else
	t_skip "kill -9 mid-run: placeholders were left behind" "none made here (degraded sandbox)"
	ph_here=
fi
kid=$(cd "$kr" && "$CORDON" runs | head -n 1 | cut -d' ' -f1)
out=$(cd "$kr" && "$CORDON" rewind "$kid" 2>&1); rc=$?
t_eq "kill -9 mid-run: cordon rewind works" "$rc ${out:0:300}" "0 ${out:0:300}"
t_eq "kill -9 mid-run: the working tree is as before the run" "$(tree_state "$kr" $(leftovers "$kr"))" "$ktree"
# The next session in the same workspace (the replay provider: no tool call).
printf '%s\n' "$done_turn" >"$tmp/after-kill.jsonl"
out=$(replay "$kr" "$tmp/after-kill.jsonl" --output-format json "after the kill" 2>"$tmp/after-kill.err"); rc=$?
t_eq "after kill -9: the next session runs (exit 0)" "$rc $(head -c 300 "$tmp/after-kill.err")" "0 "
t_eq "after kill -9: the leftovers are not the next run's changes" \
	"$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["changed_files"])' "$out" 2>&1)" "[]"
if [ -n "$ph_here" ] && [ "${mark#*Operation not supported}" = "$mark" ]; then
	t_eq "after kill -9: the next session removed the leftovers" "$(leftovers "$kr")" ""
	t_eq "after kill -9 and the next session: git status on the host is clean" "$(git -C "$kr" status --porcelain)" ""
else
	t_skip "after kill -9: the next session removed the leftovers" "no marked placeholders here"
fi
t_eq "after kill -9 and the next session: the working tree is as before the killed run" "$(tree_state "$kr" $(leftovers "$kr"))" "$ktree"

# The helper checkpoints as fast as it can (and the base of 2000 files
# first); killed at random moments, again and again.
st=$tmp/stress
git init -q "$st"
mkdir -p "$st/many"
for i in $(seq 1 2000); do printf '%s\n' "$i" >"$st/many/f$i.txt"; done
git -C "$st" add -A && git -C "$st" commit -qm many
sbase=$(tree_state "$st")
bad=()
for round in 1 2 3 4 5 6; do
	rid=$(python3 -c 'import uuid; print(uuid.uuid4())')
	"$GITRUN" stress "$st" "$rid" >/dev/null 2>"$tmp/stress.err" &
	pid=$!
	sleep "0.$((RANDOM % 6 + 1))$((RANDOM % 10))"
	kill -9 $pid
	wait $pid 2>/dev/null
	fsck_clean "$st" >"$tmp/fsck.out" 2>&1 || bad+=("round $round: fsck: $(cat "$tmp/fsck.out")")
	if git -C "$st" rev-parse -q --verify "refs/cordon/runs/$rid/base" >/dev/null; then
		(cd "$st" && "$CORDON" rewind "$rid" --force >"$tmp/rw.out" 2>&1) || bad+=("round $round: rewind: $(cat "$tmp/rw.out")")
		[ "$(tree_state "$st")" = "$sbase" ] || bad+=("round $round: not back to the base")
	fi
	rm -f "$st"/stress-*.txt
done
if [ ${#bad[@]} -eq 0 ]; then t_pass "kill -9 at random moments (6 rounds): fsck clean, every run rewinds"; else t_fail "kill -9 at random moments (6 rounds): fsck clean, every run rewinds" "${bad[@]}"; fi
t_done
