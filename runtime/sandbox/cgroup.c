/* cgroup.c — session and per-call cgroups, v1 and v2 (see cgroup.h). */
#include "runtime/sandbox/cgroup.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CG_ROOT "/sys/fs/cgroup"
static const char *const v1_hier[CGROUP_MAX_HIER] = { "memory", "pids", "cpu" };

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int write_at(int dirfd, const char *file, const char *val)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -CORDON_ESYS;
	n = write(fd, val, strlen(val));
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(val) ? 0 : -CORDON_ESYS;
}

/* Our own v2 cgroup path from /proc/self/cgroup ("0::/path"). */
static int own_v2_path(char *out, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			if (snprintf(out, size, "%s%.400s", CG_ROOT, line + 3) < (int)size)
				r = 0;
			break;
		}
	fclose(f);
	return r;
}

int cgroup_detect(bool *out_writable, char *detail, size_t size)
{
	char own[512];
	int v = 0;

	*out_writable = false;
	if (is_cgroup2(CG_ROOT)) {
		v = 2;
		if (geteuid() == 0)
			*out_writable = access(CG_ROOT, W_OK) == 0;
		else if (own_v2_path(own, sizeof(own)) == 0)
			*out_writable = access(own, W_OK) == 0;
		snprintf(detail, size, "v2 (unified)%s",
			 *out_writable ? ", writable" : ", not delegated to this user");
		return v;
	}
	if (access(CG_ROOT "/memory/cgroup.procs", F_OK) == 0 ||
	    access(CG_ROOT "/pids/cgroup.procs", F_OK) == 0) {
		v = 1;
		*out_writable = access(CG_ROOT "/memory", W_OK) == 0 &&
				access(CG_ROOT "/pids", W_OK) == 0;
		snprintf(detail, size, "v1 (hybrid%s), memory+pids+cpu %s",
			 is_cgroup2(CG_ROOT "/unified") ? " with an empty v2 mount" : "",
			 *out_writable ? "writable" : "not writable by this user");
		return v;
	}
	snprintf(detail, size, "none mounted");
	return 0;
}

void cgroup_session_open(struct cgroup_session *cs, const char *name)
{
	bool writable;
	char detail[128], base[512];
	int v, i;

	memset(cs, 0, sizeof(*cs));
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		cs->dirfd[i] = -1;
	v = cgroup_detect(&writable, detail, sizeof(detail));
	if (!writable)
		return;
	if (v == 2) {
		if (geteuid() == 0)
			snprintf(base, sizeof(base), "%s", CG_ROOT);
		else if (own_v2_path(base, sizeof(base)) < 0)
			return;
		if (snprintf(cs->path[0], sizeof(cs->path[0]), "%.200s/%.40s", base, name) >=
		    (int)sizeof(cs->path[0]))
			return;
		if (mkdir(cs->path[0], 0755) < 0)
			return;
		cs->dirfd[0] = open(cs->path[0], O_DIRECTORY | O_CLOEXEC);
		if (cs->dirfd[0] < 0 ||
		    write_at(cs->dirfd[0], "cgroup.subtree_control", "+memory +pids +cpu") < 0) {
			/* cpu may be missing; memory and pids are what we need. */
			if (cs->dirfd[0] < 0 ||
			    write_at(cs->dirfd[0], "cgroup.subtree_control", "+memory +pids") < 0) {
				if (cs->dirfd[0] >= 0)
					close(cs->dirfd[0]);
				rmdir(cs->path[0]);
				cs->dirfd[0] = -1;
				return;
			}
		}
		cs->version = 2;
		cs->n = 1;
		return;
	}
	for (i = 0; i < CGROUP_MAX_HIER; i++) {
		snprintf(cs->path[i], sizeof(cs->path[i]), "%s/%s/%s", CG_ROOT, v1_hier[i], name);
		if (mkdir(cs->path[i], 0755) < 0 && errno != EEXIST)
			continue;
		cs->dirfd[i] = open(cs->path[i], O_DIRECTORY | O_CLOEXEC);
	}
	if (cs->dirfd[0] < 0 || cs->dirfd[1] < 0) {
		cgroup_session_close(cs);
		return;
	}
	cs->version = 1;
	cs->n = CGROUP_MAX_HIER;
}

/* Remove every directory below dirfd (call groups; their own files are not removable). */
static void remove_subgroups(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0), tries;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* EBUSY while killed processes are still being torn down (close path only). */
		for (tries = 0; tries < 100; tries++) {
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) == 0 || errno != EBUSY)
				break;
			usleep(1000);
		}
	}
	closedir(d);
}

void cgroup_session_close(struct cgroup_session *cs)
{
	int i;

	for (i = 0; i < CGROUP_MAX_HIER; i++) {
		if (cs->dirfd[i] >= 0) {
			remove_subgroups(cs->dirfd[i]);
			close(cs->dirfd[i]);
			rmdir(cs->path[i]);
		}
		cs->dirfd[i] = -1;
	}
	cs->n = 0;
	cs->version = 0;
}

