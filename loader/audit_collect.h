/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorders' rings: finding them under the pin root, draining them
 * into the audit store (`fwctl-bpf audit collect`, the one consumer), and
 * handing a ring over before a swap or a detach unpins it.
 */
#ifndef FWCTL_BPF_LOADER_AUDIT_COLLECT_H
#define FWCTL_BPF_LOADER_AUDIT_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

/* A recorder's counters (fwctl_audit_stats), as its policy keeps them */
struct recorder_stats {
	uint64_t records, lost, strict, first, base;
};

/* What the ring of a pinned recorder holds now */
struct recorder_view {
	char name[16];
	uint32_t ring_id;
	struct recorder_stats stats;
	uint64_t waiting;	/* records in the ring, not yet consumed */
	bool held;		/* a consumer holds it */
};

/*
 * Every pinned recorder, at most @max; the count or -errno. With
 * @probe_held, whether a consumer holds each (a share lock tried on its pin
 * directory, which a collector scanning at that moment sees as another
 * reader: for audit's report, not for periodic readers such as stats).
 */
int recorders_view(struct recorder_view *v, int max, bool probe_held);

/* The sum of the rpcs counters of every fwctl device (the kernel's decisions); -1 */
long long kernel_decisions(void);

/*
 * After attaching or swapping policy @name: if it is a recorder whose
 * counters are new, write where its accounting starts (FWCTL_AUDIT_STAT_BASE).
 */
void audit_mark_attached(const char *name);

/*
 * Before a detach or a swap unpins @name's ring: make sure what it holds
 * reaches the store. A consumer that holds the ring drains it itself once
 * the pin is gone; with no consumer, drain it here, and with @retire mark
 * the ring retired in the store's state (its last drain). Returns 0, or
 * -errno when the records could not be saved: the caller must then keep
 * the ring pinned.
 */
int audit_handover(const char *name, bool retire);

/*
 * 0 if the store @dir is absent or safe to trust: a directory, no
 * symlink, owned by root or by us, writable by no one else; else it says
 * why and returns -errno.
 */
int audit_store_trusted(const char *dir);

int do_audit_collect(int argc, char **argv);

#endif
