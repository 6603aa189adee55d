/* util.c — what the files of runtime/git share: errors, diffs, commit metadata (see internal.h). */
#include "runtime/git/internal.h"
#include "common/buf.h"
#include "common/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

int git_fail(struct cordon_diag *d, int rc, const char *what)
{
	const git_error *e = git_error_last();

	diag_set(d, 0, 0, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
	if (rc == GIT_ENOTFOUND)
		return -CORDON_ENOTFOUND;
	return -CORDON_EPROTO;
}

int run_diff(git_diff **out, git_repository *repo, git_tree *from, git_tree *to, unsigned how, struct cordon_diag *d)
{
	git_diff_options o;
	git_diff_find_options fo;
	int rc;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	/* Full ids: git apply needs them for binary patches. */
	o.id_abbrev = GIT_OID_HEXSZ;
	o.flags = GIT_DIFF_SHOW_BINARY | ((how & DIFF_TYPECHANGE) ? GIT_DIFF_INCLUDE_TYPECHANGE : 0);
	if ((rc = git_diff_tree_to_tree(out, repo, from, to, &o)) < 0)
		return git_fail(d, rc, "cannot compare the snapshots");
	if (!(how & DIFF_RENAMES))
		return 0;
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if ((rc = git_diff_find_similar(*out, &fo)) < 0) {
		git_diff_free(*out);
		*out = NULL;
		return git_fail(d, rc, "cannot find renames");
	}
	return 0;
}

static json_t *text(const char *s)
{
	struct buf b;
	json_t *j;

	buf_init(&b, BUF_NOMAX);
	if (utf8_sanitize(&b, s, strlen(s)) < 0) {
		buf_release(&b);
		return NULL;
	}
	j = json_stringn(b.data, b.len);
	buf_release(&b);
	return j;
}

json_t *diff_files(git_diff *diff)
{
	static const char *const names[] = {
		[GIT_DELTA_ADDED] = "added",	   [GIT_DELTA_DELETED] = "deleted", [GIT_DELTA_MODIFIED] = "modified",
		[GIT_DELTA_RENAMED] = "renamed",   [GIT_DELTA_COPIED] = "added",    [GIT_DELTA_TYPECHANGE] = "typechange",
	};
	json_t *out = json_array();
	size_t i, n = git_diff_num_deltas(diff);
	char m[16];

	for (i = 0; out && i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		const char *st = (size_t)dl->status < sizeof(names) / sizeof(names[0]) ? names[dl->status] : NULL;
		const char *path = dl->status == GIT_DELTA_DELETED ? dl->old_file.path : dl->new_file.path;
		json_t *f;

		if (!st)
			continue;
		f = json_pack("{s:o, s:s}", "path", text(path), "status", st);
		if (!f) {
			json_decref(out);
			return NULL;
		}
		if (dl->status == GIT_DELTA_RENAMED)
			json_object_set_new(f, "old_path", text(dl->old_file.path));
		if (dl->old_file.mode && dl->new_file.mode && dl->old_file.mode != dl->new_file.mode) {
			snprintf(m, sizeof(m), "%06o", dl->old_file.mode);
			json_object_set_new(f, "old_mode", json_string(m));
			snprintf(m, sizeof(m), "%06o", dl->new_file.mode);
			json_object_set_new(f, "new_mode", json_string(m));
		}
		json_array_append_new(out, f);
	}
	return out;
}

json_t *meta_of_message(const char *message)
{
	const char *p = message, *line = NULL;
	size_t plen = strlen(GITRUN_META);

	/* The last line that starts with the marker. */
	while (p && *p) {
		if (!strncmp(p, GITRUN_META, plen))
			line = p + plen;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!line)
		return NULL;
	{
		const char *end = strchr(line, '\n');
		json_t *j = json_loadb(line, end ? (size_t)(end - line) : strlen(line), 0, NULL);

		if (!json_is_object(j)) {
			json_decref(j);
			return NULL;
		}
		return j;
	}
}

int meta_signature(git_signature **out)
{
	return git_signature_now(out, "cordon", "cordon@localhost");
}

void iso_now(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char s[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03ldZ", s, (long)(tv.tv_usec / 1000));
}

/* ---- a run's claim ------------------------------------------------------------------- */

static int claim_path(git_repository *repo, const char *id, char *out, size_t size)
{
	const char *common = git_repository_commondir(repo);
	char dir[4096];

	if (!common || (size_t)snprintf(dir, sizeof(dir), "%scordon", common) >= sizeof(dir) ||
	    (size_t)snprintf(out, size, "%s/runs/%s.live", dir, id) >= size)
		return -CORDON_ETOOBIG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -CORDON_ESYS;
	if ((size_t)snprintf(dir, sizeof(dir), "%scordon/runs", common) >= sizeof(dir))
		return -CORDON_ETOOBIG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -CORDON_ESYS;
	return 0;
}

/* Lock files of git's (ours or a reflog's) that a process killed mid-update left on the run's refs. */
static void clear_stale_locks(git_repository *repo, const char *id)
{
	static const char *const where[] = { "", "logs/" };
	static const char *const refs[] = { "base", "checkpoints" };
	const char *common = git_repository_commondir(repo);
	char path[4096];
	size_t i, j;

	for (i = 0; common && i < sizeof(where) / sizeof(where[0]); i++)
		for (j = 0; j < sizeof(refs) / sizeof(refs[0]); j++)
			if ((size_t)snprintf(path, sizeof(path), "%s%srefs/cordon/runs/%s/%s.lock", common, where[i], id,
					     refs[j]) < sizeof(path))
				(void)unlink(path);
}

int run_claim(git_repository *repo, const char *id, struct cordon_diag *d)
{
	char path[4096];
	struct stat a, b;
	int fd = -1, rc, tries;

	if ((rc = claim_path(repo, id, path, sizeof(path))) < 0)
		return diag_set(d, 0, errno, "cannot make the run's lock in %s", git_repository_commondir(repo)), rc;
	/* Taken, then checked to be the file still at the path (a run that ended removes it). */
	for (tries = 0; tries < 8; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return diag_set(d, 0, errno, "cannot open %s", path), -CORDON_ESYS;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return diag_set(d, 0, 0, "run %s is still going (another cordon holds it)", id),
				       -CORDON_EINVAL;
			return diag_set(d, 0, e, "cannot lock %s", path), -CORDON_ESYS;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return diag_set(d, 0, 0, "cannot lock run %s: its lock file keeps changing", id), -CORDON_EINVAL;
	/* Nobody else holds the run: what its lock files say is left from a process that died. */
	clear_stale_locks(repo, id);
	return fd;
}

void run_release(git_repository *repo, const char *id, int fd)
{
	char path[4096];

	if (fd < 0)
		return;
	if (claim_path(repo, id, path, sizeof(path)) == 0)
		(void)unlink(path);
	close(fd);
}
