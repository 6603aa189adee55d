/*
 * profile.h — the sandbox profiles a tool call can run under, as pure data.
 *
 * A profile names what a child may do (docs/sandbox.md, "Profiles"). This
 * header holds everything about a profile that is a decision rather than a
 * syscall, so it can be unit-tested without a kernel:
 *
 *   - the sandbox layers (enum sandbox_layer) and their names, which
 *     settings (`sandbox.require`) and `cordon sandbox --require` use;
 *   - the Landlock rights per profile and kind of path (profile_fs_rules());
 *     the bits mirror the kernel's LANDLOCK_ACCESS_FS_* positions, and the
 *     runtime drops the ones the running kernel's ABI does not know;
 *   - the seccomp rule tables (profile_seccomp()), compiled by runtime/sandbox/seccomp.c;
 *   - the protected paths inside a writable workspace;
 *   - the environment allowlist for children.
 *
 * runtime/ applies these; nothing here makes a system call.
 */
#ifndef CORDON_POLICY_PROFILE_H
#define CORDON_POLICY_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sandbox_profile {
	PROFILE_READONLY, /* Read, Grep, Glob: cordon's own code, read the roots */
	PROFILE_WRITE,    /* Write, Edit: read-write workspace minus protected paths */
	PROFILE_BASH,     /* Bash: exec, read system dirs, write workspace + tmp */
	PROFILE_FETCH,    /* WebFetch: no files, only the vetted connection */
	PROFILE_COMPUTE,  /* TodoWrite and other pure validation: no files at all */
	PROFILE__COUNT
};

/* "readonly", "write", "bash", "fetch", "compute". */
const char *profile_name(enum sandbox_profile p);

/* Parse a name as above; -1 when unknown. */
int profile_from_name(const char *name);

/* ---- layers ------------------------------------------------------------ */

enum sandbox_layer {
	LAYER_USERNS,   /* user namespace mapping only the caller's ids */
	LAYER_MOUNTNS,  /* mount view: ro system dirs, rw workspace, private /tmp */
	LAYER_PIDNS,    /* warden is pid 1, fresh /proc */
	LAYER_NETNS,    /* loopback only */
	LAYER_LANDLOCK, /* per-profile filesystem (and TCP) rights */
	LAYER_SECCOMP,  /* per-profile syscall filter */
	LAYER_CGROUP,   /* memory, pids, cpu limits per call */
	LAYER_CAPS,     /* every capability dropped, securebits locked */
	LAYER_RLIMITS,  /* NPROC, FSIZE, NOFILE, CPU, CORE=0, ... */
	LAYER__COUNT
};

#define LAYER_BIT(l) (1u << (l))
#define LAYER_ALL ((1u << LAYER__COUNT) - 1)
/* What "namespaced mode" means: the four namespaces a session's view is made of. */
#define LAYER_NAMESPACES (LAYER_BIT(LAYER_USERNS) | LAYER_BIT(LAYER_MOUNTNS) | LAYER_BIT(LAYER_PIDNS) | LAYER_BIT(LAYER_NETNS))

/* "userns", "mountns", "pidns", "netns", "landlock", "seccomp", "cgroup", "caps", "rlimits". */
const char *layer_name(enum sandbox_layer l);

/* Parse a layer name (exact, lowercase); -1 when unknown. */
int layer_from_name(const char *name);

/*
 * A layer name, or a group: "all", "namespaces" (LAYER_NAMESPACES), as a
 * LAYER_BIT mask. Returns 0, or -CORDON_EINVAL for an unknown name.
 */
int layer_mask_from_name(const char *name, unsigned *mask);

/*
 * Parse a comma-separated list of layer names ("landlock,seccomp"; "all";
 * "namespaces";
 * "" or "none" = 0) into a LAYER_BIT mask. Returns 0, or -CORDON_EINVAL with
 * the offending name copied into bad (when bad is non-NULL).
 */
int layer_parse_list(unsigned *out, const char *list, char *bad, size_t badsize);

/* Write "a,b,c" for a mask into buf (truncated to size). Returns buf. */
const char *layer_format_list(unsigned mask, char *buf, size_t size);

/* ---- Landlock ------------------------------------------------------------ */

/* Bit positions as in the kernel uapi (Debian 12's header lacks the newer ones). */
#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_WRITE_FILE (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_REMOVE_DIR (1ull << 4)
#define LL_FS_REMOVE_FILE (1ull << 5)
#define LL_FS_MAKE_CHAR (1ull << 6)
#define LL_FS_MAKE_DIR (1ull << 7)
#define LL_FS_MAKE_REG (1ull << 8)
#define LL_FS_MAKE_SOCK (1ull << 9)
#define LL_FS_MAKE_FIFO (1ull << 10)
#define LL_FS_MAKE_BLOCK (1ull << 11)
#define LL_FS_MAKE_SYM (1ull << 12)
#define LL_FS_REFER (1ull << 13)    /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */

