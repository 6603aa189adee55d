#!/usr/bin/env bash
# The CLI skeleton: help, version, unknown flags and commands.
. "$ROOT/tests/lib.sh"

out=$("$CORDON" --help); rc=$?
t_eq "--help exits 0" "$rc" 0
for c in sandbox tool doctor agents policy; do
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
t_done
