// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching, replacing and refusing policies: what the struct_ops side of
 * the hook promises before any RPC is sent.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl/bpf.h"
#include "hook_policy.h"
#include "hook_policy.skel.h"
#include "policy.h"

static struct hook_policy *policy_load(const char *name, uint32_t prio)
{
	struct hook_policy *skel = hook_policy__open();

	cr_assert(skel, "hook_policy__open: %s", strerror(errno));
	cr_assert_eq(fwctl_policy_set_name(skel->obj, name), 0);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "prio", prio), 0);
	cr_assert_eq(hook_policy__load(skel), 0, "load %s: %s", name, strerror(errno));
	return skel;
}

static struct bpf_link *policy_attach(struct hook_policy *skel)
{
	return bpf_map__attach_struct_ops(skel->maps.hook_ops);
}

Test(hook_attach, attaches_and_detaches_with_the_link)
{
	struct hook_policy *skel = policy_load("attach", 10);
	struct bpf_link *link = policy_attach(skel);
	struct bpf_link_info info = {};
	struct bpf_map_info map = {};
	__u32 len = sizeof(info), map_len = sizeof(map);

	cr_assert(link, "attach: %s", strerror(errno));
	cr_assert_eq(bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len), 0);
	cr_assert_eq(bpf_map_get_info_by_fd(bpf_map__fd(skel->maps.hook_ops), &map, &map_len), 0);
	cr_expect_eq(info.type, BPF_LINK_TYPE_STRUCT_OPS);
	cr_expect_eq(info.struct_ops.map_id, map.id);
	cr_assert_eq(bpf_link__destroy(link), 0);
	hook_policy__destroy(skel);
}

Test(hook_attach, refuses_more_than_the_policy_limit_with_e2big)
{
	struct hook_policy *skel[FWCTL_BPF_MAX_POLICIES + 1];
	struct bpf_link *link[FWCTL_BPF_MAX_POLICIES + 1];
	char name[16];
	int i;

	for (i = 0; i <= FWCTL_BPF_MAX_POLICIES; i++) {
		snprintf(name, sizeof(name), "limit%d", i);
		skel[i] = policy_load(name, i);
		link[i] = policy_attach(skel[i]);
		if (i < FWCTL_BPF_MAX_POLICIES)
			cr_assert(link[i], "policy %d: %s", i, strerror(errno));
	}
	cr_assert_null(link[FWCTL_BPF_MAX_POLICIES]);
	cr_assert_eq(errno, E2BIG);

	/* A detach frees a slot. */
	bpf_link__destroy(link[0]);
	link[FWCTL_BPF_MAX_POLICIES] = policy_attach(skel[FWCTL_BPF_MAX_POLICIES]);
	cr_assert(link[FWCTL_BPF_MAX_POLICIES], "after detach: %s", strerror(errno));
	for (i = 1; i <= FWCTL_BPF_MAX_POLICIES; i++)
		bpf_link__destroy(link[i]);
}

Test(hook_attach, refuses_a_device_policy_for_a_missing_device)
{
	struct hook_policy *skel = hook_policy__open();

	cr_assert(skel);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "dev_index", 4000), 0);
	cr_assert_eq(hook_policy__load(skel), 0);
	cr_assert_null(policy_attach(skel));
	cr_assert_eq(errno, ENODEV);
	hook_policy__destroy(skel);
}

Test(hook_attach, refuses_unknown_flags)
{
	struct hook_policy *skel = hook_policy__open();

	cr_assert(skel);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "flags", 0x80), 0);
	cr_assert_eq(hook_policy__load(skel), 0);
	/* libbpf writes the struct_ops value, and init_member checks it, at attach. */
	cr_assert_null(policy_attach(skel));
	cr_assert_eq(errno, EINVAL);
	hook_policy__destroy(skel);
}

