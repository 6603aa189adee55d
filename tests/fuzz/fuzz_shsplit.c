/*
 * Fuzz target: the shell splitter, then the whole Bash decision on the same
 * bytes under a policy with rules of every kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/shsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_ctx ctx = { .cwd = "/p/src", .project_root = "/p", .home = "/home/u" };
	struct policy_decision dec;
	struct cordon_diag d;
	struct sh_split s;
	struct sh_error e;
	struct policy p;
	json_t *in;
	size_t i;
	int r;

	r = sh_split(&s, (const char *)data, size, &e);
	if (r == 0) {
		for (i = 0; i < s.n; i++)
			if (!s.cmds[i].text || s.cmds[i].depth > SH_MAX_DEPTH)
				abort();
	} else if (!e.msg[0] || e.offset > size + SH_MAX_INPUT) {
		abort();
	}
	sh_split_release(&s);

	in = json_object();
	if (!in || json_object_set_new(in, "command", json_stringn_nocheck((const char *)data, size)) < 0) {
		json_decref(in);
		return 0;
	}
	policy_init(&p);
	if (policy_add_rules(&p, "Bash(git:*) Bash(npm run test:*) Bash(echo *)", RULE_ALLOW, "fuzz", NULL, &d) < 0 ||
	    policy_add_rules(&p, "Bash(git push:*)", RULE_ASK, "fuzz", NULL, &d) < 0 ||
	    policy_add_rules(&p, "Bash(rm:*) Read(./.env) Edit(./gen/**)", RULE_DENY, "fuzz", NULL, &d) < 0)
		abort();
	policy_decide(&p, "Bash", in, &ctx, &dec);
	if (dec.verdict != POLICY_ALLOW && !dec.reason[0])
		abort(); /* a denial always says why */
	policy_release(&p);
	json_decref(in);
	return 0;
}
