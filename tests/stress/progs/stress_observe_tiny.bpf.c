// SPDX-License-Identifier: GPL-2.0
/*
 * policies/generic__observe.bpf.c, unchanged, with a one-page audit ring
 * (about 20 records): the audit-under-pressure test fills it in a few RPCs.
 */
#define FWCTL_AUDIT_RING_SIZE	4096
#include "../../../policies/generic__observe.bpf.c"
