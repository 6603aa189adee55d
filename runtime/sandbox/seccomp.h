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

#define SECCOMP_MAX_STACK 3

/*
 * One to three BPF programs (the filter, its overlay and the overlay's own),
 * loaded in order. listen: the index of the program whose filter has
 * SC_NOTIFY rules (it is the last), loaded with a listener; -1 for none.
 */
struct seccomp_prog {
	void *insns[SECCOMP_MAX_STACK]; /* struct sock_filter[len] */
	size_t len[SECCOMP_MAX_STACK];  /* instructions */
	int n;
	int listen;
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

/*
 * As seccomp_prog_load_range(), for a range that may hold the program with
 * a listener (prog->listen): that one is loaded with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER and *listener gets the listener fd
 * (close-on-exec; -1 when the range has none). The caller hands it to
 * the notifier (runtime/sandbox/warden_notify.h) and closes it. Without
 * listener (NULL), a range holding that program is EINVAL: nothing
 * would answer its notifications.
 */
int seccomp_prog_load_listen(const struct seccomp_prog *prog, int from, int to, int *listener);

void seccomp_prog_release(struct seccomp_prog *prog);

/* The name of syscall nr on the native architecture into buf ("#NR" when unknown). */
const char *seccomp_syscall_name(int nr, char *buf, size_t size);

/* The kernel's seccomp mode support: 1 when filters can be installed here. */
int seccomp_probe(void);

#endif
