// SPDX-License-Identifier: GPL-2.0
/*
 * A host as the packages leave it, booted: systemd is PID 1 on Debian's
 * kernel with fwctl-bpf and fwctl-bpf-dkms installed by apt (make
 * check-stock boots tests/vm/run --stock --systemd and runs this suite
 * alone). fwctl-bpf.service attached the baseline before sysinit.target,
 * the devices are fail-closed by the package's modprobe.d file, the
 * collector stores the trail, systemctl reload and restart re-apply
 * without detaching. Elsewhere the suite skips itself.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "sim.h"

#define PIN_ROOT	"/sys/fs/bpf/fwctl"
#define LOADER		"/usr/sbin/fwctl-bpf"

static const char *const stack[] = {
	"observe", "opcode_allow", "rate_limit", "deny_nv_write", "redact_serial",
};

static bool booted_installed(void)
{
	return !access("/run/systemd/system", F_OK) && !access(LOADER, X_OK);
}

static void setup(void)
{
	if (!booted_installed())
		return;	/* the tests skip or fail */
	cr_assert_eq(system("modprobe mlx5_sim && modprobe mlx5_fwctl"), 0);
	sim_restore();
}

TestSuite(installed_boot, .init = setup);

/* tests/vm/systemd-cmd says it booted one: then nothing may skip */
#define SKIP_UNLESS_INSTALLED()						\
	do {								\
		if (getenv("FWCTL_BPF_BOOTED_INSTALLED"))		\
			cr_assert(booted_installed(), "booted with systemd, " \
				  "but systemd or the package is missing"); \
		else if (!booted_installed())				\
			cr_skip_test("needs systemd on an installed host " \
				     "(make check-stock boots one)");	\
	} while (0)

