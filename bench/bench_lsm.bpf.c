// SPDX-License-Identifier: GPL-2.0
/*
 * Peer A (configuration 6): what a site can build today without the
 * fwctl-bpf patches. A sleepable BPF LSM program on file_ioctl that, for
 * FWCTL_RPC on a fwctl character device, copies struct fwctl_rpc and the
 * 16-byte mlx5 mailbox header from the caller's memory and enforces the
 * same {opcode, op_mod} allowlist as mlx5__opcode_allowlist.
 *
 * It decides on user memory the kernel copies again afterwards (a TOCTOU
 * window a second thread can use); it is here for its cost, not as a
 * recommendation. The loader sets fwctl_major (from stat() of
 * /dev/fwctl/fwctlN) and fwctl_rpc_cmd (FWCTL_RPC) before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fwctl_policy_common.h"

#define EACCES		13
#define EFAULT		14
#define EMSGSIZE	90
#define S_IFMT		00170000
#define S_IFCHR		0020000
#define MINORBITS	20

const volatile __u32 fwctl_major;
const volatile __u32 fwctl_rpc_cmd;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fwctl_mlx5_allow_key);
	__type(value, __u8);
} allowed SEC(".maps");

__u64 checked;
__u64 denied;

SEC("lsm.s/file_ioctl")
int BPF_PROG(fwctl_peer_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	struct fwctl_mlx5_allow_key key;
	struct inode *inode;
	struct fwctl_rpc rpc;
	__u8 hdr[16];

	if (cmd != fwctl_rpc_cmd)
		return 0;
	inode = file->f_inode;
	if ((inode->i_mode & S_IFMT) != S_IFCHR ||
	    (inode->i_rdev >> MINORBITS) != fwctl_major)
		return 0;

	__sync_fetch_and_add(&checked, 1);
	if (bpf_copy_from_user(&rpc, sizeof(rpc), (void *)arg))
		return -EFAULT;
	if (rpc.in_len < sizeof(hdr))
		return -EMSGSIZE;
	if (bpf_copy_from_user(hdr, sizeof(hdr), (void *)rpc.in))
		return -EFAULT;

	/* mbox_in_hdr: opcode in bytes 0-1, op_mod in bytes 6-7, big endian */
	/* the same lookups, in the same order, as mlx5__opcode_allowlist */
	key.opcode = (__u16)hdr[0] << 8 | hdr[1];
	key.op_mod = FWCTL_MLX5_ANY_OP_MOD;
	if (bpf_map_lookup_elem(&allowed, &key))
		return 0;
	key.op_mod = (__u16)hdr[6] << 8 | hdr[7];
	if (bpf_map_lookup_elem(&allowed, &key))
		return 0;
	__sync_fetch_and_add(&denied, 1);
	return -EACCES;
}

char _license[] SEC("license") = "GPL";
