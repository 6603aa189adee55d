#!/usr/bin/env bash
# cordon agents validate|list: the seed, the shipped agents, broken files, discovery.
. "$ROOT/tests/lib.sh"

seed=$ROOT/tests/data/agents/backend-engineer.md
tmp=$(t_tmpdir)
export HOME=$tmp/home
mkdir -p "$HOME"
# No installed agents unless a test says so (a cordon installed on this host
# must not change what discovery finds here).
export CORDON_DATADIR=$tmp/no-datadir

out=$("$CORDON" agents validate "$seed" 2>&1); rc=$?
t_eq "seed validates" "$rc" 0
t_contains "seed has its eight tools" "$out" \
	"ok: backend-engineer (tools: Read, Write, Edit, Grep, Glob, WebFetch, TodoWrite, Bash; model: sonnet)"
t_contains "seed's color is a warning with its position" "$out" "backend-engineer.md:6:8: warning: 'color' 'indigo'"

# agents/ is installed as it is (make install): every file in it is an agent.
out=$("$CORDON" agents validate "$ROOT"/agents/*.md 2>&1); rc=$?
t_eq "agents validate agents/*.md exits 0" "$rc" 0
for f in "$ROOT"/agents/*; do
	out=$("$CORDON" agents validate "$f" 2>&1); rc=$?
	t_eq "agents/$(basename "$f") validates" "$rc" 0
	t_contains "agents/$(basename "$f") is ok without warnings" "$out" ": ok: "
	case $out in *warning*) t_fail "agents/$(basename "$f") has warnings" "$out" ;; esac
done

printf -- '---\nname: broken\ndescription: d\ntools: read, Bash\n---\nbody\n' >"$tmp/broken.md"
out=$("$CORDON" agents validate "$tmp/broken.md" 2>&1); rc=$?
t_eq "broken file: exit 1" "$rc" 1
t_contains "broken file: file:line:col" "$out" "$tmp/broken.md:4:8: error: bad entry in 'tools'"

out=$("$CORDON" agents validate "$seed" "$tmp/broken.md" 2>&1); rc=$?
t_eq "one broken among good ones: exit 1" "$rc" 1
t_contains "the good one is still reported" "$out" "ok: backend-engineer"

printf -- '---\nname: x\ndescription: [unclosed\n---\n' >"$tmp/yaml.md"
out=$("$CORDON" agents validate "$tmp/yaml.md" 2>&1); rc=$?
t_eq "bad YAML: exit 1" "$rc" 1
t_contains "bad YAML: position and reason" "$out" "$tmp/yaml.md:4:1: error: frontmatter:"

printf -- '---\nname: x\ndescription: a\0b\n---\n' >"$tmp/nul.md"
out=$("$CORDON" agents validate "$tmp/nul.md" 2>&1); rc=$?
t_eq "NUL byte: exit 1" "$rc" 1
t_contains "NUL byte: named, with position" "$out" "nul.md:3:15: error: NUL byte"

printf -- '---\nname: x\ndescription: caf\xe9\n---\n' >"$tmp/latin1.md"
out=$("$CORDON" agents validate "$tmp/latin1.md" 2>&1); rc=$?
t_eq "invalid UTF-8: exit 1" "$rc" 1
t_contains "invalid UTF-8: named" "$out" "latin1.md:3:17: error: invalid UTF-8"

{ printf -- '---\nname: big\ndescription: '; head -c 10000000 /dev/zero | tr '\0' a; printf '\n---\n'; } >"$tmp/big.md"
out=$("$CORDON" agents validate "$tmp/big.md" 2>&1); rc=$?
t_eq "10 MB frontmatter: exit 1 (not a crash)" "$rc" 1
t_contains "10 MB frontmatter: refused by size" "$out" "larger than 1048576 bytes"

printf -- '---\ndescription: no name\n---\n' >"$tmp/noname.md"
out=$("$CORDON" agents validate "$tmp/noname.md" 2>&1); rc=$?
t_eq "missing name: exit 1" "$rc" 1
t_contains "missing name: reported" "$out" "missing required field 'name'"

out=$("$CORDON" agents validate "$tmp/absent.md" 2>&1); rc=$?
t_eq "missing file: exit 1" "$rc" 1
t_contains "missing file: named" "$out" "cannot open"

"$CORDON" agents validate >/dev/null 2>&1; rc=$?
t_eq "validate without files: usage (2)" "$rc" 2
"$CORDON" agents frobnicate >/dev/null 2>&1; rc=$?
t_eq "unknown subcommand: usage (2)" "$rc" 2

# Discovery: user < parent project < project (closest wins); invalid files reported.
proj=$tmp/work/repo/sub
mkdir -p "$HOME/.claude/agents" "$tmp/work/repo/.git" "$tmp/work/repo/.claude/agents/nested" "$proj/.claude/agents"
mk() { printf -- '---\nname: %s\ndescription: %s\n%b---\nbody\n' "$2" "$3" "${4:-}" >"$1"; }
mk "$HOME/.claude/agents/helper.md" helper "from user"
mk "$HOME/.claude/agents/only-user.md" only-user "user only"
mk "$tmp/work/repo/.claude/agents/helper.md" helper "from repo root" "model: opus\n"
mk "$tmp/work/repo/.claude/agents/nested/deep.md" deep "found recursively"
mk "$proj/.claude/agents/helper.md" helper "from sub" "tools: Read, Grep\n"
printf -- '---\ndescription: nameless\n---\n' >"$proj/.claude/agents/nameless.md"
mkdir -p "$tmp/work/.claude/agents"
mk "$tmp/work/.claude/agents/outside.md" outside "above the git root"

out=$(cd "$proj" && "$CORDON" agents list 2>&1); rc=$?
t_eq "list: exit 0" "$rc" 0
t_contains "list: user agent" "$out" "only-user"
t_contains "list: recursive project agent" "$out" "deep "
t_contains "list: closest project agent wins" "$out" "tools: Read, Grep  $proj/.claude/agents/helper.md"
t_contains "list: shadowed agents are marked" "$out" "$HOME/.claude/agents/helper.md  (shadowed)"
t_contains "list: invalid file reported with position" "$out" "invalid: $proj/.claude/agents/nameless.md:2:1: missing required field 'name'"
case $out in *outside*) t_fail "list: stops at the git root" "$out" ;; *) t_pass "list: stops at the git root" ;; esac

out=$(cd "$proj" && "$CORDON" agents list --json 2>&1); rc=$?
t_eq "list --json: exit 0" "$rc" 0
t_contains "list --json: names" "$out" '"name": "deep"'
t_contains "list --json: validity" "$out" '"valid": false'
if command -v python3 >/dev/null; then
	n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	t_eq "list --json: one entry per file" "$n" 6
fi

out=$(cd "$proj" && "$CORDON" agents list --agent "$seed" 2>&1)
t_contains "list --agent FILE: cli scope" "$out" "backend-engineer         cli"

# Installed agents ($CORDON_DATADIR/agents): found, named as installed, and
# overridden by every other source.
mkdir -p "$tmp/data/agents"
mk "$tmp/data/agents/helper.md" helper "installed helper"
mk "$tmp/data/agents/shipped.md" shipped "installed only" "tools: Read\n"
out=$(cd "$proj" && CORDON_DATADIR=$tmp/data "$CORDON" agents list 2>&1); rc=$?
t_eq "list with installed agents: exit 0" "$rc" 0
t_contains "list: installed agent with its source" "$out" \
	"shipped                  installed inherit  tools: Read  $tmp/data/agents/shipped.md"
t_contains "list: an installed agent is overridden by a user one" "$out" "$tmp/data/agents/helper.md  (shadowed)"
out=$(cd "$proj" && CORDON_DATADIR=$tmp/data "$CORDON" agents list --json 2>&1)
t_contains "list --json: installed scope" "$out" '"scope": "installed"'
out=$(cd "$proj" && CORDON_DATADIR=$tmp/data "$CORDON" policy show --agent shipped 2>&1); rc=$?
t_eq "--agent NAME finds an installed agent" "$rc" 0
t_contains "--agent NAME: the installed file" "$out" "agent: shipped ($tmp/data/agents/shipped.md)"
out=$(cd "$proj" && CORDON_DATADIR=$tmp/data "$CORDON" policy show --agent nosuch 2>&1)
t_contains "--agent unknown NAME: the installed directory is named" "$out" "or $tmp/data/agents"
t_done