/* The first line COMMAND prints, without its newline; "" if none */
static char *first_line(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");

	buf[0] = '\0';
	if (p) {
		if (!fgets(buf, len, p))
			buf[0] = '\0';
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * When systemd first logged MESSAGE this boot, in seconds since boot (a
 * unit's own timestamps move with every restart; the journal keeps the
 * first).
 */
static double first_logged(const char *message)
{
	char cmd[256], v[256];

	snprintf(cmd, sizeof(cmd), "journalctl -b --no-pager -o short-monotonic "
		 "SYSLOG_IDENTIFIER=systemd | grep -m1 -F '%s'", message);
	first_line(cmd, v, sizeof(v));
	return v[0] == '[' ? strtod(v + 1, NULL) : -1;
}

static int link_of(const char *name, __u32 *link_id, __u32 *map_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), PIN_ROOT "/%s/link", name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	ret = bpf_link_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (link_id)
		*link_id = info.id;
	if (map_id)
		*map_id = info.struct_ops.map_id;
	return ret;
}

static void assert_stack_attached(void)
{
	size_t i;

	for (i = 0; i < sizeof(stack) / sizeof(stack[0]); i++)
		cr_assert_eq(link_of(stack[i], NULL, NULL), 0, "%s is not attached", stack[i]);
}

Test(installed_boot, the_baseline_is_attached_before_sysinit_target)
{
	double baseline, sysinit;
	char v[64];

	SKIP_UNLESS_INSTALLED();
	cr_assert_eq(system("systemctl is-active --quiet fwctl-bpf.service"), 0,
		     "fwctl-bpf.service: %s",
		     first_line("systemctl is-active fwctl-bpf.service", v, sizeof(v)));
	assert_stack_attached();
	baseline = first_logged("Finished fwctl-bpf.service");
	sysinit = first_logged("Reached target sysinit.target");
	cr_assert_gt(baseline, 0, "no \"Finished fwctl-bpf.service\" in the journal");
	cr_assert_gt(sysinit, 0);
	cr_assert_lt(baseline, sysinit, "the baseline (%.6f s) came after sysinit.target (%.6f s)",
		     baseline, sysinit);
	cr_assert_str_eq(first_line("cat /sys/module/fwctl/parameters/bpf_fail_closed",
				    v, sizeof(v)), "Y", "the package's modprobe.d was not applied");
}

Test(installed_boot, a_device_added_after_boot_is_decided_by_the_stack)
{
	int fd = sim_open(0);
	long long before;
	int i;

	SKIP_UNLESS_INSTALLED();
	cr_assert_geq(fd, 0);
	before = sim_opcode_count(0, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS);
	cr_assert_eq(sim_rpc(fd, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS), -EACCES,
		     "an opcode outside the allowlist was not refused by it");
	cr_assert_eq(sim_opcode_count(0, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS), before,
		     "the firmware ran a refused RPC");
	for (i = 0; i < 50 && sim_rpc(fd, MLX5_CMD_OP_NOP); i++)
		usleep(100000);	/* a bucket other tests drained refills */
	cr_assert_lt(i, 50, "the stack refuses a NOP");
	close(fd);
}

Test(installed_boot, the_collector_stores_what_was_refused)
{
	char out[4096];
	int fd = sim_open(0), i;

	SKIP_UNLESS_INSTALLED();
	cr_assert_eq(system("systemctl is-active --quiet fwctl-bpf-audit.service"), 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(sim_rpc(fd, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS), -EACCES);
	close(fd);
	/* the service drains the ring into /var/log/fwctl-bpf; queries read that */
	for (i = 0; i < 100; i++) {
		first_line(LOADER " audit --verdict rejected 2>/dev/null | "
			   "grep QUERY_DIAGNOSTIC_PARAMS | grep policy=opcode_allow",
			   out, sizeof(out));
		if (out[0])
			break;
		usleep(200000);
	}
	cr_assert(out[0], "the refusal is not in the store");
	cr_assert(strstr(out, "status=EACCES"), "%s", out);
}

static void start_collector(void)
{
	if (system("systemctl start fwctl-bpf-audit.service"))
		return;
}

/*
 * audit collect --journal: the record as fields journalctl matches on
 * (journald runs in this boot). The service is the one consumer of the
 * rings, so it stops while this collector runs, as a site changing its
 * unit's command line would restart it.
 */
Test(installed_boot, the_journal_carries_the_trail_as_fields, .fini = start_collector)
{
	char dev[32], cmd[512], out[4096];
	int fd = sim_open(0), i;

	SKIP_UNLESS_INSTALLED();
	cr_assert_geq(fd, 0);
	cr_assert_eq(sim_fwctl_name(0, dev, sizeof(dev)), 0);
	cr_assert_eq(system("systemctl stop fwctl-bpf-audit.service"), 0);
	cr_assert_eq(sim_rpc(fd, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS), -EACCES);
	close(fd);
	cr_assert_eq(system(LOADER " audit collect --journal >/dev/null"), 0);
	snprintf(cmd, sizeof(cmd), "journalctl --sync; journalctl -b --no-pager -o cat "
		 "FWCTL_VERDICT=rejected FWCTL_DEVICE=%s FWCTL_OPCODE_NAME=QUERY_DIAGNOSTIC_PARAMS "
		 "FWCTL_POLICY=opcode_allow SYSLOG_IDENTIFIER=fwctl-bpf | tail -n1", dev);
	for (i = 0; i < 50 && !first_line(cmd, out, sizeof(out))[0]; i++)
		usleep(100000);
	cr_assert(strstr(out, "opcode=QUERY_DIAGNOSTIC_PARAMS"), "no such journal entry: '%s'", out);
	cr_assert(strstr(out, "verdict=rejected status=EACCES"), "%s", out);
	first_line("journalctl -b --no-pager -o json FWCTL_VERDICT=rejected "
		   "MESSAGE_ID=" FWCTL_AUDIT_MESSAGE_ID " | tail -n1 | jq -r .PRIORITY", out, sizeof(out));
	cr_assert_str_eq(out, "5", "a rejection is logged as a notice");
}

#define NV_CONF	"/etc/fwctl-bpf/policies.d/40-deny_nv_write.conf"

/*
 * fwctl-bpf.service runs fwctl-bpf apply: a reload or restart with the
 * files unchanged changes nothing; a changed file is a swap in place.
 */
Test(installed_boot, systemctl_reload_and_restart_reapply_the_configuration)
{
	const char *const cmds[] = { "systemctl reload fwctl-bpf", "systemctl restart fwctl-bpf" };
	__u32 link[2], map[2];
	size_t i;

	SKIP_UNLESS_INSTALLED();
	for (i = 0; i < 2; i++) {
		cr_assert_eq(link_of("opcode_allow", &link[0], &map[0]), 0);
		cr_assert_eq(system(cmds[i]), 0, "%s failed", cmds[i]);
		cr_assert_eq(system("systemctl is-active --quiet fwctl-bpf.service"), 0);
		assert_stack_attached();
		cr_assert_eq(link_of("opcode_allow", &link[1], &map[1]), 0);
		cr_assert_eq(link[1], link[0], "%s detached and attached again", cmds[i]);
		cr_assert_eq(map[1], map[0], "%s swapped an unchanged policy", cmds[i]);
	}
	/* the package's file, edited as a site does: complain mode, then back */
	cr_assert_eq(link_of("deny_nv_write", &link[0], &map[0]), 0);
	cr_assert_eq(system("cp " NV_CONF " /run/nv.conf && "
			    "sed -i 's/^\\[Policy\\]$/[Policy]\\nMode=complain/' " NV_CONF),
		     0);
	cr_assert_eq(system("systemctl reload fwctl-bpf"), 0);
	cr_assert_eq(link_of("deny_nv_write", &link[1], &map[1]), 0);
	cr_assert_eq(link[1], link[0], "the changed policy was detached and attached again");
	cr_assert_neq(map[1], map[0], "the changed file was not applied");
	cr_assert_eq(system("fwctl-bpf -j list | grep -q "
			    "'\"name\":\"deny_nv_write\"[^}]*\"complain\":true'"), 0);
	cr_assert_eq(system("cp /run/nv.conf " NV_CONF " && systemctl reload fwctl-bpf"), 0);
	cr_assert_eq(system("fwctl-bpf -j list | grep -q "
			    "'\"name\":\"deny_nv_write\"[^}]*\"complain\":false'"), 0);
}
