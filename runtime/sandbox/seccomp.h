/*
 * seccomp.h — compile a profile's seccomp table (policy/profile.h) into BPF
 * once per session and load it in a child.
 *
 *	struct seccomp_prog prog;
 *	seccomp_prog_compile(&prog, profile_seccomp(PROFILE_BASH, false, true), &diag);
 *	... fork ...
 *	child: seccomp_prog_load(&prog);        last step before exec / the work
 *	seccomp_prog_release(&prog);
 *
 * Filters are for the native architecture only; any other architecture
 * (i386 int 0x80, x32) kills the process (SCMP_FLTATR_ACT_BADARCH), so the
 * 32-bit socketcall/ioctl paths cannot dodge the argument checks.
 * seccomp_prog_load() is async-signal-safe (one prctl) and needs
 * PR_SET_NO_NEW_PRIVS set first.
 */
#ifndef CORDON_RUNTIME_SECCOMP_H
#define CORDON_RUNTIME_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "policy/profile.h"

#define SECCOMP_MAX_STACK 2

/* One or two BPF programs (the filter and its overlay), loaded in order. */
struct seccomp_prog {
	void *insns[SECCOMP_MAX_STACK]; /* struct sock_filter[len] */
	size_t len[SECCOMP_MAX_STACK];  /* instructions */
	int n;
};

/*
 * Build the BPF program of filter f. Returns 0, -CORDON_EINVAL when libseccomp
 * refuses a rule (diag names it), -CORDON_ENOMEM.
 */
int seccomp_prog_compile(struct seccomp_prog *out, const struct sc_filter *f,
			 struct cordon_diag *diag);

/*
 * As above, but SC_KILL becomes SECCOMP_RET_TRAP so the child can report
 * which syscall was refused (see child.h: the handler records it and dies
 * of SIGSYS; the trapped syscall itself never runs).
 */
int seccomp_prog_compile_reporting(struct seccomp_prog *out, const struct sc_filter *f,
				   struct cordon_diag *diag);

/* Install the program(s) on the calling thread (SECCOMP_MODE_FILTER). -CORDON_ESYS. */
int seccomp_prog_load(const struct seccomp_prog *prog);

/*
 * Install programs [from, to) of prog only: a process that inherits the
 * first ones (the warden's exec base, runtime/sandbox/warden.c) stacks the rest.
 */
int seccomp_prog_load_range(const struct seccomp_prog *prog, int from, int to);

void seccomp_prog_release(struct seccomp_prog *prog);

/* The name of syscall nr on the native architecture into buf ("#NR" when unknown). */
const char *seccomp_syscall_name(int nr, char *buf, size_t size);

/* The kernel's seccomp mode support: 1 when filters can be installed here. */
int seccomp_probe(void);

#endif
