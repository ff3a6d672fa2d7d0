/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding audit records (bpf/fwctl_audit_common.h) for `fwctl-bpf audit`:
 * text lines and JSON objects with the same fields, names for opcodes,
 * registers, statuses and errnos. Separate from the command so the host
 * unit tests can drive it.
 */
#ifndef FWCTL_BPF_LOADER_AUDIT_H
#define FWCTL_BPF_LOADER_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fwctl_audit_common.h"
#include "json_writer.h"

/* Which records to show; a zero filter shows all. */
struct audit_filter {
	int dev_index;		/* -1: any */
	int verdict;		/* 0: any, else FWCTL_AUDIT_* */
	uint64_t since_boot_ns;	/* records at or after this CLOCK_BOOTTIME */
	const char *policy;	/* deciding policy name, NULL: any */
};

/* "allowed", "rejected", "replied", "failed", "withheld", "would-reject"; NULL if unknown */
const char *audit_verdict_name(unsigned int verdict);
/* FWCTL_AUDIT_* for a name or a prefix of one (allow, reject, ...); -1 */
int audit_verdict_parse(const char *s);

/* Nanoseconds from CLOCK_BOOTTIME to CLOCK_REALTIME, now */
int64_t audit_boot_to_realtime(void);

/* Does @r pass @f? */
bool audit_match(const struct audit_filter *f, const struct fwctl_audit_record *r);

/*
 * Validate a record from the ring: known version, a size covering what
 * this decoder reads. Returns 0 or -EPROTO.
 */
int audit_check(const void *data, size_t size);

/* One line, no newline: "TIME seq=N fwctl0 ... verdict=rejected ..." */
void audit_print_text(FILE *f, const struct fwctl_audit_record *r, int64_t boot_to_real);
/* One JSON object with stable snake_case keys (docs/audit.md) */
void audit_print_json(json_writer_t *jw, const struct fwctl_audit_record *r,
		      int64_t boot_to_real);

#endif
