/* Unit tests for runtime/provider/retry: which failures are retried, and after how long. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/error.h"
#include "runtime/provider/retry.h"

static void decision_table(void **state)
{
	static const struct {
		int status;
		bool transport;
		const char *xsr, *code;
		bool want;
	} cases[] = {
		{ 400, false, NULL, NULL, false },
		{ 401, false, NULL, NULL, false },
		{ 403, false, NULL, NULL, false },
		{ 404, false, NULL, NULL, false },
		{ 408, false, NULL, NULL, true },
		{ 409, false, NULL, NULL, true },
		{ 413, false, NULL, NULL, false },
		{ 422, false, NULL, NULL, false },
		{ 429, false, NULL, NULL, true },
		{ 429, false, NULL, "enforced_spend_limit_reached", false },
		{ 429, false, NULL, "some_other_code", true },
		{ 500, false, NULL, NULL, true },
		{ 502, false, NULL, NULL, true },
		{ 503, false, NULL, NULL, true },
		{ 504, false, NULL, NULL, true },
		{ 529, false, NULL, NULL, true },
		/* the header overrides the table, both ways */
		{ 400, false, "true", NULL, true },
		{ 529, false, "false", NULL, false },
		{ 500, false, "FALSE", NULL, false },
		{ 401, false, "True", NULL, true },
		{ 500, false, "maybe", NULL, true }, /* nonsense is no override */
		/* no response at all */
		{ 0, true, NULL, NULL, true },
		{ 0, false, NULL, NULL, false },
		{ 0, false, "true", NULL, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct retry_answer a = {
			.status = cases[i].status,
			.transport_retryable = cases[i].transport,
			.x_should_retry = cases[i].xsr,
			.error_code = cases[i].code,
		};

		if (retry_should(&a) != cases[i].want)
			fail_msg("case %zu: status %d x-should-retry %s code %s: want %d", i, cases[i].status,
				 cases[i].xsr ? cases[i].xsr : "-", cases[i].code ? cases[i].code : "-", cases[i].want);
	}
}

static void stream_errors(void **state)
{
	(void)state;
	assert_true(retry_stream_error(NULL));
	assert_true(retry_stream_error("overloaded_error"));
	assert_true(retry_stream_error("api_error"));
	assert_true(retry_stream_error("rate_limit_error"));
	assert_true(retry_stream_error("timeout_error"));
	assert_true(retry_stream_error("server_error"));
	assert_false(retry_stream_error("invalid_request_error"));
	assert_false(retry_stream_error("authentication_error"));
	assert_false(retry_stream_error("exceed_context_size_error"));
}

static void header_delays(void **state)
{
	time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

	(void)state;
	assert_int_equal(retry_header_ms(NULL, NULL, now), -1);
	/* retry-after-ms first, as a float */
	assert_int_equal(retry_header_ms("250", "10", now), 250);
	assert_int_equal(retry_header_ms("1.5", NULL, now), 2);
	assert_int_equal(retry_header_ms(" 700 ", NULL, now), 700);
	/* an unusable retry-after-ms falls through to retry-after */
	assert_int_equal(retry_header_ms("soon", "2", now), 2000);
	assert_int_equal(retry_header_ms("", "0.25", now), 250);
	/* an HTTP date */
	assert_int_equal(retry_header_ms(NULL, "Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
	assert_int_equal(retry_header_ms(NULL, "Sun, 06 Nov 1994 08:49:30 GMT", now), -1); /* past */
	assert_int_equal(retry_header_ms(NULL, "Sun, 06 Nov 1994 08:49:47 GMT trailing", now), -1);
	/* zero, negative, not finite, junk, too long: none usable */
	assert_int_equal(retry_header_ms("0", NULL, now), -1);
	assert_int_equal(retry_header_ms(NULL, "0", now), -1);
	assert_int_equal(retry_header_ms(NULL, "-3", now), -1);
	assert_int_equal(retry_header_ms("nan", NULL, now), -1);
	assert_int_equal(retry_header_ms(NULL, "inf", now), -1);
	assert_int_equal(retry_header_ms(NULL, "3x", now), -1);
	assert_int_equal(retry_header_ms(NULL, "120", now), 120000);
	assert_int_equal(retry_header_ms(NULL, "121", now), -1);
	assert_int_equal(retry_header_ms("120001", NULL, now), -1);
}

static void backoff(void **state)
{
	(void)state;
	/* 0.5 s * 2^n, capped */
	assert_int_equal(retry_backoff_ms(0, 30000, 0), 500);
	assert_int_equal(retry_backoff_ms(1, 30000, 0), 1000);
	assert_int_equal(retry_backoff_ms(2, 30000, 0), 2000);
	assert_int_equal(retry_backoff_ms(5, 30000, 0), 16000);
	assert_int_equal(retry_backoff_ms(6, 30000, 0), 30000);
	assert_int_equal(retry_backoff_ms(200, 30000, 0), 30000);
	assert_int_equal(retry_backoff_ms(4, 8000, 0), 8000);
	/* jitter takes off up to 25 %, never adds */
	assert_int_equal(retry_backoff_ms(0, 30000, 0.5), 437);
	assert_int_equal(retry_backoff_ms(3, 30000, 0.999999), 3000);
	assert_int_equal(retry_backoff_ms(0, 30000, 7.0), 500); /* out of range: no jitter */
	/* a cap below the base wins */
	assert_int_equal(retry_backoff_ms(0, 100, 0), 100);
}

static void delay_combines_and_scales(void **state)
{
	struct retry_answer a = { .status = 429, .retry_after = "3" };
	struct retry_answer none = { .status = 529 };

	(void)state;
	assert_int_equal(retry_delay_ms(&a, 4, 30000, 100, 0, 0), 3000);
	assert_int_equal(retry_delay_ms(&a, 4, 30000, 10, 0, 0), 300);
	assert_int_equal(retry_delay_ms(&none, 1, 30000, 100, 0, 0), 1000);
	assert_int_equal(retry_delay_ms(&none, 1, 30000, 1, 0, 0), 10);
	assert_int_equal(retry_delay_ms(NULL, 0, 30000, 100, 0, 0), 500);
	a.retry_after = "600"; /* more than the cap: the backoff instead */
	assert_int_equal(retry_delay_ms(&a, 0, 30000, 100, 0, 0), 500);
}

static void sleep_wakes_on_cancel(void **state)
{
	atomic_bool cancel = false;
	struct timespec t0, t1;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(retry_sleep(30, &cancel), 0);
	assert_int_equal(retry_sleep(0, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 30);
	atomic_store(&cancel, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(retry_sleep(60000, &cancel), -CORDON_EKILLED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decision_table),
		cmocka_unit_test(stream_errors),
		cmocka_unit_test(header_delays),
		cmocka_unit_test(backoff),
		cmocka_unit_test(delay_combines_and_scales),
		cmocka_unit_test(sleep_wakes_on_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
