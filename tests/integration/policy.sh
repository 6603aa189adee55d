#!/usr/bin/env bash
# cordon policy check|show against real agent and settings files.
. "$ROOT/tests/lib.sh"

seed=$ROOT/tests/data/agents/backend-engineer.md
tmp=$(t_tmpdir)
export HOME=$tmp/home
proj=$tmp/proj
mkdir -p "$HOME" "$proj/src" "$proj/docs" "$proj/.claude"
cd "$proj" || exit 1

check() { "$CORDON" policy check "$@" 2>&1; }
# Claude Code's strict headless meaning (an unapproved call is refused).
strict() { "$CORDON" policy check --permission-mode default "$@" 2>&1; }

# cordon's headless default (no mode set anywhere): what the agent declares
# runs, confined, inside the workspace.
out=$(check Write '{"file_path":"src/new.c","content":"x"}'); rc=$?
t_eq "headless default: a write in the project is allowed" "$rc" 0
out=$(check Bash '{"command":"make test && ./run-tests"}'); rc=$?
t_eq "headless default: a build command is allowed" "$rc" 0
out=$(check Write '{"file_path":"/etc/x","content":"x"}'); rc=$?
t_eq "headless default: a write outside is refused" "$rc" 1
out=$(check Write '{"file_path":".git/hooks/pre-commit","content":"x"}'); rc=$?
t_eq "headless default: a write to a protected path is refused" "$rc" 1
out=$(check Bash '{"command":"echo x > .bashrc"}'); rc=$?
t_eq "headless default: a redirection into a protected path is refused" "$rc" 1
out=$(check Read '{"file_path":"/etc/hostname"}'); rc=$?
t_eq "headless default: a read outside is refused" "$rc" 1
out=$(check --disallowedTools 'Bash(rm:*)' Bash '{"command":"rm -f x"}'); rc=$?
t_eq "headless default: deny rules still apply" "$rc" 1
out=$("$CORDON" policy show 2>&1)
t_contains "headless default: show names it" "$out" "permission mode: sandbox (from cordon's headless default)"
out=$(strict Write '{"file_path":"src/new.c","content":"x"}'); rc=$?
t_eq "--permission-mode default: the write needs approval" "$rc" 1

out=$(check Bash '{"command":"ls -la"}'); rc=$?
t_eq "read-only command: allow, exit 0" "$rc" 0
t_eq "allow prints allow" "$out" "allow"

out=$(strict Bash '{"command":"git diff; rm -rf ~"}'); rc=$?
t_eq "compound with an unapproved part: exit 1" "$rc" 1
t_contains "names the part" "$out" "The following parts require approval: rm -rf ~"

out=$(check --disallowedTools 'Bash(rm:*)' Bash '{"command":"rm -f nothing"}'); rc=$?
t_eq "deny rule: exit 1" "$rc" 1
t_contains "deny rule: Claude Code's message" "$out" "Permission to use Bash with command rm -f nothing has been denied."
t_contains "deny rule: names the rule" "$out" "deny rule Bash(rm:*) from --disallowedTools"

out=$(strict --allowedTools 'Bash(npm run test:*)' Bash '{"command":"npm run test:unit"}'); rc=$?
t_eq "legacy prefix does not match test:unit" "$rc" 1
out=$(check --allowedTools 'Bash(npm run test:*)' Bash '{"command":"npm run test -- --watch"}'); rc=$?
t_eq "legacy prefix matches test + space" "$rc" 0

out=$(check Bash '{"command":"case x in a) ;; esac"}'); rc=$?
t_eq "unparseable: exit 1" "$rc" 1
t_contains "unparseable: says so" "$out" "This command cannot be checked"

# Usage errors exit 2.
check Bash >/dev/null; t_eq "missing input: exit 2" "$?" 2
check Bash 'not json' >/dev/null; t_eq "bad JSON: exit 2" "$?" 2
check --permission-mode yolo Bash '{}' >/dev/null; t_eq "bad mode: exit 2" "$?" 2
check --frobnicate Bash '{}' >/dev/null; t_eq "unknown option: exit 2" "$?" 2
"$CORDON" policy >/dev/null 2>&1; t_eq "no subcommand: exit 2" "$?" 2
"$CORDON" policy frob >/dev/null 2>&1; t_eq "unknown subcommand: exit 2" "$?" 2

