// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "fwctl.h"
#include "hook_test.h"
#include "policy.h"
#include "sim.h"

struct policy policy_try_add(const char *name, uint32_t prio,
			     void (*cfg)(struct hook_policy *, void *), void *arg)
{
	struct policy p = { .skel = hook_policy__open() };

	cr_assert(p.skel, "open %s", name);
	cr_assert_eq(fwctl_policy_set_name(p.skel->obj, name), 0);
	cr_assert_eq(fwctl_policy_set_u32(p.skel->obj, "prio", prio), 0);
	if (cfg)
		cfg(p.skel, arg);
	cr_assert_eq(hook_policy__load(p.skel), 0, "load %s", name);
	p.link = bpf_map__attach_struct_ops(p.skel->maps.hook_ops);
	return p;
}

struct policy policy_add(const char *name, uint32_t prio,
			 void (*cfg)(struct hook_policy *, void *), void *arg)
{
	struct policy p = policy_try_add(name, prio, cfg, arg);

	cr_assert(p.link, "attach %s: %s", name, strerror(errno));
	return p;
}

static void set_verdict(struct hook_policy *skel, void *arg)
{
	skel->data->verdict = (int)(intptr_t)arg;
}

struct policy policy_verdict(const char *name, uint32_t prio, int verdict)
{
	return policy_add(name, prio, set_verdict, (void *)(intptr_t)verdict);
}

void policy_del(struct policy *p)
{
	bpf_link__destroy(p->link);
	hook_policy__destroy(p->skel);
}

int send_nop(int fd, uint8_t *out, uint32_t *out_len)
{
	uint8_t in[MBOX_HDR] = {};

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	return fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, out_len);
}

int nop(int fd)
{
	uint8_t out[MBOX_HDR];
	uint32_t out_len = sizeof(out);

	return send_nop(fd, out, &out_len);
}
