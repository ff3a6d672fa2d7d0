/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The site's declarative configuration: one file per policy in
 * /etc/fwctl-bpf/policies.d/ (*.conf, in lexical order), systemd-style
 * INI read with libinih:
 *
 *	[Policy]
 *	Object=mlx5__opcode_allow	   a path, or a name in the policy directory
 *	Name=opcode_allow		   default: the object's
 *	Device=all			   fwctlN, /dev/fwctl/fwctlN or all; or
 *	Type=mlx5			   every device of a driver (default: the
 *					   object's match)
 *	Priority=1000			   default: the object's
 *	Mode=enforce			   or complain
 *	Set=KNOB=VALUE			   repeated: the object's global variables
 *
 *	[Map allowed]			   the map's entries, exactly these
 *	Entry={QUERY_ADAPTER, 0xffff} 1	   KEY VALUE, typed by the map's BTF
 *
 * This file parses the text and checks what it can without the object;
 * apply.c checks the rest (knobs, maps, entries) against it. Every field
 * keeps the line it came from, for errors as "FILE:LINE: ...".
 */
#ifndef FWCTL_BPF_LOADER_SITE_CONFIG_H
#define FWCTL_BPF_LOADER_SITE_CONFIG_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <limits.h>
#include <stddef.h>

#include "attach.h"

#define SITE_CONFIG_DIR		"/etc/fwctl-bpf/policies.d"
/* the kernel runs at most FWCTL_BPF_MAX_POLICIES (16) per RPC */
#define SITE_MAX_POLICIES	16
#define SITE_MAX_MAPS		8
#define SITE_MAX_ENTRIES	1024
#define SITE_MAX_VALUE		256	/* an entry's text, key and value */

struct site_entry {
	char key[SITE_MAX_VALUE];
	char value[SITE_MAX_VALUE];
	unsigned int line;
};

struct site_map {
	char name[64];
	unsigned int line;
	int nr_entries;
	struct site_entry *entries;
};

struct site_policy {
	char file[PATH_MAX];		/* the .conf it came from */
	char object[PATH_MAX];		/* as written: a path or a name */
	char name[16];			/* "" until apply takes the object's */
	enum attach_match match;
	unsigned int dev_index, device_type;
	bool has_prio;
	unsigned int prio;
	bool complain;
	int nr_sets;
	char sets[ATTACH_MAX_SETS][SITE_MAX_VALUE];
	int nr_maps;
	struct site_map maps[SITE_MAX_MAPS];
	/* where each field was given (0: not given) */
	unsigned int line_policy, line_object, line_name, line_match, line_prio, line_mode;
	unsigned int line_sets[ATTACH_MAX_SETS];
};

struct site_config {
	char dir[PATH_MAX];
	int nr;
	struct site_policy *policies;	/* malloc'd, in file order */
};

/*
 * Read every *.conf of @dir (others, and names starting with '.', are
 * ignored, as systemd's drop-in directories do). 0, or -errno with
 * "FILE:LINE: what" (or "DIR: what") in @err; *@c is then empty.
 */
int site_config_load(const char *dir, struct site_config *c, char *err, size_t size);
/* One file, as site_config_load() reads each: c->nr is 1 */
int site_config_load_file(const char *path, struct site_config *c, char *err, size_t size);
void site_config_free(struct site_config *c);

/*
 * The policy of one such file attached as @name on /dev/fwctl/fwctl@dev_index
 * only, enforcing, its maps filled (replay's candidate; apply.c). 0 or -1.
 */
int apply_attach_file(const char *file, const char *objects, const char *name,
		      unsigned int dev_index);

#endif
