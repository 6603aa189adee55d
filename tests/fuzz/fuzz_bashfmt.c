/*
 * Fuzz target: what Bash reads back from a command (runtime/session/bashfmt.h,
 * runtime/session/bash.h): the output a command chose, turned into the
 * model's text (trimmed, made UTF-8, "blocked by cordon" notes, TaskOutput's
 * cut to its end), and the directory report its shell wrote. The texts must
 * come out valid UTF-8, bounded by the input, and nothing may be read past
 * the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "runtime/session/bash.h"
#include "runtime/session/bashfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: any read past it is an ASan error. */
	char *copy = malloc(size ? size : 1), cwd[256];
	struct bashfmt_run r = { 0 };
	struct buf b;
	bool err;
	size_t start, len;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	bashfmt_trim(copy, size, &start, &len);
	if (start + len > size)
		abort();
	r.output = copy;
	r.len = size;
	r.exit_code = size ? (unsigned char)copy[0] : 0;
	r.timed_out = size > 1 && copy[1] == 't';
	r.timeout_ms = 1500;
	r.command = "grep x f";
	buf_init(&b, BUF_NOMAX);
	if (bashfmt_result(&b, &err, &r) == 0 && !utf8_valid(b.data ? b.data : "", b.len))
		abort();
	buf_truncate(&b, 0);
	if (bashfmt_task_output(&b, "success", "b1", BASHFMT_COMPLETED, true, 0, copy, size, "/p") == 0 &&
	    !utf8_valid(b.data, b.len))
		abort();
	buf_release(&b);
	if (bash_report_cwd(copy, size, cwd, sizeof(cwd)) == 1 && (cwd[0] != '/' || strlen(cwd) >= sizeof(cwd)))
		abort();
	free(copy);
	return 0;
}
