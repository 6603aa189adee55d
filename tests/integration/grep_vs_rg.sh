#!/usr/bin/env bash
# grep_vs_rg.sh — cordon's Grep and Glob against ripgrep on a generated tree.
#
# For each pattern/flag set, runs ripgrep with the command line the
# reference builds (docs/tools.md, "Grep" and "Glob") and cordon's tool
# in-process (tests/helpers/toolcall, head_limit 0), and compares the
# result *sets* (files, or per-file lines, paths made relative the same
# way). Order is not compared here: rg runs multi-threaded; the unit tests
# pin the order.
. "$ROOT/tests/lib.sh"

RG=$(command -v rg || true)
TC=$HELPERS/toolcall
if [ -z "$RG" ]; then t_skip "grep_vs_rg" "ripgrep not installed"; t_done; fi
if [ ! -x "$TC" ]; then t_fail "grep_vs_rg: no $TC (make test-bins)"; t_done; fi

WS=$(t_tmpdir)
python3 - "$WS" <<'EOF'
import os, sys, random
ws = sys.argv[1]
random.seed(7)
def w(p, s, mode='w'):
    p = os.path.join(ws, p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, mode) as f:
        f.write(s)
words = ["foo", "bar", "baz", "Foo", "FOO", "hello", "héllo", "int", "return", "TODO", "fixme",
         "foobar", "x_foo_y", "#include", "café", "naïve", "qux", "Ωmega", "ERROR", "warn"]
exts = [".c", ".h", ".py", ".js", ".ts", ".md", ".txt", ".log", ".json", ".rs", ""]
dirs = ["", "src", "src/core", "src/core/deep", "lib", "docs", "build", "node_modules/pkg",
        ".hidden", "vendor/x", "tests/unit", "web/static"]
for i in range(400):
    d = random.choice(dirs)
    name = "f%03d%s" % (i, random.choice(exts))
    lines = []
    for _ in range(random.randint(0, 40)):
        k = random.randint(0, 8)
        lines.append(("  " * random.randint(0, 3)) + " ".join(random.choice(words) for _ in range(k)))
    txt = "\n".join(lines) + ("\n" if random.random() < 0.8 else "")
    w(os.path.join(d, name), txt)
w(".gitignore", "build/\n*.log\n!keep.log\nnode_modules\n/docs/secret*\n")
w("keep.log", "foo kept despite *.log\n")
w("docs/secret1.md", "foo secret\n")
w("src/.gitignore", "deep/\n*.tmp\n")
w("src/a.tmp", "foo tmp\n")
w(".ignore", "vendor/\n")
w("lib/.ignore", "!vendor\n")
w(".hidden/.env", "foo=1 hidden dotfile\n")
w("src/core/.gitignore", "/deep\n!important.log\n*.tmp2\n")
w("src/core/important.log", "foo important\n")
w("src/core/x.tmp2", "foo tmp2\n")
w("tests/.ignore", "!*.log\n")
w("tests/t.log", "foo test log\n")
w("web/.rgignore", "static/\n")
w("docs/sub/dir/a b.txt", "foo spaced name\n")
w("weird/[x].c", "foo bracket name\n")
w("weird/caf\u00e9.c", "foo accented name\n")
w("long.txt", "x" * 600 + " foo\nshort foo\n" + "y" * 700 + "\nfoo end\n")
w("crlf.txt", "foo\r\nbar\r\nfoo bar\r\n")
w("multi.txt", "start foo\nmiddle\nbar end\nfoo\nbar\n")
with open(os.path.join(ws, "bin.dat"), "wb") as f:
    f.write(b"foo\x00bar\nfoo\n")
with open(os.path.join(ws, "late_nul.txt"), "wb") as f:
    f.write(b"foo line\n" * 10000 + b"\x00tail foo\n")
with open(os.path.join(ws, "latin1.txt"), "wb") as f:
    f.write(b"caf\xe9 foo\n")
# Byte order marks: rg (--encoding auto) transcodes UTF-16 and drops a UTF-8
# BOM before searching; UTF-32 is not sniffed (its zero bytes make it binary),
# nor is UTF-16 without a BOM. (glibc's iconvdata/testdata/alfabeta..UTF-16.*)
enc = "encoded foo line\nΩmega second foo\nplain\n"
with open(os.path.join(ws, "u16le.txt"), "wb") as f:
    f.write(b"\xff\xfe" + enc.encode("utf-16-le"))
with open(os.path.join(ws, "u16be.txt"), "wb") as f:
    f.write(b"\xfe\xff" + enc.encode("utf-16-be"))
