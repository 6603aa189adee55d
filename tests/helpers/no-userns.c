/*
 * no-userns — run a command where user namespaces cannot be created.
 *
 *	no-userns [--all] [--] CMD [ARGS...]
 *
 * Installs a seccomp filter (libseccomp, inherited across fork and exec) that
 * makes unshare() and clone() fail with EPERM when CLONE_NEWUSER is set (with
 * --all: any CLONE_NEW* flag, for callers that are root and could otherwise
 * create the other namespaces without a user namespace), and makes clone3()
 * fail with ENOSYS: its flags sit behind a pointer that seccomp cannot read,
 * and ENOSYS is what makes libc fall back to clone(), exactly as Docker's
 * default profile does. That is the situation cordon meets in a container
 * with a default seccomp profile or on a distribution that restricts
 * unprivileged user namespaces; the escape battery's degraded mode runs
 * cordon under it.
 *
 * Exit status: the command's (this program execs it); 125 when the filter
 * cannot be installed, 127 when CMD cannot be executed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int add_flag_rules(scmp_filter_ctx ctx, unsigned long flag)
{
	int rc;

	/* libseccomp ANDs the conditions of one rule, so one rule per flag. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
	return rc;
}

int main(int argc, char **argv)
{
	static const unsigned long all_ns[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
					       CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
	scmp_filter_ctx ctx;
	size_t nflags = 1;
	int i = 1, rc = 0;

	if (i < argc && strcmp(argv[i], "--all") == 0) {
		nflags = sizeof(all_ns) / sizeof(all_ns[0]);
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: no-userns [--all] [--] CMD [ARGS...]\n");
		return 2;
	}

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "no-userns: seccomp_init failed\n");
		return 125;
	}
	for (size_t f = 0; f < nflags && rc == 0; f++)
		rc = add_flag_rules(ctx, all_ns[f]);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* setns into an existing user namespace would be another way around;
	 * nstype 0 means "any type". */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setns), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setns), 1,
				      SCMP_A1(SCMP_CMP_EQ, 0));
	if (rc == 0)
		rc = seccomp_load(ctx); /* sets no_new_privs (SCMP_FLTATR_CTL_NNP) */
	seccomp_release(ctx);
	if (rc != 0) {
		fprintf(stderr, "no-userns: cannot install the filter: %s\n", strerror(-rc));
		return 125;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "no-userns: cannot run '%s': %s\n", argv[i], strerror(errno));
	return 127;
}
