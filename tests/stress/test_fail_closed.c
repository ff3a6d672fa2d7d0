// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, tests 3 and 7: fail-closed, and no side effects when rejected.
 *
 * Fail-closed: on a device with bpf/fail_closed set, a policy rejecting
 * QUERY_ADAPTER is attached and detached over and over while clients send
 * QUERY_ADAPTER and NOP; the firmware must never run QUERY_ADAPTER (the
 * policy rejects it while attached, fail-closed while not), and with every
 * policy detached no RPC reaches it at all. Verdicts of 0, garbage and
 * -errnos outside the set are test_hook_rpc.c's (zero_verdict_rejects,
 * unknown_verdicts_reject); a program skipped by the BPF recursion check
 * cannot happen to a struct_ops policy without a private stack, which the
 * ops never request (docs/security.md).
 *
 * No side effects: DEBUG_WRITE and CONFIGURATION RPCs that would change
 * firmware state (SET_HCA_CAP pre-configuring a VF, an MNVDA write,
 * SET_DIAGNOSTIC_PARAMS) are
 * rejected by generic__readonly: the kernel is not tainted, the simulator
 * executed nothing and its state dump is byte for byte the same.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "sim.h"
#include "stress.h"
#include "policies/generic__readonly.skel.h"

struct clients {
	int k;
	atomic_int stop;
	atomic_long rpcs, ok_adapter;
};

static void *client(void *arg)
{
	struct clients *c = arg;
	int fd = sim_open(c->k), i = 0;

	while (fd >= 0 && !atomic_load(&c->stop)) {
		uint16_t op = i++ % 2 ? MLX5_CMD_OP_NOP : MLX5_CMD_OP_QUERY_ADAPTER;

		if (!stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, op) && op != MLX5_CMD_OP_NOP)
			atomic_fetch_add(&c->ok_adapter, 1);
		atomic_fetch_add(&c->rpcs, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

TestSuite(fail_closed, .init = sim_restore, .fini = sim_restore);

Test(fail_closed, detaching_every_policy_lets_nothing_through, .timeout = 3600)
{
	long cycles = stress_count("FAIL_CLOSED_CYCLES", 200, 2000), i;
	long idle_n = stress_count("FAIL_CLOSED_RPCS", 1000, 100000), idle_ok = 0;
	static const uint16_t adapter = MLX5_CMD_OP_QUERY_ADAPTER;
	static struct clients c;
	struct stress_deny *p;
	pthread_t t[2];
	long long adapter_runs, exec0, idle_exec;
	char name[16];
	int fd;

	memset(&c, 0, sizeof(c));
	c.k = sim_private_device();
	stress_fwctl_name(c.k, name);
	cr_assert_eq(fwctl_bpf_attr_write(name, "fail_closed", "1"), 0);
	p = stress_deny_load("fc", EACCES, &adapter, 1, 10, sim_fwctl_index(c.k));
	cr_assert_eq(sim_reset_counters(c.k), 0);
	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, client, &c), 0);
	for (i = 0; i < cycles; i++) {
		struct bpf_link *l = stress_attach(p->maps.deny_ops);

		usleep(200);
		bpf_link__destroy(l);
		usleep(200);
	}
	atomic_store(&c.stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	adapter_runs = sim_opcode_count(c.k, MLX5_CMD_OP_QUERY_ADAPTER);

	/* Nothing attached: nothing runs. */
	fd = sim_open(c.k);
	cr_assert_geq(fd, 0);
	exec0 = sim_executed(c.k);
	for (i = 0; i < idle_n; i++)
		idle_ok += !stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, i % 2 ? MLX5_CMD_OP_NOP :
				       MLX5_CMD_OP_QUERY_ADAPTER);
	idle_exec = sim_executed(c.k) - exec0;
	close(fd);

	stress_figure("fail_closed: %lld of the forbidden RPCs reached the firmware over %ld "
		      "attach/detach cycles (%ld RPCs); with every policy detached %lld of %ld "
		      "RPCs reached it (%ld succeeded)",
		      adapter_runs, cycles, atomic_load(&c.rpcs), idle_exec, idle_n, idle_ok);
	cr_expect_eq(adapter_runs, 0);
	cr_expect_eq(atomic_load(&c.ok_adapter), 0);
	cr_expect_eq(idle_exec, 0);
	cr_expect_eq(idle_ok, 0);
	stress_deny__destroy(p);
}

