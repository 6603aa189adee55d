/*
 * profile.h — the sandbox profiles a tool call can run under.
 *
 * A profile names what a child may do (design.md §3, "Tool profiles"); the
 * concrete Landlock rights and seccomp rules of each live beside this header
 * (policy/ keeps them pure data, runtime/ applies them).
 */
#ifndef CORDON_POLICY_PROFILE_H
#define CORDON_POLICY_PROFILE_H

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

#endif
