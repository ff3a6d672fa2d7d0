// SPDX-License-Identifier: GPL-2.0
/*
 * apply: make the attached policies what /etc/fwctl-bpf/policies.d says.
 *
 * Three passes, nothing changed before the last:
 *  1. read: every file parsed (site_config.c), every object read once (its
 *     bytes are what is checked, hashed, typed, verified and loaded), its
 *     knobs set and its map entries typed by its BTF; any error names
 *     FILE:LINE;
 *  2. plan: each policy compared with what runs (its link, its ops, the
 *     record apply left in the state directory, its knobs' and maps' live
 *     values): attach, swap, replace, keep or detach; what the kernel
 *     would refuse mid-run (a taken name, pins without a policy, more than
 *     FWCTL_BPF_MAX_POLICIES at the peak) is refused here; the verifier
 *     loads every object the plan attaches or swaps;
 *  3. do it, under the pin root's lock, so no other loader runs between
 *     the steps: attaches, leftovers of an interrupted apply, replaces,
 *     swaps, detaches. A swap is BPF_LINK_UPDATE (no RPC runs unfiltered;
 *     the configured maps start fresh with exactly their entries, so a
 *     failed swap changes nothing); a replace (another match, prio or
 *     flags, which a swap cannot change) attaches the new one before the
 *     old one goes; a fail-closed device with nothing enforcing stays
 *     closed behind a gate until the whole stack runs. On a failure the
 *     policies this run attached are detached again; swaps and replaces
 *     made stay (each whole) and are said.
 *
 * The state directory (/run/fwctl-bpf/applied/NAME, FWCTL_BPF_STATE_DIR)
 * holds per policy the link and ops map apply left running and what it
 * was made from (object, its hash, mode, knobs): a policy swapped by hand
 * since, or attached by hand, is swapped to the configuration's; only
 * policies whose record names their live link are detached when their
 * file goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>

#include "attach.h"
#include "config.h"
#include "fwctl.h"
#include "live.h"
#include "main.h"
#include "policy.h"
#include "site_config.h"

#ifndef FWCTL_BPF_POLICY_DIR	/* the Makefile's POLICYDIR */
#define FWCTL_BPF_POLICY_DIR	"/usr/lib/fwctl-bpf/policies"
#endif
#define STATE_DIR		"/run/fwctl-bpf/applied"
#define GATE_NAME		"gate"
#define GATE_OBJECT		"generic__gate"
#define REPLACE_NAME		"apply_new"
/* a run attaches each policy once, a replace's stand-in and the gate */
#define ATTACHED_MAX		(SITE_MAX_POLICIES + 2)

enum action { KEEP, ATTACH, SWAP, REPLACE };

static const char *const action_names[] = {
	[KEEP] = "keep", [ATTACH] = "attach", [SWAP] = "swap", [REPLACE] = "replace",
};

/* An object file is read once: typed, hashed, verified and loaded from here */
#define OBJECT_MAX_SIZE		(64 << 20)

/* A [Map NAME] typed: its entries' bytes, keys and values each in a row */
struct map_want {
	const struct site_map *cfg;
	enum bpf_map_type type;
	char pin[64];
	__u32 key_size, value_size, max_entries;
	unsigned char *keys, *values;
	int nr;
	int changes;		/* entries the live map differs in */
};

struct wanted {
	struct site_policy *cfg;
	char path[PATH_MAX];
	void *buf;			/* the object file's bytes */
	size_t size;
	char name[16];
	struct bpf_object *obj;		/* opened, never loaded: types and defaults */
	uint32_t flags, dev_index, device_type, prio;	/* the ops it runs with */
	struct map_want maps[SITE_MAX_MAPS];
	char desc[2 * PATH_MAX + ATTACH_MAX_SETS * (SITE_MAX_VALUE + 8)];
	enum action action;
	char reason[160];
	struct live_policy lp;		/* what runs under the name (plan_policy()) */
	/* a swap's knobs set before and not now: back to the object's value */
	const char *resets[ATTACH_MAX_SETS];
	const char *fresh[SITE_MAX_MAPS];
	char reset_names[ATTACH_MAX_SETS][SITE_MAX_VALUE];
	int nr_resets;
};

/* A policy apply attached before whose file is gone */
struct removed {
	char name[16];
	bool live;
	bool foreign;		/* another link under its name: not apply's, left */
};

struct apply_run {
	const char *objects;
	const char *state;
	bool dry_run;
	struct site_config cfg;
	struct wanted *w;
	int nr;
	struct removed removed[SITE_MAX_POLICIES * 4];
	int nr_removed;
	char unmanaged[FWCTL_BPF_MAX_POLICIES * 4][16];
	int nr_unmanaged;
	char leftover[2][16];	/* a gate or apply_new an interrupted apply left */
	int nr_leftover;
	struct live_policy *live;	/* what runs, read once for the plan */
	int nr_live;
	bool gate, gate_live;
	bool state_ok;		/* the state directory exists and is root's */
	char attached[ATTACHED_MAX][16];	/* this run's, for undo ("": kept) */
	int nr_attached;
	char kept[SITE_MAX_POLICIES][16];		/* swapped or replaced: stay */
	int nr_kept;
};

