/*
 * standalone.c — a libFuzzer-compatible driver for builds without libFuzzer.
 *
 *	fuzz_x [--tap] FILE|DIR...
 *
 * Feeds each file (each regular file of each directory) to
 * LLVMFuzzerTestOneInput once. `make check` uses it to replay the seed
 * corpora under gcc and the sanitizer build; `make fuzz` links the same
 * targets against libFuzzer instead. A crash is a crash: the sanitizers
 * or the kernel end the process and tests/run counts the failure.
 *
 * With --tap it prints the plan ("1..1") before the first input and one TAP
 * line after the last: a target that exits on its own half-way (exit(0) in
 * a parser) leaves the plan unmet, which tests/run counts as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct buf b;
	int r;

	buf_init(&b, 16u << 20);
	r = file_read_capped(-100 /* AT_FDCWD */, path, 16u << 20, &b);
	if (r < 0) {
		fprintf(stderr, "fuzz: cannot read '%s'\n", path);
		buf_release(&b);
		return -1;
	}
	/* Hand over an exact-size copy so ASan sees reads past the end. */
	{
		uint8_t *copy = malloc(b.len ? b.len : 1);
		if (!copy) {
			buf_release(&b);
			return -1;
		}
		memcpy(copy, b.data, b.len);
		LLVMFuzzerTestOneInput(copy, b.len);
		free(copy);
	}
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int tap = 0, n = 0, errors = 0, i;

	for (i = 1; i < argc; i++)
		tap |= !strcmp(argv[i], "--tap");
	if (tap) {
		printf("1..1\n");
		fflush(stdout);
	}
	for (i = 1; i < argc; i++) {
		DIR *d;
		struct dirent *e;
		char path[4096];

		if (!strcmp(argv[i], "--tap"))
			continue;
		d = opendir(argv[i]);
		if (!d) {
			errors += run_file(argv[i]) < 0;
			n++;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			errors += run_file(path) < 0;
			n++;
		}
		closedir(d);
	}
	if (tap)
		printf("%s - %s replays %d inputs\n", errors || !n ? "not ok" : "ok",
		       strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], n);
	return errors ? 1 : 0;
}
