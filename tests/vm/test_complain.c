// SPDX-License-Identifier: GPL-2.0
/*
 * Complain mode from the command line (issue 17): attach --complain, swap
 * --complain/--enforce, as an operator rolls a policy out. What the user
 * sees: the RPC's errno, the firmware's executed counter, the device's
 * would_reject counter and the audit trail's verdict. (The kernel's side,
 * program by program, is tests/vm/test_hook_review.c.)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_test.h"
#include "cli.h"
#include "fwctl.h"
#include "sim.h"
#include "sim_test.h"

#define STORE	"/tmp/complain-store"
#define OBJ	"build/hook_policy.bpf.o"
#define OBSERVE	"build/policies/generic__observe.bpf.o"

static struct cli_result r;
static int fd = -1;	/* the test's device FD (open_sim) */

/* fwctl-bpf ARG..., which must exit 0 */
#define loader_ok(...)								\
	cr_assert_eq(cli_run(&r, __VA_ARGS__, NULL), 0, "%s exited %d: %s%s", r.cmd,	\
		     r.status, r.out, r.err)

static void detach_all(void)
{
	struct cli_result d = {};

	cli_run(&d, "detach", "observe", NULL);
	cli_run(&d, "detach", "t_complain", NULL);
	cli_result_free(&d);
}

static void setup(void)
{
	cr_assert_eq(setenv("FWCTL_BPF_AUDIT_DIR", STORE, 1), 0);
	detach_all();
	sim_restore();
	cr_assert_eq(system("rm -rf " STORE), 0);
}

static void teardown(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	detach_all();
	cli_result_free(&r);
}

TestSuite(complain, .init = setup, .fini = teardown);

/*
 * Each test's FD on its device, opened before any counter is read: opening
 * one runs firmware commands of its own (the mlx5 driver allocates a uid).
 */
static int open_sim(int k)
{
	fd = sim_open(k);
	cr_assert(fd >= 0, "sim%d: %s", k, strerror(-fd));
	return fd;
}

static int nop(void)
{
	return sim_rpc(fd, MLX5_CMD_OP_NOP);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* t_complain rejects everything (EACCES) on sim0's device; @mode: --complain or NULL */
static void attach_rejecting(const char *dev, const char *mode)
{
	if (mode)
		loader_ok("attach", OBJ, "--name", "t_complain", "--device", dev, "--set",
			  "verdict=-13", mode);
	else
		loader_ok("attach", OBJ, "--name", "t_complain", "--device", dev, "--set",
			  "verdict=-13");
}

Test(complain, a_complaining_policy_lets_the_rpc_run_and_the_trail_says_would_reject)
{
	long long executed, would, rejected;
	char dev[32];

	cr_assert_eq(sim_fwctl_name(0, dev, sizeof(dev)), 0);
	open_sim(0);
	loader_ok("attach", OBSERVE, "--all");
	attach_rejecting(dev, "--complain");
	executed = sim_executed(0);
	would = fwctl_bpf_attr(dev, "would_reject");
	rejected = fwctl_bpf_attr(dev, "rejected");

	cr_assert_eq(nop(), 0, "a complain-mode rejection rejected the RPC");
	cr_assert_eq(sim_executed(0), executed + 1, "the RPC did not reach the firmware");
	cr_assert_eq(fwctl_bpf_attr(dev, "would_reject"), would + 1);
	cr_assert_eq(fwctl_bpf_attr(dev, "rejected"), rejected);

	loader_ok("-j", "list");
	cr_assert(strstr(r.out, "\"name\":\"t_complain\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"complain\":true"), "%s", r.out);
	loader_ok("list");
	cr_assert(strstr(r.out, "  complain  link"), "list does not mark it: %s", r.out);

	/*
	 * The queries' exit status is the accounting's, which another test's
	 * removed private device (its counters gone, its seqs not) can leave
	 * unverified: the records are what this test checks.
	 */
	loader_ok("audit", "collect");
	cli_run(&r, "-j", "audit", "--recorder", "observe", "--verdict", "would-reject", NULL);
	cr_assert_eq(lines(r.out), 1, "one would-reject record expected:\n%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "\"verdict\":\"would-reject\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"opcode_name\":\"NOP\""), "%s", r.out);
	cli_run(&r, "-j", "audit", "--recorder", "observe", "--verdict", "rejected", NULL);
	cr_assert_eq(lines(r.out), 0, "a rejection was recorded:\n%s", r.out);
}

Test(complain, swap_switches_between_complain_and_enforce_in_one_step)
{
	long long executed;
	char dev[32];

	cr_assert_eq(sim_fwctl_name(0, dev, sizeof(dev)), 0);
	open_sim(0);
	attach_rejecting(dev, "--complain");
	cr_assert_eq(nop(), 0);

	loader_ok("swap", "t_complain", OBJ, "--set", "verdict=-13", "--enforce");
	executed = sim_executed(0);
	cr_assert_eq(nop(), -EACCES, "--enforce left it complaining");
	cr_assert_eq(sim_executed(0), executed);
	loader_ok("-j", "list");
	cr_assert(strstr(r.out, "\"complain\":false"), "%s", r.out);

	/* a plain swap keeps the mode it finds */
	loader_ok("swap", "t_complain", OBJ, "--set", "verdict=-13");
	cr_assert_eq(nop(), -EACCES, "a swap without --complain changed the mode");
	loader_ok("swap", "t_complain", OBJ, "--set", "verdict=-13", "--complain");
	cr_assert_eq(nop(), 0, "--complain left it enforcing");
	loader_ok("swap", "t_complain", OBJ, "--set", "verdict=-13");
	cr_assert_eq(nop(), 0, "a swap without --enforce changed the mode");
}

Test(complain, a_complaining_policy_does_not_hold_a_fail_closed_device_open)
{
	int k = sim_private_device();
	long long executed;
	char dev[32];

	cr_assert_eq(sim_fwctl_name(k, dev, sizeof(dev)), 0);
	open_sim(k);
	cr_assert_eq(fwctl_bpf_attr_write(dev, "fail_closed", "1"), 0);
	/* allows everything, but only complains: nothing enforces */
	loader_ok("attach", OBJ, "--name", "t_complain", "--device", dev, "--complain");
	executed = sim_executed(k);
	cr_assert_eq(nop(), -EPERM, "a complain-mode policy kept the device open");
	cr_assert_eq(sim_executed(k), executed, "an RPC reached the firmware");

	loader_ok("swap", "t_complain", OBJ, "--enforce");
	cr_assert_eq(nop(), 0, "an enforcing policy that allows decides");
	cr_assert_eq(sim_executed(k), executed + 1);
}

Test(complain, complain_and_enforce_are_checked_before_anything_changes)
{
	char dev[32];

	cr_assert_eq(sim_fwctl_name(0, dev, sizeof(dev)), 0);
	open_sim(0);
	cr_assert_eq(cli_run(&r, "attach", OBJ, "--name", "t_complain", "--complain", "--enforce",
			     NULL), 2);
	cr_assert(strstr(r.err, "--complain and --enforce exclude each other"), "%s", r.err);
	attach_rejecting(dev, NULL);
	cr_assert_eq(cli_run(&r, "swap", "t_complain", OBJ, "--complain", "--enforce", NULL), 2);
	cr_assert(strstr(r.err, "--complain and --enforce exclude each other"), "%s", r.err);
	cr_assert_eq(nop(), -EACCES, "a refused swap changed the policy");
}
