// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__clamp_hca_cap: rewrite a VF pre-configuration so it cannot
 * switch on what the site forbids.
 *
 * Why: through fwctl, SET_HCA_CAP pre-configures another function: with
 * other_function = 1 and function_id = the VF, it sets the capabilities
 * the VF will run with once it is handed to a guest. That is the only
 * form firmware accepts from fwctl's tools UID (drivers/fwctl/mlx5/main.c:
 * "FW limits SET_HCA_CAP on the tools UID to only the other function
 * mode"). A site that does not run RoCE on its tenants' VFs, and sizes
 * their queue-pair tables, wants both enforced whatever the provisioning
 * tool asks for, without breaking the tool: the command still runs, with
 * the forbidden bits cleared and the sizes clamped. This is request
 * rewriting: the firmware executes the bytes the policy left.
 *
 * Applies to SET_HCA_CAP of the general device capabilities (op_mod
 * MLX5_SET_HCA_CAP_OP_MOD_GENERAL_DEVICE << 1) in the other function mode.
 * A SET_HCA_CAP of the device's own function is left as it is: it is not
 * a tenant's, and firmware refuses it for a tools UID anyway, so the
 * caller sees the firmware's status. Configure (rodata, e.g.
 * fwctl-bpf attach --set clear_roce=0):
 *   clear_roce       clear cmd_hca_cap.roce (default 1)
 *   max_log_max_qp   clamp cmd_hca_cap.log_max_qp to at most this
 *                    (default 16, i.e. 64Ki QPs; 0 disables)
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

const volatile bool clear_roce = true;
const volatile __u32 max_log_max_qp = 16;

__u64 rewritten;

#define HCA_CAP(fld) capability.cmd_hca_cap.fld

SEC("struct_ops/rpc_filter")
int BPF_PROG(clamp_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd;
	__u32 v;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	if (cmd.opcode != MLX5_CMD_OP_SET_HCA_CAP ||
	    cmd.op_mod != MLX5_SET_HCA_CAP_OP_MOD_GENERAL_DEVICE << 1)
		return FWCTL_BPF_ALLOW;
	/* in the 16-byte header fwctl_mlx5_parse() checked */
	if (!fwctl_mlx5_request_get(rpc, set_hca_cap_in, other_function, &v) || !v)
		return FWCTL_BPF_ALLOW;

	if (clear_roce && fwctl_mlx5_request_get(rpc, set_hca_cap_in, HCA_CAP(roce), &v) && v) {
		if (!fwctl_mlx5_request_set(rpc, set_hca_cap_in, HCA_CAP(roce), 0))
			return -EINVAL;
		rewritten++;
	}
	if (max_log_max_qp &&
	    fwctl_mlx5_request_get(rpc, set_hca_cap_in, HCA_CAP(log_max_qp), &v) &&
	    v > max_log_max_qp) {
		if (!fwctl_mlx5_request_set(rpc, set_hca_cap_in, HCA_CAP(log_max_qp),
					    max_log_max_qp))
			return -EINVAL;
		rewritten++;
	}
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(clamp_hca_cap) = {
	.rpc_filter = (void *)clamp_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "clamp_hca_cap",
};

char _license[] SEC("license") = "GPL";