TestSuite(effects, .init = sim_restore, .fini = sim_restore);

Test(effects, a_rejected_state_changing_rpc_leaves_no_trace)
{
	const unsigned long taint_fwctl = 1UL << 19;
	static char before[16384], after[16384];
	struct generic__readonly *ro;
	struct bpf_link *link;
	uint8_t in[MLX5_ST_SZ_BYTES(set_hca_cap_in)] = {}, out[256];
	uint8_t reg[MLX5_ST_SZ_BYTES(mnvda_reg)] = {}, status;
	uint32_t out_len;
	int k = sim_private_device(), fd = sim_open(k), rejected = 0;
	long long exec0;

	if (kernel_taint() & taint_fwctl)
		cr_skip_test("the kernel is already tainted by an allowed DEBUG_WRITE RPC "
			     "(run this test first, or alone)");
	ro = generic__readonly__open_and_load();
	cr_assert(ro);
	link = stress_attach(ro->maps.readonly);
	cr_assert_gt(sim_state(k, before, sizeof(before)), 0);
	exec0 = sim_executed(k);

	/* SET_HCA_CAP of VF 1 (the form firmware accepts): roce off, log_max_qp 1 */
	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, 0);
	MLX5_SET(set_hca_cap_in, in, other_function, 1);
	MLX5_SET(set_hca_cap_in, in, function_id, 1);
	MLX5_SET(set_hca_cap_in, in, capability.cmd_hca_cap.roce, 0);
	MLX5_SET(set_hca_cap_in, in, capability.cmd_hca_cap.log_max_qp, 1);
	out_len = sizeof(out);
	rejected += fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE, in, sizeof(in), out, &out_len) == -EACCES;
	out_len = sizeof(out);
	rejected += fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE_FULL, in, sizeof(in), out,
			      &out_len) == -EACCES;
	/* MNVDA write: 0 VFs */
	MLX5_SET(mnvda_reg, reg, type, 0x80);
	MLX5_SET(mnvda_reg, reg, length, 12);
	rejected += sim_access_reg(fd, FWCTL_RPC_CONFIGURATION, FWCTL_MLX5_REG_MNVDA,
				   SIM_REG_WRITE, reg, sizeof(reg), NULL, &status) == -EACCES;
	rejected += sim_access_reg(fd, FWCTL_RPC_DEBUG_WRITE, FWCTL_MLX5_REG_MNVDA,
				   SIM_REG_WRITE, reg, sizeof(reg), NULL, &status) == -EACCES;
	/* SET_DIAGNOSTIC_PARAMS (enable, no counters) */
	memset(in, 0, sizeof(in));
	sim_hdr(in, 0x820, 0);
	in[16] = 0x80;
	out_len = sizeof(out);
	rejected += fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE, in, sizeof(in), out, &out_len) == -EACCES;

	cr_assert_gt(sim_state(k, after, sizeof(after)), 0);
	stress_figure("effects: %d/5 state-changing RPCs rejected; taint bit 19 %s; firmware "
		      "executed %lld; state dump %s",
		      rejected, kernel_taint() & taint_fwctl ? "SET" : "clear",
		      sim_executed(k) - exec0, strcmp(before, after) ? "CHANGED" : "unchanged");
	cr_expect_eq(rejected, 5);
	cr_expect_eq(kernel_taint() & taint_fwctl, 0, "a rejected RPC tainted the kernel");
	cr_expect_eq(sim_executed(k), exec0, "a rejected RPC reached the firmware");
	cr_expect_str_eq(after, before, "the firmware state changed");
	bpf_link__destroy(link);
	generic__readonly__destroy(ro);
	close(fd);
}
