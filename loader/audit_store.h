/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit store: where the one consumer of the recorders' rings puts
 * every record, and where every query reads them. A directory
 * (/var/log/fwctl-bpf by default) of
 *
 *	audit.jsonl	one JSON object per record (audit_print_json), appended
 *	audit.jsonl.N	older ones, N = 1 the newest, rotated by size
 *	state.json	per recorder ring: records delivered to the store,
 *			dropped by the consumer, last seen kernel counters
 *	lock		held (flock) by the consumer; it holds its pid
 *
 * Only the consumer writes; queries only read.
 */
#ifndef FWCTL_BPF_LOADER_AUDIT_STORE_H
#define FWCTL_BPF_LOADER_AUDIT_STORE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit.h"

#define AUDIT_STORE_DIR		"/var/log/fwctl-bpf"
#define AUDIT_STORE_MAX_SIZE	(64ULL << 20)
#define AUDIT_STORE_KEEP	8

/* The store directory: @override (--store), $FWCTL_BPF_AUDIT_DIR, the default */
const char *audit_store_dir(const char *override);

struct audit_store {
	char dir[PATH_MAX];
	int lock_fd;
	int log_fd;
	uint64_t size;		/* of audit.jsonl */
	uint64_t max_size;	/* rotate beyond this */
	unsigned int keep;	/* rotated files kept */
};

/*
 * Become the store's consumer: create @dir (0750), take its lock without
 * waiting and open audit.jsonl for appending. -EWOULDBLOCK (and the
 * holder's pid in *@holder) when another consumer has it.
 */
int audit_store_open(struct audit_store *s, const char *dir, pid_t *holder);
/* Append @len bytes of whole lines, on disk when it returns 0 (fdatasync) */
int audit_store_append(struct audit_store *s, const char *buf, size_t len);
/* Reopen audit.jsonl (after an outside rotation: SIGHUP) */
int audit_store_reopen(struct audit_store *s);
void audit_store_close(struct audit_store *s);
/* Is a consumer running on @dir? Its pid in *@holder */
bool audit_store_busy(const char *dir, pid_t *holder);

/* What the store knows of one recorder ring */
struct audit_ring_state {
	char recorder[16];
	char boot_id[AUDIT_BOOT_ID_LEN];
	uint32_t ring_id;	/* the ring's map id, in that boot */
	uint64_t delivered;	/* records written to the store */
	uint64_t dropped;	/* taken from the ring, could not be written */
	uint64_t written;	/* the recorder's records counter, last seen */
	uint64_t lost;		/* its lost counter, last seen */
	bool retired;		/* the ring is gone; final counts */
};

#define AUDIT_STATE_MAX	64

struct audit_state {
	struct audit_ring_state ring[AUDIT_STATE_MAX];
	int nr;
};

/* state.json of @dir; an empty state if there is none; -EPROTO if unreadable */
int audit_state_load(const char *dir, struct audit_state *st);
/* Replace state.json atomically (write, fsync, rename) */
int audit_state_save(const char *dir, const struct audit_state *st);
/* The ring's entry; with @create a new one (the oldest retired one goes if full) */
struct audit_ring_state *audit_state_ring(struct audit_state *st, const char *boot_id,
					  uint32_t ring_id, bool create);

/* Called for every entry of the store, oldest first; nonzero stops */
typedef int (*audit_entry_fn)(void *ctx, const struct audit_entry *e);

/*
 * Read every stored entry of @dir (rotated files first); with @follow, keep
 * reading what the consumer appends, across rotations, until *@stop.
 * Lines that do not parse are counted in *@bad. Returns 0, -ENOENT when
 * there is no store, or the callback's or a read error.
 */
int audit_store_read(const char *dir, bool follow, volatile sig_atomic_t *stop,
		     audit_entry_fn fn, void *ctx, uint64_t *bad);

#endif
