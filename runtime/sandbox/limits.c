/* limits.c — rlimits for a child. */
#include "runtime/sandbox/limits.h"
#include "common/error.h"

#include <sys/resource.h>

static int lower(int res, uint64_t want)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return -CORDON_ESYS;
	if (rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max)
		rl.rlim_max = want;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	return setrlimit(res, &rl) < 0 ? -CORDON_ESYS : 0;
}

int limits_apply_rlimits(const struct profile_limits *l)
{
	int r;

	if ((r = lower(RLIMIT_CORE, 0)) < 0 || (r = lower(RLIMIT_NPROC, l->nproc)) < 0 ||
	    (r = lower(RLIMIT_FSIZE, l->fsize)) < 0 || (r = lower(RLIMIT_NOFILE, l->nofile)) < 0 ||
	    (r = lower(RLIMIT_CPU, l->cpu_s)) < 0 || (r = lower(RLIMIT_MEMLOCK, l->memlock)) < 0 ||
	    (r = lower(RLIMIT_MSGQUEUE, l->msgqueue)) < 0)
		return r;
	return 0;
}
