// SPDX-License-Identifier: GPL-2.0
/*
 * The curves of a run: Δ instructions per RPC (against the unpatched
 * core's count for the same workload) as the number of stacked policies,
 * the payload size and the number of clients grow. Written as gnuplot
 * data files (bench/plots.gp draws them into PNGs) and as Markdown tables
 * for docs/benchmarks.md. A point that was not counted is left out.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "report.h"

static const char *const curve_configs[] = { "nopolicy", "minimal", "site" };
const int curve_sizes[7] = { BENCH_SMALL, 64, 256, 4096, 65536, 1048576, 2097152 };
const int curve_clients[3] = { 1, 2, 4 };
const int curve_stacks[5] = { 1, 2, 4, 8, 16 };

#define NR_CURVES ARRAY_LEN(curve_configs)

/* The figure of a point of a curve */
typedef void (*figure_fn)(char *buf, size_t len, int x);

static void size_figure(char *buf, size_t len, int size)
{
	if (size == BENCH_SMALL)
		snprintf(buf, len, "insns16");
	else
		snprintf(buf, len, "insns_%d", size);
}

static void client_figure(char *buf, size_t len, int n)
{
	if (n == 1)
		snprintf(buf, len, "insns16");
	else
		snprintf(buf, len, "insns16_c%d", n);
}

/* One line per point: X, then Δ of each curve ("NaN" where not counted) */
static void print_points(FILE *f, const int *xs, size_t n, figure_fn fig, bool md)
{
	char name[32];
	size_t i, c;

	for (i = 0; i < n; i++) {
		fprintf(f, md ? "| %d |" : "%d", xs[i]);
		for (c = 0; c < NR_CURVES; c++) {
			double d;

			fig(name, sizeof(name), xs[i]);
			d = delta_of(curve_configs[c], name);
			if (md)
				fprintf(f, isnan(d) ? " |" : " %+.0f |", d);
			else
				fprintf(f, isnan(d) ? " NaN" : " %.1f", d);
		}
		fprintf(f, "\n");
	}
}

static void print_stacks(FILE *f, bool md)
{
	char name[32];
	size_t i;

	for (i = 0; i < ARRAY_LEN(curve_stacks); i++) {
		double on, other;

		snprintf(name, sizeof(name), "stack%d", curve_stacks[i]);
		on = delta_of(name, "insns16");
		snprintf(name, sizeof(name), "stackother%d", curve_stacks[i]);
		other = delta_of(name, "insns16");
		if (md)
			fprintf(f, "| %d | %+.0f | %+.0f |\n", curve_stacks[i], on, other);
		else
			fprintf(f, "%d %.1f %.1f\n", curve_stacks[i], on, other);
	}
}

static int write_file(const char *dir, const char *name, void (*body)(FILE *f))
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	body(f);
	return fclose(f) ? -errno : 0;
}

static void sizes_dat(FILE *f)
{
	fprintf(f, "# payload bytes, Δ instructions per RPC of: nopolicy minimal site\n");
	print_points(f, curve_sizes, ARRAY_LEN(curve_sizes), size_figure, false);
}

static void clients_dat(FILE *f)
{
	fprintf(f, "# clients, Δ instructions per RPC of: nopolicy minimal site\n");
	print_points(f, curve_clients, ARRAY_LEN(curve_clients), client_figure, false);
}

static void stacks_dat(FILE *f)
{
	fprintf(f, "# policies, Δ instructions per RPC: on the device, on another device\n");
	print_stacks(f, false);
}

/* @config's points but the 16-byte, one-client one: CONFIG@BYTES, CONFIGxN */
static void print_specs_of(const char *config)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(curve_sizes); i++)
		printf("%s@%d\n", config, curve_sizes[i]);
	for (i = 1; i < ARRAY_LEN(curve_clients); i++)
		printf("%sx%d\n", config, curve_clients[i]);
}

void print_curve_specs(const char *config)
{
	size_t i;

	if (config) {
		print_specs_of(config);
		return;
	}
	for (i = 0; i < ARRAY_LEN(curve_stacks); i++)
		printf("stack%d\nstackother%d\n", curve_stacks[i], curve_stacks[i]);
	for (i = 0; i < NR_CURVES; i++)
		print_specs_of(curve_configs[i]);
}

int write_curves(const char *dir)
{
	if (!find("baseline", "insns16"))
		return 0;	/* no Δ without the baseline's counts */
	return write_file(dir, "curve-policies.dat", stacks_dat) ?:
	       write_file(dir, "curve-payload.dat", sizes_dat) ?:
	       write_file(dir, "curve-clients.dat", clients_dat);
}

void write_curves_md(FILE *f, const char *images)
{
	if (!find("baseline", "insns16"))
		return;
	fprintf(f, "\n![policies](%1$scurve-policies.png) ![payload](%1$scurve-payload.png) "
		"![clients](%1$scurve-clients.png)\n", images);
	fprintf(f, "\nΔ instructions per RPC against the unpatched core, as policies are "
		"stacked (bench_allow, each one its own policy):\n\n"
		"| policies | on the device | on another device |\n|---|---|---|\n");
	print_stacks(f, true);
	fprintf(f, "\n... as the payload grows (NOP of that many bytes):\n\n"
		"| bytes | nopolicy | minimal | site |\n|---|---|---|---|\n");
	print_points(f, curve_sizes, ARRAY_LEN(curve_sizes), size_figure, true);
	fprintf(f, "\n... and with clients sending at once, each on a device of its own "
		"(per RPC):\n\n| clients | nopolicy | minimal | site |\n|---|---|---|---|\n");
	print_points(f, curve_clients, ARRAY_LEN(curve_clients), client_figure, true);
}