with open(os.path.join(ws, "u16bad.txt"), "wb") as f:
    f.write(b"\xff\xfe" + "foo lone ".encode("utf-16-le") + b"\x00\xd8" + "surrogate\n".encode("utf-16-le") + b"x")
with open(os.path.join(ws, "u16nobom.txt"), "wb") as f:
    f.write(enc.encode("utf-16-le"))
with open(os.path.join(ws, "u32le.txt"), "wb") as f:
    f.write(enc.encode("utf-32"))
with open(os.path.join(ws, "bom8.txt"), "wb") as f:
    f.write(b"\xef\xbb\xbf" + enc.encode())
os.symlink("src", os.path.join(ws, "link_to_src"))
os.symlink("/etc/passwd", os.path.join(ws, "passwd_link"))
os.mkfifo(os.path.join(ws, "fifo"))
EOF
git -C "$WS" init -q 2>/dev/null
mkdir -p "$WS/.git/info" && echo "*.json" >"$WS/.git/info/exclude"

RGBASE=(--no-config --hidden --glob '!.git' --glob '!.svn' --glob '!.hg' --glob '!.bzr' --glob '!.jj' --glob '!.sl'
	--max-columns 500)

# norm: make rg's and cordon's lines comparable (paths relative to WS), sorted.
norm() {
	python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().decode("utf-8", "replace"))' |
		sed -e "s|^$WS/||" -e "s|^$WS\$|.|" | LC_ALL=C sort
}

# case NAME JSON-INPUT RG-ARGS...
case_grep() {
	local name=$1 json=$2 got want
	shift 2
	want=$(cd "$WS" && "$RG" "${RGBASE[@]}" "$@" "${RGPATH:-$WS}" 2>/dev/null | norm)
	got=$("$TC" "$WS" Grep "$json" 2>&1)
	case $json in
	*'"count"'*) got=$(printf '%s\n' "$got" | sed '/^$/,$d') ;;
	*'"content"'*) ;;
	*) got=$(printf '%s\n' "$got" | tail -n +2) ;;
	esac
	[ "$got" = "No files found" ] || [ "$got" = "No matches found" ] && got=
	got=$(printf '%s\n' "$got" | sed '/^$/d' | norm)
	want=$(printf '%s\n' "$want" | sed '/^$/d')
	if [ "$got" == "$want" ]; then
		t_pass "grep vs rg: $name ($(printf '%s\n' "$want" | grep -c .) lines)"
	else
		t_fail "grep vs rg: $name" "$(diff <(echo "$want") <(echo "$got") | head -20)"
	fi
}

