/* prompt.c — the system prompt: agent body and environment facts (see prompt.h). */
#include "runtime/loop/prompt.h"
#include "common/buf.h"
#include "common/utf8.h"
#include "policy/profile.h"

#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

const char prompt_default_agent[] =
	"You are a coding agent running headless: nobody watches the run or answers questions, so work on the "
	"task until it is done or you are certain it cannot be done, then report.\n\n"
	"How to work:\n"
	"- Understand before you change: find the relevant code with Grep and Glob, read it with Read.\n"
	"- Make the smallest change that does the job, in the style of the code around it. Prefer editing "
	"existing files (Edit) to writing new ones.\n"
	"- Check your work the way the project does (its tests, build or linters) when you have the tools "
	"for it.\n"
	"- When a tool call is refused, the result says why; do not retry the same call, find another way or "
	"explain what you would need.\n"
	"- End with a short report: what you changed, how you checked it, and anything left undone.";

/* Text that goes to the model: bad UTF-8 replaced, so the request stays valid JSON. */
static void put_text(struct buf *b, const char *s)
{
	utf8_sanitize(b, s, strlen(s));
}

static void git_facts(struct buf *b, const char *cwd)
{
	git_repository *repo = NULL;
	git_status_list *st = NULL;
	git_reference *head = NULL;
	git_revwalk *walk = NULL;
	git_status_options so;
	git_oid oid;
	size_t i, n;
	int k;

	git_libgit2_init();
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	if (git_repository_open_ext(&repo, cwd, 0, NULL) < 0) {
		buf_puts(b, "Is directory a git repo: No\n");
		goto out;
	}
	buf_puts(b, "Is directory a git repo: Yes\n");
	buf_puts(b, "</env>\n\ngitStatus: the repository's state when the run started (it does not update "
		    "during the run).\n");
	if (git_repository_head(&head, repo) == 0 && git_reference_is_branch(head)) {
		buf_puts(b, "Current branch: ");
		put_text(b, git_reference_shorthand(head));
		buf_puts(b, "\n");
	} else if (git_repository_head_unborn(repo) == 1) {
		buf_puts(b, "Current branch: (no commits yet)\n");
	} else {
		buf_puts(b, "Current branch: (detached HEAD)\n");
	}
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	buf_puts(b, "\nStatus:\n");
	if (git_status_list_new(&st, repo, &so) == 0) {
		n = git_status_list_entrycount(st);
		for (i = 0; i < n && i < PROMPT_MAX_STATUS_LINES; i++) {
			const git_status_entry *e = git_status_byindex(st, i);
			const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
			char x = ' ', y = ' ';

			if (e->status & GIT_STATUS_INDEX_NEW)
				x = 'A';
			else if (e->status & GIT_STATUS_INDEX_MODIFIED)
				x = 'M';
			else if (e->status & GIT_STATUS_INDEX_DELETED)
				x = 'D';
			else if (e->status & GIT_STATUS_INDEX_RENAMED)
				x = 'R';
			if (e->status & GIT_STATUS_WT_NEW)
				x = y = '?';
			else if (e->status & GIT_STATUS_WT_MODIFIED)
				y = 'M';
			else if (e->status & GIT_STATUS_WT_DELETED)
				y = 'D';
			buf_printf(b, "%c%c ", x, y);
			put_text(b, d && d->new_file.path ? d->new_file.path : "?");
			buf_puts(b, "\n");
		}
		if (n == 0)
			buf_puts(b, "(clean)\n");
		else if (n > PROMPT_MAX_STATUS_LINES)
			buf_printf(b, "... and %zu more\n", n - PROMPT_MAX_STATUS_LINES);
	}
	if (git_revwalk_new(&walk, repo) == 0 && git_revwalk_push_head(walk) == 0) {
		buf_puts(b, "\nRecent commits:\n");
		for (k = 0; k < PROMPT_MAX_COMMITS && git_revwalk_next(&oid, walk) == 0; k++) {
			git_commit *c = NULL;
			char hex[8];

			if (git_commit_lookup(&c, repo, &oid) < 0)
				break;
			git_oid_tostr(hex, sizeof(hex), &oid);
			buf_printf(b, "%s ", hex);
			put_text(b, git_commit_summary(c) ?: "");
			buf_puts(b, "\n");
			git_commit_free(c);
		}
	}
	git_revwalk_free(walk);
	git_status_list_free(st);
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return;
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	buf_puts(b, "</env>\n");
}

struct prompt_git {
	pthread_t th;
	bool started;
	char *cwd;
	struct buf facts; /* git_facts()'s text */
};

