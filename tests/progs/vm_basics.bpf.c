// SPDX-License-Identifier: GPL-2.0
/* The smallest program that proves BPF loads and runs in the test kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int seen_pid;

SEC("syscall")
int vm_basics_answer(void *ctx)
{
	seen_pid = bpf_get_current_pid_tgid() >> 32;
	return 42;
}

char _license[] SEC("license") = "GPL";
