/*
 * Fuzz target: the call manager's request parser (runtime/sandbox/sandbox_ipc.h).
 * Input: a struct sbx_req (its first bytes; missing bytes are zero) followed
 * by the payload. Checks that a parse either fails cleanly or yields strings
 * and input that lie inside the payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sandbox/sandbox_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_req req;
	struct sbx_payload pl;
	size_t hl = size < sizeof(req) ? size : sizeof(req);
	const char *payload = (const char *)data + hl, *end;
	size_t len = size - hl;
	uint32_t i;

	memset(&req, 0, sizeof(req));
	memcpy(&req, data, hl);
	/* Make the interesting fields consistent often enough to get past the header checks. */
	if (req.magic & 1) {
		req.magic = SBX_MAGIC;
		req.payload_len = len;
		req.argc %= 8;
		req.envc %= 8;
		req.input_len %= len + 1;
		req.fn = (int32_t)(req.fn % 3) - 1;
		req.profile %= 6;
	}
	if (sbx_payload_parse(&req, 5, 1, payload, len, &pl) < 0)
		return 0;
	end = payload + len;
	if (!pl.cwd || pl.cwd < payload || pl.cwd >= end)
		abort();
	for (i = 0; i < req.argc; i++)
		if (!pl.argv[i] || pl.argv[i] < payload || pl.argv[i] + strlen(pl.argv[i]) >= end)
			abort();
	if (pl.argv[req.argc] || pl.env[req.envc])
		abort();
	for (i = 0; i < req.envc; i++)
		if (!pl.env[i] || pl.env[i] < payload || pl.env[i] + strlen(pl.env[i]) >= end)
			abort();
	if ((const char *)pl.input + pl.input_len != end || pl.input_len != req.input_len)
		abort();
	sbx_payload_release(&pl);
	return 0;
}
