// SPDX-License-Identifier: GPL-2.0
/*
 * The hook's promises, RPC by RPC, against the simulated mlx5 device: what
 * the caller gets, and what the firmware (the simulator's executed counter
 * and last_in) really ran.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "fwctl/bpf.h"
#include "hook_policy.h"
#include "hook_policy.skel.h"
#include "hook_test.h"
#include "policy.h"
#include "sim.h"
#include "sim_test.h"

static void setup(void)
{
	sim_restore();
}

static void fwctl0(char *name)
{
	cr_assert_eq(sim_fwctl_name(0, name, 16), 0);
}

TestSuite(hook_rpc, .init = setup, .fini = sim_restore);

Test(hook_rpc, allow_passes_and_firmware_executes)
{
	struct policy p = policy_verdict("allow", 10, FWCTL_BPF_ALLOW);
	int fd = sim_open(0);
	long long before = sim_executed(0);
	struct seen_ctx *f = &p.skel->bss->filter_ctx, *d = &p.skel->bss->done_ctx;
	char name[16];
	unsigned int idx;

	fwctl0(name);
	sscanf(name, "fwctl%u", &idx);
	cr_assert_eq(nop(fd), 0);
	cr_assert_eq(sim_executed(0), before + 1, "the firmware ran the allowed NOP");
	cr_assert_eq(p.skel->bss->filter_calls, 1);
	cr_assert_eq(p.skel->bss->done_calls, 1);
	cr_assert_eq(p.skel->bss->seen_opcode, MLX5_CMD_OP_NOP);
	cr_expect_neq(f->seq, 0);
	cr_expect_eq(f->seq, d->seq, "one sequence number for both ops");
	cr_expect_eq(f->dev_index, idx);
	cr_expect_eq(f->device_type, FWCTL_DEVICE_TYPE_MLX5);
	cr_expect_eq(f->scope, FWCTL_RPC_DEBUG_READ_ONLY);
	cr_expect_eq(f->in_len, MBOX_HDR);
	cr_expect_eq(f->out_len, MBOX_HDR);
	cr_expect_eq(d->status, 0);
	cr_expect_eq(d->flags, FWCTL_BPF_RPC_SENT, "no policy decided, the driver ran it");
	cr_expect_eq(d->policy_id, 0);
	cr_expect_eq(memcmp(d->policy, (char[16]){}, 16), 0, "no deciding policy: the name is zeroes");
	cr_expect(p.skel->bss->done_resp_ok, "rpc_done sees the response");
	cr_expect_eq(p.skel->bss->done_resp[0], FWCTL_MLX5_STAT_OK);
	policy_del(&p);
}

Test(hook_rpc, seq_is_unique_and_increasing)
{
	struct policy p = policy_verdict("seq", 10, FWCTL_BPF_ALLOW);
	int fd = sim_open(0);
	unsigned long long first;

	cr_assert_eq(nop(fd), 0);
	first = p.skel->bss->done_ctx.seq;
	cr_assert_eq(nop(fd), 0);
	cr_assert_gt(p.skel->bss->done_ctx.seq, first);
	policy_del(&p);
}

Test(hook_rpc, reject_returns_the_errno_and_firmware_never_runs)
{
	struct policy p = policy_verdict("deny", 10, -EACCES);
	int fd = sim_open(0);
	long long before = sim_executed(0);
	char name[16];
	long long rejected;

	fwctl0(name);
	rejected = fwctl_bpf_attr(name, "rejected");
	cr_assert_eq(nop(fd), -EACCES);
	cr_assert_eq(sim_executed(0), before, "a rejected RPC reached the firmware");
	cr_assert_eq(fwctl_bpf_attr(name, "rejected"), rejected + 1);
	cr_assert_eq(p.skel->bss->done_calls, 1, "rpc_done sees rejected RPCs");
	cr_expect_eq(p.skel->bss->done_ctx.status, -EACCES);
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REJECTED);
	cr_expect_str_eq(p.skel->bss->done_ctx.policy, "deny");
	cr_expect_neq(p.skel->bss->done_ctx.policy_id, 0);
	policy_del(&p);
}

static void set_rewrite(struct hook_policy *skel, void *arg)
{
	skel->data->rewrite_off = 12;	/* reserved_at_40: any command has it */
	skel->bss->rewrite_val = (uint8_t)(uintptr_t)arg;
}

