// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bench report: merge the raw outputs of the boots of one run
 * ("@bench,CONFIG,FIGURE,UNIT,VALUE,ROUNDS" lines, everything else
 * ignored), put every figure next to the baseline's and check the targets
 * (targets.c). Writes the table to stdout and, on request, CSV, JSON, a
 * Markdown section for docs/benchmarks.md and the curves' data
 * (curves.c).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "report.h"

#define MAX_ROWS	1024
#define MAX_BOOTS	8
#define MAX_ERRORS	64

struct boot {
	const char *file;
	char kernel[64];
	char cpus[8];
	char rounds[8];
	char seconds[16];
	char errors[8];
	char quick[4];
	char clocksource[32];
};

static struct row rows[MAX_ROWS];
static int nr_rows;
static struct boot boots[MAX_BOOTS];
static int nr_boots;
static char errors[MAX_ERRORS][160];
static int nr_errors;

/*
 * The table's order: configurations as configs[] lists them (as numbered
 * in the issue, then the extras), figures by kind.
 */
#define MAX_CONFIGS 32

static const char *const figure_order[] = {
	"syscall_med", "insns16", "plain16", "rep16", "lock16", "serial16", "icall16", "ijmp16",
	"insns16_spread", "lat16_med", "lat16_p99", "lat16_mean", "lat64k_med", "lat64k_p99", "lat1m_med", "lat1m_p99",
	"tput_1", "tput_2", "tput_4",
	"delay_lat16_med", "delay_lat16_p99", "delay_lat16_mean", "delay_tput_1", "delay_tput_2", "delay_tput_4",
	"audit_rps_1client", "audit_lost_1client", "audit_rps_2client", "audit_lost_2client",
	"audit_rps_4client", "audit_lost_4client", "audit_max_rps_zero_lost",
	"audit_consumer_ns_1client", "audit_consumer_ns_2client", "audit_consumer_ns_4client",
	"swap_update_med", "swap_update_max", "swapping_lat16_med", "swapping_lat16_p99",
	"swapping_swaps", "swap_cli_med", "mem",
};
#define NR_FIGURES (int)(sizeof(figure_order) / sizeof(figure_order[0]))

static int config_rank(const char *c)
{
	for (int i = 0; i < nr_configs; i++)
		if (!strcmp(configs[i].name, c))
			return i;
	return nr_configs;
}

static int figure_rank(const char *f)
{
	for (int i = 0; i < NR_FIGURES; i++)
		if (!strcmp(figure_order[i], f))
			return i;
	return NR_FIGURES;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = config_rank(x->config) - config_rank(y->config);

	if (d)
		return d;
	d = figure_rank(x->figure) - figure_rank(y->figure);
	return d ? d : strcmp(x->figure, y->figure);
}

const struct row *find(const char *config, const char *figure)
{
	for (int i = 0; i < nr_rows; i++)
		if (!strcmp(rows[i].config, config) && !strcmp(rows[i].figure, figure))
			return &rows[i];
	return NULL;
}

double value_of(const char *config, const char *figure)
{
	const struct row *r = find(config, figure);

	return r ? r->value : NAN;
}

double delta_of(const char *config, const char *figure)
{
	return value_of(config, figure) - value_of("baseline", figure);
}

/* Latency while swapping compares with the baseline's plain latency. */
double ratio_of(const struct row *r)
{
	const char *base = r->figure;
	const struct row *b;

	if (!strncmp(base, "swapping_lat", 12))
		base += strlen("swapping_");
	b = find("baseline", base);
	if (!b || b->value <= 0 || !strcmp(r->unit, "count"))
		return NAN;
	return r->value / b->value;
}

static char *field(char **s)
{
	char *f = *s, *c;

	if (!f)
		return NULL;
	c = strchr(f, ',');
	if (c) {
		*c = '\0';
		*s = c + 1;
	} else {
		*s = NULL;
	}
	f[strcspn(f, "\r\n")] = '\0';
	return f;
}