static void *git_thread(void *arg)
{
	struct prompt_git *g = arg;

	git_facts(&g->facts, g->cwd);
	return NULL;
}

struct prompt_git *prompt_git_begin(const char *cwd)
{
	struct prompt_git *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	buf_init(&g->facts, BUF_NOMAX);
	g->cwd = strdup(cwd);
	if (!g->cwd) {
		free(g);
		return NULL;
	}
	g->started = pthread_create(&g->th, NULL, git_thread, g) == 0;
	if (!g->started)
		git_facts(&g->facts, g->cwd); /* no thread to be had: now, inline */
	return g;
}

/* Wait for the facts (once). */
static const struct buf *git_join(struct prompt_git *g)
{
	if (g->started) {
		pthread_join(g->th, NULL);
		g->started = false;
	}
	return &g->facts;
}

void prompt_git_free(struct prompt_git *g)
{
	if (!g)
		return;
	git_join(g);
	buf_release(&g->facts);
	free(g->cwd);
	free(g);
}

json_t *prompt_system(const struct prompt_opts *o)
{
	struct buf b;
	struct utsname u;
	char date[16];
	json_t *sys;

	if (o->date) {
		snprintf(date, sizeof(date), "%s", o->date);
	} else {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	}
	buf_init(&b, BUF_NOMAX);
	put_text(&b, o->agent_prompt ? o->agent_prompt : prompt_default_agent);
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		buf_truncate(&b, b.len - 1);
	if (o->append && *o->append) {
		buf_puts(&b, "\n\n");
		put_text(&b, o->append);
	}
	buf_puts(&b, "\n\nHere is useful information about the environment you are running in:\n<env>\n"
		     "Working directory: ");
	put_text(&b, o->cwd);
	buf_puts(&b, "\nPlatform: linux\n");
	if (uname(&u) == 0) {
		buf_puts(&b, "OS Version: ");
		put_text(&b, u.sysname);
		buf_puts(&b, " ");
		put_text(&b, u.release);
		buf_puts(&b, "\n");
	}
	buf_printf(&b, "Today's date: %s\n", date);
	if (o->git && !strcmp(o->git->cwd, o->cwd)) {
		const struct buf *f = git_join(o->git);

		buf_append(&b, f->data, f->len);
	} else {
		git_facts(&b, o->cwd);
	}
	/*
	 * True in every mode the sandbox may end up in (namespaced or degraded:
	 * no inet socket either way; the proxy's route, where the policy asks for
	 * one, or a warning on stderr when the sandbox cannot give it), so the
	 * prompt need not wait for the warden; how protected files are kept
	 * differs by mode (read-only mounts, or the sentinel), the rule does not.
	 */
	buf_puts(&b, "\nYour tools run in a sandbox managed by cordon: files are reachable only inside the working "
		     "directory (and the directories the policy adds), ");
	if (o->n_allowed_domains) {
		buf_puts(&b, "commands reach the network only through cordon's HTTP proxy (HTTP_PROXY and "
			     "HTTPS_PROXY are set) and only these domains: ");
		for (size_t i = 0; i < o->n_allowed_domains; i++) {
			if (i)
				buf_puts(&b, ", ");
			put_text(&b, o->allowed_domains[i]);
		}
		buf_puts(&b, "; ");
	} else {
		buf_puts(&b, "there is no network access, ");
	}
	buf_puts(&b, "and protected files (version control settings and hooks, agent settings, shell start-up "
		     "files) are off limits. A call the sandbox or the policy refuses comes back as an error saying "
		     "so (\"blocked by cordon\" or a permission message): do not repeat it, work around it or report "
		     "what you need.");
	/* The provider puts the cache breakpoints (the last system block, the rolling one). */
	sys = json_pack("[{s:s, s:s%}]", "type", "text", "text", b.data, b.len);
	buf_release(&b);
	return sys;
}

char *prompt_webfetch(const char *content, size_t len, const char *prompt)
{
	static const char instructions[] =
		"Provide a concise response based only on the content above. In your response:\n"
		" - Enforce a strict 125-character maximum for quotes from any source document. Open Source "
		"Software is ok as long as we respect the license.\n"
		" - Use quotation marks for exact language from articles; any language outside of the quotation "
		"should never be word-for-word the same.\n"
		" - You are not a lawyer and never comment on the legality of your own prompts and responses.\n"
		" - Never produce or reproduce exact song lyrics.";
	struct buf b;

	buf_init(&b, BUF_NOMAX);
	if (buf_puts(&b, "\nWeb page content:\n---\n") < 0 || buf_append(&b, content, len) < 0 ||
	    buf_printf(&b, "\n---\n\n%s\n\n%s\n", prompt, instructions) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}
