/*
 * sandbox_ipc.h — the small framed protocol between supervisor, warden and
 * call code (warden_call.h), over socketpair(SOCK_SEQPACKET).
 *
 * Control socket (supervisor ↔ warden): the warden first sends one
 * struct sbx_ready; then each call is one SBX_MSG_CALL message carrying a
 * fresh per-call SEQPACKET socket (SCM_RIGHTS). On the per-call socket the
 * supervisor sends struct sbx_req followed by payload_len bytes in messages
 * of at most SBX_CHUNK; the warden answers with struct sbx_resp
 * followed by out_len + err_len + reply_len bytes the same way.
 *
 * Tickets (docs/sandbox.md, "Calls straight to a spare"): with the result
 * of an exec'd call the warden may hand the supervisor the call pipe of the
 * kind's next spare (resp.ticket != 0: one SBX_MSG_TICKET message with the
 * pipe's write end follows the result bytes). The supervisor writes the
 * next such call (header and payload, as the warden would) straight into
 * it and then sends the request as usual with SBX_F_TICKET and the ticket:
 * the warden adopts that spare instead of handing the call to one. A
 * ticket the supervisor could not write to comes back with
 * SBX_F_TICKET_BACK: the warden drops its spare.
 *
 * Every length is checked against a ceiling before anything is allocated;
 * a message of the wrong size or magic is -CORDON_EPROTO.
 */
#ifndef CORDON_RUNTIME_SANDBOX_IPC_H
#define CORDON_RUNTIME_SANDBOX_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define SBX_MAGIC 0x636f7264u
#define SBX_CHUNK 32768u
#define SBX_MAX_REQUEST (64u << 20) /* bytes of one call's payload */
#define SBX_MAX_ARGS 4096u

#define SBX_MSG_CALL 1u
#define SBX_MSG_TICKET 2u /* after a result: a spare's call pipe (SCM_RIGHTS) */
#define SBX_F_EXEC 0x1u
#define SBX_F_NET 0x2u
#define SBX_F_FD 0x4u   /* one SCM_RIGHTS message with a descriptor follows the payload */
#define SBX_F_TICKET 0x8u       /* the spare of req.ticket has this call already */
#define SBX_F_TICKET_BACK 0x10u /* req.ticket given back unused: drop its spare */

struct sbx_ready {
	uint32_t magic;
	uint32_t layers;   /* session layers (LAYER_BIT) */
	int32_t status;    /* 0, or negative CORDON_E*: the warden could not start */
	uint32_t egress_port; /* the egress forwarder's port on the session's loopback; 0: no route */
	char reason[224];  /* degraded mode or failure, one line */
};

struct sbx_msg {
	uint32_t magic;
	uint32_t type;
};

struct sbx_req {
	uint32_t magic;
	uint32_t profile;
	uint32_t flags;
	uint32_t timeout_ms;
	uint64_t max_output;
	uint64_t max_reply;
	int32_t fn;         /* index into the registered functions; -1 = exec */
	uint32_t argc;
	uint32_t envc;
	uint32_t require;
	uint64_t payload_len; /* cwd\0 argv...\0 env...\0 then input bytes */
	uint64_t input_len;
	uint32_t ticket;      /* with SBX_F_TICKET or SBX_F_TICKET_BACK, else 0 */
	uint32_t reserved;
};

struct sbx_resp {
	uint32_t magic;
	uint32_t end;        /* enum sandbox_end */
	int32_t exit_code;
	int32_t signal;
	int32_t syscall_nr;  /* -1 when unknown */
	uint32_t layers;
	uint32_t truncated;  /* 1 = stdout, 2 = stderr */
	uint32_t elapsed_ms;
	uint32_t ticket;     /* 0, or a ticket whose SBX_MSG_TICKET follows the bytes */
	uint32_t reserved;
	uint64_t out_len, err_len, reply_len;
	char setup_error[256];
};

/* The call's payload, split (pointers into the payload bytes, which must outlive it). */
struct sbx_payload {
	const char *cwd;
	const char **argv;  /* argc + 1 entries, NULL-terminated; malloc'd */
	const char **env;   /* envc + 1 entries, NULL-terminated; malloc'd */
	const void *input;
	size_t input_len;
};

/*
 * Check a request header against the ceilings (magic, profile < nprofiles,
 * fn < nfns or -1, argc/envc <= SBX_MAX_ARGS, sizes) and split its payload:
 * cwd, argc strings, envc strings (each NUL-terminated), then input_len
 * bytes, nothing else. Returns 0 or -CORDON_EPROTO; -CORDON_ENOMEM.
 * Release with sbx_payload_release().
 */
int sbx_payload_parse(const struct sbx_req *req, unsigned nprofiles, size_t nfns,
		      const char *data, size_t len, struct sbx_payload *out);
void sbx_payload_release(struct sbx_payload *p);

/* Send one fixed-size message. -CORDON_ESYS (EPIPE when the peer is gone). */
int sbx_send_msg(int fd, const void *msg, size_t len);

/* Send n bytes as messages of at most SBX_CHUNK. */
int sbx_send_bytes(int fd, const void *p, size_t n);

/*
 * sbx_send_msg(parts[0]) then sbx_send_bytes() of every other part, in as
 * few sendmmsg() calls as the records allow: the peer finds them all queued
 * when it wakes, instead of waking once per record. Same records, same
 * order, same errors.
 */
struct iovec;
int sbx_send_records(int fd, const struct iovec *parts, size_t nparts);

/*
 * Receive one message of exactly len bytes, waiting at most timeout_ms (-1 =
 * forever). -CORDON_EPROTO for EOF or a wrong size, -CORDON_ETIMEOUT.
 */
int sbx_recv_msg(int fd, void *msg, size_t len, int timeout_ms);

/* Receive exactly n bytes (chunked) and append them to out (its ceiling applies). */
int sbx_recv_bytes(int fd, struct buf *out, size_t n, int timeout_ms);

/* Send a message carrying fd (SCM_RIGHTS). */
int sbx_send_fd(int sock, const void *msg, size_t len, int fd);

/* Receive a message of len bytes and the fd it carries (*out_fd = -1 if none). */
int sbx_recv_fd(int sock, void *msg, size_t len, int *out_fd);

#endif
