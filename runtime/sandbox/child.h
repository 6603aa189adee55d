/*
 * child.h — the confined tool child, from fork to exec (or to the function).
 *
 * Runs on the untrusted side: child_run() is called right after fork() (a
 * function) or vfork() (an exec) in the single-threaded warden or a call
 * manager, so libc's allocator is usable, and never returns. Order, each step checked, any
 * failure reported over status_fd as {stage, errno} and _exit(125):
 *
 *   1 setsid, PDEATHSIG(SIGKILL), join the call's cgroup
 *   2 fds: stdin /dev/null, stdout/stderr pipes, fd 3 reply (function) or the
 *     close-on-exec status pipe (exec), fd 4 the status pipe (function), fd 5
 *     a descriptor passed with the call (WebFetch's vetted socket); close_range
 *     everything else
 *   3 rlimits, chdir(cwd)
 *   4 capabilities dropped, securebits locked
 *   5 PR_SET_NO_NEW_PRIVS
 *   6 environment: only what the warden built from the allowlist
 *   7 Landlock (profile rules), 8 seccomp (precompiled BPF), last
 *   9 execvpe() the command, or run the function and write its reply to fd 3
 *
 * For functions (conf.report_sigsys) the seccomp default action is TRAP
 * instead of KILL_PROCESS: the SIGSYS handler writes one CHILD_SIGSYS record
 * (the refused syscall's number and audit arch) on the status pipe and
 * re-enters the filter with SIGSYS blocked, which makes the kernel kill the
 * process with SIGSYS. The refused syscall never runs either way; the
 * record is advisory (untrusted): the warden names the syscall only when
 * the child did die of SIGSYS.
 */
#ifndef CORDON_RUNTIME_CHILD_H
#define CORDON_RUNTIME_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/profile.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/sandbox/seccomp.h"

#define CHILD_MAX_CGROUPS 4
#define CHILD_EXIT_SETUP 125
/* Where a call's passed descriptor (sandbox_call.pass_fd) appears in the child. */
#define CHILD_PASS_FD 5
/* Where the prebuilt Landlock ruleset sits until it is enforced (then closed). */
#define CHILD_RULESET_FD 6
/* A spare's call pipe (close-on-exec; closed once the call is read). */
#define CHILD_CALL_FD 7
/* The notifier's socket (warden_notify.h) until the listener is handed over (then closed). */
#define CHILD_NOTIFY_FD 8

enum child_stage {
	CHILD_OK = 0, /* setup done; layers tells what was applied */
	CHILD_SETSID = 1,
	CHILD_CGROUP,
	CHILD_FDS,
	CHILD_RLIMITS,
	CHILD_CWD,
	CHILD_CAPS,
	CHILD_NNP,
	CHILD_LANDLOCK,
	CHILD_SECCOMP,
	CHILD_EXEC,
	CHILD_FUNCTION,
	/*
	 * Not a failure: a function's last record (err: its exit code),
	 * written after it closed its output pipes and right before it exits.
	 */
	CHILD_DONE = 100,
	/*
	 * Not a failure either: the seccomp filter refused a syscall (err: its
	 * number, layers: the audit arch); the process dies of SIGSYS next.
	 */
	CHILD_SIGSYS = 101,
};

/* One record on the status pipe. */
struct child_status {
	int32_t stage;  /* enum child_stage */
	int32_t err;    /* errno */
	uint32_t layers; /* LAYER_BIT of what the child applied */
};

/* The confinement part of a child (steps 3-8 minus cwd and environment). */
struct child_confine {
	enum sandbox_profile profile;
	bool with_exec;      /* Landlock: exec'd command (system dirs readable+executable) */
	const struct profile_limits *limits; /* NULL: no rlimits */
	const struct landlock_paths *ll;
	int ll_abi;          /* < 1: Landlock unavailable (skipped) */
	/*
	 * ll_prebuilt: enforce the ruleset fd ll_fd (built once per session by
	 * the warden, landlock_build()) instead of building one from ll, and
	 * close it right after: the fd never reaches the call's own code.
	 */
	bool ll_prebuilt;
	int ll_fd;
	const struct seccomp_prog *prog; /* NULL: seccomp unavailable (skipped) */
	bool report_sigsys;  /* install the SIGSYS reporter: a CHILD_SIGSYS record on status_fd */
	int prog_inherited;  /* leading programs of prog the process has already (the exec base) */
	int status_fd;       /* >= 0: write the CHILD_OK record here before seccomp */
	/*
	 * >= 0: the notifier's socket; a program of prog with a listener
	 * (prog->listen) hands it there (wnotify_hand()) and closes this fd.
	 * -1: no notifier (then such a program fails the seccomp step).
	 */
	int notify_sock;
	uint32_t base_layers; /* layers applied before (cgroup), for that record */
};

/*
 * Confine the calling process in place: rlimits, capabilities, NO_NEW_PRIVS,
 * Landlock, seccomp. Returns 0 and the applied layers, or the failing
 * enum child_stage (errno set). Used by child_run() and by unit tests.
 */
int child_confine(const struct child_confine *c, uint32_t *out_layers);

struct child_spec {
	int out_fd, err_fd, reply_fd, status_fd;
	int pass_fd;         /* moved to CHILD_PASS_FD; -1 = none */
	int ll_fd;           /* prebuilt ruleset (conf.ll_prebuilt), moved to CHILD_RULESET_FD */
	int call_fd;         /* a spare's call pipe, moved to CHILD_CALL_FD; -1 = none */
	int notify_fd;       /* the notifier's socket, moved to CHILD_NOTIFY_FD; -1 = none */
	pid_t parent;        /* the forking process: a different parent means it died */
	int cg_procs[CHILD_MAX_CGROUPS]; /* cgroup.procs fds to join; -1 = none */
	const char *cwd;     /* chdir before confinement (child_setup) */
	const char *call_cwd; /* chdir after it (child_start; a spare's call), NULL = none */
	bool stdin_is_null;  /* fd 0 is /dev/null already (a zygote's spare): use it */
	char *const *argv;   /* exec */
	char *const *envp;   /* the whole environment of the child */
	const struct sandbox_fn *fn; /* function, or NULL to exec */
	const void *input;
	size_t input_len;
	size_t max_reply;
	struct child_confine conf;
};

/* Apply everything and exec / run. Never returns. */
void child_run(const struct child_spec *spec) __attribute__((noreturn));

/*
 * child_run() in two halves, for a spare (warden_call.h): child_setup() does
 * steps 1-8 (returns the status fd; any failure is reported and ends the
 * process), child_start() chdirs to call_cwd if set, installs envp and
 * execs or runs the function (step 9). child_run() = setup + start.
 */
int child_setup(const struct child_spec *spec);

/*
 * child_setup() for a spare forked by a zygote (warden_zygote.h), which
 * applied the profile's layers already (`layers`): only what is per
 * child: a new session, PDEATHSIG, the call group (cg_procs), the fd
 * layout, the SIGSYS reporter (conf.report_sigsys), the OK record, then
 * conf.prog stacked on the inherited filter (NULL: none). Returns the status fd, as child_setup().
 */
int child_setup_spawned(const struct child_spec *spec, uint32_t layers);
void child_start(const struct child_spec *spec, int status_fd) __attribute__((noreturn));

/* Report {stage, errno} on status_fd and _exit(CHILD_EXIT_SETUP). */
void child_fail(int status_fd, int stage) __attribute__((noreturn));

/* A short name of a stage ("landlock", "seccomp", ...). */
const char *child_stage_name(int stage);

#endif
