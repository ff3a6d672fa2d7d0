// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bpf stats --format prometheus (docs/operations.md, "Metrics"):
 * the numbers a dashboard shows are the kernel's, the output passes
 * Prometheus' own checker (build/tools/promtool, scripts/promtool.sh), and
 * --output never leaves node_exporter half a file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "fwctl.h"
#include "sim.h"
#include "sim_test.h"

#define ROOT		"/sys/fs/bpf/metrics_test"
#define OBJ		"build/hook_policy.bpf.o"
#define OBSERVE		"build/policies/generic__observe.bpf.o"
#define PROMTOOL	"build/tools/promtool"
#define DIR		"/tmp/metrics_test"

static struct cli_result r;
static char text[64 * 1024];

/* What a test attached goes, whether it passed or not */
static void detach_all(void)
{
	struct cli_result d = {};

	cli_run(&d, "detach", "observe", NULL);
	cli_run(&d, "detach", "t_metrics", NULL);
	cli_result_free(&d);
}

static void cleanup(void)
{
	detach_all();
	cli_result_free(&r);
}

static void setup(void)
{
	cr_assert_eq(setenv("FWCTL_BPF_PIN_ROOT", ROOT, 1), 0);
	detach_all();
	sim_restore();
	cr_assert_eq(system("rm -rf " DIR " && mkdir -p " DIR), 0);
}

TestSuite(metrics, .init = setup, .fini = cleanup);

/* The value of the sample SERIES (name and labels) in @text; -1 if absent */
static long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, series, n) && l[n] == ' ')
			return atoll(l + n + 1);
	return -1;
}

static long long device_sample(const char *text, const char *counter, const char *dev)
{
	char series[128];

	snprintf(series, sizeof(series), "fwctl_bpf_device_%s_total{device=\"%s\"}", counter, dev);
	return sample(text, series);
}

static int nop(void)
{
	int fd = sim_open(0), ret;

	cr_assert(fd >= 0, "sim0: %s", strerror(-fd));
	ret = sim_rpc(fd, MLX5_CMD_OP_NOP);
	close(fd);
	return ret;
}

/* promtool check metrics on @text: its exit code, its complaints in r2 */
static int promtool(const char *text, struct cli_result *r2)
{
	return cli_exec(r2, text, (const char *const[]){ PROMTOOL, "check", "metrics", NULL });
}

Test(metrics, prometheus_output_passes_promtool_and_counts_what_the_kernel_counts)
{
	struct cli_result check = {};
	char dev[32], policy[160];
	long long rejected, rpcs, policies;
	int i;

	cr_assert_eq(sim_fwctl_name(0, dev, sizeof(dev)), 0);
	/* whatever else the kernel runs (another suite's, another loader's) */
	cr_assert_eq(cli_run(&r, "stats", "--format", "prometheus", NULL), 0, "%s", r.err);
	policies = sample(r.out, "fwctl_bpf_policies");
	cr_assert_geq(policies, 0, "%s", r.out);
	cr_assert_eq(cli_run(&r, "attach", OBSERVE, "--all", NULL), 0, "%s", r.err);
	cr_assert_eq(cli_run(&r, "attach", OBJ, "--name", "t_metrics", "--device", dev,
			     "--set", "verdict=-13", NULL), 0, "%s", r.err);
	rejected = fwctl_bpf_attr(dev, "rejected");
	for (i = 0; i < 3; i++)
		cr_assert_eq(nop(), -EACCES);

	cr_assert_eq(cli_run(&r, "stats", "--format", "prometheus", NULL), 0, "%s", r.err);
	/* what the kernel counted, read back the way a scrape reads it */
	cr_assert_eq(device_sample(r.out, "rejected", dev), rejected + 3, "%s", r.out);
	cr_assert_eq(device_sample(r.out, "rejected", dev), fwctl_bpf_attr(dev, "rejected"));
	rpcs = fwctl_bpf_attr(dev, "rpcs");
	cr_assert_eq(device_sample(r.out, "rpcs", dev), rpcs, "%s", r.out);
	cr_assert_eq(device_sample(r.out, "allowed", dev), fwctl_bpf_attr(dev, "allowed"));
	cr_assert_eq(device_sample(r.out, "would_reject", dev), fwctl_bpf_attr(dev, "would_reject"));
	cr_assert(strstr(r.out, "fwctl_bpf_device_fail_closed{device=\""), "%s", r.out);
	cr_assert_eq(sample(r.out, "fwctl_bpf_policies"), policies + 2, "%s", r.out);
	snprintf(policy, sizeof(policy), "fwctl_bpf_policy_info{policy=\"t_metrics\",link_id=\"");
	cr_assert(strstr(r.out, policy), "%s", r.out);
	cr_assert_geq(sample(r.out, "fwctl_bpf_audit_records_total{recorder=\"observe\"}"), 3,
		      "%s", r.out);
	cr_assert_eq(sample(r.out, "fwctl_bpf_audit_lost_total{recorder=\"observe\"}"), 0,
		     "%s", r.out);

	cr_assert_eq(promtool(r.out, &check), 0, "promtool: %s%s\n%s", check.out, check.err, r.out);
	/* and the checker would say so: a broken exposition fails it */
	cr_assert_neq(promtool("# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", &check), 0);
	cli_result_free(&check);
}