Test(hook_rpc, rewrite_changes_what_firmware_executes)
{
	struct policy p = policy_add("rewrite", 10, set_rewrite, (void *)0xab);
	uint8_t in[MBOX_HDR] = {}, out[MBOX_HDR], ran[64];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	char name[16];
	long long rewritten;

	fwctl0(name);
	rewritten = fwctl_bpf_attr(name, "rewritten");
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len), 0);
	cr_assert_geq(sim_last_in(0, ran, sizeof(ran)), 13);
	cr_assert_eq(ran[12], 0xab, "the firmware ran the rewritten bytes");
	cr_assert_eq(in[12], 0, "the caller's buffer is untouched");
	cr_assert_eq(fwctl_bpf_attr(name, "rewritten"), rewritten + 1);
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REWRITTEN);
	policy_del(&p);
}

static void set_reply(struct hook_policy *skel, void *arg)
{
	skel->data->verdict = FWCTL_BPF_REPLY;
	skel->bss->reply_len = 16;
	skel->bss->reply_byte = 0x5a;
}

Test(hook_rpc, reply_answers_without_firmware)
{
	struct policy p = policy_add("reply", 10, set_reply, NULL);
	uint8_t out[32];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0), i;
	long long before = sim_executed(0);
	char name[16];
	long long replied;

	fwctl0(name);
	replied = fwctl_bpf_attr(name, "replied");
	memset(out, 0, sizeof(out));
	cr_assert_eq(send_nop(fd, out, &out_len), 0);
	cr_assert_eq(out_len, 16, "the reply's length");
	for (i = 0; i < 16; i++)
		cr_assert_eq(out[i], 0x5a, "byte %d of the reply", i);
	cr_assert_eq(out[16], 0);
	cr_assert_eq(sim_executed(0), before, "a replied RPC reached the firmware");
	cr_assert_eq(fwctl_bpf_attr(name, "replied"), replied + 1);
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REPLIED);
	cr_expect_str_eq(p.skel->bss->done_ctx.policy, "reply");
	policy_del(&p);
}

static void set_redact(struct hook_policy *skel, void *arg)
{
	skel->data->redact_off = 8;
	skel->bss->redact_val = 0xee;
}

Test(hook_rpc, redaction_in_rpc_done_changes_what_the_caller_reads)
{
	struct policy p = policy_add("redact", 10, set_redact, NULL);
	uint8_t out[MBOX_HDR] = {};
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(send_nop(fd, out, &out_len), 0);
	cr_assert_eq(sim_executed(0), before + 1);
	cr_assert_eq(out[8], 0xee, "the caller reads the redacted byte");
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REDACTED);
	policy_del(&p);
}

static void assert_invalid_verdict_rejects(int verdict)
{
	struct policy p = policy_verdict("bad", 10, verdict);
	int fd = sim_open(0);
	long long before = sim_executed(0);
	char name[16];
	long long invalid;

	fwctl0(name);
	invalid = fwctl_bpf_attr(name, "invalid");
	cr_assert_eq(nop(fd), -EPERM, "verdict %d must reject with -EPERM", verdict);
	cr_assert_eq(sim_executed(0), before, "verdict %d let the RPC through", verdict);
	cr_assert_eq(fwctl_bpf_attr(name, "invalid"), invalid + 1);
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_INVALID_VERDICT);
	policy_del(&p);
}

Test(hook_rpc, zero_verdict_rejects)
{
	assert_invalid_verdict_rejects(0);
}

Test(hook_rpc, unknown_verdicts_reject)
{
	assert_invalid_verdict_rejects(7);
	assert_invalid_verdict_rejects(0x7fffffff);
	assert_invalid_verdict_rejects(-ENOENT);	/* not in the errno set */
}

Test(hook_rpc, reply_verdict_without_a_reply_rejects)
{
	assert_invalid_verdict_rejects(FWCTL_BPF_REPLY);
}

static void set_done_ret(struct hook_policy *skel, void *arg)
{
	skel->data->done_ret = (int)(intptr_t)arg;
}

Test(hook_rpc, rpc_done_error_withholds_the_response)
{
	struct policy p = policy_add("withhold", 10, set_done_ret, (void *)(intptr_t)-EBADMSG);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(nop(fd), -EBADMSG);
	cr_assert_eq(sim_executed(0), before + 1, "rpc_done runs after the firmware");
	policy_del(&p);
}

/* Stacking */

Test(hook_rpc, reject_wins_whatever_the_attach_order)
{
	int order, fd = sim_open(0);

	for (order = 0; order < 2; order++) {
		struct policy a, b;
		long long before = sim_executed(0);

		if (order) {
			a = policy_verdict("allow", 10, FWCTL_BPF_ALLOW);
			b = policy_verdict("deny", 10, -EACCES);
		} else {
			b = policy_verdict("deny", 10, -EACCES);
			a = policy_verdict("allow", 10, FWCTL_BPF_ALLOW);
		}
		cr_assert_eq(nop(fd), -EACCES, "attach order %d", order);
		cr_assert_eq(sim_executed(0), before);
		policy_del(&a);
		policy_del(&b);
	}
}

