// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl.bpf_fail_closed=1 on the kernel command line, or "options fwctl
 * bpf_fail_closed=1" in /etc/modprobe.d when fwctl is a module (what the
 * fwctl-bpf package's example sets), closes every device from its
 * creation: make check boots the VM once more with the first and make
 * check-stock with the second, and runs this suite alone. In the
 * ordinary boot the suite skips itself.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"

#define PARAM "/sys/module/fwctl/parameters/bpf_fail_closed"
#define SKIP_WHY "needs a boot with fwctl.bpf_fail_closed=1 or its modprobe.d " \
	"option (make check and make check-stock do one)"

static bool booted_fail_closed(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	if (strstr(cmdline, "fwctl.bpf_fail_closed=1"))
		return true;
	/* the configuration modprobe applies when it loads fwctl.ko */
	return !system("modprobe -c 2>/dev/null | "
		       "grep -Eq '^options fwctl( .*)? bpf_fail_closed=(1|Y|y)( |$)'");
}

Test(fail_closed_boot, closes_every_device_from_boot)
{
	uint8_t in[16] = {}, out[16];
	uint32_t out_len = sizeof(out);
	char name[16];
	long long before;
	int k, fd;

	if (!booted_fail_closed())
		cr_skip_test(SKIP_WHY);
	for (k = 0; k < 2; k++) {
		cr_assert_eq(sim_fwctl_name(k, name, sizeof(name)), 0);
		cr_assert_eq(fwctl_bpf_attr(name, "fail_closed"), 1, "%s is open", name);
		fd = sim_open(k);	/* opening runs CREATE_UCTX in firmware */
		before = sim_executed(k);
		sim_hdr(in, MLX5_CMD_OP_NOP, 0);
		cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len),
			     -EPERM);
		cr_assert_eq(sim_executed(k), before, "an RPC reached the firmware");
	}
	/* a device added later (a reload, a reset, a re-probe) is closed too */
	k = sim_add_private();
	cr_assert_geq(k, 0);
	cr_assert_eq(sim_fwctl_name(k, name, sizeof(name)), 0);
	cr_assert_eq(fwctl_bpf_attr(name, "fail_closed"), 1);
	fd = sim_open(k);
	before = sim_executed(k);
	out_len = sizeof(out);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len), -EPERM);
	cr_assert_eq(sim_executed(k), before, "the re-created device came up open");
	close(fd);
	sim_remove(k);
}

Test(fail_closed_boot, the_parameter_cannot_be_cleared)
{
	char v[8] = {};
	int fd;

	if (!booted_fail_closed())
		cr_skip_test(SKIP_WHY);
	fd = open(PARAM, O_RDONLY);
	cr_assert_geq(fd, 0, PARAM ": %s", strerror(errno));
	cr_assert_gt(read(fd, v, sizeof(v) - 1), 0);
	close(fd);
	cr_assert_eq(v[0], 'Y', "%s", v);
	fd = open(PARAM, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "0", 1), -1, "the parameter was cleared");
	cr_assert_eq(errno, EROFS);
	close(fd);
}
