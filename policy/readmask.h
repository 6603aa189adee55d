/*
 * readmask.h — which Read deny rules the sandbox's mount view can enforce.
 *
 * The Read, Grep and Glob tools ask the policy about every path; a command
 * (the Bash tool, `cordon sandbox`) opens files itself, so for it a Read
 * deny rule holds only where the session's mount view hides the files
 * (runtime/sandbox.h, sandbox_opts.hide). A mount hides one path, so
 * after anchoring (rule.h):
 *
 *   - a literal path (Read(./.env), Read(//etc/ssl/private/k)) is hidden;
 *   - a literal directory followed by "*" or "**" segments (./secrets/ and
 *     then **, ~/.ssh/ and then *), or a literal directory as such, is
 *     hidden as that directory, with everything below it;
 *   - a wildcard anywhere before that (Read(*.pem), which matches at any
 *     depth; ./src/ then * then /secret) cannot be hidden by any mount:
 *     such rules are listed (and warned about) instead.
 *
 *	struct read_mask m;
 *	read_mask_init(&m);
 *	if (read_mask_build(&m, &policy, &ctx, warn, arg) < 0) goto fail;
 *	opts.hide = (const char *const *)m.paths.v; opts.n_hide = m.paths.n;
 *	...
 *	read_mask_release(&m);
 *
 * Pure: string work on the rules, as policy_decide() anchors them (rule.h).
 * Only Read deny rules with a path count: a bare `Read` deny takes the tool
 * away, it does not name files.
 */
#ifndef CORDON_POLICY_READMASK_H
#define CORDON_POLICY_READMASK_H

#include "common/error.h"
#include "policy/policy.h"
#include "policy/strvec.h"

struct read_mask {
	/* Absolute, lexically normal, distinct, in rule order; never "/" and
	 * never the project root or one of its ancestors. */
	struct strvec paths;
	/* The text of each Read deny rule no mount can enforce, in rule order. */
	struct strvec unmaskable;
};

void read_mask_init(struct read_mask *m);
void read_mask_release(struct read_mask *m);

/*
 * Fill m (initialised, empty) from p's Read deny path rules, anchored
 * against ctx (project root, home) as policy_decide() anchors them; rules
 * whose `~` has no home are left out (they never match). For each rule in
 * m->unmaskable, warn (may be NULL) gets one line saying that commands can
 * still read what it covers and why: a wildcard before the end, or a path
 * that holds the whole project. Errors: -CORDON_EINVAL (ctx has no
 * absolute root), -CORDON_ETOOBIG, -CORDON_ENOMEM; m is then empty.
 */
int read_mask_build(struct read_mask *m, const struct policy *p, const struct policy_ctx *ctx,
		    void (*warn)(const struct cordon_diag *w, void *arg), void *arg);

/*
 * The path a mount must hide for one anchored pattern (rule_path_pattern()
 * output) into out[size]: trailing segments that are "*" or "**" dropped,
 * then no wildcard may be left ('\x' escapes become x). Returns 1 with out
 * set (possibly "/"), 0 when a wildcard is left (or the pattern is not
 * absolute): no mount can hide what it matches; -CORDON_ETOOBIG.
 */
int read_mask_literal(const char *pattern, char *out, size_t size);

#endif
