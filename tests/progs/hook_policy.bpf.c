// SPDX-License-Identifier: GPL-2.0
/*
 * A configurable policy for the hook's tests: every knob is a global the
 * test sets through the skeleton, every observation a global it reads.
 * Several instances of this object stack as separate policies.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "hook_policy.h"

/* hook_policy_v2.bpf.c: the same policy under a second name */
#ifndef HOOK_POLICY_NAME
#define HOOK_POLICY_NAME "hook_test"
#endif

/* knobs */
int verdict = FWCTL_BPF_ALLOW;	/* returned by rpc_filter, raw */
int match_opcode = -1;		/* >= 0: apply verdict/rewrite to this opcode only */
int rewrite_off = -1;		/* >= 0: write rewrite_val at this request offset */
__u8 rewrite_val;
__u32 reply_len;		/* > 0: reply with reply_len bytes of reply_byte */
__u8 reply_byte;
int redact_off = -1;		/* >= 0: write redact_val at this response offset */
__u8 redact_val;
int done_ret = FWCTL_BPF_ALLOW;	/* returned by rpc_done, raw */
int observe_off = -1;		/* >= 0: record the request byte here in seen_byte */

/* observations */
__u64 filter_calls, done_calls;
__u32 seen_opcode;		/* opcode this policy saw in rpc_filter */
int seen_byte = -1;		/* request byte at observe_off in rpc_filter */
struct seen_ctx filter_ctx, done_ctx;
__u8 done_resp[16];		/* first response bytes seen in rpc_done */
int done_resp_ok;

/* BTF pointers are read field by field: one load may not span members. */
static void copy_ctx(struct seen_ctx *dst, const struct fwctl_bpf_ctx *src)
{
	dst->seq = src->seq;
	dst->dev_index = src->dev_index;
	dst->device_type = src->device_type;
	dst->scope = src->scope;
	dst->in_len = src->in_len;
	dst->out_len = src->out_len;
	dst->status = src->status;
	dst->flags = src->flags;
	dst->policy_id = src->policy_id;
	__builtin_memcpy(dst->policy, src->policy, sizeof(dst->policy));
}

static int request_opcode(struct fwctl_bpf_ctx *rpc)
{
	__u8 *h = fwctl_bpf_request_data(rpc, 0, 2);

	return h ? (h[0] << 8 | h[1]) : -1;
}

SEC("struct_ops/rpc_filter")
int BPF_PROG(hook_filter, struct fwctl_bpf_ctx *rpc)
{
	int opcode = request_opcode(rpc);

	filter_calls++;
	copy_ctx(&filter_ctx, rpc);
	seen_opcode = opcode;
	if (observe_off >= 0) {
		__u8 *b = fwctl_bpf_request_data(rpc, observe_off, 1);

		seen_byte = b ? *b : -1;
	}
	if (match_opcode >= 0 && opcode != match_opcode)
		return FWCTL_BPF_ALLOW;

	if (rewrite_off >= 0) {
		__u8 *b = fwctl_bpf_request_data_rw(rpc, rewrite_off, 1);

		if (!b)
			return -EINVAL;
		*b = rewrite_val;
	}
	if (reply_len) {
		__u32 i;

		if (fwctl_bpf_reply_alloc(rpc, reply_len))
			return -ENOBUFS;
		for (i = 0; i < 64 && i < reply_len; i++) {
			__u8 *b = fwctl_bpf_response_data_rw(rpc, i, 1);

			if (b)
				*b = reply_byte;
		}
	}
	return verdict;
}

SEC("struct_ops/rpc_done")
int BPF_PROG(hook_done, struct fwctl_bpf_ctx *rpc)
{
	__u8 *r;

	done_calls++;
	r = fwctl_bpf_response_data(rpc, 0, sizeof(done_resp));
	done_resp_ok = !!r;
	if (r)
		__builtin_memcpy(done_resp, r, sizeof(done_resp));
	if (redact_off >= 0) {
		__u8 *b = fwctl_bpf_response_data_rw(rpc, redact_off, 1);

		if (b)
			*b = redact_val;
	}
	copy_ctx(&done_ctx, rpc);	/* last: flags include this op's */
	return done_ret;
}

FWCTL_BPF_OPS(hook_ops) = {
	.rpc_filter = (void *)hook_filter,
	.rpc_done = (void *)hook_done,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = HOOK_POLICY_NAME,
};

char _license[] SEC("license") = "GPL";
