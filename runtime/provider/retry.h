/*
 * retry.h — when a failed request is tried again, and after how long.
 *
 * The policy of the official SDKs (docs/llm.md, "Retries and timeouts"),
 * with a larger budget for long agent runs. Everything but retry_sleep()
 * is pure, so the table of cases is unit-tested without a network.
 *
 *	struct retry_answer a = { .status = 529, .x_should_retry = hdr, ... };
 *	if (retry_should(&a)) {
 *		ms = retry_delay_ms(&a, n, max_delay_ms, scale_pct, time(NULL), rnd);
 *		if (retry_sleep(ms, cancel) < 0) -> cancelled
 *	}
 *
 * Decision, in order: an `x-should-retry: true|false` header decides; a
 * failure with no response at all (connection refused or reset, timeout) is
 * retried; 429 with error code `enforced_spend_limit_reached` is not (a
 * spend cap does not clear by waiting); 408, 409, 429 and every status
 * >= 500 are; nothing else is.
 *
 * Delay: `retry-after-ms` (milliseconds, float), else `retry-after`
 * (seconds, float, or an HTTP date), used when it is > 0 and at most
 * RETRY_HEADER_CAP_MS; else the backoff 500 ms * 2^n (n = retries already
 * made) capped at max_delay_ms, less up to 25 % of jitter. The result is
 * scaled by scale_pct (tests only; 100 = real time).
 */
#ifndef CORDON_RUNTIME_PROVIDER_RETRY_H
#define CORDON_RUNTIME_PROVIDER_RETRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#define RETRY_BASE_MS 500u
#define RETRY_HEADER_CAP_MS 120000u /* a server asking for longer gets the backoff instead */

/* What came back from one attempt, as far as the decision needs it. */
struct retry_answer {
	int status;                 /* HTTP status; 0 when there was no response */
	bool transport_retryable;   /* status 0: the failure is one worth retrying (see http.h) */
	const char *x_should_retry; /* header value or NULL */
	const char *retry_after_ms; /* header value or NULL */
	const char *retry_after;    /* header value or NULL */
	const char *error_code;     /* error.details.error_code (or OpenAI error.code) or NULL */
};

/* Whether the SDK policy retries this answer. */
bool retry_should(const struct retry_answer *a);

/*
 * Whether a stream that broke with this error type (a mid-stream `error`
 * event) is worth re-sending: overloaded, api, rate limit, timeout and
 * server errors are; anything else (an invalid request) is not. NULL (no
 * error event: EOF, a reset, an idle stream, garbage) is.
 */
bool retry_stream_error(const char *error_type);

/*
 * The delay the headers ask for, in ms, or -1 when they ask for none that
 * is usable (absent, unparsable, <= 0, or above RETRY_HEADER_CAP_MS). now is
 * the clock for an HTTP-date retry-after.
 */
long retry_header_ms(const char *retry_after_ms, const char *retry_after, time_t now);

/*
 * The backoff before retry n (0 = the first): min(RETRY_BASE_MS * 2^n,
 * max_delay_ms) * (1 - 0.25 * rnd), rnd in [0, 1).
 */
unsigned retry_backoff_ms(unsigned n, unsigned max_delay_ms, double rnd);

/* The wait before retry n: the headers' delay, else the backoff; then scaled by scale_pct. */
unsigned retry_delay_ms(const struct retry_answer *a, unsigned n, unsigned max_delay_ms, unsigned scale_pct,
			time_t now, double rnd);

/*
 * Sleep ms milliseconds, waking early when *cancel is set (checked every few
 * ms, and on any signal). 0, or -CORDON_EKILLED when cancelled. cancel may be
 * NULL.
 */
int retry_sleep(unsigned ms, const atomic_bool *cancel);

#endif
