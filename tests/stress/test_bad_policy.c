// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 6: bad policies are refused, with a message naming the
 * reason, and the policies already running keep deciding.
 *
 * tests/vm/test_hook_attach.c proves each refusal on its own (out-of-bounds
 * view, unchecked NULL, request write in rpc_done, user-memory helper,
 * context write, sleepable op, unknown flags, more than 16 policies,
 * replacement with another match); unknown verdicts at run time are in
 * test_hook_rpc.c. Added here: a struct_ops layout that is not the
 * kernel's (an extra member, a misnamed op, a member of the wrong size:
 * progs/fail_layout_*.bpf.c), the same map attached twice, a link update
 * to a map that is attached elsewhere, and, after every kind of refusal,
 * a policy attached before it still rejecting what it rejected and
 * allowing what it allowed.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "policy.h"
#include "sim.h"
#include "stress.h"

static char log_buf[128 * 1024];

/* Open and load STRESS_BUILD/@path; the load must fail, with @reason in libbpf's or the verifier's log. */
static void assert_refused(const char *path, const char *reason)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_buf = log_buf + sizeof(log_buf) / 2,
		    .kernel_log_size = sizeof(log_buf) / 2, .kernel_log_level = 1);
	struct bpf_object *obj;
	char file[256];
	int err = 0;

	snprintf(file, sizeof(file), "%s/%s", STRESS_BUILD, path);
	log_buf[sizeof(log_buf) / 2] = '\0';
	stress_capture_libbpf(log_buf, sizeof(log_buf) / 2);
	obj = bpf_object__open_file(file, &opts);
	if (!obj)
		err = -errno;
	else
		err = bpf_object__load(obj);
	stress_capture_end();
	bpf_object__close(obj);
	cr_assert_lt(err, 0, "%s loaded but must not", path);
	if (reason)
		cr_assert(strstr(log_buf, reason) || strstr(log_buf + sizeof(log_buf) / 2, reason),
			  "%s: no \"%s\" in the messages:\n%s\n%s", path, reason, log_buf,
			  log_buf + sizeof(log_buf) / 2);
}

struct guard {
	int k, fd;
	struct stress_deny *p;
	struct bpf_link *link;
};

/* A running policy on a device of its own: QUERY_ADAPTER -> -EACCES, the rest allowed. */
static struct guard guard_start(void)
{
	static const uint16_t adapter = MLX5_CMD_OP_QUERY_ADAPTER;
	struct guard g;

	g.k = sim_private_device();
	g.fd = sim_open(g.k);
	cr_assert_geq(g.fd, 0);
	g.p = stress_deny_load("guard", EACCES, &adapter, 1, 10, sim_fwctl_index(g.k));
	g.link = stress_attach(g.p->maps.deny_ops);
	return g;
}