static const char *state_dir(void)
{
	/* not from a caller's environment when the loader runs set-id */
	const char *d = secure_getenv("FWCTL_BPF_STATE_DIR");

	return d && *d ? d : STATE_DIR;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A FILE:LINE error of @w's configuration */
static int cfg_err(const struct site_policy *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_err(const struct site_policy *p, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("can't apply: %s:%u: %s; nothing changed", p->file, line, msg);
	return -1;
}

/* One entry of check_trusted()'s walk: @st of @f, the path or an ancestor */
static int trusted_entry(const char *f, const struct stat *st, bool ancestor, char *msg,
			 size_t size)
{
	if (st->st_uid) {
		snprintf(msg, size, "%s is owned by uid %u, not root", f, st->st_uid);
		return -EPERM;
	}
	/* a sticky directory's entries are their owners' (root's: /tmp/x) */
	if ((st->st_mode & 022) && !(ancestor && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))) {
		snprintf(msg, size, "%s is writable by group or others (mode %03o)", f,
			 st->st_mode & 0777);
		return -EPERM;
	}
	return 0;
}

/*
 * Run as root, what root loads or reads as configuration must be root's:
 * the file (@st if given: of the fd read, else @path's) and every directory
 * above it owned by root and not writable by group or others (a sticky
 * directory, as /tmp, may be: only root can replace root's entry in it).
 * @path is resolved first ("policies.d", "DIR/", symlinks).
 */
static int check_trusted(const char *path, const struct stat *st, char *msg, size_t size)
{
	char real[PATH_MAX], *slash;
	struct stat sb;
	int err;

	if (geteuid())
		return 0;
	if (!realpath(path, real)) {
		snprintf(msg, size, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!st && stat(real, &sb)) {
		snprintf(msg, size, "%s: %s", real, strerror(errno));
		return -errno;
	}
	err = trusted_entry(real, st ?: &sb, false, msg, size);
	while (!err && (slash = strrchr(real, '/'))) {
		slash[slash == real] = '\0';	/* "/a/b" -> "/a" -> "/" */
		if (stat(real, &sb)) {
			snprintf(msg, size, "%s: %s", real, strerror(errno));
			return -errno;
		}
		err = trusted_entry(real, &sb, true, msg, size);
		if (!strcmp(real, "/"))
			break;
	}
	return err;
}

/*
 * Object=: an absolute path; a relative one (with '/') from the directory
 * of the file that names it; or NAME[.bpf.o] in the policy directory.
 */
static void resolve_object(const struct apply_run *r, const char *file, const char *obj,
			   char *path, size_t size)
{
	const char *slash = strrchr(file, '/');
	size_t n = strlen(obj);

	if (obj[0] == '/')
		snprintf(path, size, "%s", obj);
	else if (strchr(obj, '/'))
		snprintf(path, size, "%.*s/%s", slash ? (int)(slash - file) : 1,
			 slash ? file : ".", obj);
	else if (n > 6 && !strcmp(obj + n - 6, ".bpf.o"))
		snprintf(path, size, "%s/%s", r->objects, obj);
	else
		snprintf(path, size, "%s/%s.bpf.o", r->objects, obj);
}

/*
 * The object file, read once into @w->buf: what is checked, hashed, typed,
 * verified and loaded is the same bytes, whatever happens to the file.
 */
static int read_object(struct wanted *w, char *msg, size_t size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(w->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), err = 0;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(msg, size, "%s: %s", w->path, strerror(errno));
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > OBJECT_MAX_SIZE) {
		snprintf(msg, size, "%s: %s", w->path, S_ISREG(st.st_mode) ?
			 "larger than 64 MiB" : "not a regular file");
		err = -EINVAL;
		goto out;
	}
	err = check_trusted(w->path, &st, msg, size);
	if (err)
		goto out;
	w->buf = malloc(st.st_size ?: 1);
	if (!w->buf) {
		err = -ENOMEM;
		snprintf(msg, size, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size && (n = read(fd, (char *)w->buf + got,
						     st.st_size - got)) > 0)
		got += n;
	w->size = got;
	if (got != (size_t)st.st_size) {
		snprintf(msg, size, "%s: short read", w->path);
		err = -EIO;
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/* FNV-1a of the object's bytes: a changed object, same path, is a swap */
static unsigned long long hash_bytes(const unsigned char *p, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static bool entry_map_type_ok(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_ARRAY;
}

/* [Map NAME]'s entries typed by the object's BTF into @mw */
static int type_map(struct wanted *w, const struct site_map *sm, struct map_want *mw)
{
	const struct btf *btf = bpf_object__btf(w->obj);
	struct bpf_map *map = bpf_object__find_map_by_name(w->obj, sm->name);
	char msg[256];
	int i, j;

	mw->cfg = sm;
	if (!map || bpf_map__is_internal(map) || bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
		return cfg_err(w->cfg, sm->line, "[Map %s]: %s has no such map (%s lists them)",
			       sm->name, base_name(w->path), "fwctl-bpf inspect");
	mw->type = bpf_map__type(map);
	if (!entry_map_type_ok(mw->type))
		return cfg_err(w->cfg, sm->line, "[Map %s]: a %s map; entries can be given for "
			       "hash, lru_hash and array maps", sm->name,
			       libbpf_bpf_map_type_str(mw->type));
	if (!btf || !bpf_map__btf_key_type_id(map) || !bpf_map__btf_value_type_id(map))
		return cfg_err(w->cfg, sm->line, "[Map %s]: the object has no BTF for its key "
			       "and value types", sm->name);
	mw->key_size = bpf_map__key_size(map);
	mw->value_size = bpf_map__value_size(map);
	mw->max_entries = bpf_map__max_entries(map);
	pin_name(mw->pin, sizeof(mw->pin), sm->name);
	if ((__u32)sm->nr_entries > mw->max_entries)
		return cfg_err(w->cfg, sm->line, "[Map %s]: %d entries, the map holds %u",
			       sm->name, sm->nr_entries, mw->max_entries);
	mw->keys = calloc(sm->nr_entries + 1, mw->key_size);
	mw->values = calloc(sm->nr_entries + 1, mw->value_size);
	if (!mw->keys || !mw->values)
		return cfg_err(w->cfg, sm->line, "out of memory");
	for (i = 0; i < sm->nr_entries; i++) {
		const struct site_entry *e = &sm->entries[i];
		unsigned char *k = mw->keys + (size_t)i * mw->key_size;

		if (policy_parse_typed(btf, bpf_map__btf_key_type_id(map), mw->key_size, e->key,
				       k, msg, sizeof(msg)))
			return cfg_err(w->cfg, e->line, "key %s: %s", e->key, msg);
		if (policy_parse_typed(btf, bpf_map__btf_value_type_id(map), mw->value_size,
				       e->value, mw->values + (size_t)i * mw->value_size, msg,
				       sizeof(msg)))
			return cfg_err(w->cfg, e->line, "value %s: %s", e->value, msg);
		if (mw->type == BPF_MAP_TYPE_ARRAY && *(__u32 *)k >= mw->max_entries)
			return cfg_err(w->cfg, e->line, "key %s: the array has %u elements", e->key,
				       mw->max_entries);
		for (j = 0; j < i; j++)
			if (!memcmp(k, mw->keys + (size_t)j * mw->key_size, mw->key_size))
				return cfg_err(w->cfg, e->line, "key %s: also line %u's", e->key,
					       sm->entries[j].line);
	}
	mw->nr = sm->nr_entries;
	return 0;
}

/* What apply remembers of @w: the state record's text after the ids */
static void describe(struct wanted *w)
{
	size_t n;
	int i;

	n = snprintf(w->desc, sizeof(w->desc), "object=%s\nobject_fnv1a=%016llx\nmode=%s\n",
		     w->path, hash_bytes(w->buf, w->size), w->cfg->complain ? "complain" : "enforce");
	for (i = 0; i < w->cfg->nr_sets && n < sizeof(w->desc); i++)
		n += snprintf(w->desc + n, sizeof(w->desc) - n, "set=%s\n", w->cfg->sets[i]);
}

/* The ops fields the policy will run with: the object's, as configured */
static int wanted_ops(struct wanted *w)
{
	struct site_policy *p = w->cfg;
	uint32_t *f;
	size_t size;

	f = fwctl_policy_ops_field(w->obj, "flags", &size);
	if (!f || size != 4)
		return -1;
	w->flags = *f;
	f = fwctl_policy_ops_field(w->obj, "dev_index", &size);
	w->dev_index = f && size == 4 ? *f : 0;
	f = fwctl_policy_ops_field(w->obj, "device_type", &size);
	w->device_type = f && size == 4 ? *f : 0;
	f = fwctl_policy_ops_field(w->obj, "prio", &size);
	w->prio = f && size == 4 ? *f : 0;
	if (p->match == MATCH_DEVICE) {
		w->flags |= FWCTL_BPF_F_DEV_INDEX;
		w->dev_index = p->dev_index;
	} else if (p->match != MATCH_OBJECT) {
		w->flags &= ~FWCTL_BPF_F_DEV_INDEX;
		w->device_type = p->match == MATCH_TYPE ? p->device_type : 0;
	}
	if (p->has_prio)
		w->prio = p->prio;
	if (!w->prio)
		w->prio = FWCTL_BPF_PRIO_DEFAULT;
	if (!(w->flags & FWCTL_BPF_F_DEV_INDEX))
		w->dev_index = 0;
	w->flags = p->complain ? w->flags | FWCTL_BPF_F_COMPLAIN : w->flags & ~FWCTL_BPF_F_COMPLAIN;
	return 0;
}

/* Pass 1 for one policy: open, name, knobs, maps */
static int read_policy(struct apply_run *r, struct wanted *w)
{
	struct site_policy *p = w->cfg;
	char msg[512], given[PATH_MAX];
	const char *oname;
	size_t size;
	int i;

	resolve_object(r, p->file, p->object, given, sizeof(given));
	/* one path for the record, whatever the current directory */
	if (!realpath(given, w->path))
		return cfg_err(p, p->line_object, "%s: %s", given, strerror(errno));
	if (read_object(w, msg, sizeof(msg)))
		return cfg_err(p, p->line_object, "refusing %s: %s", w->path, msg);
	w->obj = policy_open_mem(w->path, w->buf, w->size);
	if (!w->obj) {
		return cfg_err(p, p->line_object, "can't open %s: %s", w->path, strerror(errno));
	}
	if (!fwctl_policy_ops_map(w->obj))
		return cfg_err(p, p->line_object, "%s is not a fwctl policy (no fwctl_bpf_ops "
			       "struct_ops map)", w->path);
	oname = fwctl_policy_ops_field(w->obj, "name", &size);
	snprintf(w->name, sizeof(w->name), "%s", p->name[0] ? p->name : oname ? oname : "");
	if (check_policy_name(w->name))
		return cfg_err(p, p->line_object, "the object's name is not 1 to 15 letters, "
			       "digits or _: give Name=");
	if (!strcmp(w->name, GATE_NAME) || !strcmp(w->name, REPLACE_NAME))
		return cfg_err(p, p->line_name ?: p->line_object, "the name %s is apply's own: "
			       "give another Name=", w->name);
	for (i = 0; i < p->nr_sets; i++)
		if (policy_set_var(w->obj, p->sets[i], msg, sizeof(msg)))
			return cfg_err(p, p->line_sets[i], "Set=%s: %s", p->sets[i], msg);
	for (i = 0; i < p->nr_maps; i++)
		if (type_map(w, &p->maps[i], &w->maps[i]))
			return -1;
	if (wanted_ops(w))
		return cfg_err(p, p->line_object, "%s: can't read its ops", w->path);
	describe(w);
	return 0;
}

static int read_all(struct apply_run *r)
{
	int i, j;

	r->w = calloc(r->cfg.nr ? r->cfg.nr : 1, sizeof(*r->w));
	if (!r->w) {
		p_err("can't apply: out of memory");
		return -1;
	}
	for (i = 0; i < r->cfg.nr; i++) {
		r->w[i].cfg = &r->cfg.policies[i];
		r->nr++;
		if (read_policy(r, &r->w[i]))
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp(r->w[j].name, r->w[i].name))
				return cfg_err(r->w[i].cfg, r->w[i].cfg->line_name ?:
					       r->w[i].cfg->line_object, "policy %s: also %s's", r->w[i].name,
					       r->w[j].cfg->file);
	}
	return 0;
}

/*
 * The state directory: made if missing, and then root's own (as any file
 * apply trusts), so no one else can plant a record that makes apply
 * detach or keep a policy.
 */
static int state_dir_ok(const struct apply_run *r, bool create)
{
	char msg[PATH_MAX + 128];
	struct stat st;
	int err = create ? mkdir_p(r->state) : 0;

	if (err)
		return err;
	if (lstat(r->state, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (check_trusted(r->state, &st, msg, sizeof(msg))) {
		p_info("Warning: ignoring the state directory: %s", msg);
		return -EPERM;
	}
	return 0;
}

/* A record's file, never through a symlink */
static int open_record(const struct apply_run *r, const char *name, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", r->state, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* State records: "link_id=N\nmap_id=N\n" and describe()'s text */
static int read_record(const struct apply_run *r, const char *name, uint32_t *link_id,
		       uint32_t *map_id, char *desc, size_t size)
{
	FILE *f;
	size_t n;
	int ok, fd;

	if (!r->state_ok)
		return -ENOENT;
	fd = open_record(r, name, O_RDONLY);
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ok = fscanf(f, "link_id=%u\nmap_id=%u\n", link_id, map_id) == 2;
	n = ok ? fread(desc, 1, size - 1, f) : 0;
	desc[n] = '\0';
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int write_record(struct apply_run *r, const struct wanted *w)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], link[PATH_MAX], name[32];
	uint32_t link_id, map_id;
	FILE *f;
	int fd, err;

	pin_path(link, sizeof(link), w->name, "link");
	fd = live_link_open(link, &link_id, &map_id);
	if (fd < 0)
		return fd;
	close(fd);
	err = state_dir_ok(r, true);
	if (err)
		return err;
	r->state_ok = true;	/* made now: undo's drop_record() must see it */
	snprintf(path, sizeof(path), "%s/%s", r->state, w->name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	snprintf(name, sizeof(name), "%s.new", w->name);
	unlink(tmp);
	fd = open_record(r, name, O_WRONLY | O_CREAT | O_EXCL);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	fprintf(f, "link_id=%u\nmap_id=%u\n%s", link_id, map_id, w->desc);
	err = fclose(f) ? -errno : 0;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static void drop_record(const struct apply_run *r, const char *name)
{
	char path[PATH_MAX];

	if (!r->state_ok)
		return;
	snprintf(path, sizeof(path), "%s/%s", r->state, name);
	unlink(path);
}

/* The live policy pinned as NAME: its ops; false if none runs */
static bool live_of(const char *name, struct live_policy *lp)
{
	char path[PATH_MAX];
	uint32_t map_id;
	int fd, mfd, err;

	memset(lp, 0, sizeof(*lp));
	if (pin_path(path, sizeof(path), name, "link"))
		return false;
	fd = live_link_open(path, &lp->link_id, &map_id);
	if (fd < 0)
		return false;
	close(fd);
	mfd = bpf_map_get_fd_by_id(map_id);
	if (mfd < 0)
		return false;
	err = live_policy_read_map(mfd, lp);
	close(mfd);
	return !err;
}

/* Is @key one @mw lists? */
static bool listed(const struct map_want *mw, const void *key)
{
	int i;

	for (i = 0; i < mw->nr; i++)
		if (!memcmp(key, mw->keys + (size_t)i * mw->key_size, mw->key_size))
			return true;
	return false;
}

/*
 * How far the live map @fd is from @mw, in mw->changes: entries missing or
 * with another value, and entries it should not have (hash maps: keys @mw
 * does not list; arrays: unlisted elements not zero).
 */
static int map_diff(int fd, struct map_want *mw)
{
	unsigned char *key = calloc(2, mw->key_size), *val = calloc(2, mw->value_size);
	unsigned char *next = key + mw->key_size, *zero = val + mw->value_size;
	int i, err = 0;
	__u32 idx;

	mw->changes = 0;
	if (!key || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < mw->nr; i++)
		mw->changes += bpf_map_lookup_elem(fd, mw->keys + (size_t)i * mw->key_size, val) ||
			       memcmp(val, mw->values + (size_t)i * mw->value_size,
				      mw->value_size);
	if (mw->type == BPF_MAP_TYPE_ARRAY) {
		for (idx = 0; idx < mw->max_entries; idx++)
			mw->changes += !listed(mw, &idx) && !bpf_map_lookup_elem(fd, &idx, val) &&
				       memcmp(val, zero, mw->value_size);
		goto out;
	}
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key) {
		memcpy(key, next, mw->key_size);
		mw->changes += !listed(mw, key);
	}
out:
	free(key);
	free(val);
	return err;
}

/* A new, empty map @fd gets @mw's entries (the verifier's pass-1 layout) */
static int fill_map(int fd, const struct map_want *mw)
{
	int i;

	for (i = 0; i < mw->nr; i++)
		if (bpf_map_update_elem(fd, mw->keys + (size_t)i * mw->key_size,
					mw->values + (size_t)i * mw->value_size, BPF_ANY))
			return -errno;
	return 0;
}

/* The pinned map of policy @name that @mw configures */
static int open_pinned_map(const char *name, const struct map_want *mw)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (pin_path(path, sizeof(path), name, mw->pin))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len) || info.key_size != mw->key_size ||
	    info.value_size != mw->value_size || info.type != mw->type) {
		close(fd);
		return -ESTALE;		/* another layout: the swap makes it fresh */
	}
	return fd;
}

/* Map entries to change on the live policy; -1 if a map can't be compared */
static int live_map_changes(struct wanted *w)
{
	int i, fd, n = 0;

	for (i = 0; i < w->cfg->nr_maps; i++) {
		fd = open_pinned_map(w->name, &w->maps[i]);
		if (fd < 0)
			return -1;
		if (map_diff(fd, &w->maps[i])) {
			close(fd);
			return -1;
		}
		close(fd);
		n += w->maps[i].changes;
	}
	return n;
}

static bool same_match(const struct wanted *w, const struct live_policy *lp)
{
	return (w->flags & FWCTL_BPF_F_DEV_INDEX) == (lp->flags & FWCTL_BPF_F_DEV_INDEX) &&
	       w->dev_index == lp->dev_index && w->device_type == lp->device_type;
}

/* Which line of two descriptions differs first, as a reason */
static void desc_diff(const char *old, const char *new, char *why, size_t size)
{
	static const char *const keys[] = { "object=", "object_fnv1a=", "mode=", "set=" };
	static const char *const whys[] = { "object changed", "object file changed",
					     "mode changed", "Set= changed" };
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *a = strstr(old, keys[i]), *b = strstr(new, keys[i]);
		size_t la = a ? strcspn(a, "\n") : 0, lb = b ? strcspn(b, "\n") : 0;

		if (i == 3)	/* every set= line, together */
			la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
		if (la != lb || (a && memcmp(a, b, la))) {
			snprintf(why, size, "%s", whys[i]);
			return;
		}
	}
	snprintf(why, size, "changed");
}

/* The knob named by "KEY=VALUE" or "KEY" @what, in @w's object */
static bool knob_of(const struct wanted *w, const char *what, struct policy_var *var)
{
	char key[SITE_MAX_VALUE];

	snprintf(key, sizeof(key), "%.*s", (int)strcspn(what, "="), what);
	return !policy_find_var(w->obj, key, var) && !var->read_only;
}

/* Knobs the record set that the configuration sets no more: to reset */
static void plan_resets(struct wanted *w, const char *desc)
{
	const char *line;
	int i;

	w->nr_resets = 0;
	for (line = strstr(desc, "\nset="); line && w->nr_resets < ATTACH_MAX_SETS;
	     line = strstr(line + 1, "\nset=")) {
		const char *k = line + 5;
		size_t len = strcspn(k, "=\n");
		bool kept = false;

		for (i = 0; i < w->cfg->nr_sets && !kept; i++)
			kept = strlen(w->cfg->sets[i]) > len && w->cfg->sets[i][len] == '=' &&
			       !strncmp(w->cfg->sets[i], k, len);
		if (kept || len >= SITE_MAX_VALUE)
			continue;
		snprintf(w->reset_names[w->nr_resets], SITE_MAX_VALUE, "%.*s", (int)len, k);
		w->resets[w->nr_resets] = w->reset_names[w->nr_resets];
		w->nr_resets++;
	}
}

/*
 * Does the live value of knob @what (a .data or .bss variable: a swap
 * carries it) differ from the one the configuration wants (its Set=, or
 * the object's for a reset)? Someone wrote it with bpftool since.
 */
static bool knob_drifted(const struct wanted *w, const char *what)
{
	struct policy_var var;
	struct bpf_map *map;
	char pin[64], path[PATH_MAX];
	unsigned char *val;
	size_t size;
	void *base;
	__u32 zero = 0;
	bool drift = false;
	int fd;

	if (!knob_of(w, what, &var))
		return false;
	map = bpf_object__find_map_by_name(w->obj, var.map_name);
	base = map ? bpf_map__initial_value(map, &size) : NULL;
	pin_name(pin, sizeof(pin), var.map_name);
	if (!base || pin_path(path, sizeof(path), w->name, pin))
		return false;
	fd = bpf_obj_get(path);
	val = calloc(1, bpf_map__value_size(map));
	if (fd >= 0 && val && !bpf_map_lookup_elem(fd, &zero, val))
		drift = memcmp(val + ((char *)var.data - (char *)base), var.data, var.size);
	free(val);
	if (fd >= 0)
		close(fd);
	return drift;
}

/* A knob whose live value is not the configuration's, in @why */
static bool knobs_drifted(const struct wanted *w, char *why, size_t size)
{
	int i;

	for (i = 0; i < w->cfg->nr_sets + w->nr_resets; i++) {
		const char *what = i < w->cfg->nr_sets ? w->cfg->sets[i] :
				   w->resets[i - w->cfg->nr_sets];

		if (knob_drifted(w, what)) {
			snprintf(why, size, "knob %.*s changed on the live policy",
				 (int)strcspn(what, "="), what);
			return true;
		}
	}
	return false;
}

/* Another match, prio or flag than the live one: a swap can't change them */
static const char *needs_replace(const struct wanted *w, const struct live_policy *lp)
{
	if (!same_match(w, lp))
		return "device match changed";
	if (w->prio != (lp->prio ?: FWCTL_BPF_PRIO_DEFAULT))	/* 0 runs as the default */
		return "prio changed";
	if ((w->flags ^ lp->flags) & ~(FWCTL_BPF_F_COMPLAIN | FWCTL_BPF_F_DEV_INDEX))
		return "flags changed";
	return NULL;
}

/* The configured maps against the live ones: swap or keep */
static void plan_maps(struct wanted *w)
{
	int changes = live_map_changes(w);

	if (changes < 0)
		snprintf(w->reason, sizeof(w->reason), "a configured map is not as the object's");
	else if (changes)	/* a swap too: the new entries arrive together */
		snprintf(w->reason, sizeof(w->reason), "%d map entr%s", changes,
			 changes == 1 ? "y" : "ies");
	else
		w->action = KEEP;
}

static void plan_policy(const struct apply_run *r, struct wanted *w)
{
	struct live_policy lp;
	uint32_t link_id, map_id;
	char desc[sizeof(w->desc)];
	const char *why;
	bool record;

	w->action = live_of(w->name, &lp) ? SWAP : ATTACH;
	w->lp = lp;
	if (w->action == ATTACH) {
		snprintf(w->reason, sizeof(w->reason), "new");
		return;
	}
	why = needs_replace(w, &lp);
	if (why) {
		w->action = REPLACE;
		snprintf(w->reason, sizeof(w->reason), "%s", why);
		return;
	}
	record = !read_record(r, w->name, &link_id, &map_id, desc, sizeof(desc));
	if (record)
		plan_resets(w, desc);
	if (!record)
		snprintf(w->reason, sizeof(w->reason), "not attached by apply");
	else if (link_id != lp.link_id || map_id != lp.map_id)
		snprintf(w->reason, sizeof(w->reason), "changed by hand since the last apply");
	else if ((lp.flags & FWCTL_BPF_F_COMPLAIN) != (w->flags & FWCTL_BPF_F_COMPLAIN))
		snprintf(w->reason, sizeof(w->reason), "mode changed");
	else if (strcmp(desc, w->desc))
		desc_diff(desc, w->desc, w->reason, sizeof(w->reason));
	else if (!knobs_drifted(w, w->reason, sizeof(w->reason)))
		plan_maps(w);
}


/* Is the policy @name one of the configuration's? */
static bool wanted_name(const struct apply_run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->w[i].name, name))
			return true;
	return false;
}

/* A record whose file is gone: detach, unless another link runs as NAME */
static void plan_record(struct apply_run *r, const char *name)
{
	struct removed *rm = &r->removed[r->nr_removed++];
	char desc[sizeof(r->w->desc)];
	uint32_t link_id, map_id;
	struct live_policy lp;

	snprintf(rm->name, sizeof(rm->name), "%.15s", name);
	rm->live = live_of(name, &lp);
	rm->foreign = rm->live && (read_record(r, name, &link_id, &map_id, desc, sizeof(desc)) ||
				   link_id != lp.link_id || map_id != lp.map_id);
}

/* Records of policies no file names any more, leftovers, hand-attached ones */
static void plan_removed(struct apply_run *r)
{
	struct dirent **names = NULL;
	size_t root = strlen(pin_root());
	int i, j, n;
	bool found;

	n = r->state_ok ? scandir(r->state, &names, NULL, alphasort) : 0;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		/* ".", "..", "x.new" and apply's own names have no record */
		if (!check_policy_name(name) && !wanted_name(r, name) && strcmp(name, GATE_NAME) &&
		    strcmp(name, REPLACE_NAME) && r->nr_removed < SITE_MAX_POLICIES * 4)
			plan_record(r, name);
		free(names[i]);
	}
	free(names);
	for (i = 0; i < r->nr_live; i++) {
		const struct live_policy *lp = &r->live[i];

		if (strncmp(lp->pinned, pin_root(), root))
			continue;	/* not ours: bpftool's */
		if ((!strcmp(lp->name, GATE_NAME) || !strcmp(lp->name, REPLACE_NAME)) &&
		    r->nr_leftover < 2) {
			r->gate_live |= !strcmp(lp->name, GATE_NAME);
			snprintf(r->leftover[r->nr_leftover++], 16, "%s", lp->name);
			continue;
		}
		found = wanted_name(r, lp->name);
		for (j = 0; j < r->nr_removed && !found; j++)
			found = !strcmp(r->removed[j].name, lp->name);
		if (!found && r->nr_unmanaged < (int)(sizeof(r->unmanaged) / 16))
			snprintf(r->unmanaged[r->nr_unmanaged++], 16, "%s", lp->name);
	}
}

/*
 * The kernel's fwctl_bpf_match(), as far as userspace sees it: a device's
 * type is known only to its FWCTL_INFO, and opening a device to ask makes
 * its driver talk to the firmware (mlx5: CREATE_UCTX). So a policy of a
 * type may match any device (what the plan adds, the slots it takes), but
 * surely matches one only by its index or with no type (what keeps a
 * device open): both err towards a gate and a refused plan, never a window.
 */
struct device {
	char name[32];
	int index;
	bool closed;
};

static bool may_match(uint32_t flags, uint32_t dev_index, const struct device *d)
{
	return !(flags & FWCTL_BPF_F_DEV_INDEX) || (int)dev_index == d->index;
}

static bool surely_matches(const struct live_policy *lp, const struct device *d)
{
	return lp->flags & FWCTL_BPF_F_DEV_INDEX ? (int)lp->dev_index == d->index :
						   !lp->device_type;
}

/* The fwctl devices: *@out malloc'd; their count, or -ENOMEM */
static int devices(struct device **out)
{
	struct dirent **devs = NULL;
	long long closed;
	int i, n = fwctl_devices(&devs);

	*out = calloc(n ?: 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		const char *name = devs[i]->d_name;

		if (*out) {
			snprintf((*out)[i].name, sizeof((*out)[i].name), "%.31s", name);
			(*out)[i].index = parse_device(name);
			closed = fwctl_bpf_attr(name, "fail_closed");
			(*out)[i].closed = closed != 0;	/* unreadable: closed */
		}
		free(devs[i]);
	}
	free(devs);
	return *out ? n : -ENOMEM;
}

/* An enforcing policy in the kernel's sense: an rpc_filter, no flag against */
static bool enforcing(const struct live_policy *lp)
{
	return lp->filter_prog_id && !(lp->flags & (FWCTL_BPF_F_COMPLAIN | FWCTL_BPF_F_AUDIT)) &&
	       strcmp(lp->name, GATE_NAME);
}

/*
 * A gate when, on some fail-closed device that no enforcing policy surely
 * keeps open, the plan changes more than one policy that may match it: the
 * first one to enforce would open the device for what that one allows
 * until the others run. A gate an interrupted apply left is used as is.
 */
static bool needs_gate(const struct apply_run *r, const struct device *devs, int nr_devs)
{
	int d, i, open, steps;

	if (r->gate_live)
		return true;
	for (d = 0; d < nr_devs; d++) {
		if (!devs[d].closed)
			continue;
		for (i = 0, open = 0; i < r->nr_live; i++)
			open += enforcing(&r->live[i]) && surely_matches(&r->live[i], &devs[d]);
		for (i = 0, steps = 0; i < r->nr; i++)
			steps += r->w[i].action != KEEP &&
				 may_match(r->w[i].flags, r->w[i].dev_index, &devs[d]);
		if (!open && steps > 1)
			return true;
	}
	return false;
}

/* Policies that may run on @d (NULL: without a device match) at the peak */
static int peak_on(const struct apply_run *r, const struct device *d)
{
	int i, n = r->gate && !r->gate_live, stand_in = 0;

	for (i = 0; i < r->nr_live; i++)
		n += d ? may_match(r->live[i].flags, r->live[i].dev_index, d) :
			 !(r->live[i].flags & FWCTL_BPF_F_DEV_INDEX);
	for (i = 0; i < r->nr; i++) {
		const struct wanted *w = &r->w[i];
		bool now = d ? may_match(w->flags, w->dev_index, d) :
			       !(w->flags & FWCTL_BPF_F_DEV_INDEX);
		bool before = d ? may_match(w->lp.flags, w->lp.dev_index, d) :
				  !(w->lp.flags & FWCTL_BPF_F_DEV_INDEX);

		/* a replace widening its match adds one; each has a stand-in for a while */
		n += now && (w->action == ATTACH || (w->action == REPLACE && !before));
		stand_in |= now && w->action == REPLACE;
	}
	return n + stand_in;
}

/* A pin directory that would stop a step: there, but no policy runs in it */
static int check_pins(const struct wanted *w, const char *name)
{
	char dir[PATH_MAX];
	struct stat st;

	pin_path(dir, sizeof(dir), name, NULL);
	if (lstat(dir, &st))
		return 0;
	return cfg_err(w->cfg, w->cfg->line_object, "%s is there without a running policy (a "
		       "detach whose audit records could not be stored leaves it): run \"%s audit "
		       "collect\", then \"%s detach %s\"", dir, bin_name, bin_name, name);
}

/* What a policy attached anew needs: its Device=, a name no other link has */
static int check_attach(const struct apply_run *r, const struct wanted *w,
			const struct device *devs, int nr_devs)
{
	int d, n;

	if (w->action != ATTACH && w->action != REPLACE)
		return 0;	/* it runs: a device gone since is the kernel's to handle */
	for (d = 0; w->cfg->match == MATCH_DEVICE && d < nr_devs; d++)
		if (devs[d].index == (int)w->dev_index)
			break;
	if (w->cfg->match == MATCH_DEVICE && d == nr_devs)
		return cfg_err(w->cfg, w->cfg->line_match, "Device=fwctl%u: no such device",
			       w->dev_index);
	if (w->action != ATTACH)
		return 0;
	for (n = 0; n < r->nr_live; n++)
		if (!strcmp(r->live[n].name, w->name))
			return cfg_err(w->cfg, w->cfg->line_name ?: w->cfg->line_object,
				       "a policy named %s runs already, not pinned by %s (link "
				       "%u): detach it, or give another Name=", w->name, bin_name,
				       r->live[n].link_id);
	return check_pins(w, w->name);
}

/*
 * What the kernel would refuse mid-run, found before anything changes: a
 * device that is not there, a name another link runs under, pins left
 * without a policy (the policy's, a replace's stand-in's, the gate's), more
 * than FWCTL_BPF_MAX_POLICIES on a device (or without a device match) at
 * the run's peak.
 */
static int check_plan(const struct apply_run *r, const struct device *devs, int nr_devs)
{
	static const struct site_policy gate_cfg = { .file = "(gate)" };
	const struct wanted gate = { .cfg = (struct site_policy *)&gate_cfg };
	bool replacing = false, leftover_new = false;
	int d, i, peak;

	for (i = 0; i < r->nr; i++) {
		if (check_attach(r, &r->w[i], devs, nr_devs))
			return -1;
		replacing |= r->w[i].action == REPLACE;
	}
	for (i = 0; i < r->nr_leftover; i++)
		leftover_new |= !strcmp(r->leftover[i], REPLACE_NAME);
	for (i = 0; i < r->nr && replacing && !leftover_new; i++)
		if (r->w[i].action == REPLACE && check_pins(&r->w[i], REPLACE_NAME))
			return -1;
	if (r->gate && !r->gate_live && check_pins(&gate, GATE_NAME))
		return -1;
	for (d = -1; d < nr_devs; d++) {	/* -1: the policies without a device */
		peak = peak_on(r, d < 0 ? NULL : &devs[d]);
		if (peak > FWCTL_BPF_MAX_POLICIES) {
			p_err("can't apply: %s would run %d policies while apply runs (the running "
			      "ones, the new ones, a replace's stand-in and the gate); the kernel "
			      "runs at most %d; nothing changed", d < 0 ? "the kernel" : devs[d].name,
			      peak, FWCTL_BPF_MAX_POLICIES);
			return -1;
		}
	}
	return 0;
}

static int count_changes(const struct apply_run *r)
{
	int i, n = r->gate && !r->gate_live ? 2 : 0;

	for (i = 0; i < r->nr; i++)
		n += r->w[i].action != KEEP;
	return n + r->nr_removed + r->nr_leftover;
}

static void print_action(const char *action, const char *name, const char *file,
			 const char *reason)
{
	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "action", action);
		jw_string_field(json_wtr, "name", name);
		if (file)
			jw_string_field(json_wtr, "file", file);
		else
			jw_null_field(json_wtr, "file");
		jw_string_field(json_wtr, "reason", reason);
		jw_end_object(json_wtr);
		return;
	}
	printf("%-9s %-15s %s%s%s%s\n", action, name, reason, file ? " (" : "",
	       file ? base_name(file) : "", file ? ")" : "");
}

