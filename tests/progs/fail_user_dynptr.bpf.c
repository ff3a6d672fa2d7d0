// SPDX-License-Identifier: GPL-2.0
/*
 * Must not load: reads user memory through a kfunc of the common set
 * (bpf_probe_read_user_dynptr), which no struct_ops kfunc filter sees;
 * the hook's check_member() finds the call in the program.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

__u64 user_ptr;
char buf[8];

SEC("struct_ops/rpc_filter")
int BPF_PROG(user_dynptr_filter, struct fwctl_bpf_ctx *rpc)
{
	struct bpf_dynptr d;

	bpf_dynptr_from_mem(buf, sizeof(buf), 0, &d);
	bpf_probe_read_user_dynptr(&d, 0, sizeof(buf), (void *)user_ptr);
	return buf[0] ? FWCTL_BPF_ALLOW : -EACCES;
}

FWCTL_BPF_OPS(user_dynptr_ops) = {
	.rpc_filter = (void *)user_dynptr_filter,
	.name = "user_dynptr",
};

char _license[] SEC("license") = "GPL";
