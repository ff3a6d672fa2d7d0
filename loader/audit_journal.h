/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit collect --journal: each record as structured journal fields, so
 * "journalctl FWCTL_VERDICT=rejected FWCTL_DEVICE=fwctl0" finds it and a
 * site's log shipping carries the trail (docs/audit.md).
 */
#ifndef FWCTL_BPF_LOADER_AUDIT_JOURNAL_H
#define FWCTL_BPF_LOADER_AUDIT_JOURNAL_H

#include <stddef.h>
#include <sys/uio.h>

struct audit_entry;

/* The fields of one record: iov[] points into buf */
struct journal_fields {
	struct iovec iov[48];
	int n;
	char buf[4096];
	size_t used;
};

/*
 * @e's fields into @jf: MESSAGE (the text line of "fwctl-bpf audit"),
 * PRIORITY (notice for a rejection or a would-reject, info otherwise),
 * SYSLOG_FACILITY (authpriv, as --syslog), SYSLOG_IDENTIFIER, MESSAGE_ID,
 * FWCTL_DEVICE (fwctlN) and one FWCTL_KEY per key of the record's JSON
 * line @json (the store's, so the two never differ; arrays space-separated,
 * nulls left out). 0, or -E2BIG if they do not fit (nothing to send).
 */
int audit_journal_fields(struct journal_fields *jf, const struct audit_entry *e,
			 const char *json);

/* Send them to journald; 0 or -errno */
int audit_journal_send(const struct journal_fields *jf);

#endif