/* The steps in the order run_plan() takes them */
static const enum action run_order[] = { ATTACH, REPLACE, SWAP, KEEP };

static void print_policies(const struct apply_run *r, enum action a)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (r->w[i].action == a)
			print_action(action_names[a], r->w[i].name, r->w[i].cfg->file,
				     a == KEEP ? "unchanged" : r->w[i].reason);
}

static void print_plan(const struct apply_run *r)
{
	const struct removed *rm;
	size_t k;
	int i;

	if (json_output) {
		jw_name(json_wtr, "plan");
		jw_start_array(json_wtr);
	}
	if (r->gate && !r->gate_live)
		print_action("gate", GATE_NAME, NULL, "a fail-closed device stays closed until "
			     "the stack runs");
	for (k = 0; k < sizeof(run_order) / sizeof(run_order[0]); k++) {
		print_policies(r, run_order[k]);
		for (i = 0; run_order[k] == ATTACH && i < r->nr_leftover; i++)
			if (strcmp(r->leftover[i], GATE_NAME))
				print_action("detach", r->leftover[i], NULL,
					     "left by an interrupted apply");
	}
	for (i = 0; i < r->nr_removed; i++) {
		rm = &r->removed[i];
		if (rm->foreign)
			print_action("unmanaged", rm->name, NULL, "its file is gone, but it was "
				     "attached again by hand since: left as is (record dropped)");
		else
			print_action("detach", rm->name, NULL, rm->live ? "its file is gone" :
				     "its file is gone (not running: record dropped)");
	}
	for (i = 0; i < r->nr_unmanaged; i++)
		print_action("unmanaged", r->unmanaged[i], NULL, "attached by hand: left as is");
	if (r->gate_live)	/* it holds the devices until the last step */
		print_action("detach", GATE_NAME, NULL, "left by an interrupted apply: last");
	if (json_output)
		jw_end_array(json_wtr);
}

