// SPDX-License-Identifier: GPL-2.0
/* Must not load: the filter op under another name. */
#include "fail_layout.h"

struct fwctl_bpf_ops {
	int (*rpc_check)(struct fwctl_bpf_ctx *ctx);
	int (*rpc_done)(struct fwctl_bpf_ctx *ctx);
	__u32 device_type;
	__u32 dev_index;
	__u32 prio;
	__u32 flags;
	char name[16];
};

SEC(".struct_ops.link") struct fwctl_bpf_ops layout_misnamed_ops = {
	.rpc_check = (void *)layout_filter,
	.name = "layout_misnamed",
};
