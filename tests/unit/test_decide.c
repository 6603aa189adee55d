/*
 * Unit tests for policy_decide(): a table of calls, each run against one of
 * a few policies, with the expected verdict and a piece of the reason.
 * Every row is its own cmocka test (one TAP line each).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf8.h"
#include "policy/agentfile.h"
#include "policy/policy.h"

enum setup {
	S_DEFAULT,
	S_RULES,
	S_ACCEPT,
	S_PLAN,
	S_DONTASK,
	S_BYPASS,
	S_BYPASS_OFF,
	S_AGENT,
	S_DISALLOW,
	S_HOOK,
	S_DIRS,
	S_NET,
	S_AGENT_BARE,
	S_ROPREFIX,
	S_AGENT_RO,
	S_SANDBOX,       /* the headless default mode, with Read deny rules */
	S_SANDBOX_AGENT, /* the same mode, an agent whose tools line narrows Bash */
};

struct row {
	enum setup setup;
	const char *tool; /* "Bash": `in` is the command; otherwise JSON input */
	const char *in;
	char expect;      /* 'A' allow, 'D' deny, 'Q' ask (hook configured) */
	const char *want; /* substring of the reason; NULL: nothing to check */
};

static const char rules_allow[] =
	"Bash(npm run test:*) Bash(git:*) Bash(make build) Bash(echo *) Read(//opt/docs/**) Edit(./src/**) "
	"WebFetch(domain:docs.example.com) WebFetch(domain:*.trusted.org) Bash(NODE_ENV=test npm test)";
static const char rules_ask[] = "Bash(git push:*) Read(./private/**) WebFetch(domain:ask.example.com)";
static const char rules_deny[] = "Bash(rm:*) Bash(curl:*) Read(./.env) Read(*.pem) Read(./secrets/**) "
				 "Edit(./src/generated/**) WebFetch(domain:evil.com) Bash(sudo:*) "
				 "WebFetch(domain:127.0.0.1) WebFetch(domain:[::1])";

/* Allow rules that leave words open after a read-only command (docs/policy.md, "Rules that leave words open"). */
static const char rules_ro_prefix[] = "Bash(git diff:*) Bash(git log:*) Bash(git grep:*) Bash(sort:*) Bash(find *) "
				      "Bash(rg:*) Bash(sed -n:*) Bash(git show --output:*) Bash(make:*) Bash(git branch:*)";

/* A reviewer declared read-only, as agents/reviewer.md. */
static const char agent_ro_text[] = "---\nname: ro\ndescription: d\n"
				    "tools: Read, Grep, Glob, Bash(git diff:*), Bash(git log:*), Bash(git show:*)\n---\n";

static const char agent_bare_text[] = "---\nname: b\ndescription: d\ntools: Bash(git:*), Bash\n---\n";

static const char agent_text[] = "---\n"
				 "name: limited\n"
				 "description: a limited agent\n"
				 "tools: Read, Grep, Bash(git diff:*), Bash(make:*)\n"
				 "---\n"
				 "body\n";

#define NEEDS "requires approval"
#define MULTI "The following parts require approval: "
#define OUTSIDE "outside the working directories"
#define NOTEN "exists but is not enabled"
#define DONTASK "running in don't ask mode"
#define BASHDENY "Permission to use Bash with command "
#define BASHASK "Claude requested permissions to use Bash, but you haven't granted it yet."
#define UNPARSE "This command cannot be checked"