/*
 * attach/swap's hook: the configured maps' entries, before the link runs;
 * the maps are new (a swap does not carry them) and of the layout pass 1
 * typed the entries for.
 */
static int fill_maps(struct bpf_object *obj, const char *name, void *ctx)
{
	struct wanted *w = ctx;
	int i, err;

	for (i = 0; i < w->cfg->nr_maps; i++) {
		const struct map_want *mw = &w->maps[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, mw->cfg->name);

		if (!map || bpf_map__key_size(map) != mw->key_size ||
		    bpf_map__value_size(map) != mw->value_size)
			err = -ESTALE;
		else
			err = fill_map(bpf_map__fd(map), mw);
		if (err) {
			p_err("can't apply %s: [Map %s]: %s", w->cfg->file, mw->cfg->name,
			      strerror(-err));
			return -1;
		}
	}
	return 0;
}

static void attach_opts_of(struct wanted *w, const char *name, struct attach_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->object = w->path;
	o->name = name;
	o->match = w->cfg->match;
	o->dev_index = w->cfg->dev_index;
	o->device_type = w->cfg->device_type;
	o->has_prio = w->cfg->has_prio;
	o->prio = w->cfg->prio;
	o->complain = w->cfg->complain;
	for (i = 0; i < w->cfg->nr_sets; i++)
		o->sets[i] = w->cfg->sets[i];
	o->nr_sets = w->cfg->nr_sets;
	o->obj_buf = w->buf;
	o->obj_size = w->size;
	o->quiet = true;
	o->before_link = fill_maps;
	o->ctx = w;
	/* a swap's configured maps start empty, filled before the link runs */
	for (i = 0; i < w->cfg->nr_maps; i++)
		w->fresh[i] = w->cfg->maps[i].name;
	o->fresh_maps = w->fresh;
	o->nr_fresh_maps = w->cfg->nr_maps;
	o->resets = w->resets;
	o->nr_resets = w->nr_resets;
}