Test(hook_attach, replaces_in_place_only_with_the_same_match)
{
	struct hook_policy *a = policy_load("swap_a", 10);
	struct hook_policy *b = policy_load("swap_b", 20);
	struct hook_policy *c = policy_load("swap_c", 10);
	struct bpf_link *link = policy_attach(a);

	cr_assert(link);
	cr_assert_eq(bpf_link__update_map(link, b->maps.hook_ops), -EINVAL,
		     "a policy asking for another prio must not take the slot");
	cr_assert_eq(bpf_link__update_map(link, c->maps.hook_ops), 0);
	bpf_link__destroy(link);
}

Test(hook_attach, compare_and_swap_fails_against_a_stale_map)
{
	struct hook_policy *a = policy_load("cas_a", 10);
	struct hook_policy *b = policy_load("cas_b", 10);
	struct hook_policy *c = policy_load("cas_c", 10);
	struct bpf_link *link = policy_attach(a);
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE);
	int err;

	cr_assert(link);
	/* A map is READY for a link update once its value was written. */
	bpf_link__destroy(policy_attach(c));
	/* Expecting b while a is attached: refused, a stays. */
	opts.old_map_fd = bpf_map__fd(b->maps.hook_ops);
	err = bpf_link_update(bpf_link__fd(link), bpf_map__fd(c->maps.hook_ops), &opts);
	cr_assert_eq(err, -EPERM, "stale CAS: %d", err);
	opts.old_map_fd = bpf_map__fd(a->maps.hook_ops);
	cr_assert_eq(bpf_link_update(bpf_link__fd(link), bpf_map__fd(c->maps.hook_ops), &opts), 0);
	bpf_link__destroy(link);
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

Test(hook_attach, needs_cap_sys_admin_to_attach)
{
	struct hook_policy *skel = policy_load("nocap", 10);

	cr_assert_eq(drop_cap(CAP_SYS_ADMIN), 0);
	cr_assert_null(policy_attach(skel));
	cr_assert_eq(errno, EPERM);
}

/* Policies that must not load, with the verifier's reason. */
struct load_fail {
	const char *obj;
	const char *reason;
};

static void assert_load_fails(const char *obj, const char *reason)
{
	static char log[64 * 1024];

	cr_assert_lt(bpf_test_load_must_fail(obj, log, sizeof(log)), 0,
		     "%s loaded but must not", obj);
	cr_assert(strstr(log, reason), "%s: log lacks \"%s\":\n%s", obj, reason, log);
}

Test(hook_load_fail, out_of_bounds_view_read)
{
	assert_load_fails("fail_oob_read", "invalid access to memory");
}

Test(hook_load_fail, unchecked_null_view)
{
	assert_load_fails("fail_null_unchecked", "invalid mem access 'rdonly_mem_or_null'");
}

Test(hook_load_fail, request_write_in_rpc_done)
{
	assert_load_fails("fail_request_in_done",
			  "calling kernel function fwctl_bpf_request_data_rw is not allowed");
}

Test(hook_load_fail, user_memory_helper)
{
	assert_load_fails("fail_user_memory", "bpf_probe_read_user");
}

Test(hook_load_fail, context_write)
{
	assert_load_fails("fail_ctx_write", "only read is supported");
}

Test(hook_load_fail, sleepable_program)
{
	char log[4096];

	/* Refused by check_member before the verifier runs: -EINVAL, no log. */
	cr_assert_eq(bpf_test_load_must_fail("fail_sleepable", log, sizeof(log)), -EINVAL);
}

Test(hook_attach, refuses_a_second_link_to_an_attached_map)
{
	struct hook_policy *skel = policy_load("twice", 10);
	struct hook_policy *other = policy_load("other", 10);
	struct bpf_link *link = policy_attach(skel), *again, *link2;

	cr_assert(link);
	again = policy_attach(skel);
	cr_assert_null(again, "one map, two places on the policy list");
	cr_assert_eq(errno, EBUSY);

	/* nor can another policy's link be updated to it */
	link2 = policy_attach(other);
	cr_assert(link2);
	cr_assert_eq(bpf_link__update_map(link2, skel->maps.hook_ops), -EBUSY);
	bpf_link__destroy(link2);
	bpf_link__destroy(link);
}
