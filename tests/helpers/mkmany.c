/* mkmany DIR N — create N empty files f000000.. in DIR, fast (for tests). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char name[32];
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
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror(name);
			return 1;
		}
		close(fd);
	}
	close(dfd);
	return 0;
}
