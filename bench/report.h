/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the report (report.c), its targets (targets.c) and its curves
 * (curves.c) share: the merged figures of a run.
 */
#ifndef FWCTL_BPF_BENCH_REPORT_H
#define FWCTL_BPF_BENCH_REPORT_H

#include <stdio.h>

#define MAX_VALUES	16
#define MAX_TARGETS	16

/* One figure of one configuration; boots that measured it again add values. */
struct row {
	char config[32];
	char figure[48];
	char unit[12];
	double value;		/* the median of values[] */
	double values[MAX_VALUES];
	int nr_values;
	int rounds;
	int boot;		/* the first boot that measured it */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The row of @figure of @config, or NULL */
const struct row *find(const char *config, const char *figure);
/* Its merged value, NAN if it was not measured */
double value_of(const char *config, const char *figure);
/* ... minus the unpatched core's (configuration "baseline") */
double delta_of(const char *config, const char *figure);
/* A figure's ratio to the baseline's, NAN if there is none */
double ratio_of(const struct row *r);

struct target {
	const char *what;
	const char *status;	/* PASS, MISS, n/a */
	char detail[400];
};

extern struct target targets[MAX_TARGETS];
extern int nr_targets;

/* A new target, "n/a" until checked */
struct target *target_new(const char *what);
void detail_add(struct target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void check_targets(void);

/*
 * The curves' points, as scripts/bench.sh counts them: payload bytes (64:
 * the request head the hook copies, FWCTL_BPF_REQUEST_HEAD) and
 * clients (the first of each is the 16-byte, one-client workload), and
 * stacked policies (curves.c).
 */
extern const int curve_sizes[7];
extern const int curve_clients[3];
extern const int curve_stacks[5];

/*
 * The curves: gnuplot data files in @dir, and their Markdown tables
 * under the plots, whose file names start with @images ("img/").
 */
int write_curves(const char *dir);
void write_curves_md(FILE *f, const char *images);

#endif