static int parse(const char *file)
{
	struct boot *b;
	char line[512];
	FILE *f = fopen(file, "r");

	if (!f) {
		fprintf(stderr, "fwctl-bench: %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (nr_boots == MAX_BOOTS) {
		fclose(f);
		return -1;
	}
	b = &boots[nr_boots];
	memset(b, 0, sizeof(*b));
	b->file = file;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *tag, *a, *c;

		/* the guest's console may prefix or interleave: find the tag */
		tag = strstr(line, "@bench,");
		if (!tag)
			tag = strstr(line, "@meta,");
		if (!tag)
			tag = strstr(line, "@error,");
		if (!tag)
			continue;
		s = tag;
		tag = field(&s);
		if (!strcmp(tag, "@meta")) {
			a = field(&s);
			c = field(&s);
			if (!a || !c)
				continue;
#define META(x) if (!strcmp(a, #x)) snprintf(b->x, sizeof(b->x), "%s", c)
			META(kernel);
			META(cpus);
			META(rounds);
			META(seconds);
			META(errors);
			META(quick);
			META(clocksource);
#undef META
		} else if (!strcmp(tag, "@error")) {
			a = field(&s);
			if (a && s && nr_errors < MAX_ERRORS) {
				s[strcspn(s, "\r\n")] = '\0';
				snprintf(errors[nr_errors++], sizeof(errors[0]), "%s: %s", a, s);
			}
		} else {
			char *cfg = field(&s), *fig = field(&s), *unit = field(&s);
			char *val = field(&s), *rnd = field(&s);
			struct row *r;

			if (!cfg || !fig || !unit || !val)
				continue;
			r = (struct row *)find(cfg, fig);
			if (!r) {
				if (nr_rows == MAX_ROWS)
					continue;
				r = &rows[nr_rows++];
				memset(r, 0, sizeof(*r));
				snprintf(r->config, sizeof(r->config), "%s", cfg);
				snprintf(r->figure, sizeof(r->figure), "%s", fig);
				snprintf(r->unit, sizeof(r->unit), "%s", unit);
				r->boot = nr_boots;
			}
			if (r->nr_values < MAX_VALUES)
				r->values[r->nr_values++] = strtod(val, NULL);
			r->rounds += rnd ? atoi(rnd) : 1;
		}
	}
	fclose(f);
	nr_boots++;
	return 0;
}

/* ---- targets (targets.c) */

struct target targets[MAX_TARGETS];
int nr_targets;

struct target *target_new(const char *what)
{
	static struct target overflow;
	struct target *t = nr_targets < MAX_TARGETS ? &targets[nr_targets++] : &overflow;

	memset(t, 0, sizeof(*t));
	t->what = what;
	t->status = "n/a";
	return t;
}

void detail_add(struct target *t, const char *fmt, ...)
{
	size_t n = strlen(t->detail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->detail + n, sizeof(t->detail) - n, fmt, ap);
	va_end(ap);
}

/* ---- output */

static void fmt_value(char *buf, size_t len, double v)
{
	if (fabs(v) >= 100000 || (v == floor(v) && fabs(v) < 1e9))
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void fmt_ratio(char *buf, size_t len, double q)
{
	if (isnan(q))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f", q);
}

static void label(char *buf, size_t len, const char *config)
{
	int r = config_rank(config);

	if (r < 7)
		snprintf(buf, len, "%d %s", r + 1, config);
	else
		snprintf(buf, len, "x %s", config);
}

static void print_table(FILE *f)
{
	char lab[48], val[32], q[16];

	fprintf(f, "%-14s  %-24s  %12s  %-6s  %8s\n", "configuration", "figure", "value", "unit",
		"ratio");
	for (int i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];

		label(lab, sizeof(lab), r->config);
		fmt_value(val, sizeof(val), r->value);
		fmt_ratio(q, sizeof(q), ratio_of(r));
		fprintf(f, "%-14s  %-24s  %12s  %-6s  %8s\n", lab, r->figure, val, r->unit, q);
	}
}

static void print_targets(FILE *f, bool md)
{
	for (int i = 0; i < nr_targets; i++) {
		if (md)
			fprintf(f, "| %s | **%s** | %s |\n", targets[i].what, targets[i].status,
				targets[i].detail);
		else
			fprintf(f, "%-4s  %s: %s\n", targets[i].status, targets[i].what,
				targets[i].detail);
	}
}

