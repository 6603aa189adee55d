/*
 * Fuzz target: the egress proxy's request head (runtime/session/egress.h).
 * The input is parsed whole and, when it is a request, judged against a
 * small allowlist and rewritten for upstream. Invariants: a parsed head
 * lies within the input and its fields start inside it; a head parsed
 * from a prefix never claims more bytes than the prefix holds; the host
 * judged is NUL-terminated and the same when parsed again from the head
 * alone; an HTTP request's rewritten head is one head (one blank line, at
 * its end) that names the judged host and carries no proxy header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/error.h"
#include "runtime/session/egress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_forward(const struct egress_req *r, const char *head)
{
	struct buf b;
	const char *blank;

	buf_init(&b, 2 * EGRESS_HEAD_MAX);
	if (egress_forward_head(&b, r, head) == 0) {
		blank = strstr(b.data, "\r\n\r\n");
		if (!blank || (size_t)(blank - b.data) + 4 != b.len || !strstr(b.data, r->host))
			abort();
		if (strcasestr(b.data, "\nproxy-") || memchr(b.data, '\0', b.len))
			abort();
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "example.com", "*.github.com", "api.example.com:8443" };
	struct strvec list = STRVEC_INIT;
	struct egress_req r, again;
	char err[256], why[512];
	size_t i;
	int rc;

	if (size > EGRESS_HEAD_MAX + 16)
		return 0;
	rc = egress_head_parse(&r, (const char *)data, size, err, sizeof(err));
	if (rc < 0) {
		if (!err[0] || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (rc == 0)
		return 0;
	if (r.head_len > size || r.fields > r.head_len || !r.host[0] || !r.port || r.port > 65535 ||
	    strlen(r.host) >= sizeof(r.host) || (r.kind == EGRESS_HTTP) != (r.origin != NULL))
		abort();
	/* The head alone parses to the same request. */
	if (egress_head_parse(&again, (const char *)data, r.head_len, err, sizeof(err)) != 1 ||
	    strcmp(again.host, r.host) || again.port != r.port || again.head_len != r.head_len)
		abort();
	egress_req_release(&again);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strvec_push(&list, allowed[i]) < 0)
			abort();
	rc = egress_judge(&r, &list, why, sizeof(why));
	if (rc != 0 && (rc != -CORDON_EDENIED || strncmp(why, "blocked by cordon: ", 19)))
		abort();
	if (r.kind == EGRESS_HTTP) {
		char *head = malloc(r.head_len + 1);

		if (!head)
			abort();
		memcpy(head, data, r.head_len);
		head[r.head_len] = '\0';
		check_forward(&r, head);
		free(head);
	}
	strvec_release(&list);
	egress_req_release(&r);
	return 0;
}
