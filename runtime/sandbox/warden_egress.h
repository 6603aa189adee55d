/*
 * warden_egress.h — the in-sandbox end of Bash's egress route (warden side).
 *
 *	unsigned port;
 *	pid_t pid = wegress_start(cfg->egress_fd, &port);   pid 1, view built, before serving
 *
 * The session's network namespace has only its loopback. When the policy
 * allows domains, the supervisor runs an HTTP proxy (runtime/session/
 * egress.h) and hands the warden one end of a socketpair (the channel).
 * wegress_start() binds 127.0.0.1 on a port the kernel picks, inside the
 * namespace, and forks the forwarder, a process that only accepts TCP
 * connections there and passes each accepted socket over the channel
 * (SCM_RIGHTS, one message each); the supervisor's proxy then speaks
 * HTTP on it. Commands get HTTP_PROXY=http://127.0.0.1:PORT.
 *
 * Why it cannot be more than a way to the proxy: the forwarder holds the
 * listening socket and the channel and nothing else (every other
 * descriptor closed), runs with the warden's credentials (no capability,
 * NO_NEW_PRIVS, inside every namespace of the session), connects nowhere
 * and reads no byte of what it accepts. The channel is a socketpair: no
 * path or abstract name any other process could connect to, so the proxy
 * is reachable from this sandbox only. A command that kills the forwarder
 * (same uid) only loses its own route.
 */
#ifndef CORDON_RUNTIME_WARDEN_EGRESS_H
#define CORDON_RUNTIME_WARDEN_EGRESS_H

#include <sys/types.h>

/* What one channel message carries besides the descriptor. */
#define WEGRESS_MAGIC 0x65677231u /* "egr1" */
/* Connections the listening socket queues before the forwarder accepts them. */
#define WEGRESS_BACKLOG 64

/*
 * Bind 127.0.0.1:0 in the current network namespace, fork the forwarder
 * with chan, and close both in the caller. Returns the forwarder's pid
 * with *port set, or -1 (errno set, chan closed) when nothing listens.
 */
pid_t wegress_start(int chan, unsigned *port);

#endif