/* Still there, still deciding: returns 1 if so (for the figure). */
static int guard_holds(struct guard *g, const char *after)
{
	long long adapter = sim_opcode_count(g->k, MLX5_CMD_OP_QUERY_ADAPTER);
	long long nop = sim_opcode_count(g->k, MLX5_CMD_OP_NOP);
	uint64_t calls = stress_map_u64(g->p->maps.stats, STRESS_FILTER_CALLS);

	cr_expect_eq(stress_cmd(g->fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ADAPTER),
		     -EACCES, "after %s: the running policy no longer rejects", after);
	cr_expect_eq(stress_cmd(g->fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0,
		     "after %s: the running policy no longer allows", after);
	cr_expect_eq(sim_opcode_count(g->k, MLX5_CMD_OP_QUERY_ADAPTER), adapter);
	cr_expect_eq(sim_opcode_count(g->k, MLX5_CMD_OP_NOP), nop + 1);
	cr_expect_eq(stress_map_u64(g->p->maps.stats, STRESS_FILTER_CALLS), calls + 2,
		     "after %s: the running policy did not decide", after);
	return 1;
}

static void guard_stop(struct guard *g)
{
	bpf_link__destroy(g->link);
	stress_deny__destroy(g->p);
	close(g->fd);
}

TestSuite(bad_policy, .init = sim_restore, .fini = sim_restore);

Test(bad_policy, a_foreign_struct_ops_layout_is_refused_at_load_with_the_member_named)
{
	assert_refused("stress/fail_layout_extra.bpf.o",
		       "Cannot find member audit_level in kernel BTF");
	assert_refused("stress/fail_layout_misnamed.bpf.o",
		       "Cannot find member rpc_check in kernel BTF");
	assert_refused("stress/fail_layout_size.bpf.o", "Error in size of member prio");
}

Test(bad_policy, every_refusal_leaves_the_running_policy_deciding)
{
	static const struct {
		const char *obj, *reason;
	} refused[] = {
		{ "fail_oob_read.bpf.o", "invalid access to memory" },
		{ "fail_null_unchecked.bpf.o", "invalid mem access 'rdonly_mem_or_null'" },
		{ "fail_request_in_done.bpf.o",
		  "calling kernel function fwctl_bpf_request_data_rw is not allowed" },
		{ "fail_user_memory.bpf.o", "bpf_probe_read_user" },
		{ "fail_ctx_write.bpf.o", "only read is supported" },
		{ "fail_sleepable.bpf.o", NULL },	/* -EINVAL from check_member, no log */
		{ "stress/fail_layout_extra.bpf.o", "Cannot find member" },
		{ "stress/fail_layout_misnamed.bpf.o", "Cannot find member" },
		{ "stress/fail_layout_size.bpf.o", "Error in size of member" },
	};
	struct guard g = guard_start();
	struct stress_deny *extra[FWCTL_BPF_MAX_POLICIES];
	struct bpf_link *links[FWCTL_BPF_MAX_POLICIES] = {};
	struct stress_deny *other;
	int i, n = 0, held = 0, attached = 0;
	char name[16];

	for (i = 0; i < (int)(sizeof(refused) / sizeof(refused[0])); i++) {
		assert_refused(refused[i].obj, refused[i].reason);
		held += guard_holds(&g, refused[i].obj);
		n++;
	}

	/* Unknown flags: refused at attach. */
	other = stress_deny__open();
	cr_assert(other);
	cr_assert_eq(fwctl_policy_set_u32(other->obj, "flags", 0x80), 0);
	cr_assert_eq(stress_deny__load(other), 0);
	cr_assert_null(bpf_map__attach_struct_ops(other->maps.deny_ops));
	cr_assert_eq(errno, EINVAL);
	stress_deny__destroy(other);
	held += guard_holds(&g, "unknown flags");
	n++;

	/* A replacement asking for another match: -EINVAL, the old one stays. */
	other = stress_deny_load("other_prio", EBUSY, NULL, 0, 11, sim_fwctl_index(g.k));
	bpf_link__destroy(stress_attach(other->maps.deny_ops));
	cr_assert_eq(bpf_link__update_map(g.link, other->maps.deny_ops), -EINVAL);
	stress_deny__destroy(other);
	held += guard_holds(&g, "a refused link update");
	n++;

	/* More than the limit: the 17th gets -E2BIG, the first stays. */
	for (i = 0; i < FWCTL_BPF_MAX_POLICIES; i++) {
		snprintf(name, sizeof(name), "fill%d", i);
		extra[i] = stress_deny_load(name, EBUSY, NULL, 0, 100 + i, -1);
		links[i] = bpf_map__attach_struct_ops(extra[i]->maps.deny_ops);
		if (links[i])
			attached++;
		else
			cr_assert_eq(errno, E2BIG, "policy %d: %s", i + 2, strerror(errno));
	}
	cr_assert_eq(attached, FWCTL_BPF_MAX_POLICIES - 1, "the limit is %d policies",
		     FWCTL_BPF_MAX_POLICIES);
	held += guard_holds(&g, "more policies than the limit");
	n++;
	for (i = 0; i < FWCTL_BPF_MAX_POLICIES; i++) {
		bpf_link__destroy(links[i]);
		stress_deny__destroy(extra[i]);
	}
	held += guard_holds(&g, "detaching the others");
	n++;

	stress_figure("bad_policy: %d/%d refusals (9 loads, unknown flags, a replacement with "
		      "another match, the 17th policy) left the running policy deciding", held, n);
	guard_stop(&g);
}

/*
 * The BPF core lets a struct_ops map be attached by several links and a
 * link be updated to a map another link holds: the subsystem must refuse,
 * or the same policy sits on the policy list twice.
 */
Test(bad_policy, the_same_map_is_not_attached_twice)
{
	struct guard g = guard_start();
	struct bpf_link *twice = bpf_map__attach_struct_ops(g.p->maps.deny_ops);
	int err = errno;

	cr_expect_null(twice, "a second link to an attached policy was accepted");
	if (!twice)
		cr_expect(err == EBUSY || err == EEXIST, "refused with %s", strerror(err));
	guard_holds(&g, "a second attach");
	bpf_link__destroy(twice);
	guard_holds(&g, "destroying the second link");
	guard_stop(&g);
}

Test(bad_policy, a_link_is_not_updated_to_a_map_attached_elsewhere)
{
	struct guard g = guard_start();
	struct stress_deny *b = stress_deny_load("guard_b", EBUSY, NULL, 0, 10,
						 sim_fwctl_index(g.k));
	struct bpf_link *lb = stress_attach(b->maps.deny_ops);
	int err = bpf_link__update_map(lb, g.p->maps.deny_ops);

	cr_expect(err == -EBUSY || err == -EEXIST,
		  "updating a link to a map attached by another link: %d", err);
	guard_holds(&g, "updating another link to the running policy");
	bpf_link__destroy(lb);
	guard_holds(&g, "destroying the other link");
	stress_deny__destroy(b);
	guard_stop(&g);
}

/*
 * An update to the map the link already holds must be refused too: taken
 * as a replacement it would mark the attached policy detached while it
 * stays on the list, and the link's release would then leave it there.
 */
Test(bad_policy, a_link_is_not_updated_to_the_map_it_holds)
{
	struct guard g = guard_start();
	int err = bpf_link__update_map(g.link, g.p->maps.deny_ops);

	cr_expect(err == -EBUSY || err == -EEXIST || err == 0,
		  "updating a link to its own map: %d", err);
	guard_holds(&g, "updating the link to its own map");
	bpf_link__destroy(g.link);
	g.link = NULL;
	/* detached: the device's RPCs run unfiltered again */
	cr_expect_eq(stress_cmd(g.fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ADAPTER), 0,
		     "the policy still decides after its only link was destroyed");
	stress_deny__destroy(g.p);
	close(g.fd);
}
