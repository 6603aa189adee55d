/*
 * cordon doctor — which sandbox layers this machine provides.
 *
 *	cordon doctor [--json]
 *
 * Reports the kernel, the Landlock ABI, user namespaces, seccomp, cgroups,
 * the sysctls that change the sandbox's threat model, and which layers a
 * Bash call actually gets here: measured by opening a real session and
 * running /bin/true in it, as the invoking user and, when run as root, also
 * as an unprivileged user (a child that switches to uid/gid 65534 first).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "runtime/sandbox/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/sandbox/seccomp.h"
#include "runtime/sandbox/warden_ns.h"

#define NOBODY 65534

static const char *const sysctls[][2] = {
	{ "kernel.unprivileged_userns_clone", "/proc/sys/kernel/unprivileged_userns_clone" },
	{ "user.max_user_namespaces", "/proc/sys/user/max_user_namespaces" },
	{ "kernel.apparmor_restrict_unprivileged_userns",
	  "/proc/sys/kernel/apparmor_restrict_unprivileged_userns" },
	{ "kernel.yama.ptrace_scope", "/proc/sys/kernel/yama/ptrace_scope" },
	{ "kernel.io_uring_disabled", "/proc/sys/kernel/io_uring_disabled" },
	{ "dev.tty.legacy_tiocsti", "/proc/sys/dev/tty/legacy_tiocsti" },
	{ "vm.unprivileged_userfaultfd", "/proc/sys/vm/unprivileged_userfaultfd" },
	{ "kernel.unprivileged_bpf_disabled", "/proc/sys/kernel/unprivileged_bpf_disabled" },
	{ "kernel.perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid" },
	{ "vm.memfd_noexec", "/proc/sys/vm/memfd_noexec" },
	{ "fs.protected_hardlinks", "/proc/sys/fs/protected_hardlinks" },
	{ "fs.protected_symlinks", "/proc/sys/fs/protected_symlinks" },
};

static json_t *read_sysctl(const char *path)
{
	struct buf b;
	json_t *v = json_null();

	buf_init(&b, 256);
	if (file_read_capped(AT_FDCWD, path, 256, &b) == 0) {
		while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
			buf_truncate(&b, b.len - 1);
		v = json_string(b.data);
	}
	buf_release(&b);
	return v;
}

static json_t *layer_array(unsigned mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < LAYER__COUNT; i++)
		if (mask & LAYER_BIT(i))
			json_array_append_new(a, json_string(layer_name((enum sandbox_layer)i)));
	return a;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/*
 * Measure what a Bash call gets: open a session on a scratch workspace and
 * run /bin/true. Writes "LAYERS REASON" into out.
 */
