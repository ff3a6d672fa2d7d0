// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bpf replay (issue 17, item 3): a candidate policy against a
 * recorded trail, on a fresh simulated device. The promises attacked: the
 * replay of a trail recorded under the live policy gives the verdicts that
 * policy gave; the same trace and policy give the same result twice; the
 * recorded caller's uid is the one the candidate sees; another deciding
 * policy on the simulated device, or a line that is not a record, is
 * refused and leaves no device or policy behind.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli.h"
#include "file.h"
#include "fwctl.h"
#include "sim.h"
#include "sim_test.h"

#define TDIR	"/tmp/replay-test"
#define STORE	TDIR "/store"
#define TRACE	TDIR "/trace.jsonl"
#define OBSERVE	"build/policies/generic__observe.bpf.o"
#define HOOK	"build/hook_policy.bpf.o"
#define NV	"build/policies/mlx5__deny_nv_write.bpf.o"

static struct cli_result r;
static int nr_sims;	/* simulated devices before the test: replay leaves none */
static int sims(void);
static int fd = -1, k = -1;
static char dev[32];

static void detach_all(void)
{
	struct cli_result d = {};

	cli_run(&d, "detach", "observe", NULL);
	cli_run(&d, "detach", "opcode_allow", NULL);
	cli_run(&d, "detach", "t_all", NULL);
	cli_run(&d, "detach", "replay", NULL);
	cli_result_free(&d);
}

static void setup(void)
{
	detach_all();
	sim_restore();
	cr_assert_eq(system("rm -rf " TDIR " && mkdir -p " TDIR " && chmod 755 " TDIR), 0);
	cr_assert_eq(setenv("FWCTL_BPF_AUDIT_DIR", STORE, 1), 0);
	cr_assert_eq(setenv("FWCTL_BPF_STATE_DIR", TDIR "/state", 1), 0);
	fd = sim_private_open(&k, dev, sizeof(dev));
	nr_sims = sims();
}

static void teardown(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	detach_all();
	sim_restore();
	cli_result_free(&r);
}

TestSuite(replay, .init = setup, .fini = teardown);

#define loader_ok(...)								\
	cr_assert_eq(cli_run(&r, __VA_ARGS__, NULL), 0, "%s exited %d: %s%s", r.cmd,	\
		     r.status, r.out, r.err)

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The allowlist of the test: NOP and QUERY_ADAPTER on the test's device */
static void allow_conf(const char *path)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "[Policy]\nObject=mlx5__opcode_allow\nDevice=%s\n[Map allowed]\n"
		 "Entry={NOP, 0xffff} 1\nEntry={QUERY_ADAPTER, 0xffff} 1\n", dev);
	write_text(path, text);
}

/* What a tool sends: three allowed, two the allowlist refuses */
static void send_workload(void)
{
	static const uint16_t ops[] = { MLX5_CMD_OP_NOP, MLX5_CMD_OP_QUERY_ISSI,
					MLX5_CMD_OP_QUERY_ADAPTER, MLX5_CMD_OP_QUERY_HCA_CAP,
					MLX5_CMD_OP_NOP };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		sim_rpc(fd, ops[i]);
}

/* The trail of the test's device, as "fwctl-bpf -j audit" prints it, in TRACE */
static void record_trace(void)
{
	char idx[16];

	snprintf(idx, sizeof(idx), "%u", sim_fwctl_index(k));
	loader_ok("audit", "collect");
	cli_run(&r, "-j", "audit", "--recorder", "observe", "--device", idx, NULL);
	cr_assert(r.out[0], "no records: %s", r.err);
	write_text(TRACE, r.out);
}

/* The "rpcs" and "summary" of replay -j's output, as text */
static char *result_of(const char *out)
{
	struct json_object *o = json_tokener_parse(out), *rpcs, *sum;
	char *s;

	cr_assert(o && json_object_object_get_ex(o, "rpcs", &rpcs) &&
		  json_object_object_get_ex(o, "summary", &sum), "%s", out);
	cr_assert(asprintf(&s, "%s %s", json_object_to_json_string(rpcs),
			   json_object_to_json_string(sum)) > 0);
	json_object_put(o);
	return s;
}

