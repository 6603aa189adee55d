/* Fuzz target: the agent file parser never crashes, and what it accepts holds its invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "policy/agentfile.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_file af;
	struct cordon_diag d;
	struct policy p;
	size_t i;

	if (agentfile_parse(&af, (const char *)data, size, "fuzz.md", &d) < 0) {
		/* A refusal always says why. */
		if (!d.msg[0])
			abort();
		return 0;
	}
	if (!af.name || !af.description || !af.body || strlen(af.body) != af.body_len)
		abort();
	if (!utf8_valid(af.body, af.body_len))
		abort();
	for (i = 0; i < af.tools.n; i++)
		if (!af.tools.v[i][0])
			abort();
	/* What the parser accepts, the policy builder accepts too. */
	policy_init(&p);
	if (policy_apply_agent(&p, &af, &d) < 0 && d.msg[0] == '\0')
		abort();
	policy_release(&p);
	agentfile_release(&af);
	return 0;
}