Test(hook_rpc, first_rejecting_policy_in_prio_order_gives_the_errno)
{
	int order, fd = sim_open(0);

	for (order = 0; order < 2; order++) {
		struct policy late, early;

		if (order) {
			late = policy_verdict("late", 20, -EACCES);
			early = policy_verdict("early", 5, -EBUSY);
		} else {
			early = policy_verdict("early", 5, -EBUSY);
			late = policy_verdict("late", 20, -EACCES);
		}
		cr_assert_eq(nop(fd), -EBUSY, "attach order %d", order);
		cr_assert_eq(late.skel->bss->filter_calls, 0, "evaluation stops at the reject");
		cr_assert_eq(late.skel->bss->done_calls, 1, "every rpc_done sees the outcome");
		cr_assert_eq(late.skel->bss->done_ctx.status, -EBUSY);
		cr_assert_str_eq(late.skel->bss->done_ctx.policy, "early");
		policy_del(&late);
		policy_del(&early);
	}
}

static void set_rewrite_and_observe(struct hook_policy *skel, void *arg)
{
	int which = (int)(intptr_t)arg;

	skel->data->rewrite_off = 12 + which;
	skel->bss->rewrite_val = 0x11 * (which + 1);
	skel->data->observe_off = 12;
}

Test(hook_rpc, later_policies_see_earlier_rewrites)
{
	struct policy first = policy_add("first", 1, set_rewrite_and_observe, (void *)0);
	struct policy second = policy_add("second", 2, set_rewrite_and_observe, (void *)1);
	uint8_t ran[64];
	int fd = sim_open(0);

	cr_assert_eq(nop(fd), 0);
	cr_assert_eq(first.skel->data->seen_byte, 0, "first looks before it writes");
	cr_assert_eq(second.skel->data->seen_byte, 0x11, "second sees first's rewrite");
	cr_assert_geq(sim_last_in(0, ran, sizeof(ran)), 14);
	cr_assert_eq(ran[12], 0x11);
	cr_assert_eq(ran[13], 0x22, "the firmware ran both rewrites");
	policy_del(&first);
	policy_del(&second);
}

Test(hook_rpc, a_reject_beats_a_reply)
{
	struct policy r = policy_add("reply", 1, set_reply, NULL);
	struct policy d = policy_verdict("deny", 2, -EACCES);
	uint8_t out[32] = {};
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(send_nop(fd, out, &out_len), -EACCES);
	cr_assert_eq(out[0], 0, "no reply reaches the caller");
	cr_assert_eq(sim_executed(0), before);
	policy_del(&r);
	policy_del(&d);
}

/* Matching */

static void set_device(struct hook_policy *skel, void *arg)
{
	unsigned int idx = (unsigned int)(uintptr_t)arg;

	skel->data->verdict = -EACCES;
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "dev_index", idx), 0);
}

Test(hook_rpc, a_device_policy_applies_to_its_device_only)
{
	struct policy p = policy_add("dev1", 10, set_device, (void *)(uintptr_t)sim_fwctl_index(1));
	int fd0 = sim_open(0), fd1 = sim_open(1);

	cr_assert_eq(nop(fd0), 0, "sim0 is not the policy's device");
	cr_assert_eq(nop(fd1), -EACCES);
	policy_del(&p);
	cr_assert_eq(nop(fd1), 0, "detached");
}

static void set_type(struct hook_policy *skel, void *arg)
{
	skel->data->verdict = -EACCES;
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "device_type", (uint32_t)(uintptr_t)arg), 0);
}

Test(hook_rpc, a_type_policy_applies_to_that_type_only)
{
	struct policy other = policy_add("pds", 10, set_type, (void *)FWCTL_DEVICE_TYPE_PDS);
	int fd = sim_open(0);

	cr_assert_eq(nop(fd), 0, "an mlx5 device does not match a pds policy");
	policy_del(&other);
	other = policy_add("mlx5", 10, set_type, (void *)FWCTL_DEVICE_TYPE_MLX5);
	cr_assert_eq(nop(fd), -EACCES);
	policy_del(&other);
}

/* Hot swap */

Test(hook_rpc, link_update_swaps_the_policy_in_place)
{
	struct policy a = policy_verdict("swap", 10, -EACCES);
	struct hook_policy *b = hook_policy__open();
	int fd = sim_open(0);

	cr_assert(b);
	fwctl_policy_set_name(b->obj, "swap");
	fwctl_policy_set_u32(b->obj, "prio", 10);
	b->data->verdict = -EBUSY;
	cr_assert_eq(hook_policy__load(b), 0);
	cr_assert_eq(nop(fd), -EACCES);
	cr_assert_eq(bpf_link__update_map(a.link, b->maps.hook_ops), 0);
	cr_assert_eq(nop(fd), -EBUSY, "the new policy decides");
	cr_assert_eq(a.skel->bss->filter_calls, 1, "the old one no longer runs");
	bpf_link__destroy(a.link);
	cr_assert_eq(nop(fd), 0, "detached");
	hook_policy__destroy(a.skel);
	hook_policy__destroy(b);
}

