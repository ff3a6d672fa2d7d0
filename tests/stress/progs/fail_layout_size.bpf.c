// SPDX-License-Identifier: GPL-2.0
/* Must not load: prio as a 64-bit member (the kernel's is 32 bits). */
#include "fail_layout.h"

struct fwctl_bpf_ops {
	int (*rpc_filter)(struct fwctl_bpf_ctx *ctx);
	int (*rpc_done)(struct fwctl_bpf_ctx *ctx);
	__u32 device_type;
	__u32 dev_index;
	__u64 prio;
	__u32 flags;
	char name[16];
};

SEC(".struct_ops.link") struct fwctl_bpf_ops layout_size_ops = {
	.rpc_filter = (void *)layout_filter,
	.prio = 1000,
	.name = "layout_size",
};
