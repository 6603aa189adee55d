/*
 * mkmany DIR N — make DIR with N entries f000000.. (for tests), fast.
 *
 * The entries are hard links to a few empty files (at most 60000 links
 * each, under ext4's limit): linking skips inode allocation, which keeps a
 * 200000-entry directory to about a second even on a loaded VM.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINKS_PER_FILE 60000

int main(int argc, char **argv)
{
	char name[32], src[32];
	long i, n;
	int dfd, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: mkmany DIR N\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (mkdir(argv[1], 0755) < 0) {
		perror(argv[1]);
		return 1;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%06ld", i);
		if (i % LINKS_PER_FILE == 0) {
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0) {
				perror(name);
				return 1;
			}
			close(fd);
			snprintf(src, sizeof(src), "%s", name);
			continue;
		}
		if (linkat(dfd, src, dfd, name, 0) < 0) {
			perror(name);
			return 1;
		}
	}
	close(dfd);
	return 0;
}