void cgroup_call_set_limits(const struct cgroup_session *cs, struct cgroup_call *c,
			    const struct profile_limits *l)
{
	char v[64];

	/* Best effort per knob: a controller that is missing leaves that limit to rlimits. */
	if (cs->version == 2) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->mem_bytes);
		write_at(c->dirfd[0], "memory.max", v);
		write_at(c->dirfd[0], "memory.swap.max", "0");
		write_at(c->dirfd[0], "memory.oom.group", "1");
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids);
		write_at(c->dirfd[0], "pids.max", v);
		snprintf(v, sizeof(v), "%u 100000", l->cpu_pct * 1000);
		write_at(c->dirfd[0], "cpu.max", v);
		return;
	}
	if (c->dirfd[0] >= 0) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->mem_bytes);
		write_at(c->dirfd[0], "memory.limit_in_bytes", v);
		/* No swap beyond the limit (only present with swap accounting). */
		write_at(c->dirfd[0], "memory.memsw.limit_in_bytes", v);
	}
	if (c->dirfd[1] >= 0) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids);
		write_at(c->dirfd[1], "pids.max", v);
	}
	if (c->dirfd[2] >= 0) {
		write_at(c->dirfd[2], "cpu.cfs_period_us", "100000");
		snprintf(v, sizeof(v), "%u", l->cpu_pct * 1000);
		write_at(c->dirfd[2], "cpu.cfs_quota_us", v);
	}
}

int cgroup_call_create(const struct cgroup_session *cs, const char *name,
		       const struct profile_limits *l, struct cgroup_call *out)
{
	int i, saved;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		out->dirfd[i] = out->procs[i] = -1;
	if (!cs->n)
		return -CORDON_EUNSUPPORTED;
	for (i = 0; i < cs->n; i++) {
		if (cs->dirfd[i] < 0)
			continue;
		if (mkdirat(cs->dirfd[i], name, 0755) < 0)
			goto fail;
		out->dirfd[i] = openat(cs->dirfd[i], name, O_DIRECTORY | O_CLOEXEC);
		if (out->dirfd[i] < 0)
			goto fail;
		/*
		 * v1: join through `tasks` (the calling thread), not
		 * `cgroup.procs` (its whole thread group): moving a thread
		 * group write-locks cgroup_threadgroup_rwsem, which waits for an
		 * RCU grace period whenever no migration ran in the last one
		 * (2-20 ms here, on a call's path); moving the caller's own
		 * thread needs no such lock. Every joiner is single-threaded
		 * (a child that has just forked, a zygote at its start), so its
		 * thread is the whole process. v2 has no `tasks`.
		 */
		out->procs[i] = openat(out->dirfd[i], cs->version == 1 ? "tasks" : "cgroup.procs",
				       O_WRONLY | O_CLOEXEC);
		if (out->procs[i] < 0)
			goto fail;
	}
	out->n = cs->n;
	out->version = cs->version;
	cgroup_call_set_limits(cs, out, l);
	return 0;
fail:
	saved = errno;
	out->n = cs->n;
	cgroup_call_destroy(cs, out);
	errno = saved;
	return -CORDON_ESYS;
}

/* SIGKILL every process cgroup.procs lists; 1 when it listed any, -1 when unreadable. */
static int kill_listed(int dirfd)
{
	char buf[4096];
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), found = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (char *p = buf, *e; *p; p = e) {
		long pid = strtol(p, &e, 10);

		if (e == p)
			break;
		if (pid > 1) {
			kill((pid_t)pid, SIGKILL);
			found = 1;
		}
	}
	return found;
}

bool cgroup_call_kill(struct cgroup_call *c, bool wait)
{
	int round, i, found;
	bool v2_killed;

	if (!c->n)
		return false;
	/* v2: one write kills the whole tree atomically, new forks included. */
	v2_killed = c->version == 2 && c->dirfd[0] >= 0 &&
		    write_at(c->dirfd[0], "cgroup.kill", "1") == 0;
	if (v2_killed && !wait)
		return false;
	/*
	 * v1: every process of the call is in each hierarchy (the child joins
	 * them all before it runs anything, and forks inherit), so listing the
	 * first one finds the whole call. The loop only runs when processes
	 * are still dying (not yet reaped by the warden): rare.
	 */
	for (round = 0; round < 500; round++) {
		found = -1;
		for (i = 0; i < c->n && found < 0; i++)
			if (c->dirfd[i] >= 0)
				found = kill_listed(c->dirfd[i]);
		if (found <= 0 || !wait)
			return found == 0;
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	return false;
}

void cgroup_call_destroy(const struct cgroup_session *cs, struct cgroup_call *c)
{
	int i, tries;

	for (i = 0; i < CGROUP_MAX_HIER; i++) {
		if (c->procs[i] >= 0)
			close(c->procs[i]);
		if (c->dirfd[i] >= 0)
			close(c->dirfd[i]);
		c->procs[i] = c->dirfd[i] = -1;
		if (i < cs->n && cs->dirfd[i] >= 0 && c->n) {
			/* rmdir fails with EBUSY while dying processes are still listed. */
			for (tries = 0; tries < 100; tries++) {
				if (unlinkat(cs->dirfd[i], c->name, AT_REMOVEDIR) == 0 ||
				    errno != EBUSY)
					break;
				usleep(1000);
			}
		}
	}
	c->n = 0;
}