static const struct row rows[] = {
	/* ---- Bash, no rules, default mode ---- */
	{ S_DEFAULT, "Bash", "ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls -la src", 'A', NULL },
	{ S_DEFAULT, "Bash", "pwd", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat README.md", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat /etc/passwd", 'D', "reads /etc/passwd, " OUTSIDE },
	{ S_DEFAULT, "Bash", "git status", 'A', NULL },
	{ S_DEFAULT, "Bash", "git log --oneline -5", 'A', NULL },
	{ S_DEFAULT, "Bash", "git diff HEAD~1", 'A', NULL },
	{ S_DEFAULT, "Bash", "git diff; rm -rf ~", 'D', MULTI "rm -rf ~" },
	{ S_DEFAULT, "Bash", "echo $(curl x)", 'D', MULTI "curl x (" },
	{ S_DEFAULT, "Bash", "echo \"a && b\"", 'A', NULL },
	{ S_DEFAULT, "Bash", "echo 'a; rm -rf /'", 'A', NULL },
	{ S_DEFAULT, "Bash", "make", 'D', "This command requires approval" },
	{ S_DEFAULT, "Bash", "npm install", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "ls && make", 'D', "This Bash command contains multiple operations. " MULTI "make" },
	{ S_DEFAULT, "Bash", "ls | grep foo", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls\nrm x", 'D', MULTI "rm x" },
	{ S_DEFAULT, "Bash", "git status\ngit log", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat <<'EOF'\nhi $(rm x)\nEOF", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat <<EOF\n$(rm x)\nEOF", 'D', UNPARSE ": command substitution inside a here-document" },
	{ S_DEFAULT, "Bash", "echo \"unterminated", 'D', "unterminated double quote" },
	{ S_DEFAULT, "Bash", "case x in a) ;; esac", 'D', "unsupported shell syntax 'case'" },
	{ S_DEFAULT, "Bash", "f() { ls; }", 'D', "function definition" },
	{ S_DEFAULT, "Bash", "( ls; pwd )", 'A', NULL },
	{ S_DEFAULT, "Bash", "{ ls; pwd; }", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls `rm -rf x`", 'D', "rm -rf x" },
	{ S_DEFAULT, "Bash", "ls $(pwd)", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "echo hi > out.txt", 'D', "writes a file through a redirection" },
	{ S_DEFAULT, "Bash", "echo hi > /dev/null", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls 2>&1", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls > /tmp/x", 'D', "redirects output outside the working directories" },
	{ S_DEFAULT, "Bash", "cat < /etc/passwd", 'D', "reads input from outside" },
	{ S_DEFAULT, "Bash", "grep -r foo .", 'A', NULL },
	{ S_DEFAULT, "Bash", "grep foo /etc/shadow", 'D', OUTSIDE },
	{ S_DEFAULT, "Bash", "find . -name '*.c'", 'A', NULL },
	{ S_DEFAULT, "Bash", "find . -exec rm {} \\;", 'D', "is not read-only" },
	{ S_DEFAULT, "Bash", "find . -delete", 'D', "is not read-only" },
	{ S_DEFAULT, "Bash", "sort -o out.txt in.txt", 'D', "is not read-only" },
	{ S_DEFAULT, "Bash", "sort in.txt", 'A', NULL },
	{ S_DEFAULT, "Bash", "git -c core.pager=evil log", 'D', "git global options" },
	{ S_DEFAULT, "Bash", "git diff --output=/tmp/x", 'D', "writes files or runs programs" },
	{ S_DEFAULT, "Bash", "git branch", 'A', NULL },
	{ S_DEFAULT, "Bash", "git branch -D main", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "git push", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "git commit -m \"x\"", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "FOO=1 ls", 'D', "sets environment variables" },
	{ S_DEFAULT, "Bash", "LC_ALL=C ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "$CMD foo", 'D', "command name of '$CMD foo' is computed at run time" },
	{ S_DEFAULT, "Bash", "cd src && ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "cd /etc && cat passwd", 'D', "leaves the working directories" },
	{ S_DEFAULT, "Bash", "cd src && cat ../../etc/passwd", 'D', "reads /etc/passwd" },
	{ S_DEFAULT, "Bash", "cat src/../README", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat ../outside.txt", 'D', OUTSIDE },
	{ S_DEFAULT, "Bash", "ls ~", 'D', OUTSIDE },
	{ S_DEFAULT, "Bash", "echo ~", 'A', NULL },
	{ S_DEFAULT, "Bash", "sh -c 'ls'", 'D', MULTI "sh -c 'ls' (" },
	{ S_DEFAULT, "Bash", "[ -f x ] && ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "test -f x || echo missing", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls [ab].c", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls *.c", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat /etc/*", 'D', "uses a wildcard" },
	{ S_DEFAULT, "Bash", "", 'A', NULL },
	{ S_DEFAULT, "Bash", "   ", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls # comment; rm -rf /", 'A', NULL },
	{ S_DEFAULT, "Bash", "echo a\\; rm x", 'A', NULL },
	{ S_DEFAULT, "Bash", "echo a \\&\\& rm x", 'A', NULL },
	{ S_DEFAULT, "Bash", "timeout 10 ls", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "ls &", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls;", 'A', NULL },
	{ S_DEFAULT, "Bash", "sleep 2 && : && ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "sed -n '1,20p' src/a.c", 'A', NULL },
	{ S_DEFAULT, "Bash", "sed -e 1p -e '$p' README", 'A', NULL },
	{ S_DEFAULT, "Bash", "sed -i 's/a/b/' f", 'D', "sed options such as -i" },
	{ S_DEFAULT, "Bash", "sed 's/a/b/w out' f", 'D', "only line-number sed scripts" },
	{ S_DEFAULT, "Bash", "sed -n '1,5p' /etc/passwd", 'D', "reads /etc/passwd" },
	{ S_DEFAULT, "Bash", "awk '{print $1}' README", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat f | awk -F, '{print $2}'", 'A', NULL },
	{ S_DEFAULT, "Bash", "awk '{print > \"x\"}' README", 'D', "writes, pipes or runs commands" },
	{ S_DEFAULT, "Bash", "awk 'BEGIN{system(\"id\")}'", 'D', "writes, pipes or runs commands" },
	{ S_DEFAULT, "Bash", "awk -f prog.awk README", 'D', "awk -f" },
	{ S_DEFAULT, "Bash", "true && false || echo x", 'A', NULL },
	{ S_DEFAULT, "Bash", "diff <(ls a) <(ls b)", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "cat $HOME/.ssh/id_rsa", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "wc -l src/*.c", 'A', NULL },
	{ S_DEFAULT, "Bash", "head -n 5 README", 'A', NULL },
	{ S_DEFAULT, "Bash", "readlink -f /proc/self/exe", 'D', OUTSIDE },
	{ S_DEFAULT, "Bash", "which git", 'A', NULL },
	{ S_DEFAULT, "Bash", "date -s now", 'D', "is not read-only" },
	{ S_DEFAULT, "Bash", "env", 'A', NULL },
	{ S_DEFAULT, "Bash", "env FOO=1 ls", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "xargs rm < list", 'D', NEEDS },
	{ S_DEFAULT, "Bash", "ls | xargs cat", 'D', MULTI "xargs cat" },
	{ S_DEFAULT, "Bash", "git log | head -5", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls\n", 'A', NULL },
	{ S_DEFAULT, "Bash", "echo ok && \\\n ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat \"$(ls)\"", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "echo ${x:-$(id)}", 'D', "command substitution inside ${...}" },
	{ S_DEFAULT, "Bash", "{rm,-rf,x}", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "ls -la >> log.txt", 'D', "redirection" },
	{ S_DEFAULT, "Bash", "git log --format='%H'", 'A', NULL },
	{ S_DEFAULT, "Bash", "grep -e \"a|b\" src", 'A', NULL },
	{ S_DEFAULT, "Bash", "cat 'file with spaces.txt'", 'A', NULL },
	{ S_DEFAULT, "Bash", "ls; ls; make", 'D', MULTI "make (" },
	{ S_DEFAULT, "Bash", "cd $(mktemp -d)", 'D', "mktemp -d" },
	{ S_DEFAULT, "Bash", "cd /proj && make", 'D', "This command requires approval" },
	{ S_DEFAULT, "Bash", "echo $((1 + 2))", 'A', NULL },
	{ S_DEFAULT, "Bash", "echo $((x[$(id)]))", 'D', "command substitution inside an arithmetic expansion" },
	{ S_DEFAULT, "Bash", "[[ -f x ]] && ls", 'A', NULL },
	{ S_DEFAULT, "Bash", "[[ -n \"$(make)\" ]] || ls", 'D', MULTI "make (" },
	{ S_DEFAULT, "Bash", "ls | tee out.txt", 'D', MULTI "tee out.txt" },
	{ S_ACCEPT, "Bash", "ls | tee out.txt", 'A', NULL },
	{ S_ACCEPT, "Bash", "ls | tee /tmp/out.txt", 'D', OUTSIDE },
	{ S_DEFAULT, "Bash", "ls )", 'D', "unbalanced ')'" },
	{ S_DEFAULT, "Bash", "for f in *.c; do cat $f; done", 'D', "computed at run time" },
	{ S_DEFAULT, "Bash", "if true; then ls; fi", 'A', NULL },
	{ S_DEFAULT, "Bash", "while true; do make; done", 'D', MULTI "make" },

	/* ---- Bash with allow, ask and deny rules ---- */
	{ S_RULES, "Bash", "npm run test", 'A', NULL },
	{ S_RULES, "Bash", "npm run test --watch", 'A', NULL },
	{ S_RULES, "Bash", "npm run test:unit", 'D', NEEDS },
	{ S_RULES, "Bash", "npm run testing", 'D', NEEDS },
	{ S_RULES, "Bash", "git push origin main", 'D', BASHASK " (ask rule Bash(git push:*)" },
	{ S_RULES, "Bash", "git fetch", 'A', NULL },
	{ S_RULES, "Bash", "gitk", 'D', NEEDS },
	{ S_RULES, "Bash", "git", 'A', NULL },
	{ S_RULES, "Bash", "rm -rf build", 'D', BASHDENY "rm -rf build has been denied. (deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "/bin/rm -rf x", 'D', BASHDENY "/bin/rm -rf x has been denied" },
	{ S_RULES, "Bash", "\"rm\" -rf x", 'D', "has been denied" },
	{ S_RULES, "Bash", "r\\m -rf x", 'D', "has been denied" },
	{ S_RULES, "Bash", "FOO=1 rm x", 'D', BASHDENY "rm x has been denied" },
	{ S_RULES, "Bash", "sudo rm -rf /", 'D', "has been denied" },
	{ S_RULES, "Bash", "env X=1 rm x", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "timeout 5 rm x", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "nice -n 5 rm x", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "xargs rm", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "find . -exec rm {} \\;", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "ls && rm x", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "echo $(rm x)", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "make build", 'A', NULL },
	{ S_RULES, "Bash", "make build && npm run test", 'A', NULL },
	{ S_RULES, "Bash", "make clean", 'D', NEEDS },
	{ S_RULES, "Bash", "echo hello world", 'A', NULL },
	{ S_RULES, "Bash", "curl https://x", 'D', "deny rule Bash(curl:*)" },
	{ S_RULES, "Bash", "bash -c \"curl x\"", 'D', "deny rule Bash(curl:*)" },
	{ S_RULES, "Bash", "eval \"rm x\"", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "NODE_ENV=test npm test", 'A', NULL },
	{ S_RULES, "Bash", "LD_PRELOAD=/tmp/x.so npm run test", 'D', NEEDS },
	{ S_RULES, "Bash", "NODE_ENV=test npm run test", 'A', NULL },
	{ S_RULES, "Bash", "cat .env", 'D', "Permission to read /proj/.env has been denied." },
	{ S_RULES, "Bash", "cat src/key.pem", 'D', "deny rule Read(*.pem)" },
	{ S_RULES, "Bash", "cat secrets/a.txt", 'D', "deny rule Read(./secrets/**)" },
	{ S_RULES, "Bash", "grep -r password secrets", 'D', "Permission to read /proj/secrets" },
	{ S_RULES, "Bash", "ls secrets", 'D', "has been denied" },
	{ S_RULES, "Bash", "echo x > src/generated/a.c", 'D', "Permission to edit /proj/src/generated/a.c" },
	{ S_RULES, "Bash", "cat < .env", 'D', "Permission to read /proj/.env" },
	{ S_RULES, "Bash", "git diff > out.patch", 'A', NULL },
	{ S_RULES, "Bash", "git diff > /tmp/out.patch", 'D', "redirects output outside" },
	{ S_RULES, "Bash", "git push --force; ls", 'D', "ask rule Bash(git push:*)" },
	{ S_RULES, "Bash", "rm x; git push", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "git diff; rm -rf ~", 'D', BASHDENY "rm -rf ~ has been denied" },
	{ S_RULES, "Bash", "ls $(echo $(rm x))", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "$'\\x72m' -rf /", 'D', "computed at run time" },
	{ S_RULES, "Bash", "echo hi | sudo tee /etc/x", 'D', "deny rule Bash(sudo:*)" },
	{ S_RULES, "Bash", "exec rm x", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "command rm x", 'D', "deny rule Bash(rm:*)" },
	{ S_RULES, "Bash", "npm run test && npm run test:unit", 'D', MULTI "npm run test:unit" },
	{ S_RULES, "Bash", "echo a & rm x", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "(rm x)", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "ls || rm x", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "[[ -n \"$(rm x)\" ]]", 'D', BASHDENY "rm x" },
	{ S_RULES, "Bash", "git log\nrm -f nothing", 'D', BASHDENY "rm -f nothing has been denied." },
	{ S_RULES, "Bash", "cd /proj && rm x", 'D', BASHDENY "rm x" },

	/* ---- file tools, default mode ---- */
	{ S_DEFAULT, "Read", "{\"file_path\":\"src/main.c\"}", 'A', NULL },
	{ S_DEFAULT, "Read", "{\"file_path\":\"/proj/src/main.c\"}", 'A', NULL },
	{ S_DEFAULT, "Read", "{\"file_path\":\"/etc/hostname\"}", 'D',
	  "Claude requested permissions to read from /etc/hostname, but you haven't granted it yet." },
	{ S_DEFAULT, "Read", "{\"file_path\":\"../x\"}", 'D', OUTSIDE },
	{ S_DEFAULT, "Read", "{\"file_path\":\"src/../../etc/passwd\"}", 'D', "/etc/passwd is outside" },
	{ S_DEFAULT, "Read", "{\"file_path\":\"src/./../README.md\"}", 'A', NULL },
	{ S_DEFAULT, "Read", "{\"file_path\":\"~/.bashrc\"}", 'D', "/home/u/.bashrc is outside" },
	{ S_DEFAULT, "Read", "{\"file_path\":\"\"}", 'D', "cannot check the path" },
	{ S_DEFAULT, "Read", "{\"file_path\":5}", 'D', "type is expected as `string` but provided as `number`" },
	{ S_DEFAULT, "Read", "{}", 'D', "The required parameter `file_path` is missing" },
	{ S_DEFAULT, "Read", "[]", 'D', "The input must be an object" },
	{ S_DEFAULT, "Read", "{\"file_path\":\"/proj/link-to-etc/passwd\"}", 'A', NULL },
	{ S_DEFAULT, "Write", "{\"file_path\":\"src/a.c\",\"content\":\"x\"}", 'D',
	  "Claude requested permissions to write to src/a.c, but you haven't granted it yet. (edits need "
	  "permissionMode acceptEdits" },
	{ S_DEFAULT, "Edit", "{\"file_path\":\"src/a.c\"}", 'D', "the mode is default" },
	{ S_DEFAULT, "Glob", "{\"pattern\":\"**/*.c\"}", 'A', NULL },
	{ S_DEFAULT, "Glob", "{\"pattern\":\"/etc/*\"}", 'D', "read from /etc" },
	{ S_DEFAULT, "Glob", "{\"pattern\":\"*/../../etc/*\"}", 'D', "'..' after a wildcard" },
	{ S_DEFAULT, "Glob", "{\"pattern\":\"*.c\",\"path\":\"/etc\"}", 'D', OUTSIDE },
	{ S_DEFAULT, "Glob", "{\"pattern\":\"../*.c\"}", 'D', OUTSIDE },
	{ S_DEFAULT, "Grep", "{\"pattern\":\"x\"}", 'A', NULL },
	{ S_DEFAULT, "Grep", "{\"pattern\":\"x\",\"path\":\"/etc\"}", 'D', "read from /etc" },
	{ S_DEFAULT, "Grep", "{}", 'D', "The required parameter `pattern` is missing" },
	{ S_DEFAULT, "TodoWrite", "{\"todos\":[]}", 'A', NULL },
	{ S_DEFAULT, "WebFetch", "{\"url\":\"https://example.com\",\"prompt\":\"p\"}", 'D',
	  "Claude requested permissions to use WebFetch, but you haven't granted it yet." },
	{ S_DEFAULT, "WebFetch", "{\"url\":\"ftp://x\"}", 'D', "cannot check the URL" },
	{ S_DEFAULT, "WebFetch", "{}", 'D', "The required parameter `url` is missing" },
	{ S_DEFAULT, "Frob", "{}", 'D', "Error: No such tool available: Frob" },
	{ S_DEFAULT, "NotebookEdit", "{}", 'D', "No such tool available: NotebookEdit" },
	{ S_DEFAULT, "Bash!", "{\"command\":[\"ls\"]}", 'D', "The parameter `command` type is expected as `string`" },

	/* ---- file and fetch rules ---- */
	{ S_RULES, "Read", "{\"file_path\":\".env\"}", 'D', "Permission to read .env has been denied." },
	{ S_RULES, "Read", "{\"file_path\":\"./.env\"}", 'D', "deny rule Read(./.env)" },
	{ S_RULES, "Read", "{\"file_path\":\"src/../.env\"}", 'D', "has been denied" },
	{ S_RULES, "Read", "{\"file_path\":\"/proj/.env\"}", 'D', "has been denied" },
	{ S_RULES, "Read", "{\"file_path\":\"/proj/.envrc\"}", 'A', NULL },
	{ S_RULES, "Read", "{\"file_path\":\"sub/dir/x.pem\"}", 'D', "deny rule Read(*.pem)" },
	{ S_RULES, "Read", "{\"file_path\":\"/tmp/x.pem\"}", 'D', "deny rule Read(*.pem)" },
	{ S_RULES, "Read", "{\"file_path\":\"secrets\"}", 'D', "deny rule Read(./secrets/**)" },
	{ S_RULES, "Read", "{\"file_path\":\"secrets/deep/a\"}", 'D', "has been denied" },
	{ S_RULES, "Read", "{\"file_path\":\"src/../secrets/key\"}", 'D', "has been denied" },
	{ S_RULES, "Read", "{\"file_path\":\"secrets-not/a\"}", 'A', NULL },
	{ S_RULES, "Read", "{\"file_path\":\"private/x\"}", 'D',
	  "Claude requested permissions to read from private/x, but you haven't granted it yet. (ask rule" },
	{ S_RULES, "Read", "{\"file_path\":\"/opt/docs/a.md\"}", 'A', NULL },
	{ S_RULES, "Read", "{\"file_path\":\"/opt/docs\"}", 'A', NULL },
	{ S_RULES, "Read", "{\"file_path\":\"/opt/docs/../secret\"}", 'D', OUTSIDE },
	{ S_RULES, "Read", "{\"file_path\":\"/opt/docsx/a\"}", 'D', OUTSIDE },
	{ S_RULES, "Grep", "{\"pattern\":\"x\",\"path\":\"secrets\"}", 'D', "Permission to read secrets has been denied." },
	{ S_RULES, "Glob", "{\"pattern\":\"secrets/*.txt\"}", 'D', "has been denied" },
	{ S_RULES, "Write", "{\"file_path\":\"src/a.c\"}", 'A', NULL },
	{ S_RULES, "Edit", "{\"file_path\":\"src/generated/x.c\"}", 'D',
	  "Permission to edit src/generated/x.c has been denied." },
	{ S_RULES, "Write", "{\"file_path\":\"src/generated/x.c\"}", 'D', "deny rule Edit(./src/generated/**)" },
	{ S_RULES, "Write", "{\"file_path\":\"src/../src/generated/x.c\"}", 'D', "has been denied" },
	{ S_RULES, "Write", "{\"file_path\":\"lib/a.c\"}", 'D', "edits need permissionMode acceptEdits" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://docs.example.com/a\"}", 'A', NULL },
	{ S_RULES, "WebFetch", "{\"url\":\"https://DOCS.example.com./a\"}", 'A', NULL },
	{ S_RULES, "WebFetch", "{\"url\":\"https://evil.com/x\"}", 'D', "WebFetch denied access to domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"https://user@evil.com:443/x\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"https://a.trusted.org/x\"}", 'A', NULL },
	{ S_RULES, "WebFetch", "{\"url\":\"https://trusted.org/x\"}", 'D', "no WebFetch(domain:trusted.org) allow rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://ask.example.com\"}", 'D', "ask rule WebFetch(domain:ask.example.com)" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://evil.com.docs.example.org/\"}", 'D', "allow rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://docs.example.com@evil.com/\"}", 'D', "domain:evil.com." },
	/* The host is the one libcurl (and so the fetch) connects to. */
	{ S_RULES, "WebFetch", "{\"url\":\"http://docs.example.com\\\\@evil.com/\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http://a.trusted.org\\\\@other.net/\"}", 'D',
	  "no WebFetch(domain:other.net) allow rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"http://docs.example.com:80@evil.com/\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http://evil.com#@docs.example.com/\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http://%65vil.com/\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http:/evil.com/\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http://EVIL.com../\"}", 'D', "domain:evil.com." },
	{ S_RULES, "WebFetch", "{\"url\":\"http://2130706433/\"}", 'D', "domain:127.0.0.1. (deny rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"http://0x7f.1:8080/\"}", 'D', "domain:127.0.0.1. (deny rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"http://[::ffff:7f00:1]/\"}", 'D', "domain:127.0.0.1. (deny rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"http://[0:0:0:0:0:0:0:1]/\"}", 'D', "domain:[::1]. (deny rule" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://b\\u00fccher.de/\"}", 'D', "written in punycode" },
	{ S_RULES, "WebFetch", "{\"url\":\"https://\\uff25\\uff36\\uff29\\uff2c.com/\"}", 'D', "cannot check the URL" },

	/* ---- acceptEdits ---- */
	{ S_ACCEPT, "Write", "{\"file_path\":\"src/a.c\"}", 'A', NULL },
	{ S_ACCEPT, "Write", "{\"file_path\":\"/tmp/x\"}", 'D', "/tmp/x is outside the working directories" },
	{ S_ACCEPT, "Write", "{\"file_path\":\".git/config\"}", 'D', "protected path" },
	{ S_ACCEPT, "Edit", "{\"file_path\":\".claude/settings.json\"}", 'D', "protected path" },
	{ S_ACCEPT, "Write", "{\"file_path\":\".claude/agents/x.md\"}", 'A', NULL },
	{ S_ACCEPT, "Write", "{\"file_path\":\"~/.bashrc\"}", 'D', "protected path" },
	{ S_ACCEPT, "Write", "{\"file_path\":\"sub/.bashrc\"}", 'D', "protected path" },
	{ S_ACCEPT, "Bash", "mkdir -p newdir", 'A', NULL },
	{ S_ACCEPT, "Bash", "touch src/a && mkdir b", 'A', NULL },
	{ S_ACCEPT, "Bash", "mkdir /tmp/x", 'D', OUTSIDE },
	{ S_ACCEPT, "Bash", "echo hi > out.txt", 'A', NULL },
	{ S_ACCEPT, "Bash", "rm x", 'D', NEEDS },
	{ S_ACCEPT, "Bash", "cp /etc/passwd src/", 'D', OUTSIDE },
	{ S_ACCEPT, "Bash", "touch .git/hooks/x", 'D', "protected path" },
	{ S_ACCEPT, "Read", "{\"file_path\":\"/etc/x\"}", 'D', OUTSIDE },

	/* ---- plan, dontAsk, bypass ---- */
	{ S_PLAN, "Write", "{\"file_path\":\"src/a.c\"}", 'D', "the mode is plan" },
	{ S_PLAN, "Bash", "ls", 'A', NULL },
	{ S_PLAN, "Bash", "mkdir x", 'D', "permission mode plan" },
	{ S_PLAN, "Read", "{\"file_path\":\"src/a\"}", 'A', NULL },
	{ S_DONTASK, "Bash", "make", 'D', "Permission to use Bash has been denied because Claude Code is " DONTASK },
	{ S_DONTASK, "Write", "{\"file_path\":\"src/a.c\"}", 'D', "Permission to use Write has been denied" },
	{ S_DONTASK, "Bash", "ls", 'A', NULL },
	{ S_DONTASK, "Read", "{\"file_path\":\"/etc/hostname\"}", 'D', DONTASK },
	{ S_DONTASK, "WebFetch", "{\"url\":\"https://x.com\"}", 'D', "Let the user decide how to proceed." },
	{ S_BYPASS, "Bash", "make", 'A', NULL },
	{ S_BYPASS, "Write", "{\"file_path\":\"/tmp/x\"}", 'A', NULL },
	{ S_BYPASS, "Write", "{\"file_path\":\".git/config\"}", 'D', "protected path" },
	{ S_BYPASS, "Read", "{\"file_path\":\"/etc/hostname\"}", 'A', NULL },
	{ S_BYPASS, "Bash", "echo x > .bashrc", 'D', "protected path" },
	{ S_BYPASS, "Bash", "case x in a) ;; esac", 'D', UNPARSE },
	{ S_BYPASS, "WebFetch", "{\"url\":\"https://x.com\"}", 'A', NULL },
	{ S_BYPASS, "Bash", "echo x > /tmp/y", 'A', NULL },
	{ S_BYPASS_OFF, "Bash", "make", 'D', NEEDS },

	/* ---- the agent's tools line ---- */
	{ S_AGENT, "Write", "{\"file_path\":\"src/a.c\"}", 'D',
	  "Error: No such tool available: Write Write " NOTEN " in this context. Use one of the available tools instead." },
	{ S_AGENT, "Glob", "{\"pattern\":\"*\"}", 'D', NOTEN },
	{ S_AGENT, "Bash", "git diff", 'A', NULL },
	{ S_AGENT, "Bash", "git diff HEAD", 'A', NULL },
	{ S_AGENT, "Bash", "make test", 'A', NULL },
	{ S_AGENT, "Bash", "git push", 'D', "allows Bash only for: Bash(git diff:*), Bash(make:*)" },
	{ S_AGENT, "Bash", "npm install", 'D', "allows Bash only for" },
	{ S_AGENT, "Bash", "make test 2>&1 | tail -50", 'A', NULL },
	{ S_AGENT, "Bash", "git status", 'A', NULL },
	{ S_AGENT, "Bash", "ls src", 'A', NULL },
	{ S_AGENT, "Bash", "cat /etc/passwd", 'D', OUTSIDE },
	{ S_AGENT, "Bash", "echo hi > x", 'D', "allows Bash only for" },
	{ S_AGENT, "Bash", "git diff && rm x", 'D', BASHDENY "rm x" },
	{ S_AGENT, "Bash", "git diff $(cat /etc/passwd)", 'D', "reads /etc/passwd, " OUTSIDE },
	{ S_AGENT, "Bash", "git diff $(npm install)", 'D', BASHDENY "npm install" },
	{ S_AGENT, "Read", "{\"file_path\":\"src/x\"}", 'A', NULL },
	{ S_AGENT, "Grep", "{\"pattern\":\"x\"}", 'A', NULL },

	{ S_AGENT_BARE, "Bash", "git log", 'A', NULL },
	{ S_AGENT_BARE, "Bash", "make", 'D', "This command requires approval" },
	{ S_AGENT_BARE, "Read", "{\"file_path\":\"a\"}", 'D', NOTEN },

	/*
	 * ---- a rule that leaves words open after a read-only command vouches
	 * only for read-only uses: options that write or run programs are
	 * outside it (git diff --output wrote files for an agent declared
	 * read-only) ----
	 */
	{ S_ROPREFIX, "Bash", "git diff HEAD~1 -- src", 'A', NULL },
	{ S_ROPREFIX, "Bash", "git diff --output=notes.txt", 'D', "is not read-only: this git option writes files" },
	{ S_ROPREFIX, "Bash", "git diff --output notes.txt", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git diff --ext-diff", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git log --output=/tmp/x", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git grep -Ovim foo", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git grep -O foo", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git grep --open-files-in-pager=vim foo", 'D', "writes files or runs programs" },
	{ S_ROPREFIX, "Bash", "git grep -n foo", 'A', NULL },
	{ S_ROPREFIX, "Bash", "sort -o out.txt in.txt", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "sort --output=out.txt in.txt", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "sort --compress-program=sh in.txt", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "sort -r in.txt", 'A', NULL },
	{ S_ROPREFIX, "Bash", "find . -exec rm {} \\;", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "find . -fprint out", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "find . -name x", 'A', NULL },
	{ S_ROPREFIX, "Bash", "rg --pre ./x foo", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "sed -n 1,5p a.txt", 'A', NULL },
	{ S_ROPREFIX, "Bash", "sed -n 'w out' a.txt", 'D', "is not read-only" },
	{ S_ROPREFIX, "Bash", "sed -n -i 1p a.txt", 'D', "is not read-only" },
	/* The rule spells the writing option out: it vouches for what it names. */
	{ S_ROPREFIX, "Bash", "git show --output out.patch HEAD", 'A', NULL },
	/* Not a read-only command: a rule for it vouches for its options. */
	{ S_ROPREFIX, "Bash", "make -o foo all", 'A', NULL },
	{ S_ROPREFIX, "Bash", "git branch -D old", 'A', NULL },
	/* -c config injection is outside a read-only rule too (it does not even match it). */
	{ S_ROPREFIX, "Bash", "git -c core.pager=sh diff", 'D', "git global options" },
	/* The agent's tools line: the same rule, refused outright. */
	{ S_AGENT_RO, "Bash", "git diff --stat", 'A', NULL },
	{ S_AGENT_RO, "Bash", "git diff --output=x.txt", 'D',
	  "Bash(git diff:*) vouches only for read-only uses of the command, and this one is not: this git option writes" },
	{ S_AGENT_RO, "Bash", "git log --ext-diff -p", 'D', "vouches only for read-only uses" },
	{ S_AGENT_RO, "Bash", "git show --output=/tmp/x HEAD", 'D', "vouches only for read-only uses" },
	{ S_AGENT_RO, "Bash", "git -c diff.external=sh diff", 'D', "allows Bash only for" },
	{ S_AGENT, "Bash", "git diff --output=x.txt", 'D', "vouches only for read-only uses" },
	{ S_AGENT, "Bash", "make -o x", 'A', NULL },
	{ S_AGENT, "Bash", "echo hi > .git/hooks/pre-commit", 'D', "redirects its output into a protected path, which no rule allows" },
	{ S_AGENT, "Bash", "echo hi > out.txt", 'D', "read-only commands pass, but this one writes a file through a redirection" },
	{ S_AGENT, "Bash", "rm a; git diff; curl b", 'D', "denied. (the agent's tools line allows Bash only for: Bash(git diff:*), Bash(make:*); Bash(rm a:*)" },
	{ S_AGENT, "Bash", "rm a; git diff; curl b", 'D', "Also denied in this command: curl b." },

	/* ---- disallowedTools ---- */
	{ S_DISALLOW, "Write", "{\"file_path\":\"src/a.c\"}", 'D', NOTEN },
	{ S_DISALLOW, "Edit", "{\"file_path\":\"src/a.c\"}", 'D', "edits need permissionMode acceptEdits" },
	{ S_DISALLOW, "Bash", "git push", 'D', BASHDENY "git push has been denied" },
	{ S_DISALLOW, "Bash", "ls", 'A', NULL },

	/* ---- an approval hook turns ask into ask ---- */
	{ S_HOOK, "Bash", "make", 'Q', "This command requires approval" },
	{ S_HOOK, "Bash", "rm x", 'Q', NEEDS },
	{ S_HOOK, "Write", "{\"file_path\":\"src/a.c\"}", 'Q', "Claude requested permissions to write to src/a.c" },
	{ S_HOOK, "Read", "{\"file_path\":\"/etc/x\"}", 'Q', OUTSIDE },
	{ S_HOOK, "Bash", "ls", 'A', NULL },
	{ S_HOOK, "Bash", "case x in a) ;; esac", 'D', UNPARSE },

	/* ---- working directories and the network allowlist ---- */
	{ S_DIRS, "Read", "{\"file_path\":\"/shared/lib/a.h\"}", 'A', NULL },
	{ S_DIRS, "Read", "{\"file_path\":\"/sharedx/a\"}", 'D', OUTSIDE },
	{ S_DIRS, "Bash", "cat /shared/a", 'A', NULL },
	{ S_DIRS, "Bash", "cd /shared && ls", 'A', NULL },
	{ S_NET, "WebFetch", "{\"url\":\"https://docs.example.com\"}", 'A', NULL },
	{ S_NET, "WebFetch", "{\"url\":\"https://other.com\"}", 'D', "not in sandbox.network.allowedDomains: docs.example.com" },

	/* ---- sandbox mode: commands run confined, reads still meet the Read deny rules ---- */
	{ S_SANDBOX, "Bash", "cat prod.env", 'D', "Permission to read /proj/prod.env has been denied" },
	{ S_SANDBOX, "Bash", "grep SECRET config/prod.env", 'D', "deny rule Read(*.env)" },
	{ S_SANDBOX, "Bash", "head -n 3 secrets/k", 'D', "deny rule Read(./secrets/**)" },
	{ S_SANDBOX, "Bash", "cd secrets && cat k", 'D', "Permission to read /proj/secrets/k" },
	{ S_SANDBOX, "Bash", "cd sub && cat ../prod.env", 'D', "Permission to read /proj/prod.env" },
	{ S_SANDBOX, "Bash", "cat *.env", 'D', "cannot check it against the Read deny rules" },
	{ S_SANDBOX, "Bash", "cat $F", 'D', "computed at run time" },
	{ S_SANDBOX, "Bash", "cd $D && cat prod.env", 'D', "cannot check it against the Read deny rules" },
	{ S_SANDBOX, "Bash", "cat src/a.c", 'A', NULL },
	{ S_SANDBOX, "Bash", "cat /etc/hostname", 'A', NULL },
	{ S_SANDBOX, "Bash", "python3 -c 1", 'A', NULL },
	{ S_SANDBOX, "Bash", "make test && ls", 'A', NULL },
	{ S_SANDBOX_AGENT, "Bash", "cat /etc/passwd", 'D', "outside the working directories" },
	{ S_SANDBOX_AGENT, "Bash", "ls /etc", 'D', "outside the working directories" },
	{ S_SANDBOX_AGENT, "Bash", "cat src/a.c", 'A', NULL },
	{ S_SANDBOX_AGENT, "Bash", "git diff", 'A', NULL },
	{ S_SANDBOX_AGENT, "Bash", "rm x", 'D', "allows Bash only for" },
};

static void build(enum setup s, struct policy *p)
{
	struct cordon_diag d;
	struct agent_file af;

	policy_init(p);
	switch (s) {
	case S_RULES:
		assert_int_equal(policy_add_rules(p, rules_allow, RULE_ALLOW, "test settings", NULL, &d), 0);
		assert_int_equal(policy_add_rules(p, rules_ask, RULE_ASK, "test settings", NULL, &d), 0);
		assert_int_equal(policy_add_rules(p, rules_deny, RULE_DENY, "test settings", NULL, &d), 0);
		break;
	case S_ACCEPT:
		policy_set_mode(p, PERM_ACCEPT_EDITS, POLICY_SRC_CLI, "test");
		break;
	case S_PLAN:
		policy_set_mode(p, PERM_PLAN, POLICY_SRC_CLI, "test");
		break;
	case S_DONTASK:
		policy_set_mode(p, PERM_DONT_ASK, POLICY_SRC_CLI, "test");
		break;
	case S_BYPASS:
		policy_set_mode(p, PERM_BYPASS, POLICY_SRC_CLI, "test");
		break;
	case S_BYPASS_OFF:
		policy_set_mode(p, PERM_BYPASS, POLICY_SRC_CLI, "test");
		p->disable_bypass = true;
		break;
	case S_AGENT:
		assert_int_equal(agentfile_parse(&af, agent_text, strlen(agent_text), "limited.md", &d), 0);
		assert_int_equal(policy_apply_agent(p, &af, &d), 0);
		agentfile_release(&af);
		break;
	case S_AGENT_BARE:
		assert_int_equal(agentfile_parse(&af, agent_bare_text, strlen(agent_bare_text), "b.md", &d), 0);
		assert_int_equal(policy_apply_agent(p, &af, &d), 0);
		assert_int_equal(p->ntool_limits, 0);
		agentfile_release(&af);
		break;
	case S_DISALLOW:
		assert_int_equal(policy_add_rules(p, "Write Bash(git push:*)", RULE_DENY, "--disallowedTools", NULL, &d), 0);
		break;
	case S_ROPREFIX:
		assert_int_equal(policy_add_rules(p, rules_ro_prefix, RULE_ALLOW, "test settings", NULL, &d), 0);
		break;
	case S_AGENT_RO:
		assert_int_equal(agentfile_parse(&af, agent_ro_text, strlen(agent_ro_text), "ro.md", &d), 0);
		assert_int_equal(policy_apply_agent(p, &af, &d), 0);
		agentfile_release(&af);
		break;
	case S_HOOK:
		p->approval_hook = strdup("/bin/approve");
		break;
	case S_DIRS:
		assert_int_equal(policy_add_dir(p, "/shared"), 0);
		break;
	case S_NET:
		assert_int_equal(policy_add_rules(p, "WebFetch", RULE_ALLOW, "test", NULL, &d), 0);
		p->network_set = true;
		assert_int_equal(strvec_push(&p->allowed_domains, "docs.example.com"), 0);
		break;
	case S_SANDBOX:
		policy_set_mode(p, PERM_SANDBOX, POLICY_SRC_CLI, "test");
		assert_int_equal(policy_add_rules(p, "Read(*.env) Read(./secrets/**)", RULE_DENY, "test", NULL, &d), 0);
		break;
	case S_SANDBOX_AGENT:
		assert_int_equal(agentfile_parse(&af, agent_ro_text, strlen(agent_ro_text), "ro.md", &d), 0);
		assert_int_equal(policy_apply_agent(p, &af, &d), 0);
		agentfile_release(&af);
		policy_set_mode(p, PERM_SANDBOX, POLICY_SRC_CLI, "test");
		break;
	case S_DEFAULT:
		break;
	}
}

static void run_row(void **state)
{
	const struct row *r = *state;
	struct policy_ctx ctx = { .cwd = "/proj", .project_root = "/proj", .home = "/home/u" };
	struct policy_decision dec;
	struct policy p;
	json_t *input;
	const char *tool = r->tool;
	char want = 0;

	build(r->setup, &p);
	if (!strcmp(tool, "Bash")) {
		input = json_pack("{s:s}", "command", r->in);
	} else {
		if (!strcmp(tool, "Bash!"))
			tool = "Bash";
		input = json_loads(r->in, 0, NULL);
	}
	assert_non_null(input);
	policy_decide(&p, tool, input, &ctx, &dec);
	switch (dec.verdict) {
	case POLICY_ALLOW: want = 'A'; break;
	case POLICY_DENY: want = 'D'; break;
	case POLICY_ASK: want = 'Q'; break;
	}
	if (want != r->expect || (r->want && !strstr(dec.reason, r->want)) || (want == 'A' && dec.reason[0]))
		print_error("%s %s: got %c, reason: %s\n", r->tool, r->in, want, dec.reason);
	assert_int_equal(want, r->expect);
	if (r->want)
		assert_non_null(strstr(dec.reason, r->want));
	if (want == 'A')
		assert_string_equal(dec.reason, "");
	assert_true(utf8_valid(dec.reason, strlen(dec.reason)));
	json_decref(input);
	policy_release(&p);
}

/*
 * Reasons quote the model's input cut at a byte count: a character cut in
 * two must not make the reason invalid UTF-8 (it goes to the model as a
 * JSON string, which jansson refuses then). Found by fuzz_decide.
 */
static void reason_cut_inside_a_character(void **state)
{
	struct policy_ctx ctx = { .cwd = "/proj", .project_root = "/proj", .home = NULL };
	struct policy_decision dec;
	struct policy p;
	char name[260], path[260];
	json_t *input;

	(void)state;
	policy_init(&p);
	/* "No such tool available: %.200s": byte 200 is the middle of U+00E9. */
	memset(name, 'T', 199);
	memcpy(name + 199, "\xc3\xa9xyz", 6);
	policy_decide(&p, name, NULL, &ctx, &dec);
	assert_int_equal(dec.verdict, POLICY_DENY);
	assert_true(utf8_valid(dec.reason, strlen(dec.reason)));
	assert_non_null(strstr(dec.reason, "TTT?"));
	/* "cannot check the path '%.200s'" (no home for "~"). */
	memcpy(path, "~/", 2);
	memset(path + 2, 'p', 197);
	memcpy(path + 199, "\xc3\xa9xyz", 6);
	input = json_pack("{s:s}", "file_path", path);
	assert_non_null(input);
	policy_decide(&p, "Read", input, &ctx, &dec);
	assert_int_equal(dec.verdict, POLICY_DENY);
	assert_true(utf8_valid(dec.reason, strlen(dec.reason)));
	assert_non_null(strstr(dec.reason, "ppp?'"));
	json_decref(input);
	policy_release(&p);
}

int main(void)
{
	size_t n = sizeof(rows) / sizeof(rows[0]), i;
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	char **names = calloc(n, sizeof(*names));
	int rc;

	if (!tests || !names)
		return 1;
	for (i = 0; i < n; i++) {
		char one[80];
		size_t k;

		snprintf(one, sizeof(one), "%s", rows[i].in);
		for (k = 0; one[k]; k++)
			if (one[k] == '\n' || one[k] == '#')
				one[k] = ' ';
		if (asprintf(&names[i], "decide %zu %s %s -> %c", i + 1, rows[i].tool, one, rows[i].expect) < 0)
			return 1;
		tests[i].name = names[i];
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[n].name = "reason stays UTF-8 when a quoted input is cut";
	tests[n].test_func = reason_cut_inside_a_character;
	rc = _cmocka_run_group_tests("policy_decide", tests, n + 1, NULL, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
