// SPDX-License-Identifier: GPL-2.0
/*
 * hook_policy.bpf.c under another name: a second version of a policy for
 * bpftool's make-before-break, which registers objects as they are (two
 * attached policies never share a name).
 */
#define HOOK_POLICY_NAME "hook_test_v2"
#include "hook_policy.bpf.c"
