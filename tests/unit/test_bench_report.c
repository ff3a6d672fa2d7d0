// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bench report: the verdicts on the targets of issue 8 from raw
 * results, in particular that a timed verdict the instruction counts
 * contradict is UNSETTLED rather than a PASS or MISS (docs/benchmarks.md).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH "build/bench/fwctl-bench"

/* The baseline boot: 2000 instructions, 2 us, 1 ns an instruction. */
static const char baseline[] =
	"@meta,kernel,7.3.4\n"
	"@bench,baseline,syscall_med,us,0.3,1\n"
	"@bench,baseline,insns16,insn,2000,1\n"
	"@bench,baseline,lat16_med,us,2.0,1\n"
	"@bench,baseline,delay_lat16_med,us,12.0,1\n";

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "can't write %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* fwctl-bench report on the baseline and @patched: its standard output. */
static char *report(const char *patched)
{
	char dir[] = "/tmp/fwctl-bench-report-XXXXXX";
	char cmd[512], *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *p, *o = open_memstream(&out, &len);

	cr_assert(mkdtemp(dir), "mkdtemp");
	write_file(dir, "baseline.txt", baseline);
	write_file(dir, "patched.txt", patched);
	snprintf(cmd, sizeof(cmd), BENCH " report %s/baseline.txt %s/patched.txt", dir, dir);
	p = popen(cmd, "r");
	cr_assert(p && o);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, o);
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	fclose(o);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	return out;
}

/* The status the report gives the target @what. */
static const char *status_of(const char *out, const char *what)
{
	static const char *const statuses[] = { "PASS", "MISS", "UNSETTLED", "n/a" };
	char line[256];

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		snprintf(line, sizeof(line), "\n%-4s  %s: ", statuses[i], what);
		if (strstr(out, line))
			return statuses[i];
	}
	return "absent";
}

Test(bench_report, timing_and_instructions_agreeing_give_pass_or_miss)
{
	char *out = report("@bench,site,insns16,insn,2100,1\n"
			   "@bench,site,lat16_med,us,2.1,1\n"
			   "@bench,site,delay_lat16_med,us,12.1,1\n"
			   "@bench,peer_broker,insns16,insn,20000,1\n"
			   "@bench,peer_broker,lat16_med,us,80,1\n"
			   "@bench,nopolicy,insns16,insn,2100,1\n"
			   "@bench,nopolicy,lat16_med,us,2.2,1\n");

	cr_assert_str_eq(status_of(out, "allowlist + audit, 16-byte RPCs"), "PASS");
	/* 12.1 / 12 timed; 1 + 100 instructions * 1 ns / 12 us from the counts */
	cr_assert_str_eq(status_of(out, "allowlist + audit, 10 us firmware delay"), "PASS");
	cr_assert_str_eq(status_of(out, "config 5 beats Peer B (broker) on latency"), "PASS");
	cr_assert_str_eq(status_of(out, "no policy indistinguishable from baseline"), "MISS");
	cr_assert_str_eq(status_of(out, "config 5 beats Peer A (BPF LSM) on latency"), "n/a");
	free(out);
}

Test(bench_report, timing_the_instruction_counts_contradict_is_unsettled)
{
	char *out = report("@bench,nopolicy,insns16,insn,2010,1\n"
			   "@bench,nopolicy,lat16_med,us,3.0,1\n"
			   "@bench,site,insns16,insn,2600,1\n"
			   "@bench,site,lat16_med,us,2.2,1\n"
			   "@bench,site,delay_lat16_med,us,12.1,1\n"
			   "@bench,peer_lsm,insns16,insn,2500,1\n"
			   "@bench,peer_lsm,lat16_med,us,2.5,1\n");

	/* timed 1.5, counted 1.005 */
	cr_assert_str_eq(status_of(out, "no policy indistinguishable from baseline"),
			 "UNSETTLED");
	cr_assert(strstr(out, "timing says MISS, instructions say PASS"));
	/* timed 1.1, counted 1.3 */
	cr_assert_str_eq(status_of(out, "allowlist + audit, 16-byte RPCs"), "UNSETTLED");
	/* timed 1.008, predicted 1 + 600 * 1 ns / 12 us = 1.05 */
	cr_assert_str_eq(status_of(out, "allowlist + audit, 10 us firmware delay"), "UNSETTLED");
	cr_assert(strstr(out, "instructions per RPC say 1.050"));
	/* faster by the clock, 2600 against 2500 instructions */
	cr_assert_str_eq(status_of(out, "config 5 beats Peer A (BPF LSM) on latency"),
			 "UNSETTLED");
	free(out);
}
