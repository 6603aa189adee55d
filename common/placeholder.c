/*
 * placeholder.c — the owner's mark on an empty placeholder (see placeholder.h).
 */
#include "common/placeholder.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define BOOT_ID_LEN 36
#define PROC_STAT_MAX 1024

/* A whole file of /proc into buf (NUL-terminated). Its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* An unsigned decimal number, exactly the bytes [s, e): no sign, no space, no overflow. */
static bool decimal(const char *s, const char *e, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s == e || e - s > 20)
		return false;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9' || v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}

static bool boot_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n != BOOT_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
			return false;
	return true;
}

/* Field 22 of /proc/PID/stat (the start time); 0, or -1 when it cannot be read. */
static int start_time(long pid, unsigned long long *out)
{
	char path[64], buf[PROC_STAT_MAX], *p, *e;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	/* The command name (field 2) may hold spaces and ')': count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field <= 22; field++) {
		if (*p != ' ')
			return -1;
		p++;
		e = p + strcspn(p, " \n");
		if (field == 22)
			return decimal(p, e, out) ? 0 : -1;
		p = e;
	}
	return -1;
}

/* The inode of /proc/PID/ns/pid ("pid:[N]"); 0, or -1. */
static int pid_ns(const char *link, unsigned long long *out)
{
	char buf[64];
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);

	if (n < 7 || strncmp(buf, "pid:[", 5) || buf[n - 1] != ']')
		return -1;
	return decimal(buf + 5, buf + n - 1, out) ? 0 : -1;
}

/* Who we are; 0, or -1 when /proc cannot say. */
static int self_owner(struct placeholder_owner *o)
{
	char buf[64];
	unsigned long long ns;

	memset(o, 0, sizeof(*o));
	if (read_small("/proc/sys/kernel/random/boot_id", buf, sizeof(buf)) != BOOT_ID_LEN + 1 ||
	    !boot_id_ok(buf, BOOT_ID_LEN) || pid_ns("/proc/self/ns/pid", &ns) < 0)
		return -1;
	memcpy(o->boot, buf, BOOT_ID_LEN);
	o->pidns = ns;
	o->pid = (long)getpid();
	return start_time(o->pid, &o->start);
}

int placeholder_mark_self(char *out, size_t size)
{
	struct placeholder_owner o;

	if (size < PLACEHOLDER_MARK_MAX)
		return -CORDON_EINVAL;
	if (self_owner(&o) < 0) {
		out[0] = '\0';
		return -CORDON_EUNSUPPORTED;
	}
	snprintf(out, size, "1 %s %llu %ld %llu", o.boot, o.pidns, o.pid, o.start);
	return 0;
}

int placeholder_mark_fd(int fd, const char *mark)
{
	return fsetxattr(fd, PLACEHOLDER_XATTR, mark, strlen(mark), XATTR_CREATE) < 0 ? -CORDON_ESYS : 0;
}

int placeholder_parse(struct placeholder_owner *out, const char *value, size_t len)
{
	const char *f[5], *end = value + len, *p = value;
	size_t flen[5];
	unsigned long long pid;
	int i;

	if (len >= PLACEHOLDER_MARK_MAX)
		return -CORDON_EPARSE;
	/* Five fields, one space between each: nothing else. */
	for (i = 0; i < 5; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *e = i < 4 ? sp : end;

		if (!e || (i == 4 && sp))
			return -CORDON_EPARSE;
		f[i] = p;
		flen[i] = (size_t)(e - p);
		p = e + 1;
	}
	memset(out, 0, sizeof(*out));
	if (flen[0] != 1 || f[0][0] != '1' || !boot_id_ok(f[1], flen[1]) ||
	    !decimal(f[2], f[2] + flen[2], &out->pidns) || !decimal(f[3], f[3] + flen[3], &pid) ||
	    pid == 0 || pid > INT_MAX || !decimal(f[4], f[4] + flen[4], &out->start))
		return -CORDON_EPARSE;
	memcpy(out->boot, f[1], BOOT_ID_LEN);
	out->pid = (long)pid;
	return 0;
}

/*
 * Whether owner o is dead, seen from self. Unknown counts as alive: a
 * placeholder a running session still pins is never removed under it.
 */
