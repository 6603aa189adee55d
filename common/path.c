/* path.c — lexical path normalisation (see path.h). */
#include "common/path.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int path_normalize(char *out, size_t size, const char *path, const char *base)
{
	const char *part[2];
	size_t segstart[PATH_NORM_MAX_SEGS];
	size_t nseg = 0, o = 0, n;
	int k;

	if (!path || !*path || size < 2)
		return -CORDON_EINVAL;
	if (path[0] != '/' && (!base || base[0] != '/'))
		return -CORDON_EINVAL;
	/* The base (when the path is relative) and then the path, folded by
	 * the same segment logic: no joined copy, no length limit on the way. */
	part[0] = path[0] == '/' ? "" : base;
	part[1] = path;
	out[o++] = '/';
	for (k = 0; k < 2; k++) {
		const char *p = part[k];

		while (*p) {
			while (*p == '/')
				p++;
			if (!*p)
				break;
			for (n = 0; p[n] && p[n] != '/'; n++)
				;
			if (n == 1 && p[0] == '.') {
				/* nothing */
			} else if (n == 2 && p[0] == '.' && p[1] == '.') {
				if (nseg > 0)
					o = segstart[--nseg];
			} else {
				if (nseg >= PATH_NORM_MAX_SEGS)
					return -CORDON_ETOOBIG;
				/* A segment starts at the slash before it, or right
				 * after the root's slash for the first one. */
				segstart[nseg++] = o;
				if (o > 1)
					out[o++] = '/';
				if (o + n >= size || o + n > PATH_NORM_MAX)
					return -CORDON_ETOOBIG;
				memcpy(out + o, p, n);
				o += n;
			}
			p += n;
		}
	}
	out[o] = '\0';
	return 0;
}

int path_normalize_dup(char **out, const char *path, const char *base)
{
	char tmp[PATH_NORM_MAX + 1];
	int rc;

	*out = NULL;
	rc = path_normalize(tmp, sizeof(tmp), path, base);
	if (rc < 0)
		return rc;
	*out = strdup(tmp);
	return *out ? 0 : -CORDON_ENOMEM;
}

int path_resolve(char *out, size_t size, const char *path, const char *cwd, const char *home)
{
	if (path && path[0] == '~' && (path[1] == '/' || !path[1])) {
		const char *rest = path + 1;

		if (!home || home[0] != '/')
			return -CORDON_EINVAL;
		/* "~//x" is HOME/x too: the rest is always relative to HOME. */
		while (*rest == '/')
			rest++;
		return path_normalize(out, size, *rest ? rest : ".", home);
	}
	return path_normalize(out, size, path, cwd);
}

bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	if (strncmp(path, dir, n))
		return false;
	return path[n] == '\0' || path[n] == '/';
}