static int write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	char q[16];

	if (!f)
		return -errno;
	fprintf(f, "configuration,figure,unit,value,ratio,rounds,kernel\n");
	for (int i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];

		fmt_ratio(q, sizeof(q), ratio_of(r));
		fprintf(f, "%s,%s,%s,%.6g,%s,%d,%s\n", r->config, r->figure, r->unit, r->value,
			strcmp(q, "-") ? q : "", r->rounds, boots[r->boot].kernel);
	}
	return fclose(f) ? -errno : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"boots\": [");
	for (i = 0; i < nr_boots; i++) {
		const struct boot *b = &boots[i];

		fprintf(f, "%s\n    {\"file\": ", i ? "," : "");
		json_str(f, b->file);
		fprintf(f, ", \"kernel\": ");
		json_str(f, b->kernel);
		fprintf(f, ", \"cpus\": %s, \"rounds\": %s, \"quick\": %s, \"seconds\": %s, "
			"\"errors\": %s}", *b->cpus ? b->cpus : "null",
			*b->rounds ? b->rounds : "null", *b->quick ? b->quick : "null",
			*b->seconds ? b->seconds : "null", *b->errors ? b->errors : "null");
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	for (i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];
		double q = ratio_of(r);

		fprintf(f, "%s\n    {\"configuration\": ", i ? "," : "");
		json_str(f, r->config);
		fprintf(f, ", \"figure\": ");
		json_str(f, r->figure);
		fprintf(f, ", \"unit\": ");
		json_str(f, r->unit);
		fprintf(f, ", \"value\": %.6g, \"ratio\": ", r->value);
		if (isnan(q))
			fprintf(f, "null");
		else
			fprintf(f, "%.4f", q);
		fprintf(f, ", \"values\": [");
		for (int j = 0; j < r->nr_values; j++)
			fprintf(f, "%s%.6g", j ? ", " : "", r->values[j]);
		fprintf(f, "], \"rounds\": %d, \"boot\": %d}", r->rounds, r->boot);
	}
	fprintf(f, "\n  ],\n  \"targets\": [");
	for (i = 0; i < nr_targets; i++) {
		fprintf(f, "%s\n    {\"target\": ", i ? "," : "");
		json_str(f, targets[i].what);
		fprintf(f, ", \"status\": ");
		json_str(f, targets[i].status);
		fprintf(f, ", \"detail\": ");
		json_str(f, targets[i].detail);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"errors\": [");
	for (i = 0; i < nr_errors; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, errors[i]);
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* Markdown: one column per configuration, "value (ratio)" per cell. */
static int write_md(const char *path, const char *images)
{
	bool present[MAX_CONFIGS] = {};
	char val[32], q[16], lab[48];
	int i, c, fig;
	FILE *f;

	if (nr_configs > MAX_CONFIGS)
		return -E2BIG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < nr_rows; i++)
		if (config_rank(rows[i].config) < nr_configs)
			present[config_rank(rows[i].config)] = true;
	fprintf(f, "Kernel:");
	for (i = 0; i < nr_boots; i++)
		fprintf(f, "%s %s (%s, %s CPUs, %s rounds%s)", i ? ";" : "",
			*boots[i].kernel ? boots[i].kernel : "?", boots[i].file,
			*boots[i].cpus ? boots[i].cpus : "?",
			*boots[i].rounds ? boots[i].rounds : "?",
			!strcmp(boots[i].quick, "1") ? ", quick" : "");
	fprintf(f, ".\nEach cell: value (ratio to 1 baseline). Latency in µs, throughput in "
		"RPC/s, memory in KiB.\n\n| figure | unit |");
	for (c = 0; c < nr_configs; c++)
		if (present[c])
			label(lab, sizeof(lab), configs[c].name), fprintf(f, " %s |", lab);
	fprintf(f, "\n|---|---|");
	for (c = 0; c < nr_configs; c++)
		if (present[c])
			fprintf(f, "---|");
	fprintf(f, "\n");
	for (fig = 0; fig < NR_FIGURES; fig++) {
		const char *unit = NULL;

		for (c = 0; c < nr_configs && !unit; c++) {
			const struct row *r = find(configs[c].name, figure_order[fig]);

			if (r)
				unit = r->unit;
		}
		if (!unit)
			continue;
		fprintf(f, "| %s | %s |", figure_order[fig], unit);
		for (c = 0; c < nr_configs; c++) {
			const struct row *r = find(configs[c].name, figure_order[fig]);

			if (!present[c])
				continue;
			if (!r) {
				fprintf(f, " |");
				continue;
			}
			fmt_value(val, sizeof(val), r->value);
			fmt_ratio(q, sizeof(q), ratio_of(r));
			if (strcmp(q, "-") && c)
				fprintf(f, " %s (%s) |", val, q);
			else
				fprintf(f, " %s |", val);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n| target | result | measured |\n|---|---|---|\n");
	print_targets(f, true);
	write_curves_md(f, images);
	if (nr_errors) {
		fprintf(f, "\nNot measured:\n\n");
		for (i = 0; i < nr_errors; i++)
			fprintf(f, "- %s\n", errors[i]);
	}
	return fclose(f) ? -errno : 0;
}

int bench_report(int argc, char **argv)
{
	const char *csv = NULL, *json = NULL, *md = NULL, *curves = NULL, *images = "img/";
	int i, err = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--md") && i + 1 < argc)
			md = argv[++i];
		else if (!strcmp(argv[i], "--curves") && i + 1 < argc)
			curves = argv[++i];
		else if (!strcmp(argv[i], "--images") && i + 1 < argc)
			images = argv[++i];
		else if (parse(argv[i]))
			return 1;
	}
	if (!nr_boots) {
		fprintf(stderr, "fwctl-bench report: no raw results given\n");
		return 2;
	}
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		int n = r->nr_values;

		r->value = median(r->values, n);
	}
	qsort(rows, nr_rows, sizeof(rows[0]), cmp_rows);
	check_targets();

	print_table(stdout);
	printf("\n");
	print_targets(stdout, false);
	for (i = 0; i < nr_errors; i++)
		printf("not measured: %s\n", errors[i]);

	if (csv && (err = write_csv(csv)))
		fprintf(stderr, "fwctl-bench: %s: %s\n", csv, strerror(-err));
	if (json && (err = write_json(json)))
		fprintf(stderr, "fwctl-bench: %s: %s\n", json, strerror(-err));
	if (md && (err = write_md(md, images)))
		fprintf(stderr, "fwctl-bench: %s: %s\n", md, strerror(-err));
	if (curves && (err = write_curves(curves)))
		fprintf(stderr, "fwctl-bench: %s: %s\n", curves, strerror(-err));
	return err ? 1 : 0;
}
