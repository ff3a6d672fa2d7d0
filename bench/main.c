// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bench: the benchmark of issue 8 (docs/benchmarks.md).
 *
 *   fwctl-bench run [--configs A,B,...] [--rounds N] [--quick] [--dev K]
 *                   [--loader PATH] [--objdir DIR]
 *	in the VM: measure the configurations, print one line per figure,
 *	"@bench,CONFIG,FIGURE,UNIT,VALUE,ROUNDS" (the median over the rounds),
 *	"@error,CONFIG,MESSAGE" for what could not be measured, and "@meta,..."
 *   fwctl-bench insns [--rpcs N] SPEC...
 *	in the VM under scripts/bench.sh's counting plugin: the workloads
 *	whose instructions per RPC are counted between marks (insns.c)
 *   fwctl-bench curves [CONFIG]
 *	the insns workloads the curves are drawn from (curves.c)
 *   fwctl-bench report [--csv F] [--json F] [--md F] [--curves DIR]
 *                      [--images PREFIX] RAW...
 *	on the host: merge the raw outputs of one kernel's boots, print the
 *	table with every figure's ratio to the baseline and the targets'
 *	PASS/MISS; the Markdown shows the plots as PREFIXcurve-*.png
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bench.h"

struct bench_params bp = {
	.dev = 0,
	.n_small = 20000,
	.n_64k = 2000,
	.n_1m = 200,
	.n_delay = 5000,
	.n_swap = 50,
	.n_swapping = 200,
	.swap_interval_us = 1000,
	.n_cli_swap = 5,
	.tput_secs = 1.0,
	.audit_secs = 1.0,
	.loader = "build/fwctl-bpf",
	.objdir = "build/bench",
};

static const struct bench_params quick = {
	.n_small = 200,
	.n_64k = 20,
	.n_1m = 5,
	.n_delay = 100,
	.n_swap = 3,
	.n_swapping = 5,
	.swap_interval_us = 1000,
	.n_cli_swap = 1,
	.tput_secs = 0.2,
	.audit_secs = 0.3,
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("FWCTL_BENCH_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int usage(void)
{
	fprintf(stderr,
		"Usage: fwctl-bench run [--configs A,B,...] [--rounds N] [--quick] [--dev K]\n"
		"                       [--loader PATH] [--objdir DIR]\n"
		"       fwctl-bench report [--csv F] [--json F] [--md F] [--curves DIR]\n"
		"                          [--images PREFIX] RAW...\n"
		"       fwctl-bench spin CONFIG N\n"
		"       fwctl-bench insns [--rpcs N] CONFIG[@BYTES|xCLIENTS]|stackN|stackotherN...\n"
		"       fwctl-bench curves [CONFIG]\n"
		"       fwctl-bench list\n"
		"Configurations:");
	for (int i = 0; i < nr_configs; i++)
		fprintf(stderr, " %s", config_name(&configs[i]));
	fprintf(stderr, "\nSee docs/benchmarks.md.\n");
	return 2;
}

static int read_clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	buf[0] = '\0';
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int do_run(int argc, char **argv)
{
	const struct config *list[16];
	char clock[64] = "";
	char *names = NULL, *tok, *save = NULL;
	int nr = 0, rounds = 1, r, i;
	struct utsname u;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick")) {
			int dev = bp.dev;
			const char *loader = bp.loader, *objdir = bp.objdir;

			bp = quick;
			bp.dev = dev;
			bp.loader = loader;
			bp.objdir = objdir;
		} else if (!v) {
			return usage();
		} else if (!strcmp(a, "--configs")) {
			names = strdup(v), i++;
		} else if (!strcmp(a, "--rounds")) {
			rounds = atoi(v), i++;
		} else if (!strcmp(a, "--dev")) {
			bp.dev = atoi(v), i++;
		} else if (!strcmp(a, "--loader")) {
			bp.loader = v, i++;
		} else if (!strcmp(a, "--objdir")) {
			bp.objdir = v, i++;
		} else {
			return usage();
		}
	}
	if (rounds < 1 || rounds > results_max_rounds())
		return usage();
	if (!names) {
		for (i = 0; i < nr_configs; i++)
			list[nr++] = &configs[i];
	} else {
		for (tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (nr == 16 || !(list[nr] = config_by_name(tok))) {
				fprintf(stderr, "fwctl-bench: unknown configuration '%s'\n", tok);
				return usage();
			}
			nr++;
		}
	}

	libbpf_set_print(libbpf_print);
	results_start();
	uname(&u);
	printf("@meta,kernel,%s\n", u.release);
	if (read_clocksource(clock, sizeof(clock)) == 0)
		printf("@meta,clocksource,%s\n", clock);
	if (strstr(clock, "jiffies")) {
		/* every latency would read 0 or a multiple of a tick */
		bench_error("all", "clocksource %s: no usable timings (boot with "
			    "tsc=reliable tsc_early_khz=..., see docs/benchmarks.md)", clock);
		return 1;
	}
	printf("@meta,cpus,%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("@meta,rounds,%d\n", rounds);
	printf("@meta,quick,%d\n", bp.n_small == quick.n_small);
	fflush(stdout);

	/* Rounds rotate the order, so slow drift does not favour one config. */
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nr; i++) {
			const struct config *cfg = list[(i + r) % nr];

			progress("round %d/%d: %s", r + 1, rounds, config_name(cfg));
			run_config(cfg);
		}

	results_print();
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "run"))
		return do_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "report"))
		return bench_report(argc - 2, argv + 2);
	if (!strcmp(argv[1], "spin") && argc == 4) {
		const struct config *cfg = config_by_name(argv[2]);

		if (!cfg)
			return usage();
		libbpf_set_print(libbpf_print);
		return spin_config(cfg, atol(argv[3])) ? 1 : 0;
	}
	if (!strcmp(argv[1], "insns")) {
		libbpf_set_print(libbpf_print);
		return insns_main(argc - 2, argv + 2);
	}
	if (!strcmp(argv[1], "curves") && argc <= 3) {
		if (argc == 3 && !config_by_name(argv[2]))
			return usage();
		print_curve_specs(argc == 3 ? argv[2] : NULL);
		return 0;
	}
	if (!strcmp(argv[1], "list")) {
		for (int i = 0; i < nr_configs; i++)
			printf("%s\n", config_name(&configs[i]));
		return 0;
	}
	return usage();
}
