/* Unit tests for runtime/provider/models: aliases, the model table, cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/provider/provider.h"

static void aliases(void **state)
{
	(void)state;
	assert_string_equal(provider_model_resolve("sonnet", NULL), "claude-sonnet-4-5");
	assert_string_equal(provider_model_resolve("opus", NULL), "claude-opus-4-5");
	assert_string_equal(provider_model_resolve("haiku", NULL), "claude-haiku-4-5");
	assert_string_equal(provider_model_resolve("Sonnet", NULL), "claude-sonnet-4-5");
	/* inherit and nothing: the session's model */
	assert_string_equal(provider_model_resolve("inherit", "claude-opus-4-1"), "claude-opus-4-1");
	assert_string_equal(provider_model_resolve(NULL, "x"), "x");
	assert_string_equal(provider_model_resolve("", "x"), "x");
	assert_null(provider_model_resolve("inherit", NULL));
	/* ids are used as they are */
	assert_string_equal(provider_model_resolve("claude-sonnet-4-5-20250929", "x"), "claude-sonnet-4-5-20250929");
	assert_string_equal(provider_model_resolve("qwen3-coder", NULL), "qwen3-coder");
	/* every alias names a model the table knows */
	assert_non_null(provider_model_info(provider_model_resolve("sonnet", NULL)));
	assert_non_null(provider_model_info(provider_model_resolve("opus", NULL)));
	assert_non_null(provider_model_info(provider_model_resolve("haiku", NULL)));
}

static void table_rows(void **state)
{
	const struct model_info *m;

	(void)state;
	m = provider_model_info("claude-sonnet-4-5-20250929");
	assert_non_null(m);
	assert_string_equal(m->id, "claude-sonnet-4-5");
	assert_int_equal(m->context_window, 200000);
	/* a dated snapshot of an older model finds its own row, not a newer one's */
	m = provider_model_info("claude-opus-4-20250514");
	assert_non_null(m);
	assert_string_equal(m->id, "claude-opus-4");
	m = provider_model_info("claude-opus-4-1-20250805");
	assert_non_null(m);
	assert_string_equal(m->id, "claude-opus-4-1");
	/* not a date, not a row */
	assert_null(provider_model_info("claude-opus-4-5-preview"));
	assert_null(provider_model_info("claude-opus-4-9"));
	assert_null(provider_model_info("claude-sonnet-4-5-2025092"));
	assert_null(provider_model_info("claude-sonnet-5-5"));
	assert_null(provider_model_info("gpt-4o"));
	assert_null(provider_model_info(NULL));
}

static void cost(void **state)
{
	struct provider_usage u = { .input_tokens = 1000000 };
	struct provider_usage all = { .input_tokens = 12, .cache_creation_tokens = 1000, .cache_read_tokens = 2940,
				      .output_tokens = 96 };

	(void)state;
	assert_float_equal(provider_cost_usd("claude-sonnet-4-5", &u), 3.0, 1e-9);
	u = (struct provider_usage){ .output_tokens = 1000000 };
	assert_float_equal(provider_cost_usd("claude-sonnet-4-5-20250929", &u), 15.0, 1e-9);
	u = (struct provider_usage){ .cache_creation_tokens = 1000000 };
	assert_float_equal(provider_cost_usd("claude-haiku-4-5", &u), 1.25, 1e-9);
	u = (struct provider_usage){ .cache_read_tokens = 1000000 };
	assert_float_equal(provider_cost_usd("claude-opus-4-5", &u), 0.5, 1e-9);
	/* 3 * (12 + 1.25*1000 + 0.1*2940) / 1e6 + 15 * 96 / 1e6 */
	assert_float_equal(provider_cost_usd("claude-sonnet-4-5", &all), (3.0 * 1556.0 + 15.0 * 96.0) / 1e6, 1e-12);
	/* unknown: negative, never 0 */
	assert_true(provider_cost_usd("qwen3-coder", &all) < 0);
	assert_true(provider_cost_usd(NULL, &all) < 0);
	u = (struct provider_usage){ 0 };
	assert_float_equal(provider_cost_usd("claude-sonnet-4-5", &u), 0.0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aliases),
		cmocka_unit_test(table_rows),
		cmocka_unit_test(cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
