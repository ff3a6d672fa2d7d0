/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Audit records (bpf/fwctl_audit_common.h) as `fwctl-bpf audit` shows and
 * stores them: an entry is a record plus where and when it was collected;
 * text lines and JSON objects carry the same facts, and a stored JSON
 * line reads back into the entry it was written from. Separate from the
 * commands so the host unit tests can drive it.
 */
#ifndef FWCTL_BPF_LOADER_AUDIT_H
#define FWCTL_BPF_LOADER_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fwctl_audit_common.h"
#include "json_writer.h"

/* /proc/sys/kernel/random/boot_id: 36 characters */
#define AUDIT_BOOT_ID_LEN	37

/* A record and its provenance */
struct audit_entry {
	struct fwctl_audit_record r;
	char recorder[16];		/* the recorder policy's pin name */
	char boot_id[AUDIT_BOOT_ID_LEN];	/* the boot it was recorded in */
	int64_t real_ns;		/* CLOCK_REALTIME of the decision */
};

/* Which entries to show; a zero filter shows all. */
struct audit_filter {
	int dev_index;		/* -1: any */
	int verdict;		/* 0: any, else FWCTL_AUDIT_* */
	int64_t since_real_ns;	/* decisions at or after this CLOCK_REALTIME */
	const char *policy;	/* deciding policy name, NULL: any */
	const char *recorder;	/* recorder name, NULL: any */
};

/* "allowed", "rejected", "replied", "failed", "withheld", "would-reject"; NULL if unknown */
const char *audit_verdict_name(unsigned int verdict);
/* FWCTL_AUDIT_* for a name or a prefix of one (allow, reject, ...); -1 */
int audit_verdict_parse(const char *s);

/* Nanoseconds from CLOCK_BOOTTIME to CLOCK_REALTIME, now */
int64_t audit_boot_to_realtime(void);
/* This boot's id, "" if unknown */
void audit_boot_id(char buf[AUDIT_BOOT_ID_LEN]);

/* Does @e pass @f? */
bool audit_match(const struct audit_filter *f, const struct audit_entry *e);

/*
 * Validate a record from the ring: known version, a size covering what
 * this decoder reads. Returns 0 or -EPROTO.
 */
int audit_check(const void *data, size_t size);

/*
 * @n bytes of @s (stopping at a NUL) as printable ASCII: '\\' and '"' are
 * backslashed, any other byte outside 0x20..0x7e becomes \xNN. A sender
 * chooses its comm: what it chose can neither end a field nor fake one.
 * @buf holds 4 * @n + 1. audit_unescape() is the inverse; -EINVAL.
 */
void audit_escape(char *buf, const char *s, size_t n);
int audit_unescape(char *buf, size_t size, const char *s);

/* One line, no newline: "TIME seq=N fwctl0 ... comm=\"...\" ... verdict=rejected ..." */
void audit_print_text(FILE *f, const struct audit_entry *e);
/* One JSON object with stable snake_case keys (docs/audit.md) */
void audit_print_json(json_writer_t *jw, const struct audit_entry *e);
/* An entry from the JSON object of one stored line; -EPROTO if it is not one */
int audit_entry_parse(const char *line, struct audit_entry *e);

#endif