static bool owner_dead(const struct placeholder_owner *o, const struct placeholder_owner *self)
{
	unsigned long long start;

	if (strcmp(o->boot, self->boot))
		return true; /* made before the last reboot */
	if (o->pidns != self->pidns)
		return false; /* its pid means nothing here */
	if (kill((pid_t)o->pid, 0) < 0 && errno == ESRCH)
		return true;
	/* Someone has the pid (EPERM: another user's): the owner only if it started then. */
	if (start_time(o->pid, &start) < 0)
		return false;
	return start != o->start;
}

static bool dir_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	bool empty = true;

	if (dfd < 0)
		return false;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return false;
	}
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

/* The state of the entry open at fd, *st its fstat. */
static enum placeholder_state state_fd(int fd, const struct stat *st)
{
	struct placeholder_owner o, self;
	char value[PLACEHOLDER_MARK_MAX];
	ssize_t n;

	if (!(S_ISREG(st->st_mode) && st->st_size == 0) && !(S_ISDIR(st->st_mode) && dir_empty(fd)))
		return PLACEHOLDER_NONE;
	n = fgetxattr(fd, PLACEHOLDER_XATTR, value, sizeof(value));
	if (n < 0 || placeholder_parse(&o, value, (size_t)n) < 0)
		return PLACEHOLDER_NONE;
	if (self_owner(&self) < 0)
		return PLACEHOLDER_LIVE; /* cannot judge */
	return owner_dead(&o, &self) ? PLACEHOLDER_STALE : PLACEHOLDER_LIVE;
}

/*
 * Open path for a look: only a regular file or a directory, never through
 * a symlink, never a device or fifo (opening one can have effects). The fd,
 * or -1 (not one of those, gone, replaced between lstat and open).
 */
static int open_entry(const char *path, struct stat *st)
{
	struct stat before;
	int fd;

	if (lstat(path, &before) < 0 || !(S_ISREG(before.st_mode) || S_ISDIR(before.st_mode)))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || st->st_dev != before.st_dev || st->st_ino != before.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

enum placeholder_state placeholder_state(const char *path)
{
	struct stat st;
	enum placeholder_state s;
	int fd = open_entry(path, &st);

	if (fd < 0)
		return PLACEHOLDER_NONE;
	s = state_fd(fd, &st);
	close(fd);
	return s;
}

/*
 * Remove the stale placeholder file open at fd (*st), found at path:
 * renamed aside first, so what is removed is that inode and nothing
 * swapped in at path meanwhile.
 */
static int remove_file(const char *path, int fd, const struct stat *st)
{
	static unsigned counter;
	char aside[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	struct stat now, moved;

	if (snprintf(aside, sizeof(aside), "%.*s.cordon-stale.%ld.%u", dirlen, path, (long)getpid(),
		     __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) >= (int)sizeof(aside)) {
		errno = ENAMETOOLONG;
		return -CORDON_ESYS;
	}
	if (renameat2(AT_FDCWD, path, AT_FDCWD, aside, RENAME_NOREPLACE) < 0)
		return errno == ENOENT ? 0 : -CORDON_ESYS;
	/* Safe because: the inode judged, still empty, is what now has the private name. */
	if (lstat(aside, &moved) == 0 && moved.st_dev == st->st_dev && moved.st_ino == st->st_ino &&
	    fstat(fd, &now) == 0 && now.st_size == 0)
		return unlink(aside) < 0 ? -CORDON_ESYS : 1;
	/* Not ours to remove: back where it was (unless its name was taken meanwhile). */
	renameat2(AT_FDCWD, aside, AT_FDCWD, path, RENAME_NOREPLACE);
	return 0;
}

int placeholder_remove_stale(const char *path)
{
	struct stat st;
	int fd = open_entry(path, &st), r = 0;

	if (fd < 0)
		return 0;
	if (state_fd(fd, &st) != PLACEHOLDER_STALE)
		goto out;
	if (S_ISREG(st.st_mode)) {
		r = remove_file(path, fd, &st);
	} else if (rmdir(path) == 0) {
		/* Safe because: rmdir() removes an empty directory only. */
		r = 1;
	} else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
		r = -CORDON_ESYS;
	}
out:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return r;
}
