// SPDX-License-Identifier: GPL-2.0
/*
 * Must not load: one path returns a register it never wrote (the verdict
 * an author forgot), which the verifier refuses ("R0 !read_ok").
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
__attribute__((naked)) int uninit_return_filter(void)
{
	/* the branch on ctx->scope, a value the verifier cannot know */
	asm volatile("r2 = *(u64 *)(r1 + 0);"
		     "r3 = *(u32 *)(r2 + 16);"
		     "if r3 == 0 goto 1f;"
		     "r0 = %[allow];"
		     "1: exit;"
		     :
		     : [allow] "i"(FWCTL_BPF_ALLOW)
		     : "memory");
}

FWCTL_BPF_OPS(uninit_return_ops) = {
	.rpc_filter = (void *)uninit_return_filter,
	.name = "uninit_return",
};

char _license[] SEC("license") = "GPL";