/* Rights that only make sense on directories (EINVAL on a file rule). */
#define LL_FS_DIR_ONLY                                                                        \
	(LL_FS_READ_DIR | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | \
	 LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM |   \
	 LL_FS_REFER)

#define LL_FS_READ (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FS_ALL ((1ull << 16) - 1)

/* Which paths a rule is about; the runtime turns each kind into real paths. */
enum fs_kind {
	FS_WORKSPACE, /* the workspace root */
	FS_READ_ROOTS, /* extra read roots given by the policy */
	FS_SYSTEM,    /* profile_system_dirs() that exist */
	FS_TMP,       /* private /tmp (or the session temp dir when degraded) */
	FS_DEV,       /* profile_dev_files(): file rules */
	FS_PROC,      /* /proc */
	FS_CA,        /* CA certificate directories (fetch) */
	FS_VIEW_ROOT, /* "/" of the private mount view; only applied in namespaced mode */
};

struct fs_rule {
	enum fs_kind kind;
	uint64_t rights; /* LL_FS_* */
};

/*
 * The Landlock rules of a profile. with_exec: the command runs an exec'd
 * program (`cordon sandbox --profile readonly|write`), so system dirs get
 * READ + EXECUTE as well. Returns the count; *out is static.
 */
size_t profile_fs_rules(enum sandbox_profile p, bool with_exec, const struct fs_rule **out);

/* The handled (denied-unless-granted) fs rights: everything the ABI knows. */
#define PROFILE_FS_HANDLED LL_FS_ALL

/* Landlock scopes (ABI 6): abstract unix sockets and signals. True for every profile. */
bool profile_landlock_scoped(enum sandbox_profile p);

/*
 * True when a function call of profile p can change nothing anyone else
 * can see: no write right in its Landlock rules, no network, no process
 * creation (readonly, compute). Such a call may be answered once it said
 * it is done and was sent SIGKILL, before the kernel has torn it down.
 */
bool profile_inert(enum sandbox_profile p);

/* NULL-terminated lists of absolute paths. */
const char *const *profile_system_dirs(void);
const char *const *profile_dev_files(void);
const char *const *profile_ca_dirs(void);

/* True when an absolute path is a system directory or lies below one. */
bool profile_system_path(const char *path);

/*
 * Secrets in the system directories that the mount view masks (an empty
 * read-only file or directory over each match), by pattern: absolute
 * paths whose last component may be an fnmatch(3) pattern
 * ("/etc/shadow*" covers shadow, shadow- and shadow.dpkg-old). Every
 * directory part is literal. NULL-terminated.
 */
const char *const *profile_secret_patterns(void);

/* ---- seccomp ------------------------------------------------------------- */

enum sc_action {
	SC_ALLOW,
	SC_ERRNO,  /* return -err */
	SC_KILL,   /* kill the process (SIGSYS) */
	SC_NOTIFY, /* ask the session's notifier (SECCOMP_RET_USER_NOTIF; the filter needs a listener) */
};

enum sc_op { SC_EQ, SC_NE, SC_LT, SC_LE, SC_GT, SC_GE, SC_MASKED_EQ };

struct sc_cmp {
	unsigned arg;  /* 0..5 */
	enum sc_op op;
	uint64_t a;    /* the value, or the mask for SC_MASKED_EQ */
	uint64_t b;    /* the value for SC_MASKED_EQ */
};

#define SC_MAX_CMP 3

struct sc_rule {
	const char *syscall; /* name as libseccomp knows it; unknown names are skipped */
	enum sc_action action;
	int err;             /* errno for SC_ERRNO */
	unsigned ncmp;       /* 0 = unconditional; several = ANDed */
	struct sc_cmp cmp[SC_MAX_CMP];
};

/*
 * A filter as data: a default action plus rules. Rules with the same syscall
 * and action but different conditions are ORed; one rule compares each
 * argument at most once (libseccomp 2.5). libseccomp lets an unconditional
 * rule override conditional ones for the same syscall, so "allowed except
 * ..." is an unconditional allow here plus denials in the overlay.
 */
struct sc_filter {
	enum sc_action def;
	int def_err;
	const struct sc_rule *const *parts; /* NULL-terminated list of rule arrays */
	const size_t *counts;               /* rule count of each part */
	const char *const *allow_names;     /* NULL-terminated plain allowlist, or NULL */
	/*
	 * A second filter stacked on top (loaded after this one), for rules of
	 * the form "allowed except ..."; the kernel applies the most
	 * restrictive result of both. NULL when there is none. An overlay may
	 * have an overlay of its own (at most three programs in all); a filter
	 * with SC_NOTIFY rules must be the last of its chain (it is loaded
	 * with a listener).
	 */
	const struct sc_filter *overlay;
	/*
	 * Numbers libseccomp does not know (newer syscalls, gaps) return ENOSYS
	 * instead of the default, so programs take their fallback paths
	 * (runc#2151). Only for filters whose default is an errno.
	 */
	bool enosys_unknown;
};