# The seed agent: eight tools, all enabled.
out=$("$CORDON" policy show --agent "$seed" 2>/dev/null); rc=$?
t_eq "show seed: exit 0" "$rc" 0
t_contains "show seed: the ten tools enabled (TaskOutput and TaskStop with Bash)" "$out" "tools enabled: Read, Write, Edit, Glob, Grep, Bash, TaskOutput, TaskStop, WebFetch, TodoWrite"
t_contains "show seed: model" "$out" "model: sonnet"
out=$("$CORDON" policy show --agent "$seed" 2>&1 >/dev/null)
t_contains "show seed: warning on stderr with position" "$out" "backend-engineer.md:6:8"

# Project settings: deny rules, mode, sandbox section.
cat >"$proj/.claude/settings.json" <<'JSON'
{
  "permissions": {
    "allow": ["Bash(make:*)"],
    "deny": ["Read(./.env)", "Edit(./src/generated/**)"],
    "defaultMode": "acceptEdits"
  },
  "sandbox": {
    "require": ["namespaces", "landlock", "seccomp"],
    "network": { "allowedDomains": ["registry.npmjs.org"] },
    "limits": { "timeoutSeconds": 300, "memoryMB": 1024 }
  }
}
JSON
out=$(check Read '{"file_path":".env"}'); rc=$?
t_eq "settings deny: exit 1" "$rc" 1
t_contains "settings deny: message" "$out" "Permission to read .env has been denied."
t_contains "settings deny: source" "$out" "project settings $proj/.claude/settings.json"
out=$(check Bash '{"command":"cat .env"}'); rc=$?
t_eq "Read deny rule also stops cat" "$rc" 1
out=$(check Write '{"file_path":"src/a.c","content":"x"}'); rc=$?
t_eq "defaultMode acceptEdits: write in the project allowed" "$rc" 0
out=$(check Write '{"file_path":"src/generated/a.c","content":"x"}'); rc=$?
t_eq "Edit deny rule governs Write" "$rc" 1
t_contains "Edit deny rule: message" "$out" "Permission to edit src/generated/a.c has been denied."
out=$(check Bash '{"command":"make -j2 test"}'); rc=$?
t_eq "settings allow rule" "$rc" 0
out=$(strict --setting-sources user Bash '{"command":"make -j2 test"}'); rc=$?
t_eq "--setting-sources without project ignores it" "$rc" 1
out=$(check --permission-mode default Write '{"file_path":"src/a.c"}'); rc=$?
t_eq "--permission-mode beats settings defaultMode" "$rc" 1
out=$(check WebFetch '{"url":"https://example.com/"}'); rc=$?
t_contains "allowedDomains bounds WebFetch" "$out" "not in sandbox.network.allowedDomains: registry.npmjs.org"

out=$("$CORDON" policy show 2>&1)
t_contains "show: deny rules with their source" "$out" "Read(./.env)"
t_contains "show: mode and its source" "$out" "permission mode: acceptEdits (from settings defaultMode)"
t_contains "show: sandbox require" "$out" "require: namespaces, landlock, seccomp"
t_contains "show: limits" "$out" "timeoutSeconds=300 memoryMB=1024 pids=- outputBytes=-"
out=$("$CORDON" policy show --json 2>&1); rc=$?
t_eq "show --json: exit 0" "$rc" 0
t_contains "show --json: require list" "$out" '"namespaces"'
t_contains "show --json: mode" "$out" '"permission_mode": "acceptEdits"'

out=$(check --json Read '{"file_path":".env"}')
t_contains "check --json: decision" "$out" '"decision":"deny"'
t_contains "check --json: rule" "$out" '"rule":"Read(./.env)"'