/* The verifier's pass over every object the plan loads */
static int verify_all(struct apply_run *r)
{
	struct attach_opts o;
	int i;

	for (i = 0; i < r->nr; i++) {
		struct wanted *w = &r->w[i];

		if (w->action != ATTACH && w->action != SWAP && w->action != REPLACE)
			continue;
		attach_opts_of(w, w->name, &o);
		o.dry_run = true;
		if (attach_policy(&o)) {
			p_err("can't apply: %s:%u: %s does not load; nothing changed", w->cfg->file,
			      w->cfg->line_object, w->path);
			return -1;
		}
	}
	return 0;
}

/* Attach @w as @name, in the undo list's first free slot */
static int attach_as(struct apply_run *r, struct wanted *w, const char *name)
{
	struct attach_opts o;
	int i;

	for (i = 0; i < r->nr_attached && r->attached[i][0]; i++)
		;
	if (i == ATTACHED_MAX) {	/* the plan's peak check keeps it from here */
		p_err("can't apply: more than %d policies attached in one run", ATTACHED_MAX);
		return -1;
	}
	attach_opts_of(w, name, &o);
	if (attach_policy(&o))
		return -1;
	snprintf(r->attached[i], 16, "%s", name);
	if (i == r->nr_attached)
		r->nr_attached++;
	return 0;
}

