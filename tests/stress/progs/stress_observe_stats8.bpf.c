// SPDX-License-Identifier: GPL-2.0
/*
 * policies/generic__observe.bpf.c, unchanged, with 8 counters instead of
 * FWCTL_AUDIT_NR_STATS: a recorder of a later SDK whose counters grew.
 * A swap to it must not keep the ring with new counters (the audit
 * swap tests).
 */
#include "vmlinux.h"
#include "fwctl_audit_common.h"
#undef FWCTL_AUDIT_NR_STATS
#define FWCTL_AUDIT_NR_STATS	8
#include "../../../policies/generic__observe.bpf.c"
