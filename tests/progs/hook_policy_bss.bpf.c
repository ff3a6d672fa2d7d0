// SPDX-License-Identifier: GPL-2.0
/*
 * hook_policy.bpf.c with one more .bss variable: a new version whose .bss
 * has another layout, for the loader's swap, which carries .data (the same
 * variables) and starts .bss fresh.
 */
#include "hook_policy.bpf.c"

__u64 extra_counter;
