// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bench's output sink: the figures the configurations measure
 * (result), what they could not (bench_error), progress on stderr, and
 * the one median and quantile every part uses.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MAX_ROUNDS	16
#define MAX_RESULTS	1024

static struct {
	char config[32];
	char figure[48];
	char unit[12];
	double v[MAX_ROUNDS];
	int n;
} res[MAX_RESULTS];
static int nr_res, nr_errors;
static double t_start;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double quantile(const double *sorted, size_t n, double p)
{
	size_t k = (size_t)ceil(n * p);

	if (!n)
		return NAN;
	return sorted[k ? (k > n ? n : k) - 1 : 0];
}

void results_start(void)
{
	t_start = now_ns();
}

int results_max_rounds(void)
{
	return MAX_ROUNDS;
}

void result(const char *config, const char *figure, const char *unit, double v)
{
	int i;

	for (i = 0; i < nr_res; i++)
		if (!strcmp(res[i].config, config) && !strcmp(res[i].figure, figure))
			break;
	if (i == nr_res) {
		if (nr_res == MAX_RESULTS)
			return;
		nr_res++;
		snprintf(res[i].config, sizeof(res[i].config), "%s", config);
		snprintf(res[i].figure, sizeof(res[i].figure), "%s", figure);
		snprintf(res[i].unit, sizeof(res[i].unit), "%s", unit);
	}
	if (res[i].n < MAX_ROUNDS)
		res[i].v[res[i].n++] = v;
}

void bench_error(const char *config, const char *fmt, ...)
{
	va_list ap;

	nr_errors++;
	printf("@error,%s,", config);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# [%6.1fs] ", (now_ns() - t_start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

void results_print(void)
{
	int i;

	for (i = 0; i < nr_res; i++) {
		double v[MAX_ROUNDS];
		int n = res[i].n;

		memcpy(v, res[i].v, n * sizeof(v[0]));
		printf("@bench,%s,%s,%s,%.6g,%d\n", res[i].config, res[i].figure, res[i].unit,
		       median(v, n), n);
	}
	printf("@meta,seconds,%.1f\n", (now_ns() - t_start) / 1e9);
	printf("@meta,errors,%d\n", nr_errors);
	fflush(stdout);
}
