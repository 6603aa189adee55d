#!/usr/bin/env bash
# make install: what it puts where, and that the installed cordon finds the
# shipped agents by name (docs/agents.md, "Discovery").
. "$ROOT/tests/lib.sh"

tmp=$(t_tmpdir)
dest=$tmp/dest
data=$dest/usr/share/cordon
export HOME=$tmp/home
mkdir -p "$HOME"
unset CORDON_DATADIR

# A build of its own (the one under test is left alone): first with the
# default PREFIX, then installed with PREFIX=/usr, which must rebuild what
# compiled the data directory in. Not the caller's make's jobserver.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" -j2 B="$tmp/build" "$@" >>"$tmp/make.log" 2>&1; }
if ! mk "$tmp/build/cordon" || ! mk install DESTDIR="$dest" PREFIX=/usr; then
	t_fail "make install DESTDIR=... PREFIX=/usr" "$(tail -n 20 "$tmp/make.log")"
	t_done
fi
t_pass "make install DESTDIR=... PREFIX=/usr"
bin=$dest/usr/bin/cordon
t_check "the binary is installed" test -x "$bin"
man1=$dest/usr/share/man/man1/cordon.1
t_check "the man page is installed under PREFIX/share/man/man1" test -f "$man1"
t_eq "the man page is the one in docs/" "$(cmp -s "$man1" "$ROOT/docs/cordon.1" && echo same)" same
if command -v man >/dev/null; then
	out=$(MANWIDTH=80 man -l "$man1" 2>&1)
	t_contains "the man page renders (man -l)" "$out" "cordon - run coding agents headless"
	t_contains "the man page has cordon rewind" "$out" "cordon rewind RUN"
else
	t_skip "the man page renders (man -l)" "man is not installed"
	t_skip "the man page has cordon rewind" "man is not installed"
fi
if command -v groff >/dev/null; then
	t_eq "groff has no warnings about the man page" "$(groff -man -ww -z "$man1" 2>&1)" ""
else
	t_skip "groff has no warnings about the man page" "groff is not installed"
fi
t_eq "nothing else under DESTDIR" "$(cd "$dest" && find . -type f | sort | grep -v '^./usr/share/cordon/agents/')" \
	"$(printf '%s\n' ./usr/bin/cordon ./usr/share/man/man1/cordon.1)"
# The installed binary runs and knows its subcommands (runs, rewind).
t_contains "the installed binary lists runs and rewind" "$("$bin" --help)" "  rewind "

want=$(cd "$ROOT/agents" && ls)
got=$(cd "$data/agents" && ls)
t_eq "exactly the agent files are installed" "$got" "$want"
t_check "every installed agent validates" "$bin" agents validate "$data"/agents/*.md

# The data directory is compiled in from PREFIX (nothing is installed there
# under DESTDIR, so the message naming it is the evidence).
out=$(cd "$tmp" && "$bin" policy show --agent nosuch 2>&1)
t_contains "the compiled-in directory follows PREFIX" "$out" "or /usr/share/cordon/agents"

proj=$tmp/proj
mkdir -p "$proj/.git"
out=$(cd "$proj" && CORDON_DATADIR=$data "$bin" agents list 2>&1); rc=$?
t_eq "agents list: exit 0" "$rc" 0
t_contains "agents list: a shipped agent, from the installed directory" "$out" \
	"$(printf '%-24s %-9s' reviewer installed) sonnet"
t_contains "agents list: its installed path" "$out" "$data/agents/reviewer.md"
out=$(cd "$proj" && CORDON_DATADIR=$data "$bin" policy show --agent reviewer 2>&1); rc=$?
t_eq "--agent reviewer is found by name" "$rc" 0
t_contains "--agent reviewer: the installed file" "$out" "agent: reviewer ($data/agents/reviewer.md)"

# A project agent of the same name wins.
mkdir -p "$proj/.claude/agents"
printf -- '---\nname: reviewer\ndescription: the project one\ntools: Read\n---\nbody\n' >"$proj/.claude/agents/reviewer.md"
out=$(cd "$proj" && CORDON_DATADIR=$data "$bin" policy show --agent reviewer 2>&1)
t_contains "a project agent of the same name wins" "$out" "agent: reviewer ($proj/.claude/agents/reviewer.md)"
out=$(cd "$proj" && CORDON_DATADIR=$data "$bin" agents list 2>&1)
t_contains "agents list: the installed one is shadowed" "$out" "$data/agents/reviewer.md  (shadowed)"
t_done