/* Forget @name in the undo list: it is the configuration's now */
static void keep_attached(struct apply_run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_attached; i++)
		if (!strcmp(r->attached[i], name))
			r->attached[i][0] = '\0';
}

static int do_one(struct apply_run *r, struct wanted *w)
{
	struct live_policy lp;
	struct attach_opts o;
	int err;

	switch (w->action) {
	case KEEP:
		return 0;
	case ATTACH:
		if (attach_as(r, w, w->name))
			return -1;
		break;
	case SWAP:	/* BPF_LINK_UPDATE: the old or the new, whole */
		attach_opts_of(w, w->name, &o);
		if (swap_policy(&o))
			return -1;
		snprintf(r->kept[r->nr_kept++], 16, "%s", w->name);
		break;
	case REPLACE:	/* make before break: the new one runs before the old goes */
		if (attach_as(r, w, REPLACE_NAME))
			return -1;
		err = detach_policy(w->name, true);
		if (err && live_of(w->name, &lp))
			return -1;	/* the old one still runs: undo drops the stand-in */
		/* from here on a copy of the new one must run, whatever fails */
		keep_attached(r, REPLACE_NAME);
		snprintf(r->kept[r->nr_kept++], 16, "%s", w->name);
		/* err: the old link went, its pins stayed (records not stored) */
		if (err || attach_as(r, w, w->name)) {
			p_err("can't apply: policy %s runs as %s until the next apply", w->name,
			      REPLACE_NAME);
			return -1;
		}
		keep_attached(r, w->name);
		if (detach_policy(REPLACE_NAME, true))
			return -1;
		break;
	}
	err = write_record(r, w);
	if (err)
		p_info("Warning: can't record policy %s in %s: %s (the next apply swaps it)",
		       w->name, r->state, strerror(-err));
	return 0;
}

