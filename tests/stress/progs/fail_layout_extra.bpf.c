// SPDX-License-Identifier: GPL-2.0
/* Must not load: a member the kernel's fwctl_bpf_ops does not have. */
#include "fail_layout.h"

struct fwctl_bpf_ops {
	int (*rpc_filter)(struct fwctl_bpf_ctx *ctx);
	int (*rpc_done)(struct fwctl_bpf_ctx *ctx);
	__u32 device_type;
	__u32 dev_index;
	__u32 prio;
	__u32 flags;
	char name[16];
	__u32 audit_level;
};

SEC(".struct_ops.link") struct fwctl_bpf_ops layout_extra_ops = {
	.rpc_filter = (void *)layout_filter,
	.name = "layout_extra",
	.audit_level = 2,
};
