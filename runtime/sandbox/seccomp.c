/*
 * seccomp.c — policy tables → libseccomp → BPF, and loading it.
 */
#include "runtime/sandbox/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fileio.h"

/* Syscall numbers below this that libseccomp does not know get ENOSYS (enosys_unknown). */
#define SECCOMP_UNKNOWN_MAX 512

static uint32_t action_of(enum sc_action a, int err, bool report)
{
	switch (a) {
	case SC_ALLOW:
		return SCMP_ACT_ALLOW;
	case SC_ERRNO:
		return SCMP_ACT_ERRNO((uint16_t)err);
	case SC_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case SC_KILL:
	default:
		return report ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	}
}

static int to_cmp(struct scmp_arg_cmp *out, const struct sc_cmp *c)
{
	static const enum scmp_compare ops[] = {
		[SC_EQ] = SCMP_CMP_EQ, [SC_NE] = SCMP_CMP_NE, [SC_LT] = SCMP_CMP_LT,
		[SC_LE] = SCMP_CMP_LE, [SC_GT] = SCMP_CMP_GT, [SC_GE] = SCMP_CMP_GE,
		[SC_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};

	if (c->arg > 5 || (unsigned)c->op > SC_MASKED_EQ)
		return -CORDON_EINVAL;
	out->arg = c->arg;
	out->op = ops[c->op];
	out->datum_a = c->a;
	out->datum_b = c->b;
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, bool report,
		    struct cordon_diag *diag)
{
	struct scmp_arg_cmp cmps[SC_MAX_CMP];
	unsigned i;
	int nr, rc;

	nr = seccomp_syscall_resolve_name(r->syscall);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall on this architecture */
	if (r->ncmp > SC_MAX_CMP)
		return diag_set(diag, 0, 0, "seccomp rule for '%s' has too many conditions",
				r->syscall);
	for (i = 0; i < r->ncmp; i++)
		if (to_cmp(&cmps[i], &r->cmp[i]) < 0)
			return diag_set(diag, 0, 0, "bad condition in seccomp rule for '%s'",
					r->syscall);
	rc = seccomp_rule_add_array(ctx, action_of(r->action, r->err, report), nr, r->ncmp, cmps);
	if (rc < 0) {
		diag_set(diag, 0, 0, "libseccomp refused the rule for '%s': %s", r->syscall,
			 strerror(-rc));
		return -CORDON_EINVAL;
	}
	return 0;
}

static int compile_one(void **out_insns, size_t *out_len, const struct sc_filter *f, bool report,
		       struct cordon_diag *diag)
{
	scmp_filter_ctx ctx = NULL;
	const char *const *n;
	struct buf b;
	size_t i, j;
	int fd = -1, r, nr;

	buf_init(&b, 1u << 20);
	ctx = seccomp_init(action_of(f->def, f->def_err, report));
	if (!ctx)
		return -CORDON_ENOMEM;
	/* Safe because: a foreign-ABI syscall (int 0x80, x32) never gets argument checks. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* we set NNP ourselves */
	if (r < 0) {
		r = diag_set(diag, 0, 0, "libseccomp: cannot set filter attributes");
		r = -CORDON_EINVAL;
		goto out;
	}
	for (i = 0; f->parts && f->parts[i]; i++)
		for (j = 0; j < f->counts[i]; j++) {
			r = add_rule(ctx, &f->parts[i][j], report, diag);
			if (r < 0)
				goto out;
		}
	for (n = f->allow_names; n && *n; n++) {
		struct sc_rule one = { *n, SC_ALLOW, 0, 0, { { 0 } } };

		r = add_rule(ctx, &one, report, diag);
		if (r < 0)
			goto out;
	}
	if (f->enosys_unknown && f->def == SC_ERRNO) {
		for (nr = 0; nr < SECCOMP_UNKNOWN_MAX; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

			if (!name)
				r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
			free(name);
			if (r < 0) {
				diag_set(diag, 0, 0, "libseccomp refused ENOSYS for #%d", nr);
				r = -CORDON_EINVAL;
				goto out;
			}
		}
	}
	/* A binary tree instead of a linear list; older libseccomp lacks it (fine). */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	fd = memfd_create("cordon-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		r = -CORDON_ESYS;
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		diag_set(diag, 0, 0, "libseccomp: cannot export the filter: %s", strerror(-r));
		r = -CORDON_EINVAL;
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = -CORDON_ESYS;
		goto out;
	}
	r = fd_read_all(fd, &b);
	if (r < 0)
		goto out;
	if (b.len == 0 || b.len % sizeof(struct sock_filter)) {
		r = diag_set(diag, 0, 0, "libseccomp exported a malformed program");
		r = -CORDON_EINVAL;
		goto out;
	}
	*out_len = b.len / sizeof(struct sock_filter);
	*out_insns = buf_detach(&b, NULL);
	r = *out_insns ? 0 : -CORDON_ENOMEM;
out:
	close_keep_errno(fd);
	buf_release(&b);
	seccomp_release(ctx);
	return r;
}

static bool has_notify(const struct sc_filter *f)
{
	size_t i, j;

	for (i = 0; f->parts && f->parts[i]; i++)
		for (j = 0; j < f->counts[i]; j++)
			if (f->parts[i][j].action == SC_NOTIFY)
				return true;
	return false;
}

static int compile(struct seccomp_prog *out, const struct sc_filter *f, bool report,
		   struct cordon_diag *diag)
{
	const struct sc_filter *g;
	int r;

	memset(out, 0, sizeof(*out));
	out->listen = -1;
	for (g = f; g; g = g->overlay) {
		if (out->n == SECCOMP_MAX_STACK || out->listen >= 0) {
			/* Too long a chain, or a program after the notifier's (it must be last). */
			seccomp_prog_release(out);
			diag_set(diag, 0, 0, "seccomp filter chain too long or misordered");
			return -CORDON_EINVAL;
		}
		r = compile_one(&out->insns[out->n], &out->len[out->n], g, report, diag);
		if (r < 0) {
			seccomp_prog_release(out);
			return r;
		}
		if (has_notify(g))
			out->listen = out->n;
		out->n++;
	}
	return 0;
}

int seccomp_prog_compile(struct seccomp_prog *out, const struct sc_filter *f,
			 struct cordon_diag *diag)
{
	return compile(out, f, false, diag);
}

int seccomp_prog_compile_reporting(struct seccomp_prog *out, const struct sc_filter *f,
				   struct cordon_diag *diag)
{
	return compile(out, f, true, diag);
}

int seccomp_prog_load(const struct seccomp_prog *prog)
{
	return seccomp_prog_load_range(prog, 0, prog->n);
}

int seccomp_prog_load_range(const struct seccomp_prog *prog, int from, int to)
{
	return seccomp_prog_load_listen(prog, from, to, NULL);
}

int seccomp_prog_load_listen(const struct seccomp_prog *prog, int from, int to, int *listener)
{
	struct sock_fprog fp;
	int i;

	if (listener)
		*listener = -1;
	if (prog->n < 1 || from < 0 || to > prog->n || from >= to) {
		errno = EINVAL;
		return -CORDON_ESYS;
	}
	for (i = from; i < to; i++) {
		if (!prog->insns[i] || !prog->len[i] || prog->len[i] > 0xffff) {
			errno = EINVAL;
			return -CORDON_ESYS;
		}
		fp.len = (unsigned short)prog->len[i];
		fp.filter = prog->insns[i];
		if (i == prog->listen) {
			long fd;

			/* A notifier's program without a caller to take its listener would block for ever. */
			if (!listener) {
				errno = EINVAL;
				return -CORDON_ESYS;
			}
			fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				     SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
			if (fd < 0)
				return -CORDON_ESYS;
			*listener = (int)fd;
			continue;
		}
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
			return -CORDON_ESYS;
	}
	return 0;
}

void seccomp_prog_release(struct seccomp_prog *prog)
{
	int i;

	if (!prog)
		return;
	for (i = 0; i < SECCOMP_MAX_STACK; i++) {
		free(prog->insns[i]);
		prog->insns[i] = NULL;
		prog->len[i] = 0;
	}
	prog->n = 0;
}

const struct sc_filter *seccomp_set_filter(unsigned i, bool *report)
{
	static const bool variant_net[3] = { false, true, false }, variant_isolated[3] = { true, true, false };

	*report = i < SECCOMP_SET_SPAWNED;
	if (i < SECCOMP_SET_ZYGOTE)
		return profile_seccomp((enum sandbox_profile)(i - SECCOMP_SET_FN), false, false);
	if (i < SECCOMP_SET_SPAWNED)
		return profile_seccomp_zygote((enum sandbox_profile)(i - SECCOMP_SET_ZYGOTE));
	if (i == SECCOMP_SET_SPAWNED)
		return profile_seccomp_spawned();
	if (i == SECCOMP_SET_NOTIFIER)
		return profile_seccomp_notifier();
	if (i < SECCOMP_SET_COUNT) {
		unsigned e = i - SECCOMP_SET_EXEC;

		return profile_seccomp_exec(e / 3 ? PROFILE_READONLY : PROFILE_BASH, variant_net[e % 3],
					    variant_isolated[e % 3]);
	}
	return NULL;
}

int seccomp_set_compile(struct seccomp_prog *out, unsigned i, struct cordon_diag *diag)
{
	const struct sc_filter *f;
	bool report;

	memset(out, 0, sizeof(*out));
	out->listen = -1;
	f = seccomp_set_filter(i, &report);
	if (!f) {
		diag_set(diag, 0, 0, "no seccomp program #%u in the session set", i);
		return -CORDON_EINVAL;
	}
	return compile(out, f, report, diag);
}

/* The built program of slot i, when it was made here and now would make the same. */
static const struct seccomp_builtin_prog *builtin_for(unsigned i)
{
	const struct seccomp_builtin *b = &seccomp_builtin_set;
	const struct scmp_version *v;

	if (!b || b->count != SECCOMP_SET_COUNT || i >= b->count)
		return NULL;
	v = seccomp_version();
	/* Same library (its syscall table, its code generator) and same kernel API level (the actions it accepts). */
	if (!v || v->major != b->version[0] || v->minor != b->version[1] || v->micro != b->version[2] ||
	    (unsigned)seccomp_api_get() != b->api)
		return NULL;
	return &b->progs[i];
}

int seccomp_set_prog(struct seccomp_prog *out, unsigned i, bool *builtin, struct cordon_diag *diag)
{
	const struct seccomp_builtin_prog *bp = builtin_for(i);
	int k;

	if (builtin)
		*builtin = false;
	if (!bp || bp->n < 1 || bp->n > SECCOMP_MAX_STACK)
		return seccomp_set_compile(out, i, diag);
	memset(out, 0, sizeof(*out));
	out->listen = bp->listen;
	for (k = 0; k < bp->n; k++) {
		size_t bytes = (size_t)bp->len[k] * sizeof(struct sock_filter);

		out->insns[k] = malloc(bytes);
		if (!out->insns[k]) {
			seccomp_prog_release(out);
			return -CORDON_ENOMEM;
		}
		memcpy(out->insns[k], bp->insns[k], bytes);
		out->len[k] = bp->len[k];
		out->n++;
	}
	if (builtin)
		*builtin = true;
	return 0;
}

const char *seccomp_syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "#%d", nr);
	free(name);
	return buf;
}

int seccomp_probe(void)
{
	/* PR_GET_SECCOMP: 0 = none, 2 = filter already on us; EINVAL = not built. */
	int r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

	if (r < 0)
		return 0;
	return seccomp_api_get() >= 1 ? 1 : 0;
}
