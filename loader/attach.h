/* SPDX-License-Identifier: GPL-2.0 */
/* attach/swap option parsing, exposed for the unit tests. */
#ifndef FWCTL_BPF_LOADER_ATTACH_H
#define FWCTL_BPF_LOADER_ATTACH_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;

#define ATTACH_MAX_SETS 32

enum attach_match {
	MATCH_OBJECT,		/* what the object's ops say */
	MATCH_DEVICE,		/* --device: one device by index */
	MATCH_TYPE,		/* --type: every device of a driver */
	MATCH_ALL,		/* --all: every device */
};

struct attach_opts {
	const char *object;
	const void *obj_buf;		/* the object's bytes, read once (apply); or NULL */
	size_t obj_size;
	const char *name;		/* --name, NULL: the object's */
	enum attach_match match;
	uint32_t dev_index;
	uint32_t device_type;
	bool has_prio;
	uint32_t prio;
	const char *sets[ATTACH_MAX_SETS];
	int nr_sets;
	bool fresh;			/* swap --fresh: carry no map */
	int complain;			/* --complain 1, --enforce 0, neither -1 */
	/* for apply, which runs attach and swap as steps (parse sets none) */
	bool dry_run;			/* attach: open, configure and load; attach nothing */
	bool quiet;			/* print nothing on success */
	/*
	 * Called once the object is loaded, before its link is created
	 * (attach) or updated (swap; carried maps are the live ones): a
	 * non-zero return (message printed) stops, nothing changed.
	 */
	int (*before_link)(struct bpf_object *obj, const char *name, void *ctx);
	void *ctx;
	/* swap: maps that start fresh (apply fills them), knobs back to the object's */
	const char *const *fresh_maps;
	int nr_fresh_maps;
	const char *const *resets;
	int nr_resets;
};

/*
 * "attach" arguments after the verb; with @swap, "swap NAME NEW.bpf.o"
 * (only --set, --fresh, --complain and --enforce allowed: the new policy
 * inherits the running one's match).
 * 0, or CMD_USAGE with the error printed.
 */
int parse_attach_args(int argc, char **argv, struct attach_opts *o, bool swap);

/* @path's object from its bytes @buf, named by libbpf as if opened from @path */
struct bpf_object *policy_open_mem(const char *path, const void *buf, size_t size);

/* The verbs' work, without parsing: 0, or -1 with the error printed */
int attach_policy(const struct attach_opts *o);
int swap_policy(const struct attach_opts *o);
int detach_policy(const char *name, bool quiet);

#endif