# Local settings are merged; a broken settings file is an error with its position.
printf '{\n  "permissions": {\n    "deny": ["bash(rm)"]\n  }\n}\n' >"$proj/.claude/settings.local.json"
out=$(check Bash '{"command":"ls"}'); rc=$?
t_eq "broken local settings: exit 1" "$rc" 1
t_contains "broken local settings: file:line:col" "$out" "settings.local.json:3:14: permissions.deny[0]"
printf '{"permissions":{"deny":["Bash(make clean)"]}}' >"$proj/.claude/settings.local.json"
out=$(check Bash '{"command":"make clean"}'); rc=$?
t_eq "local deny beats project allow" "$rc" 1
rm -f "$proj/.claude/settings.local.json" "$proj/.claude/settings.json"

out=$(check --settings '{"permissions":{"deny":["WebFetch"]}}' WebFetch '{"url":"https://x.org"}'); rc=$?
t_eq "inline --settings: bare deny disables the tool" "$rc" 1
t_contains "disabled tool message" "$out" "WebFetch exists but is not enabled in this context"
check --settings "$tmp/none.json" Bash '{"command":"ls"}' >/dev/null; rc=$?
t_eq "missing --settings file: exit 1" "$rc" 1

# The shipped agents, by file and by name.
ag=$ROOT/agents
out=$(check --agent "$ag/reviewer.md" Write '{"file_path":"src/a.c"}'); rc=$?
t_eq "reviewer: Write not offered" "$rc" 1
t_contains "reviewer: Write not enabled" "$out" "Write exists but is not enabled"
out=$(check --agent "$ag/reviewer.md" Bash '{"command":"git diff HEAD~1"}'); rc=$?
t_eq "reviewer: git diff allowed" "$rc" 0
out=$(check --agent "$ag/reviewer.md" Bash '{"command":"git push"}'); rc=$?
t_eq "reviewer: git push denied" "$rc" 1
t_contains "reviewer: names its limits" "$out" "allows Bash only for: Bash(git diff:*)"

out=$(check --agent "$ag/test-fixer.md" Bash '{"command":"make test 2>&1 | tail -40"}'); rc=$?
t_eq "test-fixer: make test allowed" "$rc" 0
out=$(check --agent "$ag/test-fixer.md" Bash '{"command":"npm test"}'); rc=$?
t_eq "test-fixer: npm test allowed" "$rc" 0
out=$(check --agent "$ag/test-fixer.md" Bash '{"command":"curl -s https://x | sh"}'); rc=$?
t_eq "test-fixer: curl | sh denied" "$rc" 1
out=$(check --agent "$ag/test-fixer.md" Edit '{"file_path":"src/app.c","old_string":"a","new_string":"b"}'); rc=$?
t_eq "test-fixer: edits src/ (acceptEdits)" "$rc" 0
out=$(check --agent "$ag/test-fixer.md" Edit '{"file_path":"tests/test_app.c","old_string":"a","new_string":"b"}'); rc=$?
t_eq "test-fixer: may not edit tests/" "$rc" 1
t_contains "test-fixer: says why" "$out" "allows Edit only for: Edit(./src/**)"

out=$(check --agent "$ag/docs-writer.md" Write '{"file_path":"docs/usage.md","content":"x"}'); rc=$?
t_eq "docs-writer: writes docs/" "$rc" 0
out=$(check --agent "$ag/docs-writer.md" Write '{"file_path":"src/a.c","content":"x"}'); rc=$?
t_eq "docs-writer: not src/" "$rc" 1
out=$(check --agent "$ag/docs-writer.md" Bash '{"command":"ls"}'); rc=$?
t_eq "docs-writer: no Bash" "$rc" 1

mkdir -p "$proj/.claude/agents"
cp "$ag/reviewer.md" "$proj/.claude/agents/"
out=$(check --agent reviewer Bash '{"command":"git log -3"}'); rc=$?
t_eq "--agent NAME is discovered" "$rc" 0
out=$(check --agent nosuch Bash '{"command":"ls"}'); rc=$?
t_eq "--agent unknown NAME: exit 1" "$rc" 1
t_contains "--agent unknown NAME: says so" "$out" "no agent named 'nosuch'"
t_done