# Content mode: rg keeps absolute paths on context lines; the reference only
# relativizes before the first ':'; norm strips WS from both sides alike.
case_grep "literal -l" '{"pattern":"foo","head_limit":0}' -l -e foo
case_grep "regex -l" '{"pattern":"fo+ba[rz]","head_limit":0}' -l -e 'fo+ba[rz]'
case_grep "-i -l" '{"pattern":"hello","-i":true,"head_limit":0}' -l -i -e hello
case_grep "literal content" '{"pattern":"foo","output_mode":"content","head_limit":0}' -n -e foo
case_grep "regex content" '{"pattern":"^\\s*#include\\b","output_mode":"content","head_limit":0}' -n -e '^\s*#include\b'
case_grep "-i content" '{"pattern":"café|NAÏVE","-i":true,"output_mode":"content","head_limit":0}' -i -n -e 'café|NAÏVE'
case_grep "unicode class" '{"pattern":"\\w+mega","output_mode":"content","head_limit":0}' -n -e '\w+mega'
case_grep "no -n" '{"pattern":"TODO","output_mode":"content","-n":false,"head_limit":0}' -e TODO
case_grep "count" '{"pattern":"bar","output_mode":"count","head_limit":0}' -c -e bar
case_grep "count -i" '{"pattern":"foo","-i":true,"output_mode":"count","head_limit":0}' -c -i -e foo
case_grep "glob *.c" '{"pattern":"int","glob":"*.c","head_limit":0}' -l -e int --glob '*.c'
case_grep "glob braces" '{"pattern":"int","glob":"*.{c,h}","head_limit":0}' -l -e int --glob '*.{c,h}'
case_grep "glob list" '{"pattern":"foo","glob":"*.log,*.txt","head_limit":0}' -l -e foo --glob '*.log' --glob '*.txt'
case_grep "glob negated" '{"pattern":"foo","glob":"!*.md","head_limit":0}' -l -e foo --glob '!*.md'
case_grep "glob anchored" '{"pattern":"foo","glob":"src/**","head_limit":0}' -l -e foo --glob 'src/**'
case_grep "type py" '{"pattern":"return","type":"py","head_limit":0}' -l -e return --type py
case_grep "type c" '{"pattern":"foo","type":"c","output_mode":"count","head_limit":0}' -c -e foo --type c
case_grep "context -C2" '{"pattern":"TODO","output_mode":"content","-C":2,"head_limit":0}' -n -C 2 -e TODO
case_grep "context -A1 -B3" '{"pattern":"ERROR","output_mode":"content","-A":1,"-B":3,"head_limit":0}' -n -A 1 -B 3 -e ERROR
case_grep "multiline" '{"pattern":"foo\\nbar","multiline":true,"output_mode":"content","head_limit":0}' -U --multiline-dotall -n -e 'foo\nbar'
case_grep "multiline dotall" '{"pattern":"start.*?end","multiline":true,"output_mode":"content","head_limit":0}' -U --multiline-dotall -n -e 'start.*?end'
case_grep "multiline count" '{"pattern":"foo.bar","multiline":true,"output_mode":"count","head_limit":0}' -U --multiline-dotall -c -e 'foo.bar'
RGPATH=$WS/bin.dat case_grep "explicit binary content" '{"pattern":"foo","path":"'"$WS"'/bin.dat","output_mode":"content","head_limit":0}' -n -e foo
RGPATH=$WS/bin.dat case_grep "explicit binary count" '{"pattern":"foo","path":"'"$WS"'/bin.dat","output_mode":"count","head_limit":0}' -c -e foo
RGPATH=$WS/src case_grep "subdir, parent ignore rules" '{"pattern":"foo","path":"'"$WS"'/src","head_limit":0}' -l -e foo
case_grep "word boundary" '{"pattern":"\\bfoo\\b","output_mode":"count","head_limit":0}' -c -e '\bfoo\b'
RGPATH=$WS/long.txt case_grep "long lines" '{"pattern":"foo","path":"'"$WS"'/long.txt","output_mode":"content","head_limit":0}' -n -e foo
case_grep "byte order marks: content" '{"pattern":"^enc|foo$|Ωmega","output_mode":"content","head_limit":0}' -n -e '^enc|foo$|Ωmega'
case_grep "byte order marks: count -i" '{"pattern":"ΩMEGA|FOO","-i":true,"output_mode":"count","head_limit":0}' -c -i -e 'ΩMEGA|FOO'
RGPATH=$WS/u16be.txt case_grep "explicit UTF-16BE file" '{"pattern":"second","path":"'"$WS"'/u16be.txt","output_mode":"content","head_limit":0}' -n -e second
RGPATH=$WS/bin.dat case_grep "explicit binary -l" '{"pattern":"foo","path":"'"$WS"'/bin.dat","head_limit":0}' -l -e foo

# Glob: rg --files --glob P --sort=modified --no-ignore --hidden, run in the search dir.
case_glob() {
	local name=$1 pat=$2 got want
	want=$(cd "$WS" && "$RG" --no-config --files --glob "$pat" --no-ignore --hidden 2>/dev/null | LC_ALL=C sort)
	got=$("$TC" "$WS" Glob "{\"pattern\":\"$pat\"}" | grep -v '^(Results are truncated' | sed 's|^\./||')
	[ "$got" = "No files found" ] && got=
	got=$(printf '%s\n' "$got" | sed '/^$/d' | LC_ALL=C sort)
	want=$(printf '%s\n' "$want" | sed '/^$/d' | head -100)
	# Above 100 results the shown subset is the 100 oldest; compare counts only.
	if [ "$(printf '%s\n' "$want" | grep -c .)" -ge 100 ]; then
		local n
		n=$(printf '%s\n' "$got" | grep -c .)
		t_eq "glob vs rg: $name (capped at 100)" "$n" 100
		return
	fi
	if [ "$got" == "$want" ]; then
		t_pass "glob vs rg: $name ($(printf '%s\n' "$want" | grep -c .) files)"
	else
		t_fail "glob vs rg: $name" "$(diff <(echo "$want") <(echo "$got") | head -20)"
	fi
}
case_glob "*.rs" '*.rs'
case_glob "src/**/*.c" 'src/**/*.c'
case_glob "**/*.{md,json}" '**/*.{md,json}'
case_glob "dotfiles" '.*'
case_glob "class" 'src/f[0-4]*.[ch]'
case_glob "everything" '**/*'
t_done
