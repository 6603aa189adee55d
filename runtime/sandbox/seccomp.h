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

#include <stdbool.h>
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

/*
 * The session set: every program a session loads, in a fixed order (the
 * functions' filters by profile, the function zygotes' by profile, the
 * spawned overlay, the notifier's, then the exec'd commands' for Bash and
 * read-only, each isolated, with network, degraded). runtime/sandbox/sandbox.c
 * fills struct warden_config from it.
 */
enum {
	SECCOMP_SET_FN = 0,                                    /* + profile (reporting) */
	SECCOMP_SET_ZYGOTE = SECCOMP_SET_FN + PROFILE__COUNT,  /* + profile (reporting) */
	SECCOMP_SET_SPAWNED = SECCOMP_SET_ZYGOTE + PROFILE__COUNT,
	SECCOMP_SET_NOTIFIER,
	SECCOMP_SET_EXEC,                                      /* + 3 * read-only + variant */
	SECCOMP_SET_COUNT = SECCOMP_SET_EXEC + 6,
};

/* Filter i of the set (policy/profile.h), and whether SC_KILL reports (SECCOMP_RET_TRAP). */
const struct sc_filter *seccomp_set_filter(unsigned i, bool *report);

/*
 * Program i of the set. Compiling the whole set with libseccomp took about
 * 30-45 ms per session start, so the build compiles it once
 * ($(B)/gen/seccomp_builtin.c, made by scripts/gen-seccomp.c from these
 * same tables) and this copies the built program when it was made by the
 * libseccomp version and for the kernel API level found here: then it is
 * exactly what the compile below would produce (tests/unit/test_seccomp_set.c
 * compares the two). Otherwise (another libseccomp, another kernel API
 * level, a program linked without the built set) it compiles now.
 * *builtin (may be NULL) says which. Errors as seccomp_prog_compile().
 */
int seccomp_set_prog(struct seccomp_prog *out, unsigned i, bool *builtin, struct cordon_diag *diag);

/* Program i of the set, always compiled now with libseccomp (the generator, the test). */
int seccomp_set_compile(struct seccomp_prog *out, unsigned i, struct cordon_diag *diag);

/*
 * The built set, as the generator wrote it (weak: NULL in a program linked
 * without $(B)/gen/seccomp_builtin.o). version and api: the libseccomp
 * version and seccomp_api_get() level it was compiled with.
 */
struct seccomp_builtin_prog {
	const void *insns[SECCOMP_MAX_STACK]; /* struct sock_filter[len] */
	unsigned short len[SECCOMP_MAX_STACK];
	int n;
	int listen;
};

struct seccomp_builtin {
	unsigned version[3];
	unsigned api;
	unsigned count; /* SECCOMP_SET_COUNT when it was generated */
	const struct seccomp_builtin_prog *progs;
};

extern const struct seccomp_builtin seccomp_builtin_set __attribute__((weak));

/* The name of syscall nr on the native architecture into buf ("#NR" when unknown). */
const char *seccomp_syscall_name(int nr, char *buf, size_t size);

/* The kernel's seccomp mode support: 1 when filters can be installed here. */
int seccomp_probe(void);

#endif
