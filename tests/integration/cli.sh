#!/usr/bin/env bash
# The CLI skeleton: help, version, unknown flags and commands.
. "$ROOT/tests/lib.sh"

out=$("$CORDON" --help); rc=$?
t_eq "--help exits 0" "$rc" 0
for c in sandbox tool doctor agents policy runs rewind; do
	t_contains "--help lists '$c'" "$out" "  $c "
done
t_contains "--help shows -p" "$out" "cordon -p PROMPT"

out=$("$CORDON" --version); rc=$?
t_eq "--version exits 0" "$rc" 0
t_eq "--version prints the VERSION file" "$out" "cordon $(cat "$ROOT/VERSION")"

err=$("$CORDON" frobnicate 2>&1 >/dev/null); rc=$?
t_eq "unknown command exits 2" "$rc" 2
t_eq "unknown command is one line" "$(printf '%s\n' "$err" | wc -l)" 1
t_contains "unknown command is named" "$err" "'frobnicate'"

"$CORDON" >/dev/null 2>&1; rc=$?
t_eq "no arguments exits 2" "$rc" 2

# Every command's help: exit 0, the usage on stdout, nothing else (no error
# after it, nothing on stderr), wherever -h/--help stands among the options.
help_is_only_help() { # WANT-PREFIX ARGS...
	local want=$1 out err rc
	shift
	err=$(mktemp)
	out=$("$CORDON" "$@" 2>"$err"); rc=$?
	t_eq "cordon $* exits 0" "$rc" 0
	case $out in
	"$want"*) t_pass "cordon $* prints the usage" ;;
	*) t_fail "cordon $* prints the usage" "want: $want..." "got: ${out:0:300}" ;;
	esac
	t_eq "cordon $*: nothing on stderr" "$(cat "$err")" ""
	rm -f "$err"
}
for h in --help -h; do
	help_is_only_help "usage: cordon -p PROMPT" $h
	help_is_only_help "usage: cordon agents" agents $h
	help_is_only_help "usage: cordon agents" agents list $h
	help_is_only_help "usage: cordon agents" agents validate $h
	help_is_only_help "usage: cordon policy" policy $h
	help_is_only_help "usage: cordon policy" policy check $h
	help_is_only_help "usage: cordon policy" policy show $h
	help_is_only_help "usage: cordon tool" tool $h
	help_is_only_help "usage: cordon sandbox" sandbox $h
	help_is_only_help "usage: cordon doctor" doctor $h
	help_is_only_help "usage: cordon runs" runs $h
	help_is_only_help "usage: cordon rewind" rewind $h
done
help_is_only_help "usage: cordon -p PROMPT" help
# After other options and operands: the help still wins, and nothing runs.
help_is_only_help "usage: cordon agents" agents list --json --help
help_is_only_help "usage: cordon agents" agents validate "$ROOT/agents/reviewer.md" --help
help_is_only_help "usage: cordon policy" policy check --json --help
help_is_only_help "usage: cordon policy" policy check Read '{"file_path":"x"}' -h
help_is_only_help "usage: cordon policy" policy show --json --help
help_is_only_help "usage: cordon tool" tool --workspace "$ROOT" --help
help_is_only_help "usage: cordon sandbox" sandbox --timeout 3 --help
help_is_only_help "usage: cordon doctor" doctor --json --help
t_done
