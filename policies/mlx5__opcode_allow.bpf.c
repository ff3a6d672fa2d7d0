// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__opcode_allow: default deny; only commands in the allowlist map
 * reach mlx5 firmware.
 *
 * Why: an mlx5 device understands hundreds of commands and fwctl's driver
 * lets over a hundred of them through. A site that knows which tools it
 * runs (say mlxlink's queries and a monitoring agent) allows exactly those
 * {opcode, op_mod} pairs and nothing else, including commands a future
 * driver version starts to pass.
 *
 * Configure: the hash map "allowed" (pinned by fwctl-bpf attach at
 * /sys/fs/bpf/fwctl/NAME/allowed), key struct fwctl_mlx5_allow_key
 * {__u16 opcode; __u16 op_mod}, value __u8 1. op_mod 0xffff allows every
 * op_mod of the opcode. Operators edit it live, e.g. allow QUERY_ADAPTER
 * (0x101) with any op_mod:
 *   bpftool map update pinned /sys/fs/bpf/fwctl/NAME/allowed \
 *       key hex 01 01 ff ff value hex 01
 * (the key is host-endian: opcode 0x0101, op_mod 0xffff). Rejects
 * everything else with -EACCES, and RPCs shorter than an mlx5 header with
 * -EMSGSIZE.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"
#include "fwctl_policy_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fwctl_mlx5_allow_key);
	__type(value, __u8);
} allowed SEC(".maps");

SEC("struct_ops/rpc_filter")
int BPF_PROG(allowlist_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_allow_key key;
	struct fwctl_mlx5_cmd cmd;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	/* the common entry first: site allowlists mostly allow whole opcodes */
	key.opcode = cmd.opcode;
	key.op_mod = FWCTL_MLX5_ANY_OP_MOD;
	if (bpf_map_lookup_elem(&allowed, &key))
		return FWCTL_BPF_ALLOW;
	key.op_mod = cmd.op_mod;
	if (bpf_map_lookup_elem(&allowed, &key))
		return FWCTL_BPF_ALLOW;
	return -EACCES;
}

FWCTL_BPF_OPS(opcode_allow) = {
	.rpc_filter = (void *)allowlist_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "opcode_allow",
};

char _license[] SEC("license") = "GPL";
