/* retry.c — the retry decision and delay (see retry.h). */
#include "runtime/provider/retry.h"
#include "common/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool retry_should(const struct retry_answer *a)
{
	if (a->x_should_retry) {
		/* The server knows best, in both directions. */
		if (!strcasecmp(a->x_should_retry, "true"))
			return true;
		if (!strcasecmp(a->x_should_retry, "false"))
			return false;
	}
	if (a->status == 0)
		return a->transport_retryable;
	if (a->status == 429 && a->error_code && !strcmp(a->error_code, "enforced_spend_limit_reached"))
		return false;
	return a->status == 408 || a->status == 409 || a->status == 429 || a->status >= 500;
}

bool retry_stream_error(const char *error_type)
{
	static const char *const retryable[] = {
		"overloaded_error", "api_error", "rate_limit_error", "timeout_error",
		"server_error", /* OpenAI's name for its own failures */
	};
	size_t i;

	if (!error_type)
		return true;
	for (i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++)
		if (!strcmp(error_type, retryable[i]))
			return true;
	return false;
}

/* A float header value; false unless the whole value (spaces aside) is a finite number. */
static bool parse_number(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* An HTTP date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); the obsolete forms are not used by the APIs. */
static bool parse_http_date(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	while (*s == ' ')
		s++;
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return false;
	while (*end == ' ')
		end++;
	if (*end)
		return false;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

long retry_header_ms(const char *retry_after_ms, const char *retry_after, time_t now)
{
	double ms = -1, v;
	time_t when;

	if (retry_after_ms && parse_number(retry_after_ms, &v))
		ms = v;
	else if (retry_after && parse_number(retry_after, &v))
		ms = v * 1000.0;
	else if (retry_after && parse_http_date(retry_after, &when))
		ms = difftime(when, now) * 1000.0;
	if (!(ms > 0) || ms > RETRY_HEADER_CAP_MS)
		return -1;
	/* Round up: a server that asks for 0.1 ms gets 1, not 0 (no libm). */
	return (long)ms + ((double)(long)ms < ms);
}

unsigned retry_backoff_ms(unsigned n, unsigned max_delay_ms, double rnd)
{
	double ms = RETRY_BASE_MS;

	if (rnd < 0 || !(rnd < 1))
		rnd = 0;
	/* 2^n overflows nothing here: the cap is reached long before n = 64. */
	while (n-- > 0 && ms < max_delay_ms)
		ms *= 2;
	if (ms > max_delay_ms)
		ms = max_delay_ms;
	return (unsigned)(ms * (1.0 - 0.25 * rnd));
}

unsigned retry_delay_ms(const struct retry_answer *a, unsigned n, unsigned max_delay_ms, unsigned scale_pct,
			time_t now, double rnd)
{
	long h = a ? retry_header_ms(a->retry_after_ms, a->retry_after, now) : -1;
	unsigned long long ms = h > 0 ? (unsigned long long)h : retry_backoff_ms(n, max_delay_ms, rnd);

	return (unsigned)(ms * scale_pct / 100);
}

int retry_sleep(unsigned ms, const atomic_bool *cancel)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		long long left;
		struct timespec step;

		if (cancel && atomic_load(cancel))
			return -CORDON_EKILLED;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long long)(end.tv_sec - now.tv_sec) * 1000000000LL + (end.tv_nsec - now.tv_nsec);
		if (left <= 0)
			return 0;
		/*
		 * Short steps: a signal handler that sets *cancel may run on
		 * another thread, so EINTR alone cannot be relied on to wake us.
		 */
		if (left > 20000000LL)
			left = 20000000LL;
		step.tv_sec = 0;
		step.tv_nsec = (long)left;
		nanosleep(&step, NULL);
	}
}
