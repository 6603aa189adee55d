#include <stdio.h>

#include "stats.h"

static int failures;

static void check(const char *what, double got, double want)
{
	if (got != want) {
		printf("FAIL %s: got %g, want %g\n", what, got, want);
		failures++;
	} else {
		printf("ok   %s\n", what);
	}
}

int main(void)
{
	const double v[] = { 2, 4, 6 };

	check("mean of 2 4 6", stats_mean(v, 3), 4);
	check("max of 2 4 6", stats_max(v, 3), 6);
	check("mean of nothing", stats_mean(v, 0), 0);
	return failures ? 1 : 0;
}