/* A name list for messages: "a, b" or "none" */
static const char *names_of(char (*names)[16], int n, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		if (names[i][0])
			len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "", names[i]);
	return buf[0] ? buf : "none";
}

/*
 * On a failure: this run's attaches go, in reverse (the gate last). Swaps
 * and replaces done before stay: each policy runs its old or its new
 * configuration whole, and its record says which.
 */
static void undo(struct apply_run *r)
{
	char gone[16 * (SITE_MAX_POLICIES + 2)], kept[16 * (SITE_MAX_POLICIES + 2)];
	/* kept changes with the gate gone would leave a closed device half open */
	bool gate_stays = r->gate && r->nr_kept;
	int i;

	if (gate_stays)
		keep_attached(r, GATE_NAME);
	names_of(r->attached, r->nr_attached, gone, sizeof(gone));
	for (i = r->nr_attached - 1; i >= 0; i--) {
		if (!r->attached[i][0])
			continue;
		if (detach_policy(r->attached[i], true))
			p_err("can't undo: policy %s stays attached", r->attached[i]);
		else if (strcmp(r->attached[i], GATE_NAME))
			drop_record(r, r->attached[i]);
	}
	/* p_err: under -j too (the first error is the step's, this one on stderr) */
	p_err("can't apply: stopped; detached again: %s; changed and kept (each whole, as its "
	      "record in %s says): %s%s", gone, r->state,
	      names_of(r->kept, r->nr_kept, kept, sizeof(kept)), gate_stays ? "; the gate "
	      "stays attached (every RPC EAGAIN) until an apply succeeds" : "");
}

static int attach_gate(struct apply_run *r)
{
	static struct site_policy gate_cfg = { .file = "(gate)" };
	struct wanted gate = { .cfg = &gate_cfg };
	char msg[PATH_MAX + 128];
	int err;

	resolve_object(r, "", GATE_OBJECT, gate.path, sizeof(gate.path));
	err = read_object(&gate, msg, sizeof(msg));
	if (err)
		p_err("can't apply: refusing the gate %s: %s", gate.path, msg);
	else
		err = attach_as(r, &gate, GATE_NAME);
	free(gate.buf);
	return err ? -1 : 0;
}

/*
 * The plan's steps: the gate; attaches (a mid-run failure of the kernel's
 * finds nothing replaced yet); leftovers of an interrupted apply; replaces
 * and swaps; detaches of removed policies; the gate goes last.
 */
