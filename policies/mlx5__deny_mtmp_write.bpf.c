// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__deny_mtmp_write: reject writes of the temperature sensors'
 * thresholds (MTMP, PRM register 0x900a).
 *
 * Why: MTMP's thresholds decide when the adapter warns and shuts down on
 * overheating; a tool raising them can cook the card.
 * Rejects with -EACCES. Configure: nothing.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(deny_mtmp_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	if (cmd.is_write && cmd.reg_id == FWCTL_MLX5_REG_MTMP)
		return -EACCES;
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(deny_mtmp_write) = {
	.rpc_filter = (void *)deny_mtmp_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "deny_mtmp_write",
};

char _license[] SEC("license") = "GPL";
