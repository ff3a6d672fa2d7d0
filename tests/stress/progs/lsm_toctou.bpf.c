// SPDX-License-Identifier: GPL-2.0
/*
 * The TOCTOU positive control: what a site can build today without
 * fwctl-bpf, a sleepable BPF LSM program on file_ioctl that reads the
 * caller's struct fwctl_rpc and the 16-byte mlx5 mailbox header from user
 * memory (bpf_copy_from_user) and rejects a forbidden opcode with -EPERM.
 * fwctl copies the same user memory again afterwards, so a thread that
 * changes it in between gets the forbidden command to the firmware.
 *
 * Only the test's own process (target_tgid) is filtered.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM	1

const volatile __u32 rpc_cmd;		/* FWCTL_RPC */
const volatile __u32 target_tgid;
const volatile __u16 forbidden_op;

__u64 calls, denied, faults;

SEC("lsm.s/file_ioctl")
int BPF_PROG(toctou_file_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	struct fwctl_rpc rpc;
	__u8 hdr[16];

	if (cmd != rpc_cmd || bpf_get_current_pid_tgid() >> 32 != target_tgid)
		return 0;
	__sync_fetch_and_add(&calls, 1);
	if (bpf_copy_from_user(&rpc, sizeof(rpc), (void *)arg) ||
	    rpc.in_len < sizeof(hdr) ||
	    bpf_copy_from_user(hdr, sizeof(hdr), (void *)rpc.in)) {
		__sync_fetch_and_add(&faults, 1);
		return -EPERM;
	}
	if ((hdr[0] << 8 | hdr[1]) == forbidden_op) {
		__sync_fetch_and_add(&denied, 1);
		return -EPERM;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
