#!/usr/bin/env bash
# The documentation stands on its own in a plain clone: no file cites a
# document that is not in the repository, every relative link in the
# Markdown files resolves (file and #anchor), and every threat ID used in
# code, tests and docs (FS07, KS10, ...) is defined in docs/threats.md.
. "$ROOT/tests/lib.sh"

if ! command -v python3 >/dev/null; then
	t_skip "docs stand on their own" "python3 not installed"
	t_done
fi

out=$(python3 - "$ROOT" <<'EOF' 2>&1
import os, re, subprocess, sys

root = sys.argv[1]
try:
    files = subprocess.run(["git", "-C", root, "ls-files"], check=True, capture_output=True,
                           text=True).stdout.split("\n")
except (OSError, subprocess.CalledProcessError):
    files = [os.path.relpath(os.path.join(d, f), root)
             for d, _, fs in os.walk(root) if "/.git" not in d and "/build" not in d for f in fs]
files = [f for f in files if f and os.path.isfile(os.path.join(root, f))]
# Recorded third-party data, not ours to edit.
skip = ("tests/data/", "tests/fuzz/corpus/", "tests/conformance/cases/")
# (Written so that this line does not match itself.)
cites = re.compile(r"design[.]md|\bspec/(tools|sandbox|llm)[.]md|\b[Ss]pec[ ]§|[.][.]/shared/|/work[/]shared")
ids = re.compile(r"\b(FS|NW|UX|PR|KS|RS|IL|SS)([0-9]{2})[a-z]?\b")
link = re.compile(r"\]\(([^)\s]+)\)")

def slug(h):
    h = h.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")

def anchors(path):
    out = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                out.add(slug(line.lstrip("#")))
    return out

with open(os.path.join(root, "docs/threats.md"), encoding="utf-8") as f:
    defined = set(re.findall(r"^\| ((?:FS|NW|UX|PR|KS|RS|IL|SS)[0-9]{2}) \|", f.read(), re.M))

bad = 0
for rel in sorted(files):
    if rel.startswith(skip):
        continue
    path = os.path.join(root, rel)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        continue
    for n, line in enumerate(text.split("\n"), 1):
        if cites.search(line):
            print(f"{rel}:{n}: cites a document outside the repository: {line.strip()[:160]}")
            bad += 1
        for m in ids.finditer(line):
            if m.group(1) + m.group(2) not in defined:
                print(f"{rel}:{n}: threat {m.group(0)} is not in docs/threats.md")
                bad += 1
        if rel.endswith(".md"):
            for m in link.finditer(line):
                target = m.group(1)
                if re.match(r"[a-z]+:", target):
                    continue
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                if not os.path.exists(dest):
                    print(f"{rel}:{n}: link to a missing file: {target}")
                    bad += 1
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    print(f"{rel}:{n}: link to a missing section: {target}")
                    bad += 1
print(f"{bad} problem(s) in {len(files)} files")
sys.exit(1 if bad else 0)
EOF
); rc=$?
if [ $rc -eq 0 ]; then
	t_pass "docs stand on their own ($(printf '%s\n' "$out" | tail -n 1))"
else
	t_fail "docs stand on their own" "$out"
fi
t_done
