/*
 * The session's seccomp programs compiled at build time ($(B)/gen/seccomp_builtin.c,
 * scripts/gen-seccomp.c) against what libseccomp produces here from policy/profile.c's
 * tables: byte for byte, program for program, with the same stacking and listener.
 * A session uses the built programs only when this library version and kernel API
 * level made them (seccomp_set_prog()); that choice is checked too.
 */
#include <linux/filter.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "common/error.h"
#include "runtime/sandbox/seccomp.h"

/* Whether the built set was made by this libseccomp for this kernel API level (else it is not used). */
static bool built_here(void)
{
	const struct scmp_version *v = seccomp_version();

	return v && v->major == seccomp_builtin_set.version[0] && v->minor == seccomp_builtin_set.version[1] &&
	       v->micro == seccomp_builtin_set.version[2] &&
	       (unsigned)seccomp_api_get() == seccomp_builtin_set.api;
}

/*
 * Every program of the built set equals a fresh compile, and seccomp_set_prog()
 * hands out the built one. When the library or the kernel API level differs
 * from the build's (a libseccomp upgraded since: `make` regenerates the set),
 * seccomp_set_prog() must compile instead, and still give libseccomp's output.
 */
static void every_built_program_equals_libseccomp_output(void **state)
{
	bool here;
	unsigned i;
	int k;

	(void)state;
	if (RUNNING_ON_VALGRIND) {
		/*
		 * valgrind does not implement seccomp(2): libseccomp then finds API
		 * level 0 and cannot compile the profiles' notify and log actions at
		 * all. Nothing to compare with; the plain run checks this.
		 */
		print_message("# skipped under valgrind: it has no seccomp(2), so libseccomp compiles nothing here\n");
		skip();
	}
	assert_non_null(&seccomp_builtin_set); /* the Makefile links it into every test program */
	assert_int_equal(seccomp_builtin_set.count, SECCOMP_SET_COUNT);
	here = built_here();
	if (!here)
		print_message("# built with libseccomp %u.%u.%u (API %u), running another: checking the fallback\n",
			      seccomp_builtin_set.version[0], seccomp_builtin_set.version[1],
			      seccomp_builtin_set.version[2], seccomp_builtin_set.api);
	for (i = 0; i < SECCOMP_SET_COUNT; i++) {
		const struct seccomp_builtin_prog *b = &seccomp_builtin_set.progs[i];
		struct seccomp_prog fresh, got;
		struct cordon_diag d;
		bool builtin = !here;

		diag_clear(&d);
		assert_int_equal(seccomp_set_compile(&fresh, i, &d), 0);
		assert_true(fresh.n >= 1);
		if (here) {
			assert_int_equal(b->n, fresh.n);
			assert_int_equal(b->listen, fresh.listen);
			for (k = 0; k < fresh.n; k++) {
				assert_int_equal(b->len[k], fresh.len[k]);
				if (memcmp(b->insns[k], fresh.insns[k], fresh.len[k] * sizeof(struct sock_filter)))
					fail_msg("program %u, part %d: the built instructions differ from libseccomp's",
						 i, k);
			}
		}
		assert_int_equal(seccomp_set_prog(&got, i, &builtin, &d), 0);
		assert_int_equal(builtin, here);
		assert_int_equal(got.n, fresh.n);
		assert_int_equal(got.listen, fresh.listen);
		for (k = 0; k < fresh.n; k++) {
			assert_int_equal(got.len[k], fresh.len[k]);
			assert_memory_equal(got.insns[k], fresh.insns[k], fresh.len[k] * sizeof(struct sock_filter));
		}
		seccomp_prog_release(&got);
		seccomp_prog_release(&fresh);
	}
}

/* The set covers what sessions load: the filters are the profile tables' (spot checks). */
static void the_set_is_the_profile_tables(void **state)
{
	bool report;

	(void)state;
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_FN + PROFILE_READONLY, &report),
			 profile_seccomp(PROFILE_READONLY, false, false));
	assert_true(report);
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_ZYGOTE + PROFILE_WRITE, &report),
			 profile_seccomp_zygote(PROFILE_WRITE));
	assert_true(report);
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_SPAWNED, &report), profile_seccomp_spawned());
	assert_false(report);
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_NOTIFIER, &report), profile_seccomp_notifier());
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_EXEC + 0, &report),
			 profile_seccomp_exec(PROFILE_BASH, false, true));
	assert_false(report);
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_EXEC + 1, &report),
			 profile_seccomp_exec(PROFILE_BASH, true, true));
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_EXEC + 2, &report),
			 profile_seccomp_exec(PROFILE_BASH, false, false));
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_EXEC + 3, &report),
			 profile_seccomp_exec(PROFILE_READONLY, false, true));
	assert_ptr_equal(seccomp_set_filter(SECCOMP_SET_EXEC + 5, &report),
			 profile_seccomp_exec(PROFILE_READONLY, false, false));
	assert_null(seccomp_set_filter(SECCOMP_SET_COUNT, &report));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_built_program_equals_libseccomp_output),
		cmocka_unit_test(the_set_is_the_profile_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