static void umount_dir(void)
{
	if (system("umount " DIR " 2>/dev/null"))
		return;
	cleanup();
}

Test(metrics, output_replaces_the_file_whole_and_a_failed_write_keeps_the_old_one,
     .fini = umount_dir)
{
	struct cli_result check = {};
	struct stat st;

	/* a small file system to fill: the write, not the open, fails */
	cr_assert_eq(system("mount -t tmpfs -o size=64k tmpfs " DIR), 0);
	cr_assert_eq(cli_run(&r, "attach", OBJ, "--name", "t_metrics", NULL), 0, "%s", r.err);
	umask(077);	/* node_exporter reads it whatever the caller's umask */
	cr_assert_eq(cli_run(&r, "stats", "--format", "prometheus", "--output",
			     DIR "/fwctl-bpf.prom", NULL), 0, "%s", r.err);
	umask(022);
	cr_assert_str_empty(r.out);
	cr_assert_gt(read_text(DIR "/fwctl-bpf.prom", text, sizeof(text)), 0);
	cr_assert(strstr(text, "fwctl_bpf_policy_info{policy=\"t_metrics\""), "%s", text);
	cr_assert_eq(promtool(text, &check), 0, "promtool: %s%s", check.out, check.err);
	cr_assert_eq(stat(DIR "/fwctl-bpf.prom", &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
	cr_assert_eq(system("ls -A " DIR " | grep -qvx fwctl-bpf.prom"), 256,
		     "a temporary file stayed beside it");

	/* a full disk: the old file stays as it was, nothing half-written beside it */
	cr_assert_eq(system("dd if=/dev/zero of=" DIR "/fill bs=4k 2>/dev/null; true"), 0);
	cr_assert_eq(cli_run(&r, "detach", "t_metrics", NULL), 0, "%s", r.err);
	cr_assert_eq(cli_run(&r, "stats", "--format=prometheus", "--output",
			     DIR "/fwctl-bpf.prom", NULL), 1);
	cr_assert(strstr(r.err, DIR "/fwctl-bpf.prom: No space left on device"),
		  "the error names the file and the reason: %s", r.err);
	cr_assert_gt(read_text(DIR "/fwctl-bpf.prom", text, sizeof(text)), 0);
	cr_assert(strstr(text, "fwctl_bpf_policy_info{policy=\"t_metrics\""),
		  "the old file changed: %s", text);
	cr_assert_eq(system("ls -A " DIR " | grep -v '^fill$' | grep -qvx fwctl-bpf.prom"), 256,
		     "a temporary file stayed beside it");
	cli_result_free(&check);
}

Test(metrics, output_never_writes_through_a_symlink_planted_beside_it)
{
	cr_assert_eq(system("echo precious >" DIR "/victim"), 0);
	cr_assert_eq(symlink("victim", DIR "/fwctl-bpf.prom.tmp"), 0);
	cr_assert_eq(cli_run(&r, "stats", "--format", "prometheus", "--output",
			     DIR "/fwctl-bpf.prom", NULL), 0, "%s", r.err);
	cr_assert_gt(read_text(DIR "/victim", text, sizeof(text)), 0);
	cr_assert_str_eq(text, "precious\n", "the output went through the symlink");
}

Test(metrics, bad_arguments_are_usage_errors_that_say_why)
{
	cr_assert_eq(cli_run(&r, "stats", "--format", "xml", NULL), 2);
	cr_assert(strstr(r.err, "unknown format 'xml' (text or prometheus)"), "%s", r.err);
	cr_assert_eq(cli_run(&r, "stats", "--format", NULL), 2);
	cr_assert(strstr(r.err, "--format needs a value"), "%s", r.err);
	cr_assert_eq(cli_run(&r, "stats", "--output", DIR "/x.prom", NULL), 2);
	cr_assert(strstr(r.err, "--output writes --format prometheus only"), "%s", r.err);
	cr_assert_eq(cli_run(&r, "stats", "--format", "prometheus", "--output=", NULL), 2);
	cr_assert(strstr(r.err, "--output needs a file"), "an empty --output: %s", r.err);
	cr_assert_eq(cli_run(&r, "-j", "stats", "--format", "prometheus", NULL), 2);
	cr_assert(strstr(r.out, "{\"error\":\"can't show stats: --format prometheus and -j"),
		  "%s", r.out);
	cr_assert_neq(access(DIR "/x.prom", F_OK), 0, "a refused command wrote its file");
}
