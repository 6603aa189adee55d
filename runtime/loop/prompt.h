/*
 * prompt.h — the system prompt of a run.
 *
 * The agent file's body (or cordon's default general agent), then the
 * caller's --append-system-prompt, then the facts about the environment a
 * model needs and cannot see: the working directory, whether it is a git
 * repository and its status at the start (branch, changed files, recent
 * commits; bounded), the platform, today's date, and what the sandbox means
 * for its tools. Built once per run and kept byte-identical for the whole
 * run, so the prompt cache keeps hitting.
 *
 * The git facts are read by the supervisor with libgit2, which runs no
 * hooks, filters or fsmonitor: reading a hostile repository's metadata
 * executes nothing.
 */
#ifndef CORDON_RUNTIME_LOOP_PROMPT_H
#define CORDON_RUNTIME_LOOP_PROMPT_H

#include <jansson.h>

#define PROMPT_MAX_STATUS_LINES 40
#define PROMPT_MAX_COMMITS 5

/*
 * The repository facts take libgit2's start-up (about 10 ms here: it loads
 * the CA bundle for TLS it never uses) plus a status walk; they can be
 * gathered on a thread while the sandbox starts:
 *
 *	... start the sandbox (fork the warden) ...
 *	struct prompt_git *g = prompt_git_begin(cwd);     (NULL: gathered later, inline)
 *	... open the provider ...
 *	struct prompt_opts o = { ..., .git = g };
 *	sys = prompt_system(&o);                          joins the thread
 *	prompt_git_free(g);
 *
 * The thread touches only the repository's metadata through libgit2 (no
 * hooks, filters or fsmonitor). Start it after the warden is forked: a
 * fork copies the locks other threads hold, and not every allocator resets
 * its own in the child (glibc's does; ASan's does not, and a warden forked
 * while this thread allocated deadlocked in its first malloc).
 */
struct prompt_git;
struct prompt_git *prompt_git_begin(const char *cwd);
void prompt_git_free(struct prompt_git *g);

struct prompt_opts {
	const char *agent_prompt; /* the agent body; NULL = the default general agent */
	const char *append;       /* --append-system-prompt, or NULL */
	const char *cwd;          /* absolute */
	const char *date;         /* "YYYY-MM-DD"; NULL = today (UTC) */
	struct prompt_git *git;   /* prompt_git_begin()'s, or NULL: gathered inline */
	/* sandbox.network.allowedDomains (Bash's egress proxy), or NULL/none: no network */
	const char *const *allowed_domains;
	size_t n_allowed_domains;
};

/*
 * The system blocks for the request: [{"type": "text", "text": ...}] (the
 * provider adds the cache breakpoints). New reference, or NULL on ENOMEM.
 */
json_t *prompt_system(const struct prompt_opts *o);

/* The default general agent's prompt (when no --agent is given). */
extern const char prompt_default_agent[];

/*
 * The user message of WebFetch's second model call, as the reference writes
 * it: "\nWeb page content:\n---\n" + the page + "\n---\n\n" + the
 * model's prompt + "\n\n" + instructions for a short answer (quotes of at
 * most 125 characters, no song lyrics, no legal commentary) + "\n".
 * malloc'd; NULL on ENOMEM.
 */
char *prompt_webfetch(const char *content, size_t len, const char *prompt);

#endif
