// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__deny_nv_write: reject writes of the adapter's persistent
 * (non-volatile) configuration unless the caller is allowed.
 *
 * Why: MNVDA, the "NV data access" register (PRM register 0x9024), sets
 * what the adapter boots with: SR-IOV and the number of VFs, link type,
 * boot options, secure-boot related settings. A write survives reboots and
 * reinstalls and can take a host off the network or weaken its isolation;
 * fwctl lets it through in the CONFIGURATION scope. Reads stay allowed so
 * inventory tools keep working.
 *
 * Rejects ACCESS_REG and ACCESS_REGISTER_USER writes (op_mod 0) of MNVDA
 * with -EACCES, unless the caller's uid is a key of the "allowed_uids"
 * hash map or its cgroup v2 id a key of "allowed_cgroups" (for a
 * provisioning service). Both maps are pinned by fwctl-bpf attach:
 *   bpftool map update pinned /sys/fs/bpf/fwctl/NAME/allowed_uids \
 *       key 0xe8 0x03 0 0 value 1          # uid 1000
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"
#include "fwctl_policy_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, fwctl_uid_t);
	__type(value, __u8);
} allowed_uids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} allowed_cgroups SEC(".maps");

SEC("struct_ops/rpc_filter")
int BPF_PROG(nvconfig_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	if (!cmd.is_write || cmd.reg_id != FWCTL_MLX5_REG_MNVDA)
		return FWCTL_BPF_ALLOW;
	if (fwctl_bpf_in_set(&allowed_uids, fwctl_bpf_caller_uid()) ||
	    fwctl_bpf_in_set(&allowed_cgroups, fwctl_bpf_caller_cgroup()))
		return FWCTL_BPF_ALLOW;
	return -EACCES;
}

FWCTL_BPF_OPS(deny_nv_write) = {
	.rpc_filter = (void *)nvconfig_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "deny_nv_write",
};

char _license[] SEC("license") = "GPL";
