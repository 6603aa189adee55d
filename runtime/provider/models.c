/*
 * models.c — the one table of Claude models: what the agent-file aliases
 * mean, prices, context windows. Updating cordon for a new model is an
 * edit here and nowhere else.
 */
#include "runtime/provider/provider.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/*
 * Ids without a date ("claude-sonnet-4-5") are the API's own aliases for
 * the newest snapshot; a dated id ("claude-sonnet-4-5-20250929") finds the
 * same row. Prices are USD per million tokens of list price; cache writes
 * cost 1.25x the input price, cache reads 0.1x (provider_cost_usd).
 */
static const struct model_info models[] = {
	{ "claude-opus-4-5", 5.0, 25.0, 200000, 64000 },
	{ "claude-sonnet-4-5", 3.0, 15.0, 200000, 64000 },
	{ "claude-haiku-4-5", 1.0, 5.0, 200000, 64000 },
	{ "claude-opus-4-1", 15.0, 75.0, 200000, 32000 },
	{ "claude-opus-4", 15.0, 75.0, 200000, 32000 },
	{ "claude-sonnet-4", 3.0, 15.0, 200000, 64000 },
	{ "claude-3-7-sonnet", 3.0, 15.0, 200000, 64000 },
	{ "claude-3-5-haiku", 0.8, 4.0, 200000, 8192 },
};

static const struct {
	const char *alias, *id;
} aliases[] = {
	{ "opus", "claude-opus-4-5" },
	{ "sonnet", "claude-sonnet-4-5" },
	{ "haiku", "claude-haiku-4-5" },
};

const char *provider_model_resolve(const char *alias, const char *fallback)
{
	size_t i;

	if (!alias || !*alias || !strcasecmp(alias, "inherit"))
		return fallback;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(alias, aliases[i].alias))
			return aliases[i].id;
	return alias;
}

/* id is row, or row followed by a snapshot date ("-20250929"). */
static bool same_model(const char *id, const char *row)
{
	size_t n = strlen(row), i;

	if (strncmp(id, row, n))
		return false;
	if (!id[n])
		return true;
	if (id[n] != '-' || strlen(id + n + 1) != 8)
		return false;
	for (i = n + 1; id[i]; i++)
		if (!isdigit((unsigned char)id[i]))
			return false;
	return true;
}

const struct model_info *provider_model_info(const char *id)
{
	size_t i;

	if (!id)
		return NULL;
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (same_model(id, models[i].id))
			return &models[i];
	return NULL;
}

double provider_cost_usd(const char *id, const struct provider_usage *u)
{
	const struct model_info *m = provider_model_info(id);

	if (!m || m->in_per_mtok < 0 || m->out_per_mtok < 0)
		return -1.0; /* unknown, never 0: a free model is not the same as an unpriced one */
	return (m->in_per_mtok * ((double)u->input_tokens + 1.25 * (double)u->cache_creation_tokens +
				  0.1 * (double)u->cache_read_tokens) +
		m->out_per_mtok * (double)u->output_tokens) /
	       1e6;
}