static long summary(const char *out, const char *key)
{
	struct json_object *o = json_tokener_parse(out), *sum, *v;
	long n;

	cr_assert(o && json_object_object_get_ex(o, "summary", &sum) &&
		  json_object_object_get_ex(sum, key, &v), "%s", out);
	n = json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static int sims(void)
{
	DIR *d = opendir(SIM_DEBUGFS);
	struct dirent *de;
	int n = 0;

	cr_assert(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "sim", 3);
	closedir(d);
	return n;
}

Test(replay, a_trail_recorded_under_a_policy_replays_to_that_policys_verdicts)
{
	long long rejected;

	allow_conf(TDIR "/allow.conf");
	loader_ok("attach", OBSERVE, "--device", dev, "--set", "fwctl_audit_requests=1");
	rejected = fwctl_bpf_attr(dev, "rejected");
	cr_assert_eq(mkdir(TDIR "/d", 0755), 0);
	allow_conf(TDIR "/d/20-allow.conf");
	loader_ok("apply", TDIR "/d", "--objects", "build/policies");
	send_workload();
	cr_assert_eq(fwctl_bpf_attr(dev, "rejected"), rejected + 2);
	record_trace();
	detach_all();

	loader_ok("-j", "replay", TDIR "/allow.conf", TRACE, "--objects", "build/policies");
	cr_assert_eq(summary(r.out, "rpcs"), 5, "%s", r.out);
	cr_assert_eq(summary(r.out, "rejected"), 2, "%s", r.out);
	cr_assert_eq(summary(r.out, "allowed"), 3, "%s", r.out);
	cr_assert_eq(summary(r.out, "changed"), 0, "the replay disagrees with the live policy: %s",
		     r.out);
	cr_assert(strstr(r.out, "\"opcode_name\":\"QUERY_ISSI\",\"reg_id\":0,\"uid\":0,"
			 "\"scope\":\"debug_read_only\",\"recorded\":\"rejected\","
			 "\"verdict\":\"rejected\",\"errno\":\"EACCES\",\"executed\":0"), "%s", r.out);

	/* against no allowlist, the two refused ones change */
	loader_ok("replay", HOOK, TRACE);
	cr_assert(strstr(r.out, "5 RPCs: allowed 5, rejected 0, replied 0, rewritten 0, "
			 "skipped 0; 2 changed from the trace"), "%s", r.out);
	cr_assert(strstr(r.out, "rejected  -> allowed   0           changed"), "%s", r.out);
}

Test(replay, the_same_trace_and_policy_give_the_same_result)
{
	char *a, *b;

	loader_ok("attach", OBSERVE, "--device", dev, "--set", "fwctl_audit_requests=1");
	send_workload();
	/* a persistent NV write: state the second replay must not inherit */
	cr_assert_eq(cli_run(&r, "rpc", dev, "--scope", "configuration", "ACCESS_REG",
			     "reg=MNVDA", "write", "type=0x80", "data=00000001", NULL), 0, "%s",
		     r.err);
	record_trace();
	detach_all();
	allow_conf(TDIR "/allow.conf");

	loader_ok("-j", "replay", TDIR "/allow.conf", TRACE, "--objects", "build/policies");
	a = result_of(r.out);
	loader_ok("-j", "replay", TDIR "/allow.conf", TRACE, "--objects", "build/policies");
	b = result_of(r.out);
	cr_assert_str_eq(a, b, "two replays differ");
	free(a);
	free(b);
	cr_assert_eq(sims(), nr_sims, "replay left its simulated device behind");
	cr_assert_eq(cli_run(&r, "-j", "list", NULL), 0);
	cr_assert_eq(strstr(r.out, "\"name\":\"replay"), NULL, "the candidate stayed attached");
}

Test(replay, the_candidate_sees_the_recorded_callers_uid)
{
	static char trace[64 * 1024];
	char *p;

	loader_ok("attach", OBSERVE, "--device", dev, "--set", "fwctl_audit_requests=1");
	cr_assert_eq(cli_run(&r, "rpc", dev, "--scope", "configuration", "ACCESS_REG",
			     "reg=MNVDA", "write", "type=0x80", "data=00000001", NULL), 0, "%s",
		     r.err);
	cr_assert_eq(cli_run(&r, "rpc", dev, "--scope", "configuration", "ACCESS_REG",
			     "reg=MNVDA", "write", "type=0x80", "data=00000001", NULL), 0);
	record_trace();
	detach_all();
	/* the second write as uid 1000, whom the candidate allows */
	cr_assert_gt(read_text(TRACE, trace, sizeof(trace)), 0);
	p = strstr(strchr(trace, '\n'), "\"uid\":0,");
	cr_assert(p, "%s", trace);
	memcpy(p, "\"uid\":1,", 8);
	write_text(TRACE, trace);
	write_text(TDIR "/nv.conf", "[Policy]\nObject=mlx5__deny_nv_write\n"
		   "[Map allowed_uids]\nEntry=1 1\n");

	loader_ok("replay", TDIR "/nv.conf", TRACE, "--objects", "build/policies");
	cr_assert(strstr(r.out, "MNVDA    uid 0      allowed   -> rejected  EACCES      changed"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "MNVDA    uid 1      allowed   -> allowed   0"), "%s", r.out);
}

Test(replay, another_deciding_policy_or_a_bad_line_is_refused_and_leaves_nothing)
{
	loader_ok("attach", OBSERVE, "--device", dev, "--set", "fwctl_audit_requests=1");
	send_workload();
	record_trace();
	detach_all();

	loader_ok("attach", HOOK, "--name", "t_all", "--all");
	cr_assert_eq(cli_run(&r, "replay", NV, TRACE, NULL), 1);
	cr_assert(strstr(r.err, "policy t_all decides on fwctl"), "%s", r.err);
	cr_assert_eq(sims(), nr_sims, "replay left its simulated device behind");
	cr_assert_eq(cli_run(&r, "-j", "list", NULL), 0);
	cr_assert_eq(strstr(r.out, "\"name\":\"replay"), NULL, "the candidate stayed attached");
	cli_run(&r, "detach", "t_all", NULL);

	cr_assert_eq(system("echo 'not a record' >> " TRACE), 0);
	cr_assert_eq(cli_run(&r, "replay", NV, TRACE, NULL), 1);
	cr_assert(strstr(r.err, TRACE ":6: not an audit record"), "%s", r.err);
	cr_assert_eq(sims(), nr_sims);
	cr_assert_eq(cli_run(&r, "replay", NV, NULL), 2);
	cr_assert_eq(cli_run(&r, "replay", NV, TDIR "/no-such-trace", NULL), 1);
}
