#ifndef STATS_H
#define STATS_H
#include <stddef.h>

/* The arithmetic mean of n values; 0 for n == 0. */
double stats_mean(const double *v, size_t n);

/* The largest of n values; 0 for n == 0. */
double stats_max(const double *v, size_t n);
#endif
