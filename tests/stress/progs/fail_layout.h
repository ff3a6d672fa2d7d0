/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the fail_layout_*.bpf.c objects: a struct fwctl_bpf_ops of our own,
 * not the kernel's. vmlinux.h's is renamed out of the way; each object
 * then declares the layout it gets wrong, as a policy built against an
 * old or foreign header would.
 */
#define fwctl_bpf_ops fwctl_bpf_ops___kernel
#include "vmlinux.h"
#undef fwctl_bpf_ops
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("struct_ops/rpc_filter")
int BPF_PROG(layout_filter, struct fwctl_bpf_ctx *rpc)
{
	return 1;	/* FWCTL_BPF_ALLOW */
}

char _license[] SEC("license") = "GPL";
