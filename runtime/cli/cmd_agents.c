/*
 * cordon agents — list and validate agent files.
 *
 *	cordon agents list [--json] [--cwd DIR] [--agent FILE]...
 *	cordon agents validate FILE...        exit 1 if any file is invalid
 *
 * `list` discovers agents as Claude Code does, plus the installed ones
 * (policy/discover.h), names each one's source (installed, user, project,
 * cli, managed) and also reports the files that failed to load, with
 * file:line:column, rather than leaving them out. `validate` prints one
 * line per file (ok or the error) plus its warnings, in the
 * file:line:column: form editors understand.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "policy/agentfile.h"
#include "policy/discover.h"
#include "policy/pathmatch.h"
#include "runtime/cli/cli.h"

#define MAX_FILES 64

static void usage(FILE *f)
{
	fputs("usage: cordon agents list [--json] [--cwd DIR] [--agent FILE]...\n"
	      "       cordon agents validate FILE...\n"
	      "\n"
	      "list shows the agents found in cordon's installed agents directory,\n"
	      "~/.claude/agents/, .claude/agents/ of the project and its parents and\n"
	      "--agent files (later sources win), each with its source, and the files\n"
	      "that failed to load. validate checks files and exits 1 if any is\n"
	      "invalid.\n",
	      f);
}

static void tools_text(const struct agent_file *af, char *out, size_t size)
{
	size_t i, o = 0;

	if (af->tools_all) {
		snprintf(out, size, "*");
		return;
	}
	out[0] = '\0';
	for (i = 0; i < af->tools.n && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ", " : "", af->tools.v[i]);
	if (!af->tools.n)
		snprintf(out, size, "(none)");
}

static json_t *agent_json(const struct agent_entry *e)
{
	json_t *o = json_pack("{s:s, s:s, s:b}", "path", e->path, "scope", e->scope, "valid", e->ok);
	char m[1024];
	size_t i;

	if (!o)
		return NULL;
	if (!e->ok) {
		json_object_set_new(o, "error", json_string(diag_format(&e->diag, m, sizeof(m))));
		return o;
	}
	json_object_set_new(o, "name", json_string(e->af.name));
	json_object_set_new(o, "description", json_string(e->af.description));
	json_object_set_new(o, "model", e->af.model ? json_string(e->af.model) : json_null());
	if (e->af.tools_all) {
		json_object_set_new(o, "tools", json_string("*"));
	} else {
		json_t *a = json_array();

		for (i = 0; a && i < e->af.tools.n; i++)
			json_array_append_new(a, json_string(e->af.tools.v[i]));
		json_object_set_new(o, "tools", a ? a : json_null());
	}
	json_object_set_new(o, "shadowed", json_boolean(e->shadowed));
	if (e->af.nwarnings) {
		json_t *w = json_array();

		for (i = 0; w && i < e->af.nwarnings; i++)
			json_array_append_new(w, json_string(diag_format(&e->af.warnings[i], m, sizeof(m))));
		json_object_set_new(o, "warnings", w ? w : json_null());
	}
	return o;
}

static int do_list(int argc, char **argv)
{
	enum { O_JSON = 256, O_CWD, O_AGENT, O_HELP };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "agent", required_argument, NULL, O_AGENT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *files[MAX_FILES + 1] = { NULL };
	char here[PATHMATCH_MAX + 1], cwd[PATHMATCH_MAX + 1], m[1024], tools[512];
	struct discover_opts d;
	struct agent_set set;
	const char *dir = NULL;
	size_t nfiles = 0, i;
	bool json = false;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_JSON:
			json = true;
			break;
		case O_CWD:
			dir = optarg;
			break;
		case O_AGENT:
			if (nfiles >= MAX_FILES)
				return cli_usage_error("agents list", "too many --agent options");
			files[nfiles++] = optarg;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("agents list", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("agents list", "unexpected argument '%s'", argv[optind]);
	if (!getcwd(here, sizeof(here))) {
		fprintf(stderr, "cordon agents list: cannot get the current directory: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (path_normalize(cwd, sizeof(cwd), dir ? dir : here, here) < 0)
		return cli_usage_error("agents list", "bad --cwd '%s'", dir);
	memset(&d, 0, sizeof(d));
	d.cwd = cwd;
	d.home = getenv("HOME");
	d.files = files;
	r = agents_discover(&set, &d);
	if (r < 0) {
		fprintf(stderr, "cordon agents list: cannot list agent files: %s\n", cordon_strerror(r));
		return CLI_EXIT_FAIL;
	}
	if (json) {
		json_t *a = json_array();
		char *s;

		for (i = 0; a && i < set.n; i++)
			json_array_append_new(a, agent_json(&set.v[i]));
		s = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
		if (s)
			puts(s);
		free(s);
		json_decref(a);
	} else {
		for (i = 0; i < set.n; i++) {
			const struct agent_entry *e = &set.v[i];

			if (!e->ok) {
				printf("%-24s %-9s invalid: %s\n", "-", e->scope, diag_format(&e->diag, m, sizeof(m)));
				continue;
			}
			tools_text(&e->af, tools, sizeof(tools));
			printf("%-24s %-9s %-8s tools: %s  %s%s\n", e->af.name, e->scope,
			       e->af.model ? e->af.model : "inherit", tools, e->path,
			       e->shadowed ? "  (shadowed)" : "");
		}
		if (!set.n)
			printf("no agent files found\n");
	}
	agent_set_release(&set);
	return CLI_EXIT_OK;
}

/* "file:line:col: KIND: message", leaving out the parts that are unknown. */
static void print_diag(const char *fallback_file, const char *kind, const struct cordon_diag *d)
{
	const char *file = d->file[0] ? d->file : fallback_file;

	if (d->line > 0 && d->column > 0)
		printf("%s:%d:%d: %s: %s\n", file, d->line, d->column, kind, d->msg);
	else if (d->line > 0)
		printf("%s:%d: %s: %s\n", file, d->line, kind, d->msg);
	else
		printf("%s: %s: %s\n", file, kind, d->msg);
}

static int do_validate(int argc, char **argv)
{
	int i, bad = 0;
	char tools[512];

	/* Help anywhere wins, before any file is checked. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
	if (argc < 2)
		return cli_usage_error("agents validate", "expected one or more agent files");
	for (i = 1; i < argc; i++) {
		struct agent_file af;
		struct cordon_diag d;
		size_t k;

		if (agentfile_load(&af, argv[i], &d) < 0) {
			print_diag(argv[i], "error", &d);
			bad++;
			continue;
		}
		tools_text(&af, tools, sizeof(tools));
		printf("%s: ok: %s (tools: %s; model: %s)\n", argv[i], af.name, tools, af.model ? af.model : "inherit");
		for (k = 0; k < af.nwarnings; k++)
			print_diag(argv[i], "warning", &af.warnings[k]);
		agentfile_release(&af);
	}
	return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static const struct cli_command subcommands[] = {
	{ "list", do_list, "list the agents discovered from here" },
	{ "validate", do_validate, "check agent files" },
};

int cmd_agents(int argc, char **argv)
{
	return cli_dispatch("agents", subcommands, sizeof(subcommands) / sizeof(subcommands[0]), usage, argc,
			    argv);
}
