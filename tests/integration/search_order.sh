#!/usr/bin/env bash
# search_order.sh — where Glob's 100-file cut and Grep's head_limit/offset
# cut, through `cordon tool --stdin`, against a model of the reference:
#   Glob   rg 14's --sort=modified: a stable sort by mtime of the files in
#          a sequential depth-first walk in readdir order; the first 100,
#          then the truncation line (docs/tools.md, "Glob");
#   Grep   content and count lines in rg's parallel-walk order: each
#          directory's entries last readdir entry first, a directory's
#          files before the entries listed before it (docs/tools.md, "Grep");
#          files_with_matches newest first.
# The models read directories with os.scandir (readdir order), so the
# expectations hold on any file system. Both were checked against the
# ripgrep 14.1.1 that Claude Code 2.1.112 bundles.
. "$ROOT/tests/lib.sh"

base=$(t_tmpdir)
ws=$base/ws
mkdir -p "$ws"
export HOME=$base/home
mkdir -p "$HOME"

python3 - "$ws" <<'EOF'
import os, sys
ws = sys.argv[1]
def put(rel, text, mtime):
    p = os.path.join(ws, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
    os.utime(p, (mtime, mtime))
t0 = 1704067200
# Glob: 150 files, names and mtimes in different orders, twelve sharing one mtime around the cut.
for i in range(150):
    k = i * 7 % 150
    d = ["g/", "g/sub/", "g/sub/deep/", "g/other/"][i % 4]
    put("%sf%03d.c" % (d, i), "int f%d;\n" % i, t0 + (92 if 92 <= k < 104 else k) * 60)
# Grep: several directories, several matches per file, mtimes unlike names.
for i in range(24):
    d = ["s/", "s/a/", "s/b/", "s/a/x/", "s/.hid/"][i % 5]
    lines = ["line %d" % j if j % 3 else "needle %d of file %d" % (j, i) for j in range(1, 1 + i % 7 + 3)]
    put("%sfile%02d.txt" % (d, i), "\n".join(lines) + "\n", t0 + (i * 5 % 24) * 3600)
EOF

# model MODE ARGS: the text the reference would give (see above).
model() {
	python3 - "$ws" "$@" <<'EOF'
import os, re, sys
ws, mode = sys.argv[1], sys.argv[2]
def walk(d, lifo):
    ents = list(os.scandir(d))
    if lifo:
        ents.reverse()
    for e in ents:
        if e.is_dir(follow_symlinks=False):
            yield from walk(e.path, lifo)
        elif e.is_file(follow_symlinks=False):
            yield e.path
def rel(p):
    return os.path.relpath(p, ws)
def page(items, limit, offset):
    shown = items[offset:offset + limit] if limit else items[offset:]
    cut = bool(limit) and len(items) - offset > limit
    p = ", ".join(([("limit: %d" % limit)] if cut else []) + ([("offset: %d" % offset)] if offset else []))
    return shown, p
if mode == "glob":
    files = [f for f in walk(os.path.join(ws, sys.argv[3]), False) if f.endswith(".c")]
    files.sort(key=lambda f: os.stat(f).st_mtime_ns)  # stable: ties keep the walk order
    out = [rel(f) for f in files[:100]]
    if len(files) > 100:
        out.append("(Results are truncated. Consider using a more specific path or pattern.)")
    sys.stdout.write("\n".join(out))
elif mode in ("content", "count"):
    limit, offset = int(sys.argv[4]), int(sys.argv[5])
    files = list(walk(os.path.join(ws, sys.argv[3]), True))
    lines, total = [], 0
    for f in files:
        hits = [(n, l) for n, l in enumerate(open(f).read().split("\n")[:-1], 1) if "needle" in l]
        if not hits:
            continue
        if mode == "content":
            lines += ["%s:%d:%s" % (rel(f), n, l) for n, l in hits]
        else:
            lines.append("%s:%d" % (rel(f), len(hits)))
    shown, p = page(lines, limit, offset)
    text = "\n".join(shown) or "No matches found"
    if mode == "content":
        sys.stdout.write(text + ("\n\n[Showing results with pagination = %s]" % p if p else ""))
    else:
        occ = sum(int(l.rsplit(":", 1)[1]) for l in shown)
        sys.stdout.write(text + "\n\nFound %d total occurrence%s across %d file%s.%s" % (
            occ, "" if occ == 1 else "s", len(shown), "" if len(shown) == 1 else "s",
            " with pagination = " + p if p else ""))
EOF
}

# cordon_call TOOL INPUT-JSON: the content of one call's result.
cordon_call() {
	printf '{"name":"%s","input":%s}\n' "$1" "$2" | "$CORDON" tool --workspace "$ws" --stdin |
		python3 -c 'import json, sys; sys.stdout.write(json.loads(sys.stdin.read())["content"])'
}

check() { # NAME GOT WANT
	if [ "$2" == "$3" ]; then t_pass "$1"; else t_fail "$1" "$(diff <(echo "$3") <(echo "$2") | head -12)"; fi
}

check "Glob: 150 matches, the 100 oldest (ties in walk order) and the truncation line" \
	"$(cordon_call Glob '{"pattern":"**/*.c","path":"g"}')" "$(model glob g)"
t_eq "Glob: 100 paths and the note (101 lines)" "$(cordon_call Glob '{"pattern":"**/*.c","path":"g"}' | wc -l)" 100
for lo in "0 0" "7 0" "7 3" "5 17" "2 40"; do
	set -- $lo
	check "Grep content head_limit $1 offset $2 cuts where the reference does" \
		"$(cordon_call Grep "{\"pattern\":\"needle\",\"path\":\"s\",\"output_mode\":\"content\",\"head_limit\":$1,\"offset\":$2}")" \
		"$(model content s "$1" "$2")"
	check "Grep count head_limit $1 offset $2 cuts where the reference does" \
		"$(cordon_call Grep "{\"pattern\":\"needle\",\"path\":\"s\",\"output_mode\":\"count\",\"head_limit\":$1,\"offset\":$2}")" \
		"$(model count s "$1" "$2")"
done
check "Grep content of a subdirectory" \
	"$(cordon_call Grep '{"pattern":"needle","path":"s/a","output_mode":"content","head_limit":4}')" \
	"$(model content s/a 4 0)"
t_done