/* Side effects */

Test(hook_rpc, a_rejected_debug_write_rpc_does_not_taint)
{
	struct policy p = policy_verdict("deny", 10, -EACCES);
	uint8_t in[MBOX_HDR] = {}, out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	const unsigned long fwctl_taint = 1UL << 19;	/* TAINT_FWCTL */

	cr_assert_eq(kernel_taint() & fwctl_taint, 0,
		     "tainted before the test (an earlier test sent an allowed debug-write RPC)");
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE, in, sizeof(in), out, &out_len), -EACCES);
	cr_assert_eq(kernel_taint() & fwctl_taint, 0, "a rejected RPC tainted the kernel");
	policy_del(&p);
	/* Positive control: the same RPC, allowed, taints. */
	out_len = sizeof(out);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE, in, sizeof(in), out, &out_len), 0);
	cr_assert_neq(kernel_taint() & fwctl_taint, 0, "an allowed debug-write RPC taints");
}

/* Fail-closed and device removal use a device of their own. */

Test(hook_rpc, fail_closed_rejects_what_no_policy_matches)
{
	int k = sim_private_device(), fd = sim_open(k);
	long long before = sim_executed(k);
	struct policy p;
	char name[16];

	cr_assert_eq(sim_fwctl_name(k, name, sizeof(name)), 0);
	cr_assert_eq(nop(fd), 0, "open before fail-closed");
	cr_assert_eq(fwctl_bpf_attr_write(name, "fail_closed", "1"), 0);
	cr_assert_eq(fwctl_bpf_attr(name, "fail_closed"), 1);
	cr_assert_eq(nop(fd), -EPERM);
	cr_assert_eq(sim_executed(k), before + 1, "only the first NOP ran");
	cr_assert_eq(fwctl_bpf_attr_write(name, "fail_closed", "0"), -EPERM,
		     "fail-closed cannot be cleared");

	p = policy_verdict("allow", 10, FWCTL_BPF_ALLOW);
	cr_assert_eq(nop(fd), 0, "a matching policy decides");
	policy_del(&p);
	cr_assert_eq(nop(fd), -EPERM, "closed again without a policy");
	close(fd);
	sim_remove(k);
}

Test(hook_rpc, device_removal_detaches_its_policies)
{
	int k = sim_private_device(), fd = sim_open(k);
	unsigned int idx = sim_fwctl_index(k);
	struct policy p = policy_add("gone", 10, set_device, (void *)(uintptr_t)idx);
	int k2, fd2;

	cr_assert_eq(nop(fd), -EACCES);
	cr_assert_eq(sim_remove(k), 0);
	cr_assert_eq(nop(fd), -ENODEV, "the open FD outlives the device");
	cr_assert_eq(p.skel->bss->filter_calls, 1, "no decision after removal");

	/* A new device may get the same fwctl index: the old policy is gone. */
	k2 = sim_private_device();
	fd2 = sim_open(k2);
	cr_assert_eq(nop(fd2), 0, "fwctl%u's old policy still applies", sim_fwctl_index(k2));
	policy_del(&p);
	close(fd);
	close(fd2);
	sim_remove(k2);
}

static void set_out_of_range(struct hook_policy *skel, void *arg)
{
	skel->data->observe_off = 100;	/* the NOP request is 16 bytes */
	skel->data->rewrite_off = 100;
}

Test(hook_rpc, a_view_outside_the_request_is_null_at_run_time)
{
	struct policy p = policy_add("range", 10, set_out_of_range, NULL);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	/* the policy returns -EINVAL when its writable view is NULL */
	cr_assert_eq(nop(fd), -EINVAL);
	cr_assert_eq(p.skel->data->seen_byte, -1, "the read view was not NULL");
	cr_assert_eq(sim_executed(0), before);
	policy_del(&p);
}

Test(hook_rpc, an_empty_request_gives_null_views_and_reaches_the_driver_checks)
{
	struct policy p = policy_verdict("empty", 10, FWCTL_BPF_ALLOW);
	uint8_t out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	/* in_len 0: the policy sees no opcode, mlx5's own check refuses it */
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, NULL, 0, out, &out_len), -EMSGSIZE);
	cr_assert_eq(p.skel->bss->filter_calls, 1);
	cr_assert_eq(p.skel->bss->seen_opcode, (uint32_t)-1);
	cr_assert_eq(p.skel->bss->filter_ctx.in_len, 0);
	cr_assert_eq(sim_executed(0), before);
	policy_del(&p);
}
