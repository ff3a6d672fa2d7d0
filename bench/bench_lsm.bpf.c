// SPDX-License-Identifier: GPL-2.0
/*
 * Peer A (configuration 6): what a site can build today without the
 * fwctl-bpf patches. A sleepable BPF LSM program on file_ioctl that, for
 * FWCTL_RPC on a fwctl character device, copies struct fwctl_rpc and the
 * 16-byte mlx5 mailbox header from the caller's memory and enforces the
 * same {opcode, op_mod} allowlist as mlx5__opcode_allow.
 *
 * It decides on user memory the kernel copies again afterwards (a TOCTOU
 * window a second thread can use); it is here for its cost, not as a
 * recommendation. The loader sets fwctl_major (from stat() of
 * /dev/fwctl/fwctlN) and fwctl_rpc_cmd (FWCTL_RPC) before load.
 *
 * fwctl_peer_ioctl_audit (extra configuration "peer_lsm_audit") does the
 * work of "minimal" instead: the opcode looked up in bench_allowed and a
 * record of every decision (bench_lean.bpf.h). An LSM sees the request,
 * never the outcome, so it records the decision only. The loader loads
 * one of the two programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fwctl_policy_common.h"
#include "bench_lean.bpf.h"

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

/* FWCTL_RPC on a fwctl device? */
static __always_inline bool is_fwctl_rpc(struct file *file, unsigned int cmd)
{
	struct inode *inode = file->f_inode;

	return cmd == fwctl_rpc_cmd && (inode->i_mode & S_IFMT) == S_IFCHR &&
	       (inode->i_rdev >> MINORBITS) == fwctl_major;
}

/* The request's mailbox header, from the caller's memory: 0 or -errno. */
static __always_inline int read_header(unsigned long arg, __u8 hdr[16])
{
	struct fwctl_rpc rpc;

	__sync_fetch_and_add(&checked, 1);
	if (bpf_copy_from_user(&rpc, sizeof(rpc), (void *)arg))
		return -EFAULT;
	if (rpc.in_len < 16)
		return -EMSGSIZE;
	if (bpf_copy_from_user(hdr, 16, (void *)rpc.in))
		return -EFAULT;
	return 0;
}

/* mbox_in_hdr: opcode in bytes 0-1, op_mod in bytes 6-7, big endian */
static __always_inline __u16 hdr_opcode(const __u8 hdr[16])
{
	return (__u16)hdr[0] << 8 | hdr[1];
}

static __always_inline __u16 hdr_op_mod(const __u8 hdr[16])
{
	return (__u16)hdr[6] << 8 | hdr[7];
}

SEC("lsm.s/file_ioctl")
int BPF_PROG(fwctl_peer_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	struct fwctl_mlx5_allow_key key;
	__u8 hdr[16];
	int err;

	if (!is_fwctl_rpc(file, cmd))
		return 0;
	err = read_header(arg, hdr);
	if (err)
		return err;
	/* the same lookups, in the same order, as mlx5__opcode_allow */
	key.opcode = hdr_opcode(hdr);
	key.op_mod = FWCTL_MLX5_ANY_OP_MOD;
	if (bpf_map_lookup_elem(&allowed, &key))
		return 0;
	key.op_mod = hdr_op_mod(hdr);
	if (bpf_map_lookup_elem(&allowed, &key))
		return 0;
	__sync_fetch_and_add(&denied, 1);
	return -EACCES;
}

SEC("lsm.s/file_ioctl")
int BPF_PROG(fwctl_peer_ioctl_audit, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	__u8 hdr[16] = {};
	int ret;

	if (!is_fwctl_rpc(file, cmd))
		return 0;
	ret = read_header(arg, hdr);
	if (!ret && !bench_allowed[hdr_opcode(hdr)])
		ret = -EACCES;
	bench_record(checked, 0, ret, hdr_opcode(hdr), hdr_op_mod(hdr));
	return ret;
}

char _license[] SEC("license") = "GPL";