static int run_plan(struct apply_run *r)
{
	size_t k;
	int i, ret = 0;

	if (r->gate && !r->gate_live && attach_gate(r))
		return -1;
	for (k = 0; k < sizeof(run_order) / sizeof(run_order[0]); k++) {
		for (i = 0; i < r->nr; i++)
			if (r->w[i].action == run_order[k] && do_one(r, &r->w[i]))
				goto fail;
		for (i = 0; run_order[k] == ATTACH && i < r->nr_leftover; i++)
			if (strcmp(r->leftover[i], GATE_NAME) &&
			    detach_policy(r->leftover[i], true))
				goto fail;
	}
	for (i = 0; i < r->nr; i++)	/* the configuration's, whatever follows */
		keep_attached(r, r->w[i].name);
	/* a removal that fails (its records unstored) does not undo the stack */
	for (i = 0; i < r->nr_removed; i++) {
		if (r->removed[i].live && !r->removed[i].foreign &&
		    detach_policy(r->removed[i].name, true))
			ret = -1;
		else
			drop_record(r, r->removed[i].name);
	}
	if (r->gate && detach_policy(GATE_NAME, true)) {
		p_err("can't apply: the gate stays attached: detach it with \"%s detach %s\"",
		      bin_name, GATE_NAME);
		return -1;
	}
	return ret;
fail:
	undo(r);
	return -1;
}

int apply_attach_file(const char *file, const char *objects, const char *name,
		      unsigned int dev_index)
{
	struct apply_run r = { .objects = objects ?: FWCTL_BPF_POLICY_DIR };
	struct attach_opts o;
	struct wanted w = {};
	char err[PATH_MAX + 512];
	int ret = -1, j;

	if (site_config_load_file(file, &r.cfg, err, sizeof(err))) {
		p_err("can't replay: %s", err);
		return -1;
	}
	w.cfg = &r.cfg.policies[0];
	if (!read_policy(&r, &w)) {
		attach_opts_of(&w, name, &o);
		o.match = MATCH_DEVICE;
		o.dev_index = dev_index;
		o.complain = 0;
		ret = attach_policy(&o);
	}
	bpf_object__close(w.obj);
	free(w.buf);
	for (j = 0; j < SITE_MAX_MAPS; j++) {
		free(w.maps[j].keys);
		free(w.maps[j].values);
	}
	site_config_free(&r.cfg);
	return ret;
}

static int help_apply(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s apply [DIR] [--dry-run] [--objects DIR]\n"
		"\n"
		"Make the attached policies what the files DIR/*.conf (default %s)\n"
		"say: attach the missing, swap the changed (BPF_LINK_UPDATE: no RPC runs\n"
		"unfiltered), set their maps' entries, detach the ones apply attached whose\n"
		"file is gone; leave the rest. A second apply changes nothing.\n"
		"\n"
		"  --dry-run      print the plan, change nothing\n"
		"  --objects DIR  where Object=NAME is found (default %s)\n"
		"\n"
		"A file is one policy (INI, fwctl-bpf(8) and docs/operations.md):\n"
		"  [Policy]\n"
		"  Object=mlx5__opcode_allow     a path, or a name in the objects' directory\n"
		"  Name=opcode_allow             default: the object's\n"
		"  Device=all                    fwctlN or all; or Type=mlx5 (default: the object's)\n"
		"  Priority=1000                 default: the object's\n"
		"  Mode=enforce                  or complain\n"
		"  Set=KNOB=VALUE                repeated\n"
		"  [Map allowed]                 exactly these entries: KEY VALUE\n"
		"  Entry={QUERY_ADAPTER, 0xffff} 1\n"
		"\n"
		"Errors name FILE:LINE and change nothing; records of what apply attached are\n"
		"kept in %s (FWCTL_BPF_STATE_DIR).\n",
		bin_name, SITE_CONFIG_DIR, FWCTL_BPF_POLICY_DIR, STATE_DIR);
	return 0;
}

static int parse_apply_args(int argc, char **argv, struct apply_run *r, const char **dir)
{
	for (; argc > 0; NEXT_ARG()) {
		const char *v;
		bool missing = false;

		if (!strcmp(argv[0], "--dry-run"))
			r->dry_run = true;
		else if ((v = opt_value("--objects", &argc, &argv, &missing)))
			r->objects = v;
		else if (missing)
			return usage_err("can't apply: %s needs a value", argv[0]);
		else if (argv[0][0] == '-')
			return usage_err("can't apply: unknown option %s (see \"%s apply help\")",
					 argv[0], bin_name);
		else if (*dir)
			return usage_err("can't apply: unexpected argument '%s'", argv[0]);
		else
			*dir = argv[0];
	}
	return 0;
}

static void free_run(struct apply_run *r)
{
	int i, j;

	for (i = 0; i < r->nr; i++) {
		bpf_object__close(r->w[i].obj);
		free(r->w[i].buf);
		for (j = 0; j < SITE_MAX_MAPS; j++) {
			free(r->w[i].maps[j].keys);
			free(r->w[i].maps[j].values);
		}
	}
	free(r->w);
	free(r->live);
	site_config_free(&r->cfg);
}

int do_apply(int argc, char **argv)
{
	struct apply_run r = { .objects = FWCTL_BPF_POLICY_DIR, .state = state_dir() };
	const char *dir = NULL;
	char err[PATH_MAX + 512];
	struct device *devs = NULL;
	int ret = -1, lock = -1, i, changes, nr_devs;

	if (argc && is_help(argv[0]))
		return help_apply();
	ret = parse_apply_args(argc, argv, &r, &dir);
	if (ret)
		return ret;
	ret = -1;
	dir = dir ?: SITE_CONFIG_DIR;
	if (check_trusted(dir, NULL, err, sizeof(err))) {
		p_err("can't apply: refusing %s: %s", dir, err);
		return -1;
	}
	if (site_config_load(dir, &r.cfg, err, sizeof(err))) {
		p_err("can't apply: %s; nothing changed", err);
		return -1;
	}
	for (i = 0; i < r.cfg.nr; i++) {
		if (check_trusted(r.cfg.policies[i].file, NULL, err, sizeof(err))) {
			p_err("can't apply: refusing %s: %s", r.cfg.policies[i].file, err);
			goto out;
		}
	}
	if (read_all(&r))
		goto out;
	lock = pin_root_lock("apply", dir);
	if (lock < 0)
		goto out;
	r.state_ok = !state_dir_ok(&r, false);
	r.nr_live = live_policies(&r.live);
	if (r.nr_live < 0) {
		p_err("can't apply: can't list the running policies: %s", strerror(-r.nr_live));
		goto out;
	}
	nr_devs = devices(&devs);
	for (i = 0; i < r.nr; i++)
		plan_policy(&r, &r.w[i]);
	plan_removed(&r);
	r.gate = needs_gate(&r, devs, nr_devs);
	if (check_plan(&r, devs, nr_devs))
		goto out;
	changes = count_changes(&r);
	if (!json_output)
		print_plan(&r);
	ret = 0;
	if (!r.dry_run && changes)
		ret = verify_all(&r) ? -1 : run_plan(&r);
	if (ret)
		goto out;
	if (json_output) {	/* errors are {"error": ...} objects alone */
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "dir", dir);
		jw_bool_field(json_wtr, "dry_run", r.dry_run);
		jw_uint_field(json_wtr, "changes", changes);
		print_plan(&r);
		jw_end_object(json_wtr);
	} else if (r.dry_run) {
		printf("dry run: %d change%s, nothing done\n", changes, changes == 1 ? "" : "s");
	} else {
		printf("%s\n", changes ? "applied" : "nothing to do");
	}
out:
	pin_root_unlock(lock);
	free(devs);
	free_run(&r);
	return ret;
}