/*
 * The seccomp filter of a profile. net: AF_INET/AF_INET6 sockets allowed
 * (only meaningful for bash). exec: the child exec's a program (the bash
 * filter is used for every exec'd program, whatever its Landlock profile).
 */
const struct sc_filter *profile_seccomp(enum sandbox_profile p, bool net, bool exec);

/*
 * The exec filter (network off) for sessions without network and IPC
 * namespaces (degraded mode): also refuses socket() of any family and
 * SysV/POSIX IPC, which would reach the host's objects there.
 */
const struct sc_filter *profile_seccomp_exec_unisolated(void);

/*
 * The filter of an exec'd command of profile p: the exec filter for the
 * network setting, for a session with network and IPC namespaces
 * (isolated) or without (degraded: see profile_seccomp_exec_unisolated();
 * its chain ends with the metadata notifier's program). A read-only
 * profile's chain ends with a program that refuses every metadata write
 * (EROFS) instead.
 */
const struct sc_filter *profile_seccomp_exec(enum sandbox_profile p, bool net, bool isolated);

/*
 * The filter of a function kind's zygote (runtime/sandbox/warden_zygote.h): the
 * function filter of profile p plus the zygote's loop (recvmsg, wait4,
 * fork) and a spare's own setup. Bash has no variant: its filter allows all that.
 */
const struct sc_filter *profile_seccomp_zygote(enum sandbox_profile p);

/* Stacked by each function spare of a zygote: process creation refused (EPERM), threads allowed. */
const struct sc_filter *profile_seccomp_spawned(void);

/*
 * The notifier's own filter (runtime/sandbox/warden_notify.h): what its
 * loop and its answers need, default kill. Not a profile: it may read the
 * blocked caller (pidfd_getfd, process_vm_readv), which no profile may.
 */
const struct sc_filter *profile_seccomp_notifier(void);

/* Syscalls that must never be allowed in any profile (the always-deny set). */
const char *const *profile_always_denied(void);

/* ---- protected paths and environment ------------------------------------ */

/*
 * Paths relative to the workspace that stay read-only even though the
 * workspace is writable (.git/hooks, .git/config, shell rc files, agent
 * settings, ...). NULL-terminated.
 */
const char *const *profile_protected_paths(void);

/* True when a protected path (as listed above) is a directory when it exists. */
bool profile_protected_is_dir(const char *path);

/* True when a path relative to the workspace is, or is below, a protected path. */
bool profile_path_protected(const char *relpath);

/*
 * The policy default list of guarded names: a file or directory with one
 * of these names, at any depth in the workspace, is configuration or code
 * that some program reads when the user later works there (.git, .vscode/,
 * .envrc, .claude/, .husky/, .cargo/, *.code-workspace, ...). The mount view
 * pins the ones that exist at open read-only, a command that creates one is
 * caught at its call's end, and the file tools refuse them all. Entries
 * ending in '/' are directories; "*.x" is a suffix. NULL-terminated.
 */
const char *const *profile_guarded_names(void);

/* Whether the n bytes at name (one path component) are a guarded name (any case). */
bool profile_guarded_name(const char *name, size_t n);

/* Whether any component of a relative path is a guarded name. */
bool profile_guarded_path(const char *rel);

/*
 * True when an environment variable called `name` may be passed into a
 * child: on the allowlist and not secret-looking (*KEY*, *TOKEN*, *SECRET*,
 * *PASSWORD*, AWS_*, ... are always refused). Case-insensitive for the
 * secret patterns.
 */
bool profile_env_allowed(const char *name);

/* Defaults a child's environment gets on top of the allowed variables ("K=V", NULL-terminated). */
const char *const *profile_env_defaults(void);

/* ---- limits -------------------------------------------------------------- */

struct profile_limits {
	uint64_t nproc;      /* RLIMIT_NPROC */
	uint64_t fsize;      /* RLIMIT_FSIZE bytes */
	uint64_t nofile;     /* RLIMIT_NOFILE */
	uint64_t cpu_s;      /* RLIMIT_CPU seconds */
	uint64_t memlock;    /* RLIMIT_MEMLOCK bytes */
	uint64_t msgqueue;   /* RLIMIT_MSGQUEUE bytes */
	uint64_t mem_bytes;  /* cgroup memory limit */
	uint64_t pids;       /* cgroup pids limit */
	unsigned cpu_pct;    /* cgroup cpu quota, percent of one CPU (100 = 1 CPU) */
};

/* The default limits of a profile. */
const struct profile_limits *profile_default_limits(enum sandbox_profile p);

#endif
