/*
 * webfetch.h — WebFetch's child side: one HTTPS GET over the connection the
 * supervisor made, and the page as Markdown.
 *
 * The child has no socket syscalls (policy/profile.c, the fetch profile):
 * runtime/session/fetch.c resolves, vets and connects, and passes the
 * connected socket in as fd WEBFETCH_FD. The request carries, besides the
 * model's input, what the supervisor decided:
 *
 *   "fetch": {"url": "https://host[:port]/path",   the URL to GET (http already upgraded)
 *             "host": "example.com",               the host the policy judged
 *             "port": 443,
 *             "addr": "93.184.216.34",             the address connected (for curl's cache:
 *                                                  it must not resolve)
 *             "timeout_ms": 60000,                 the whole transfer
 *             "max_bytes": 10485760,               body bytes after decompression
 *             "ca_pem": "-----BEGIN ..."}          tests only: the CAs to trust (in place of the system bundle)
 *
 * The result is untrusted by the supervisor, which formats what the model
 * sees: "content" is the page as Markdown (or text) and
 *   "effects": {"fetch": {"status": 200, "content_type": "text/html",
 *                         "bytes": N,               body bytes received (decompressed)
 *                         "location": "...",        a redirect's Location header, as sent
 *                         "binary": "base64..."}}   a body that is not text
 * A failed transfer is an is_error result whose text says what happened.
 *
 * Limits: WEBFETCH_MAX_BODY bytes of body after decompression (a gzip bomb
 * stops there), the request's time limit for the whole transfer, no
 * redirect followed here (the supervisor decides each hop), the Markdown
 * cut at WEBFETCH_MAX_CHARS characters with the reference's note.
 */
#ifndef CORDON_TOOLS_WEBFETCH_H
#define CORDON_TOOLS_WEBFETCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

#define WEBFETCH_FD 5                     /* the passed connection (runtime/sandbox/child.h CHILD_PASS_FD) */
#define WEBFETCH_MAX_BODY (10u << 20)      /* the reference's 10 MiB */
#define WEBFETCH_MAX_CHARS 100000u         /* Markdown characters kept (the reference's cut) */
#define WEBFETCH_TIMEOUT_MS 60000u         /* the reference's 60 s */
#define WEBFETCH_TRUNCATED_NOTE "\n\n[Content truncated due to length...]"
#define WEBFETCH_ACCEPT "Accept: text/markdown, text/html, */*"

struct tool_call;

/* The tool (registered in tools/registry.c). */
int tool_webfetch_run(struct tool_call *call, json_t **out);

/*
 * Body bytes as UTF-8 text, by the Content-Type's charset (pure):
 * ISO-8859-1, US-ASCII and windows-1252 are converted, anything else is
 * read as UTF-8; invalid sequences become U+FFFD either way. Appends to
 * out; -CORDON_ETOOBIG or -CORDON_ENOMEM.
 */
int webfetch_decode(struct buf *out, const char *body, size_t n, const char *content_type);

/*
 * Whether a Content-Type is text cordon converts (html: HTML to Markdown).
 * NULL or "" is sniffed from the body instead (sniff, n).
 */
bool webfetch_is_text(const char *content_type, const char *sniff, size_t n, bool *html);

/*
 * Cut text to WEBFETCH_MAX_CHARS characters and append the reference's
 * note when it was longer (pure; buffer edited in place). Returns whether
 * it cut.
 */
bool webfetch_cut(struct buf *text);

#endif
