// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 8: audit under pressure.
 *
 * generic__observe built with a one-page ring (progs/stress_observe_tiny:
 * the policy's own source, FWCTL_AUDIT_RING_SIZE 4096, about 20 records),
 * on a device of its own, and nobody consuming the ring:
 *   - records + lost == the device's decisions (sysfs bpf/rpcs), exactly,
 *     with lost > 0; the ring then holds exactly `records` records, in seq
 *     order;
 *   - with fwctl_audit_strict=1 the RPCs that cannot be recorded get
 *     -ENOBUFS and the firmware executes exactly the recorded ones.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "policy.h"
#include "sim.h"
#include "stress.h"
#include "stress_observe_tiny.skel.h"

/* A ring created with it drops old records silently (7.x uapi; not in older headers) */
#ifndef BPF_F_RB_OVERWRITE
#define BPF_F_RB_OVERWRITE (1U << 19)
#endif

struct trail {
	long n, allowed, out_of_order;
	uint64_t last_seq;
};

static int collect(void *ctx, void *data, size_t size)
{
	const struct fwctl_audit_record *r = data;
	struct trail *t = ctx;

	if (size < sizeof(*r))
		return -EINVAL;
	if (r->seq <= t->last_seq)
		t->out_of_order++;
	t->last_seq = r->seq;
	t->n++;
	if (r->verdict == FWCTL_AUDIT_ALLOWED)
		t->allowed++;
	return 0;
}

static struct stress_observe_tiny *observe(int k, bool strict)
{
	struct stress_observe_tiny *o = stress_observe_tiny__open();

	cr_assert(o);
	o->rodata->fwctl_audit_strict = strict;
	cr_assert_eq(fwctl_policy_set_u32(o->obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
	cr_assert_eq(fwctl_policy_set_u32(o->obj, "dev_index", sim_fwctl_index(k)), 0);
	cr_assert_eq(stress_observe_tiny__load(o), 0);
	return o;
}

static struct trail drain(struct stress_observe_tiny *o)
{
	struct trail t = {};
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(o->maps.fwctl_audit), collect,
						  &t, NULL);

	cr_assert(rb);
	cr_assert_geq(ring_buffer__consume(rb), 0);
	ring_buffer__free(rb);
	return t;
}

TestSuite(audit, .init = sim_restore, .fini = sim_restore);

Test(audit, records_plus_lost_equal_decisions_with_a_stopped_consumer, .timeout = 3600)
{
	long n = stress_count("AUDIT_RPCS", 20000, 100000), i, failed = 0;
	int k = sim_private_device(), fd = sim_open(k);
	struct stress_observe_tiny *o = observe(k, false);
	struct bpf_link *link = stress_attach(o->maps.observe);
	uint64_t records, lost;
	long long rpcs0, decisions;
	struct trail t;
	char name[16];

	stress_fwctl_name(k, name);
	rpcs0 = fwctl_bpf_attr(name, "rpcs");
	for (i = 0; i < n; i++)
		if (stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP))
			failed++;
	decisions = fwctl_bpf_attr(name, "rpcs") - rpcs0;
	records = stress_map_u64(o->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_RECORDS);
	lost = stress_map_u64(o->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_LOST);
	t = drain(o);
	stress_figure("audit: %llu records + %llu lost == %lld decisions (ring 4096 B, consumer "
		      "stopped, %ld RPCs, %ld failed); %ld records in the ring, %ld out of seq order",
		      (unsigned long long)records, (unsigned long long)lost, decisions, n, failed,
		      t.n, t.out_of_order);
	cr_expect_eq(failed, 0, "a lossy audit must not fail RPCs");
	cr_expect_eq(decisions, n);
	cr_expect_eq(records + lost, (uint64_t)decisions);
	cr_expect_gt(lost, 0, "the ring never filled: the test did not test");
	cr_expect_eq((uint64_t)t.n, records, "records counted but not in the ring");
	cr_expect_eq(t.out_of_order, 0);
	bpf_link__destroy(link);
	stress_observe_tiny__destroy(o);
	close(fd);
}

Test(audit, strict_mode_rejects_what_it_cannot_record_and_firmware_runs_only_the_recorded,
     .timeout = 3600)
{
	long n = stress_count("AUDIT_STRICT_RPCS", 2000, 100000), i;
	long ok = 0, enobufs = 0, other = 0, ok_after = 0;
	int k = sim_private_device(), fd = sim_open(k);
	struct stress_observe_tiny *o = observe(k, true);
	struct bpf_link *link = stress_attach(o->maps.observe);
	uint64_t records, lost, strict;
	long long exec0, executed, rpcs0, decisions;
	struct trail t;
	char name[16];

	stress_fwctl_name(k, name);
	exec0 = sim_executed(k);
	rpcs0 = fwctl_bpf_attr(name, "rpcs");
	for (i = 0; i < n; i++) {
		int ret = stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP);

		if (!ret)
			ok++;
		else if (ret == -ENOBUFS)
			enobufs++;
		else
			other++;
	}
	executed = sim_executed(k) - exec0;
	decisions = fwctl_bpf_attr(name, "rpcs") - rpcs0;
	records = stress_map_u64(o->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_RECORDS);
	lost = stress_map_u64(o->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_LOST);
	strict = stress_map_u64(o->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_STRICT_REJECTS);
	t = drain(o);
	/* Drained: recording, and so RPCs, resume. */
	for (i = 0; i < 10; i++)
		ok_after += !stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP);

	stress_figure("audit strict: %ld RPCs: %ld ok, %ld -ENOBUFS, %ld other; firmware executed "
		      "%lld == %ld records of allowed RPCs (%llu records + %llu lost == %lld "
		      "decisions, %llu strict rejects); after draining %ld/10 ok",
		      n, ok, enobufs, other, executed, t.allowed, (unsigned long long)records,
		      (unsigned long long)lost, decisions, (unsigned long long)strict, ok_after);
	cr_expect_eq(other, 0);
	cr_expect_gt(enobufs, 0, "the ring never filled");
	cr_expect_eq(executed, t.allowed, "the firmware ran an RPC that has no record");
	cr_expect_eq(executed, ok);
	cr_expect_eq(records + lost, (uint64_t)decisions);
	cr_expect_eq((uint64_t)t.n, records);
	cr_expect_eq(ok_after, 10);
	bpf_link__destroy(link);
	stress_observe_tiny__destroy(o);
	close(fd);
}
