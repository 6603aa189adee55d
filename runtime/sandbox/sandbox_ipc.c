/* sandbox_ipc.c — framed SEQPACKET messages (see sandbox_ipc.h). */
#include "runtime/sandbox/sandbox_ipc.h"
#include "common/error.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sbx_send_msg(int fd, const void *msg, size_t len)
{
	ssize_t n;

	do
		n = send(fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -CORDON_ESYS;
	return (size_t)n == len ? 0 : -CORDON_EPROTO;
}

int sbx_send_bytes(int fd, const void *p, size_t n)
{
	const char *c = p;
	int r;

	while (n) {
		size_t k = n < SBX_CHUNK ? n : SBX_CHUNK;

		r = sbx_send_msg(fd, c, k);
		if (r < 0)
			return r;
		c += k;
		n -= k;
	}
	return 0;
}

#define SBX_BATCH 16

static int send_batch(int fd, struct mmsghdr *mm, unsigned n)
{
	unsigned sent = 0;

	while (sent < n) {
		int r = sendmmsg(fd, mm + sent, n - sent, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -CORDON_ESYS;
		for (int j = 0; j < r; j++)
			if (mm[sent + (unsigned)j].msg_len != mm[sent + (unsigned)j].msg_hdr.msg_iov->iov_len)
				return -CORDON_EPROTO;
		sent += (unsigned)r;
	}
	return 0;
}

int sbx_send_records(int fd, const struct iovec *parts, size_t nparts)
{
	struct mmsghdr mm[SBX_BATCH];
	struct iovec iov[SBX_BATCH];
	unsigned n = 0;
	size_t i;
	int r;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < nparts; i++) {
		const char *p = parts[i].iov_base;
		size_t left = parts[i].iov_len;

		do {
			size_t k = i == 0 || left < SBX_CHUNK ? left : SBX_CHUNK;

			if (i > 0 && k == 0)
				break; /* an empty part is no record */
			iov[n].iov_base = (void *)p;
			iov[n].iov_len = k;
			mm[n].msg_hdr.msg_iov = &iov[n];
			mm[n].msg_hdr.msg_iovlen = 1;
			if (++n == SBX_BATCH) {
				if ((r = send_batch(fd, mm, n)) < 0)
					return r;
				n = 0;
			}
			p += k;
			left -= k;
		} while (left);
	}
	return n ? send_batch(fd, mm, n) : 0;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -CORDON_ESYS;
	return r == 0 ? -CORDON_ETIMEOUT : 0;
}

static ssize_t recv_one(int fd, void *p, size_t len, int timeout_ms)
{
	ssize_t n;
	int r;

	/* Most messages are already queued (the peer sends them back to back): no poll then. */
	do
		n = recv(fd, p, len, MSG_TRUNC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		r = wait_readable(fd, timeout_ms);
		if (r < 0)
			return r;
		do
			n = recv(fd, p, len, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return -CORDON_ESYS;
	if (n == 0 || (size_t)n > len)
		return -CORDON_EPROTO;
	return n;
}

int sbx_recv_msg(int fd, void *msg, size_t len, int timeout_ms)
{
	ssize_t n = recv_one(fd, msg, len, timeout_ms);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -CORDON_EPROTO;
}

int sbx_recv_bytes(int fd, struct buf *out, size_t n, int timeout_ms)
{
	char *tmp = malloc(SBX_CHUNK);
	int r = 0;

	if (!tmp)
		return -CORDON_ENOMEM;
	while (n) {
		ssize_t k = recv_one(fd, tmp, SBX_CHUNK, timeout_ms);

		if (k < 0) {
			r = (int)k;
			break;
		}
		if ((size_t)k > n) {
			r = -CORDON_EPROTO;
			break;
		}
		r = buf_append(out, tmp, (size_t)k);
		if (r < 0)
			break;
		n -= (size_t)k;
	}
	free(tmp);
	return r;
}

int sbx_send_fd(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -CORDON_ESYS;
	return (size_t)n == len ? 0 : -CORDON_EPROTO;
}

int sbx_recv_fd(int sock, void *msg, size_t len, int *out_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	*out_fd = -1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -CORDON_ESYS;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(out_fd, CMSG_DATA(cm), sizeof(int));
	if (n == 0)
		return -CORDON_EPROTO;
	if ((size_t)n != len || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*out_fd >= 0)
			close(*out_fd);
		*out_fd = -1;
		return -CORDON_EPROTO;
	}
	return 0;
}

static int next_string(const char **p, const char *end, const char **out)
{
	const char *z = memchr(*p, '\0', (size_t)(end - *p));

	if (!z)
		return -CORDON_EPROTO;
	*out = *p;
	*p = z + 1;
	return 0;
}

int sbx_payload_parse(const struct sbx_req *req, unsigned nprofiles, size_t nfns,
		      const char *data, size_t len, struct sbx_payload *out)
{
	const char *p = data, *end;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (req->magic != SBX_MAGIC || req->profile >= nprofiles || req->fn < -1 ||
	    (req->fn >= 0 && (size_t)req->fn >= nfns) || req->argc > SBX_MAX_ARGS ||
	    req->envc > SBX_MAX_ARGS || req->payload_len > SBX_MAX_REQUEST ||
	    req->payload_len != len || req->input_len > req->payload_len ||
	    (req->fn < 0 && req->argc == 0))
		return -CORDON_EPROTO;
	end = data + (len - req->input_len);
	out->argv = calloc((size_t)req->argc + 1, sizeof(char *));
	out->env = calloc((size_t)req->envc + 1, sizeof(char *));
	if (!out->argv || !out->env) {
		sbx_payload_release(out);
		return -CORDON_ENOMEM;
	}
	if (next_string(&p, end, &out->cwd) < 0)
		goto bad;
	for (i = 0; i < req->argc; i++)
		if (next_string(&p, end, &out->argv[i]) < 0)
			goto bad;
	for (i = 0; i < req->envc; i++)
		if (next_string(&p, end, &out->env[i]) < 0)
			goto bad;
	if (p != end)
		goto bad;
	out->input = end;
	out->input_len = req->input_len;
	return 0;
bad:
	sbx_payload_release(out);
	return -CORDON_EPROTO;
}

void sbx_payload_release(struct sbx_payload *p)
{
	free(p->argv);
	free(p->env);
	p->argv = NULL;
	p->env = NULL;
}
