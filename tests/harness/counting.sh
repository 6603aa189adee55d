#!/usr/bin/env bash
# tests/run counts what the test programs print, so it is tested first: fake
# suites of tiny scripts, each breaking one rule (no plan, a plan not met, a
# set -u death, a multi-line diagnostic holding "not ok" lines, a verdict lost
# in a pipeline, a sub-script that dies), must come out as the right number of
# failures, each named; a clean suite must pass.
. "$ROOT/tests/lib.sh"

dir=$(t_tmpdir)
mkdir "$dir/bad" "$dir/good"
lib='. "$ROOT/tests/lib.sh"'
cat >"$dir/good/good.sh" <<SH
$lib
t_pass "a check"
t_skip "a check that cannot run here" "the probe said so"
t_done
SH
cp "$dir/good/good.sh" "$dir/bad/good.sh"
cat >"$dir/bad/dies.sh" <<SH
$lib
t_pass "before the exit"
exit 0
t_pass "never printed"
t_done
SH
cat >"$dir/bad/setu.sh" <<SH
$lib
t_pass "before the unbound variable"
: "\$not_set"
t_pass "never printed"
t_done
SH
cat >"$dir/bad/short.sh" <<SH
$lib
t_plan 3
t_pass one
t_pass two
exit 0
SH
cat >"$dir/bad/diag.sh" <<SH
$lib
t_fail "a failure whose diagnostic holds TAP lines" "\$(printf 'not ok - [root] FS02 ESCAPED\nnot ok - [root] FS03 ESCAPED\nok - looks fine\n1..9')"
t_pass "after it"
t_done
SH
cat >"$dir/bad/pipe.sh" <<SH
$lib
echo x | while read -r _; do t_pass "a verdict in a pipeline (not counted)"; done
t_done
SH
cat >"$dir/bad/sub.sh" <<SH
$lib
t_sub "inner" bash -c '. "\$ROOT/tests/lib.sh"; t_pass "inner check"; exit 0'
t_done
SH

out=$(B="$B" "$ROOT/tests/run" "$dir/bad" 2>&1)
rc=$?
t_eq "a suite with broken scripts: tests/run exits 1" "$rc" 1
t_contains "each broken rule is one failure: 8 passed, 6 failed, 1 skipped" "$out" "8 passed, 6 failed, 1 skipped"
t_contains "a script that exits early has no plan" "$out" "not ok - $dir/bad/dies.sh: no plan (died after 1 tests?)"
t_contains "a set -u death is no plan, with its exit status" "$out" "not ok - $dir/bad/setu.sh: no plan (died after 1 tests?), exit status 1"
t_contains "a plan printed first and not met" "$out" "not ok - $dir/bad/short.sh: planned 3 tests, ran 2 (died half-way?)"
t_contains "a verdict lost in a pipeline leaves the plan unmet" "$out" "not ok - $dir/bad/pipe.sh: planned 0 tests, ran 1"
t_contains "t_sub names a sub-script that died" "$out" "not ok - inner: no plan (died after 1 tests?)"
diag=$(printf '%s\n' "$out" | grep -c 'ESCAPED')
leaked=$(printf '%s\n' "$out" | grep -c '^not ok - \[root\]')
t_eq "every line of a diagnostic is a comment (2 lines shown, none as TAP)" "$diag/$leaked" "2/0"
t_contains "the diagnostic's lines are prefixed" "$out" "#   not ok - [root] FS03 ESCAPED"

out=$(B="$B" "$ROOT/tests/run" "$dir/good" 2>&1)
rc=$?
t_eq "a clean suite: tests/run exits 0" "$rc" 0
t_contains "a clean suite: 1 passed, 0 failed, 1 skipped" "$out" "1 passed, 0 failed, 1 skipped"
t_done
