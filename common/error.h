/*
 * error.h — cordon's error codes and parser diagnostics.
 *
 * Functions that can fail return int: 0 on success or a negative CORDON_E*
 * code. For CORDON_ESYS the failing system call left errno set; callers that
 * report the error should do so before making another call that may clobber
 * it. cordon_strerror() names a code in lowercase, for messages such as
 * "cannot open 'x': <name>".
 *
 * Parsers of outside bytes also fill a struct cordon_diag: one lowercase line
 * saying what is wrong, plus where (file, 1-based line and column; 0 when
 * unknown). A diag is plain data, safe to copy, never owns memory.
 */
#ifndef CORDON_COMMON_ERROR_H
#define CORDON_COMMON_ERROR_H

#include <stddef.h>

enum cordon_err {
	CORDON_OK = 0,
	CORDON_ESYS = 1,         /* a system call failed; see errno */
	CORDON_ENOMEM = 2,       /* allocation failed */
	CORDON_EINVAL = 3,       /* bad argument or input */
	CORDON_EPARSE = 4,       /* malformed input; see the diag */
	CORDON_ETOOBIG = 5,      /* a ceiling was reached */
	CORDON_ENOTFOUND = 6,    /* no such file, agent, tool, ... */
	CORDON_EDENIED = 7,      /* refused by policy */
	CORDON_EUNSUPPORTED = 8, /* the kernel or build lacks a feature */
	CORDON_ETIMEOUT = 9,     /* a deadline passed */
	CORDON_EPROTO = 10,      /* a peer broke the IPC or wire protocol */
	CORDON_EKILLED = 11,     /* a child was killed */
	CORDON_E_MAX
};

/* The lowercase name of a code; accepts positive or negative values. */
const char *cordon_strerror(int err);

#define CORDON_DIAG_MSG 512
#define CORDON_DIAG_FILE 256

struct cordon_diag {
	char msg[CORDON_DIAG_MSG];
	char file[CORDON_DIAG_FILE];
	int line;   /* 1-based; 0 when not known */
	int column; /* 1-based; 0 when not known */
};

/* Clear a diag. */
void diag_clear(struct cordon_diag *d);

/*
 * Set the message (printf-style) and position of a diag; d may be NULL.
 * Always returns -CORDON_EPARSE so parsers can write
 *	return diag_set(d, line, col, "unexpected '%c'", c);
 */
int diag_set(struct cordon_diag *d, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Set the file name a diag refers to (copied, truncated if long). */
void diag_set_file(struct cordon_diag *d, const char *file);

/*
 * Format "file:line:column: msg" (parts that are unknown left out) into buf.
 * Returns buf.
 */
const char *diag_format(const struct cordon_diag *d, char *buf, size_t size);

#endif