static void measure(unsigned *out_layers, char *reason, size_t size)
{
	struct sandbox_opts o;
	struct sandbox_call c;
	struct sandbox_result res;
	struct sandbox *sb = NULL;
	const char *argv[] = { "/bin/true", NULL };
	char ws[] = "/tmp/cordon-doctor.XXXXXX";

	*out_layers = 0;
	reason[0] = '\0';
	if (!mkdtemp(ws)) {
		snprintf(reason, size, "cannot create a scratch workspace: %s", strerror(errno));
		return;
	}
	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	if (sandbox_open(&sb, &o, NULL) < 0) {
		snprintf(reason, size, "the sandbox could not start");
		goto out;
	}
	snprintf(reason, size, "%s", sandbox_degraded_reason(sb));
	memset(&c, 0, sizeof(c));
	c.profile = PROFILE_BASH;
	c.argv = argv;
	c.timeout_ms = 10000;
	if (sandbox_run(sb, &c, &res) == 0) {
		if (res.end == SANDBOX_EXITED && res.exit_code == 0)
			*out_layers = res.layers;
		else if (!reason[0])
			snprintf(reason, size, "a test call failed: %.200s", res.setup_error);
	}
	sandbox_result_release(&res);
out:
	sandbox_close(sb);
	nftw(ws, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* As root: the same measurement in a child that became uid/gid 65534. */
static void measure_unprivileged(unsigned *out_layers, char *reason, size_t size)
{
	int pfd[2], status;
	struct {
		unsigned layers;
		char reason[224];
	} msg;
	pid_t pid;

	*out_layers = 0;
	snprintf(reason, size, "probe failed");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		memset(&msg, 0, sizeof(msg));
		close(pfd[0]);
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0) {
			snprintf(msg.reason, sizeof(msg.reason), "cannot become uid %d: %s", NOBODY,
				 strerror(errno));
		} else {
			/* Leave the root's cgroups alone: the unprivileged case has its own. */
			measure(&msg.layers, msg.reason, sizeof(msg.reason));
		}
		_exit(write(pfd[1], &msg, sizeof(msg)) == (ssize_t)sizeof(msg) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		msg.reason[sizeof(msg.reason) - 1] = '\0';
		*out_layers = msg.layers;
		snprintf(reason, size, "%s", msg.reason);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static json_t *layers_obj(uid_t uid, unsigned layers, const char *reason)
{
	return json_pack("{s:i, s:o, s:o, s:s, s:b}", "uid", (int)uid, "layers",
			 layer_array(layers), "missing", layer_array(LAYER_ALL & ~layers),
			 "degraded_reason", reason, "full", layers == LAYER_ALL);
}

static json_t *collect(void)
{
	struct utsname u;
	bool cg_writable;
	char cg_detail[160], reason[256], reason2[256];
	const char *userns_why = "";
	unsigned layers, layers2;
	int abi = landlock_abi(), userns, cg_v;
	json_t *root, *sys, *bash;
	size_t i;

	uname(&u);
	userns = warden_ns_probe_userns(&userns_why);
	cg_v = cgroup_detect(&cg_writable, cg_detail, sizeof(cg_detail));
	sys = json_object();
	for (i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		json_object_set_new(sys, sysctls[i][0], read_sysctl(sysctls[i][1]));
	measure(&layers, reason, sizeof(reason));
	bash = json_object();
	json_object_set_new(bash, "current", layers_obj(geteuid(), layers, reason));
	if (geteuid() == 0) {
		measure_unprivileged(&layers2, reason2, sizeof(reason2));
		json_object_set_new(bash, "unprivileged", layers_obj(NOBODY, layers2, reason2));
	}
	root = json_pack(
		"{s:{s:s, s:s, s:s}, s:i, s:{s:b, s:i, s:s}, s:{s:b, s:i}, s:{s:b, s:s}, "
		"s:{s:i, s:b, s:s}, s:o, s:o}",
		"kernel", "release", u.release, "machine", u.machine, "version", u.version, "uid",
		(int)geteuid(), "landlock", "available", abi >= 1, "abi", abi >= 1 ? abi : 0, "status",
		abi >= 1 ? "enabled" : abi == -EOPNOTSUPP ? "disabled at boot" : "not built",
		"seccomp", "available", seccomp_probe() == 1, "libseccomp_api", (int)seccomp_api_get(),
		"userns", "available", userns == 1, "detail", userns_why, "cgroup", "version", cg_v,
		"writable", cg_writable, "detail", cg_detail, "sysctls", sys, "bash_layers", bash);
	return root;
}

static void print_text(json_t *j)
{
	const char *k;
	json_t *v, *b;
	char buf[256];

	printf("kernel      %s %s\n", json_string_value(json_object_get(json_object_get(j, "kernel"), "release")),
	       json_string_value(json_object_get(json_object_get(j, "kernel"), "machine")));
	v = json_object_get(j, "landlock");
	printf("landlock    %s (ABI %d)\n", json_string_value(json_object_get(v, "status")),
	       (int)json_integer_value(json_object_get(v, "abi")));
	v = json_object_get(j, "seccomp");
	printf("seccomp     %s (libseccomp API %d)\n",
	       json_is_true(json_object_get(v, "available")) ? "available" : "MISSING",
	       (int)json_integer_value(json_object_get(v, "libseccomp_api")));
	v = json_object_get(j, "userns");
	printf("userns      %s%s%s\n", json_is_true(json_object_get(v, "available")) ? "available" : "refused",
	       *json_string_value(json_object_get(v, "detail")) ? ": " : "",
	       json_string_value(json_object_get(v, "detail")));
	v = json_object_get(j, "cgroup");
	printf("cgroup      %s\n", json_string_value(json_object_get(v, "detail")));
	printf("sysctls\n");
	json_object_foreach(json_object_get(j, "sysctls"), k, v)
		printf("  %-44s %s\n", k, json_is_string(v) ? json_string_value(v) : "(absent)");
	printf("a Bash call gets\n");
	json_object_foreach(json_object_get(j, "bash_layers"), k, b) {
		size_t i;
		json_t *l;

		buf[0] = '\0';
		json_array_foreach(json_object_get(b, "layers"), i, l) {
			if (i)
				strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, json_string_value(l), sizeof(buf) - strlen(buf) - 1);
		}
		printf("  as %-13s (uid %d): %s\n", k, (int)json_integer_value(json_object_get(b, "uid")),
		       buf[0] ? buf : "nothing (the sandbox did not start)");
		if (json_array_size(json_object_get(b, "missing"))) {
			buf[0] = '\0';
			json_array_foreach(json_object_get(b, "missing"), i, l) {
				if (i)
					strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
				strncat(buf, json_string_value(l), sizeof(buf) - strlen(buf) - 1);
			}
			printf("  %-17s missing: %s%s%s\n", "", buf,
			       *json_string_value(json_object_get(b, "degraded_reason")) ? " — " : "",
			       json_string_value(json_object_get(b, "degraded_reason")));
		}
	}
}

int cmd_doctor(int argc, char **argv)
{
	bool as_json = false;
	json_t *j;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("usage: cordon doctor [--json]\n\n"
			     "Report which sandbox layers this machine provides, and which a Bash\n"
			     "call gets here (measured), as this user and, as root, as uid 65534.");
			return CLI_EXIT_OK;
		} else {
			return cli_usage_error("doctor", "unknown option '%s'", argv[i]);
		}
	}
	j = collect();
	if (!j) {
		fprintf(stderr, "cordon doctor: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	if (as_json) {
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s)
			puts(s);
		free(s);
	} else {
		print_text(j);
	}
	json_decref(j);
	return CLI_EXIT_OK;
}
