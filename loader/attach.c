// SPDX-License-Identifier: GPL-2.0
/*
 * attach, swap, detach: a policy's life under /sys/fs/bpf/fwctl/NAME/:
 *
 *	link	the struct_ops link; the policy runs while it exists
 *	ops	the fwctl_bpf_ops map the link runs (compare-and-swap anchor)
 *	<map>	every other map, by its name with the object prefix cut
 *		("hook_pol.bss" -> "bss": bpffs refuses '.')
 *
 * attach, swap and detach hold the pin root's lock (pin_root_lock()) from
 * their first look at NAME/ to their last change of it. A swap keeps the
 * live maps: each map of the new object whose pin has the same layout is
 * reused (carry_maps()), the others start fresh.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>

#include "attach.h"
#include "fwctl_audit_common.h"
#include "audit_collect.h"
#include "config.h"
#include "live.h"
#include "main.h"
#include "number.h"
#include "policy.h"

/* A u32 option; 0, or -1 with "WHAT: ..." in @msg */
static int parse_u32(const char *what, const char *s, uint32_t *v, char *msg, size_t size)
{
	uint64_t x;

	if (parse_unsigned(what, s, 0, UINT32_MAX, &x, msg, size))
		return -1;
	*v = x;
	return 0;
}

/* @flags with complain mode set (1), cleared (0) or kept (-1) */
static uint32_t with_mode(uint32_t flags, int complain)
{
	if (complain < 0)
		return flags;
	return complain ? flags | FWCTL_BPF_F_COMPLAIN : flags & ~FWCTL_BPF_F_COMPLAIN;
}

int parse_attach_args(int argc, char **argv, struct attach_opts *o, bool swap)
{
	const char *verb = swap ? "swap" : "attach";
	int positional = 0, matches = 0;

	memset(o, 0, sizeof(*o));
	o->complain = -1;
	for (; argc > 0; NEXT_ARG()) {
		const char *v;
		bool missing = false;

		if ((v = opt_value("--set", &argc, &argv, &missing))) {
			if (o->nr_sets == ATTACH_MAX_SETS)
				return usage_err("can't %s policy: more than %d --set", verb,
						 ATTACH_MAX_SETS);
			o->sets[o->nr_sets++] = v;
		} else if (swap && !strcmp(argv[0], "--fresh")) {
			o->fresh = true;
		} else if (!strcmp(argv[0], "--complain") || !strcmp(argv[0], "--enforce")) {
			bool c = !strcmp(argv[0], "--complain");

			if (o->complain == !c)
				return usage_err("can't %s policy: --complain and --enforce exclude "
						 "each other", verb);
			o->complain = c;
		} else if (!swap && (v = opt_value("--name", &argc, &argv, &missing))) {
			o->name = v;
		} else if (!swap && (v = opt_value("--device", &argc, &argv, &missing))) {
			int idx = parse_device(v);

			if (idx < 0)
				return usage_err("can't attach policy: '%s' is not /dev/fwctl/fwctlN", v);
			o->match = MATCH_DEVICE;
			o->dev_index = idx;
			matches++;
		} else if (!swap && (v = opt_value("--type", &argc, &argv, &missing))) {
			int type = parse_device_type(v);

			if (type < 0)
				return usage_err("can't attach policy: unknown device type '%s' "
						 "(mlx5, cxl, pds, bnxt or a number)", v);
			o->match = MATCH_TYPE;
			o->device_type = type;
			matches++;
		} else if (!swap && (v = opt_value("--prio", &argc, &argv, &missing))) {
			char msg[128];

			if (parse_u32("--prio", v, &o->prio, msg, sizeof(msg)))
				return usage_err("can't attach policy: %s", msg);
			o->has_prio = true;
		} else if (!swap && !strcmp(argv[0], "--all")) {
			o->match = MATCH_ALL;
			matches++;
		} else if (missing) {
			return usage_err("can't %s policy: %s needs a value", verb, argv[0]);
		} else if (argv[0][0] == '-' && argv[0][1]) {
			return usage_err("can't %s policy: unknown option %s (see \"%s %s help\")",
					 verb, argv[0], bin_name, verb);
		} else if (swap && positional == 0) {
			o->name = argv[0];
			positional++;
		} else if (positional == (swap ? 1 : 0)) {
			o->object = argv[0];
			positional++;
		} else {
			return usage_err("can't %s policy: unexpected argument '%s'", verb, argv[0]);
		}
	}
	if (matches > 1)
		return usage_err("can't attach policy: --device, --type and --all exclude each other");
	if (swap && !o->name)
		return usage_err("can't swap policy: NAME and NEW.bpf.o expected");
	if (!o->object)
		return usage_err("can't %s policy: no POLICY.bpf.o given", verb);
	if (o->name && check_policy_name(o->name))
		return usage_err("can't %s policy: invalid name '%s' (1 to 15 letters, digits or _)",
				 verb, o->name);
	return 0;
}

struct bpf_object *policy_open_mem(const char *path, const void *buf, size_t size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[64];

	/* libbpf's name for the file: its internal maps' names start with it */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
	opts.object_name = name;
	return bpf_object__open_mem(buf, size, &opts);
}

/*
 * Open @o's object as a policy (from its bytes if given): exactly one
 * fwctl_bpf_ops struct_ops map.
 */
static struct bpf_object *open_policy(const char *verb, const char *name,
				      const struct attach_opts *o)
{
	const char *path = o->object;
	struct bpf_object *obj = o->obj_buf ? policy_open_mem(path, o->obj_buf, o->obj_size) :
					      bpf_object__open_file(path, NULL);
	struct bpf_map *map;
	int n = 0;

	if (!obj) {
		p_err("can't %s policy %s: can't open %s: %s", verb, name, path, strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, obj)
		n += bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS;
	if (!fwctl_policy_ops_map(obj)) {
		p_err("can't %s policy %s: %s is not a fwctl policy (no struct_ops map of type "
		      "fwctl_bpf_ops)", verb, name, path);
		goto err;
	}
	if (n != 1) {
		p_err("can't %s policy %s: %s has %d struct_ops maps; a policy has exactly one",
		      verb, name, path, n);
		goto err;
	}
	return obj;
err:
	bpf_object__close(obj);
	return NULL;
}

static int apply_sets(const char *verb, const char *path, struct bpf_object *obj,
		      const struct attach_opts *o)
{
	char msg[256], eset[TEXT_ESCAPE_SIZE], emsg[4 * sizeof(msg)];
	int i;

	for (i = 0; i < o->nr_sets; i++) {
		if (policy_set_var(obj, o->sets[i], msg, sizeof(msg))) {
			/* the message quotes the object's names and types */
			p_err("can't %s policy %s: --set %s: %s", verb, path,
			      text_escape(o->sets[i], SIZE_MAX, eset, sizeof(eset)),
			      text_escape(msg, SIZE_MAX, emsg, sizeof(emsg)));
			return -1;
		}
	}
	return 0;
}

static int load_policy(const char *verb, const char *name, struct bpf_object *obj)
{
	int err;

	libbpf_log_reset();
	err = bpf_object__load(obj);
	if (!err)
		return 0;
	if (*load_failure_reason()) {
		char prog[TEXT_ESCAPE_SIZE], why[4 * 512];

		/* both quote the object (the log's last line may be its source) */
		p_err("can't %s policy %s: the verifier rejected program %s: %s (log above)",
		      verb, name, text_escape(load_failure_prog(), SIZE_MAX, prog, sizeof(prog)),
		      text_escape(load_failure_reason(), SIZE_MAX, why, sizeof(why)));
	} else {
		p_err("can't %s policy %s: load failed: %s", verb, name, strerror(-err));
	}
	return -1;
}

/*
 * Every map of a policy and its pin file in NAME/, fixed before loading
 * (bpf_map__reuse_fd() may rename a map to the kernel's truncated name),
 * with what a swap does with it.
 */
#define POLICY_MAX_MAPS 64

struct map_pin {
	struct bpf_map *map;
	char file[64];		/* "ops" for the ops map */
	bool ops;
	bool carried;		/* swap: the pinned map of the same name, reused */
	bool seeded;		/* swap: a new map, the live one's values and new knobs */
	char why[96];		/* swap, not carried: why it starts fresh */
};

struct pin_plan {
	int n;
	struct map_pin maps[POLICY_MAX_MAPS];
};

static int plan_pins(struct bpf_object *obj, struct pin_plan *plan)
{
	struct bpf_map *ops = fwctl_policy_ops_map(obj), *map;

	memset(plan, 0, sizeof(*plan));
	bpf_object__for_each_map(map, obj) {
		struct map_pin *m = &plan->maps[plan->n];

		if (plan->n == POLICY_MAX_MAPS)
			return -E2BIG;
		m->map = map;
		m->ops = map == ops;
		if (m->ops)
			snprintf(m->file, sizeof(m->file), "ops");
		else
			pin_name(m->file, sizeof(m->file), bpf_map__name(map));
		if (!strcmp(m->file, "link") || !strcmp(m->file, "staging"))
			snprintf(m->file, sizeof(m->file), "map_%s", bpf_map__name(map));
		plan->n++;
	}
	return 0;
}

/* Pin every map of @plan in @dir; *@pinned: how many, in plan order. */
static int pin_maps(const struct pin_plan *plan, const char *dir, int *pinned)
{
	char path[PATH_MAX + 64];
	int i;

	*pinned = 0;
	for (i = 0; i < plan->n; i++) {
		const struct map_pin *m = &plan->maps[i];

		if (bpf_map__fd(m->map) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, m->file);
		if (bpf_obj_pin(bpf_map__fd(m->map), path))
			return -errno;
		*pinned = i + 1;
	}
	return 0;
}

/* Undo pin_maps(): only the @pinned first pins, the ones this run made. */
static void unpin_maps(const struct pin_plan *plan, const char *dir, int pinned)
{
	char path[PATH_MAX + 64];
	int i;

	for (i = 0; i < pinned; i++) {
		if (bpf_map__fd(plan->maps[i].map) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, plan->maps[i].file);
		unlink(path);
	}
}

static const char *attach_errstr(int err)
{
	switch (err) {
	case E2BIG:
		return "the kernel holds FWCTL_BPF_MAX_POLICIES (16) policies already";
	case ENODEV:
		return "no such fwctl device";
	case EPERM:
		return "attaching needs CAP_SYS_ADMIN";
	case EINVAL:
		return "the kernel refused the policy's ops (flags, name, device type?)";
	default:
		return strerror(err);
	}
}

static int help_attach(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s attach POLICY.bpf.o [--device /dev/fwctl/fwctlN | --type TYPE | --all]\n"
		"                 [--name NAME] [--prio PRIO] [--complain | --enforce] [--set KEY=VALUE]...\n"
		"\n"
		"Load POLICY.bpf.o, attach its fwctl_bpf_ops and pin the link and the maps\n"
		"under %s/NAME/, so the policy runs until \"%s detach NAME\".\n"
		"\n"
		"  --device DEV   match only /dev/fwctl/fwctlN (FWCTL_BPF_F_DEV_INDEX)\n"
		"  --type TYPE    match every device of a driver: mlx5, cxl, pds, bnxt or a number\n"
		"  --all          match every device\n"
		"                 (default: the match the object's ops declare)\n"
		"  --name NAME    policy and pin name (default: the ops' .name); 1-15 of [A-Za-z0-9_]\n"
		"  --prio PRIO    execution order, ascending (default: the object's)\n"
		"  --complain     complain mode: the policy's rejections become would-reject\n"
		"                 (recorded and counted; the RPC proceeds); it never counts as\n"
		"                 enforcing for a fail-closed device\n"
		"  --enforce      enforcing, even if the object's ops ask for complain mode\n"
		"  --set K=V      set global variable K before loading (see \"inspect\")\n",
		bin_name, pin_root(), bin_name);
	return 0;
}

int attach_policy(const struct attach_opts *o)
{
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	struct pin_plan plan;
	struct bpf_map *ops;
	char name[16], dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	size_t size;
	const char *oname;
	uint32_t *flags;
	int ret = -1, err, lock = -1, pinned = 0;

	obj = open_policy("attach", o->name ? o->name : o->object, o);
	if (!obj)
		return -1;
	ops = fwctl_policy_ops_map(obj);
	oname = fwctl_policy_ops_field(obj, "name", &size);
	snprintf(name, sizeof(name), "%s", o->name ? o->name :
		 (oname && *oname) ? oname : bpf_map__name(ops));
	if (check_policy_name(name)) {
		char e[TEXT_ESCAPE_SIZE];

		p_err("can't attach policy %s: its name '%s' is not 1 to 15 letters, digits or _; "
		      "use --name", o->object, text_escape(name, SIZE_MAX, e, sizeof(e)));
		goto out;
	}
	if (fwctl_policy_set_name(obj, name))
		goto field_err;

	flags = fwctl_policy_ops_field(obj, "flags", &size);
	if (!flags || size != sizeof(*flags))
		goto field_err;
	switch (o->match) {
	case MATCH_DEVICE:
		if (fwctl_policy_set_u32(obj, "flags", *flags | FWCTL_BPF_F_DEV_INDEX) ||
		    fwctl_policy_set_u32(obj, "dev_index", o->dev_index))
			goto field_err;
		break;
	case MATCH_TYPE:
	case MATCH_ALL:
		if (fwctl_policy_set_u32(obj, "flags", *flags & ~FWCTL_BPF_F_DEV_INDEX) ||
		    fwctl_policy_set_u32(obj, "device_type", o->device_type))
			goto field_err;
		break;
	case MATCH_OBJECT:
		break;
	}
	if (o->has_prio && fwctl_policy_set_u32(obj, "prio", o->prio))
		goto field_err;
	if (fwctl_policy_set_u32(obj, "flags", with_mode(*flags, o->complain)))
		goto field_err;
	if (apply_sets("attach", o->object, obj, o))
		goto out;
	if (plan_pins(obj, &plan)) {
		p_err("can't attach policy %s: %s has more than %d maps", name, o->object,
		      POLICY_MAX_MAPS);
		goto out;
	}

	if (pin_path(dir, sizeof(dir), name, NULL) || pin_path(path, sizeof(path), name, "link"))
		goto field_err;
	if (o->dry_run) {	/* the verifier's verdict, nothing attached */
		ret = load_policy("attach", name, obj);
		goto out;
	}
	/* From here to the last pin, no other loader touches the pin tree. */
	lock = pin_root_lock("attach", name);
	if (lock < 0)
		goto out;
	if (!lstat(dir, &st)) {
		p_err("can't attach policy %s: %s exists (policy attached; use swap, or detach it)",
		      name, dir);
		goto out;
	}
	if (load_policy("attach", name, obj))
		goto out;
	if (o->before_link && o->before_link(obj, name, o->ctx))
		goto out;

	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		err = errno;
		p_err("can't attach policy %s: %s", name, attach_errstr(err));
		goto out;
	}
	/* Ours alone: a directory someone else made is not removed below. */
	if (mkdir(dir, 0700)) {
		err = errno;
		p_err("can't attach policy %s: can't create %s: %s (policy detached)", name, dir,
		      strerror(err));
		goto out;
	}
	err = bpf_link__pin(link, path);
	if (!err)
		err = pin_maps(&plan, dir, &pinned);
	if (err) {
		p_err("can't attach policy %s: can't pin in %s: %s (policy detached)", name, dir,
		      strerror(-err));
		unpin_maps(&plan, dir, pinned);
		bpf_link__unpin(link);	/* only if this run pinned it */
		rmdir(dir);
		goto out;
	}

	audit_mark_attached(name);
	if (o->quiet) {
		;
	} else if (json_output) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		bpf_link_get_info_by_fd(bpf_link__fd(link), &li, &len);
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "name", name);
		jw_uint_field(json_wtr, "link_id", li.id);
		jw_uint_field(json_wtr, "map_id", li.struct_ops.map_id);
		jw_string_field(json_wtr, "pinned", dir);
		jw_end_object(json_wtr);
	} else {
		printf("attached policy %s, pinned at %s\n", name, dir);
	}
	ret = 0;
out:
	bpf_link__destroy(link);	/* the pin keeps it */
	bpf_object__close(obj);
	pin_root_unlock(lock);
	return ret;
field_err:
	p_err("can't attach policy %s: can't set its ops: %s", o->object, strerror(errno));
	goto out;
}

int do_attach(int argc, char **argv)
{
	struct attach_opts o;
	int err;

	if (argc && is_help(argv[0]))
		return help_attach();
	err = parse_attach_args(argc, argv, &o, false);
	return err ? err : attach_policy(&o);
}

/* swap */

static int help_swap(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s swap NAME NEW.bpf.o [--set KEY=VALUE]... [--fresh] [--complain | --enforce]\n"
		"\n"
		"Replace the running policy NAME by NEW.bpf.o in one step (BPF_LINK_UPDATE on\n"
		"its pinned link, compare-and-swap against the map pinned as %s/NAME/ops).\n"
		"The new policy takes NAME's name, device match, prio and flags (complain mode\n"
		"too, unless --complain or --enforce switches it). On any failure\n"
		"(open, verifier, kernel refusal) the old policy stays attached, unchanged.\n"
		"\n"
		"The new policy keeps the live maps: each map of NEW.bpf.o whose pin in NAME/\n"
		"has the same type, key and value size, max_entries, flags and (.data, .bss)\n"
		"variables is the very same map afterwards, entries, audit ring and counters\n"
		"included; the others, .rodata and .kconfig start from the object.\n"
		"\n"
		"  --set K=V   set global variable K; a .data/.bss map that would carry is a new\n"
		"              copy of the live one with K's new value (the old policy's map is\n"
		"              never written), the other variables keep theirs\n"
		"  --fresh     carry nothing: every map starts from the object\n"
		"  --complain  the new policy in complain mode (rejections become would-reject)\n"
		"  --enforce   the new policy enforcing (complain mode off)\n",
		bin_name, pin_root());
	return 0;
}

static const char *swap_errstr(int err)
{
	switch (err) {
	case EPERM:
		return "the policy changed since it was pinned (compare-and-swap failed), "
		       "or CAP_SYS_ADMIN is missing";
	case EINVAL:
		return "the kernel refused the replacement (another device match, prio or flags?)";
	case ENODEV:
		return "the policy's device is gone";
	default:
		return strerror(err);
	}
}

/* Maps whose content is the verifier's input: a swap is how they change. */
static bool is_frozen_map(const struct bpf_map *map)
{
	const char *sec = strchr(bpf_map__name(map), '.');

	return bpf_map__is_internal(map) && sec &&
	       (!strncmp(sec, ".rodata", 7) || !strcmp(sec, ".kconfig"));
}

/* The DATASEC of an internal map (.data, .bss, ...) in @btf, or NULL */
static const struct btf_type *datasec_of(const struct btf *btf, __u32 type_id)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, type_id) : NULL;

	return t && btf_is_datasec(t) ? t : NULL;
}

/* Same variables (name, offset, size) in the pinned map's BTF and the object's? */
static bool same_variables(const struct btf *obtf, const struct btf_type *osec,
			   const struct btf *pbtf, const struct btf_type *psec)
{
	const struct btf_var_secinfo *ov = btf_var_secinfos(osec), *pv = btf_var_secinfos(psec);
	int i;

	if (btf_vlen(osec) != btf_vlen(psec))
		return false;
	for (i = 0; i < btf_vlen(osec); i++, ov++, pv++) {
		const struct btf_type *a = btf__type_by_id(obtf, ov->type);
		const struct btf_type *b = btf__type_by_id(pbtf, pv->type);

		if (!a || !b || ov->offset != pv->offset || ov->size != pv->size ||
		    strcmp(btf__name_by_offset(obtf, a->name_off),
			   btf__name_by_offset(pbtf, b->name_off)))
			return false;
	}
	return true;
}

/* The first difference between the pinned map @pi and the new @map, in @why */
static bool layout_differs(struct bpf_object *obj, const struct bpf_map *map,
			   const struct bpf_map_info *pi, char *why, size_t size)
{
	const struct btf_type *osec, *psec;
	struct btf *pbtf;
	bool same;

	if (pi->type != bpf_map__type(map))
		snprintf(why, size, "type %s -> %s", libbpf_bpf_map_type_str(pi->type),
			 libbpf_bpf_map_type_str(bpf_map__type(map)));
	else if (pi->key_size != bpf_map__key_size(map))
		snprintf(why, size, "key_size %u -> %u", pi->key_size, bpf_map__key_size(map));
	else if (pi->value_size != bpf_map__value_size(map))
		snprintf(why, size, "value_size %u -> %u", pi->value_size,
			 bpf_map__value_size(map));
	else if (pi->max_entries != bpf_map__max_entries(map))
		snprintf(why, size, "max_entries %u -> %u", pi->max_entries,
			 bpf_map__max_entries(map));
	else if (pi->map_flags != bpf_map__map_flags(map))
		snprintf(why, size, "map_flags 0x%x -> 0x%x", pi->map_flags,
			 bpf_map__map_flags(map));
	else if (pi->map_extra != bpf_map__map_extra(map))
		snprintf(why, size, "map_extra 0x%llx -> 0x%llx",
			 (unsigned long long)pi->map_extra,
			 (unsigned long long)bpf_map__map_extra(map));
	else
		why[0] = '\0';
	if (why[0] || !bpf_map__is_internal(map))
		return why[0];

	/* .data/.bss: the same size is not the same variables */
	osec = datasec_of(bpf_object__btf(obj), bpf_map__btf_value_type_id(map));
	pbtf = pi->btf_id ? btf__load_from_kernel_by_id(pi->btf_id) : NULL;
	psec = datasec_of(pbtf, pi->btf_value_type_id);
	same = osec && psec && same_variables(bpf_object__btf(obj), osec, pbtf, psec);
	btf__free(pbtf);
	if (!same)
		snprintf(why, size, "variables changed");
	return !same;
}

/*
 * Can @m reuse its pin in @dir (the new map's layout)? If not, say why;
 * if it can and @reuse, reuse it.
 */
static bool carry_map(struct bpf_object *obj, struct map_pin *m, const char *dir, bool reuse)
{
	bool can = false;
	struct bpf_map_info pi = {};
	__u32 len = sizeof(pi);
	char path[PATH_MAX + 64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	if (lstat(path, &st)) {
		snprintf(m->why, sizeof(m->why), "new");
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(m->why, sizeof(m->why), "%s is not a pin",
			 S_ISLNK(st.st_mode) ? "a symlink" : "it");
		return false;
	}
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_get_info_by_fd(fd, &pi, &len)) {
		snprintf(m->why, sizeof(m->why), "the pin is not a map");
	} else if (!layout_differs(obj, m->map, &pi, m->why, sizeof(m->why))) {
		can = true;
		if (reuse && bpf_map__reuse_fd(m->map, fd)) {
			snprintf(m->why, sizeof(m->why), "can't reuse it: %s", strerror(errno));
			can = false;
		} else if (reuse) {
			m->carried = true;
		}
	}
	if (fd >= 0)
		close(fd);
	return can;
}

/* Why @m starts fresh in any case, or NULL if it may carry */
static const char *never_carries(const struct map_pin *m, const struct attach_opts *o)
{
	int i;

	if (o->fresh)
		return "--fresh";
	for (i = 0; i < o->nr_fresh_maps; i++)
		if (!strcmp(bpf_map__name(m->map), o->fresh_maps[i]))
			return "its entries are the configuration's";
	if (is_frozen_map(m->map))
		return "read-only";
	if (bpf_map__type(m->map) == BPF_MAP_TYPE_PROG_ARRAY)
		return "program array";
	return NULL;
}

static struct map_pin *plan_find(struct pin_plan *plan, const char *map_name)
{
	int i;

	for (i = 0; i < plan->n; i++)
		if (!strcmp(bpf_map__name(plan->maps[i].map), map_name))
			return &plan->maps[i];
	return NULL;
}

/*
 * A recorder's ring and counters: both carry or neither, or a new ring
 * would inherit the old one's record count (or an old ring new counters)
 * and the audit accounting of both would break.
 */
static void carry_recorder(struct bpf_object *obj, struct map_pin *ring, struct map_pin *stats,
			   const char *dir, const struct attach_opts *o)
{
	const char *why = never_carries(ring, o) ?: never_carries(stats, o);
	bool r, c;

	if (why) {
		snprintf(ring->why, sizeof(ring->why), "%s", why);
		snprintf(stats->why, sizeof(stats->why), "%s", why);
		return;
	}
	r = carry_map(obj, ring, dir, false);
	c = carry_map(obj, stats, dir, false);
	if (r && c && carry_map(obj, ring, dir, true) && carry_map(obj, stats, dir, true))
		return;
	if (ring->carried)	/* the stats' reuse failed after the ring's: can't undo */
		return;
	if (r)
		snprintf(ring->why, sizeof(ring->why), "its counters are new");
	if (c)
		snprintf(stats->why, sizeof(stats->why), "its ring is new");
}

/*
 * Before the load: every map of the new object but its ops map, .rodata
 * and .kconfig reuses the map pinned under its pin name in @dir when the
 * layout matches, so the new policy runs on the live entries, ring and
 * counters; program arrays never carry (their entries are the old
 * object's programs); a recorder's ring and counters carry together.
 */
static void carry_maps(struct bpf_object *obj, struct pin_plan *plan, const char *dir,
		       const struct attach_opts *o)
{
	struct map_pin *ring = plan_find(plan, FWCTL_AUDIT_RING_MAP);
	struct map_pin *stats = plan_find(plan, FWCTL_AUDIT_STATS_MAP);
	const char *why;
	int i;

	if (ring && stats)
		carry_recorder(obj, ring, stats, dir, o);
	for (i = 0; i < plan->n; i++) {
		struct map_pin *m = &plan->maps[i];

		if (m->ops || m->seeded || (ring && stats && (m == ring || m == stats)))
			continue;
		why = never_carries(m, o);
		if (why)
			snprintf(m->why, sizeof(m->why), "%s", why);
		else
			carry_map(obj, m, dir, true);
	}
}

/*
 * A --set of a variable in a map that would carry: the object's initial
 * value does not reach a reused map, so the map is a copy of the live one
 * with the variable's bytes (seed_map()).
 */
struct set_write {
	struct map_pin *pin;
	const char *key;
	size_t off, size;
	unsigned char value[256];
};

/*
 * After apply_sets(), before carry_maps() renames anything: each --set,
 * and each of apply's resets (a knob no longer set: the object's value).
 */
static int plan_set_writes(struct bpf_object *obj, struct pin_plan *plan,
			   const struct attach_opts *o, struct set_write *w)
{
	int i, n = 0;

	for (i = 0; i < o->nr_sets + o->nr_resets; i++) {
		const char *what = i < o->nr_sets ? o->sets[i] : o->resets[i - o->nr_sets];
		struct policy_var var;
		char key[128];
		void *base;
		size_t size;

		snprintf(key, sizeof(key), "%.*s", (int)strcspn(what, "="), what);
		if (policy_find_var(obj, key, &var) || var.read_only ||
		    var.size > sizeof(w->value))
			continue;
		w[n].pin = plan_find(plan, var.map_name);
		base = w[n].pin ? bpf_map__initial_value(w[n].pin->map, &size) : NULL;
		if (!base)
			continue;
		w[n].key = what;
		w[n].off = (char *)var.data - (char *)base;
		w[n].size = var.size;
		memcpy(w[n].value, var.data, var.size);
		n++;
	}
	return n;
}

/*
 * @m, a map with knobs to set, starts as a copy of its live map with the
 * knobs' bytes changed: the old policy's map is never written, so until the
 * link update the old policy runs with its own values and after it the new
 * one with the new (what the old one stores in it in between is not
 * copied). A missing or other-layout live map: the object's values.
 */
static void seed_map(struct bpf_object *obj, struct map_pin *m, const char *dir,
		     const struct set_write *w, int n)
{
	struct bpf_map_info pi = {};
	__u32 len = sizeof(pi), zero = 0;
	char path[PATH_MAX + 64];
	unsigned char *buf = NULL;
	struct stat st;
	size_t size;
	int i, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	if (lstat(path, &st) || !S_ISREG(st.st_mode) || !bpf_map__initial_value(m->map, &size))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_get_info_by_fd(fd, &pi, &len) ||
	    layout_differs(obj, m->map, &pi, m->why, sizeof(m->why)) || pi.value_size != size)
		goto out;
	buf = malloc(size);
	if (!buf || bpf_map_lookup_elem(fd, &zero, buf))
		goto out;
	for (i = 0; i < n; i++)
		if (w[i].pin == m)
			memcpy(buf + w[i].off, w[i].value, w[i].size);
	if (!bpf_map__set_initial_value(m->map, buf, size)) {
		m->seeded = true;
		snprintf(m->why, sizeof(m->why), "the live values, with the new knobs");
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
}

static void seed_knob_maps(struct bpf_object *obj, const char *dir, struct set_write *w, int n,
			   const struct attach_opts *o)
{
	int i;

	for (i = 0; i < n && !o->fresh; i++)
		if (!w[i].pin->seeded)
			seed_map(obj, w[i].pin, dir, w, n);
}

/*
 * Move the new pins from NAME/staging into NAME/, drop the old policy's
 * pins the new object has no map for. Through directory fds, never
 * following a symlink (rename and unlink never follow the last one).
 */
static void commit_pins(const char *dir)
{
	struct dirent *de;
	struct stat st;
	int dfd, sfd;
	DIR *d;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sfd = dfd < 0 ? -1 : openat(dfd, "staging", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC);
	if (sfd < 0) {
		p_info("Warning: can't open %s/staging: %s", dir, strerror(errno));
		goto out;
	}
	d = fdopendir(dup(dfd));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "link") ||
		    !strcmp(de->d_name, "staging"))
			continue;
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
			unlinkat(dfd, de->d_name, 0);	/* the new object has no such map */
	}
	if (d)
		closedir(d);
	d = fdopendir(dup(sfd));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (renameat(sfd, de->d_name, dfd, de->d_name))
			p_info("Warning: can't move pin %s/staging/%s to %s/%s: %s", dir,
			       de->d_name, dir, de->d_name, strerror(errno));
	}
	if (d)
		closedir(d);
	unlinkat(dfd, "staging", AT_REMOVEDIR);
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
}

static void print_swap(const char *name, uint32_t link_id, const struct live_policy *old,
		       const struct live_policy *new, const struct pin_plan *plan)
{
	int i, n;

	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "name", name);
		jw_uint_field(json_wtr, "link_id", link_id);
		jw_uint_field(json_wtr, "old_map_id", old->map_id);
		jw_uint_field(json_wtr, "map_id", new->map_id);
		jw_name(json_wtr, "carried");
		jw_start_array(json_wtr);
		for (i = 0; i < plan->n; i++)
			if (plan->maps[i].carried)
				jw_string(json_wtr, plan->maps[i].file);
		jw_end_array(json_wtr);
		jw_name(json_wtr, "fresh");
		jw_start_array(json_wtr);
		for (i = 0; i < plan->n; i++) {
			if (plan->maps[i].ops || plan->maps[i].carried)
				continue;
			jw_start_object(json_wtr);
			jw_string_field(json_wtr, "map", plan->maps[i].file);
			jw_string_field(json_wtr, "reason", plan->maps[i].why);
			jw_end_object(json_wtr);
		}
		jw_end_array(json_wtr);
		jw_end_object(json_wtr);
		return;
	}
	printf("swapped policy %s: map %u -> %u", name, old->map_id, new->map_id);
	for (i = 0, n = 0; i < plan->n; i++)
		if (plan->maps[i].carried)
			printf("%s%s", n++ ? ", " : "; carried: ", plan->maps[i].file);
	for (i = 0, n = 0; i < plan->n; i++)
		if (!plan->maps[i].ops && !plan->maps[i].carried)
			printf("%s%s (%s)", n++ ? ", " : "; fresh: ", plan->maps[i].file,
			       plan->maps[i].why);
	printf("\n");
}

/* Does the swap give recorder @name a new ring (so the old one's pin goes)? */
static bool ring_replaced(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, FWCTL_AUDIT_RING_MAP);
	struct bpf_map_info a = {}, b = {};
	__u32 len = sizeof(a);
	char path[PATH_MAX];
	int fd;
	bool replaced;

	if (pin_path(path, sizeof(path), name, FWCTL_AUDIT_RING_MAP))
		return true;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;	/* it was no recorder */
	replaced = !map || bpf_map_get_info_by_fd(fd, &a, &len) ||
		   bpf_map_get_info_by_fd(bpf_map__fd(map), &b, &(__u32){ sizeof(b) }) ||
		   a.id != b.id;
	close(fd);
	return replaced;
}

int swap_policy(const struct attach_opts *o)
{
	LIBBPF_OPTS(bpf_link_update_opts, uopts, .flags = BPF_F_REPLACE);
	struct live_policy old = {}, new = {};
	struct set_write writes[2 * ATTACH_MAX_SETS];
	struct pin_plan plan;
	struct bpf_object *obj = NULL;
	char dir[PATH_MAX], path[PATH_MAX], staging[PATH_MAX], msg[PATH_MAX + 128];
	uint32_t link_id, map_id;
	int link_fd = -1, old_fd = -1, ret = -1, err, lock, nr_writes, pinned;
	bool staged = false, replaced;

	if (pin_path(dir, sizeof(dir), o->name, NULL) ||
	    pin_path(path, sizeof(path), o->name, "link") ||
	    pin_path(staging, sizeof(staging), o->name, "staging")) {
		p_err("can't swap policy %s: path too long", o->name);
		return -1;
	}
	/* The whole swap, from reading the link to the last rename */
	lock = pin_root_lock("swap", o->name);
	if (lock < 0)
		return -1;
	err = check_pin_dir(dir, msg, sizeof(msg));
	if (err && err != -ENOENT) {
		p_err("can't swap policy %s: %s", o->name, msg);
		goto out;
	}
	link_fd = live_link_open(path, &link_id, &map_id);
	if (link_fd < 0) {
		p_err("can't swap policy %s: no policy link at %s: %s", o->name, path,
		      strerror(-link_fd));
		goto out;
	}
	/* The map we expect to replace: the one pinned with the policy. */
	pin_path(path, sizeof(path), o->name, "ops");
	old_fd = bpf_obj_get(path);
	if (old_fd < 0)
		old_fd = bpf_map_get_fd_by_id(map_id);	/* pinned by bpftool: no "ops" */
	if (old_fd < 0 || (err = live_policy_read_map(old_fd, &old))) {
		p_err("can't swap policy %s: can't read the running policy: %s", o->name,
		      strerror(old_fd < 0 ? errno : -err));
		goto out;
	}

	obj = open_policy("swap", o->name, o);
	if (!obj)
		goto out;
	/* The new policy inherits the old one's name and match. */
	if (fwctl_policy_set_name(obj, old.name[0] ? old.name : o->name) ||
	    fwctl_policy_set_u32(obj, "device_type", old.device_type) ||
	    fwctl_policy_set_u32(obj, "dev_index", old.dev_index) ||
	    fwctl_policy_set_u32(obj, "prio", old.prio) ||
	    fwctl_policy_set_u32(obj, "flags", with_mode(old.flags, o->complain))) {
		p_err("can't swap policy %s: can't set the new ops: %s", o->name, strerror(errno));
		goto out;
	}
	if (apply_sets("swap", o->object, obj, o))
		goto out;
	if (plan_pins(obj, &plan)) {
		p_err("can't swap policy %s: %s has more than %d maps", o->name, o->object,
		      POLICY_MAX_MAPS);
		goto out;
	}
	nr_writes = plan_set_writes(obj, &plan, o, writes);
	seed_knob_maps(obj, dir, writes, nr_writes, o);
	carry_maps(obj, &plan, dir, o);
	if (load_policy("swap", o->name, obj))
		goto out;
	err = fwctl_policy_write_value(obj);
	if (err) {
		p_err("can't swap policy %s: the kernel refused the new ops: %s", o->name,
		      strerror(-err));
		goto out;
	}
	err = remove_pin_dir(staging);	/* left by an interrupted swap */
	if (err && err != -ENOENT) {
		p_err("can't swap policy %s: can't remove %s: %s%s", o->name, staging,
		      strerror(-err), err == -ELOOP ? " (a symlink: not followed)" : "");
		goto out;
	}
	staged = true;
	err = mkdir(staging, 0700) ? -errno : 0;
	if (err)
		staged = false;		/* not ours */
	if (!err)
		err = pin_maps(&plan, staging, &pinned);
	if (err) {
		p_err("can't swap policy %s: can't pin in %s: %s", o->name, staging, strerror(-err));
		goto out;
	}
	if (o->before_link && o->before_link(obj, o->name, o->ctx))
		goto out;

	/*
	 * A new ring: the old one's records reach the store now, or nothing
	 * changes; those of the RPCs until the update, after it.
	 */
	replaced = ring_replaced(obj, o->name);
	if (replaced && audit_handover(o->name, false)) {
		p_err("can't swap policy %s: the unread records of its audit ring could not be "
		      "stored (run \"%s audit collect\"): nothing changed", o->name, bin_name);
		goto out;
	}
	uopts.old_map_fd = old_fd;
	err = bpf_link_update(link_fd, bpf_map__fd(fwctl_policy_ops_map(obj)), &uopts);
	if (err) {
		p_err("can't swap policy %s: %s", o->name, swap_errstr(-err));
		goto out;
	}
	staged = false;
	if (replaced && audit_handover(o->name, true))
		p_info("Warning: records of policy %s's old audit ring written during the swap "
		       "are lost with its pin", o->name);
	commit_pins(dir);
	audit_mark_attached(o->name);
	live_policy_read_map(bpf_map__fd(fwctl_policy_ops_map(obj)), &new);
	if (!o->quiet)
		print_swap(o->name, link_id, &old, &new, &plan);
	ret = 0;
out:
	if (staged)
		remove_pin_dir(staging);
	bpf_object__close(obj);
	if (old_fd >= 0)
		close(old_fd);
	if (link_fd >= 0)
		close(link_fd);
	pin_root_unlock(lock);
	return ret;
}

int do_swap(int argc, char **argv)
{
	struct attach_opts o;
	int err;

	if (argc && is_help(argv[0]))
		return help_swap();
	err = parse_attach_args(argc, argv, &o, true);
	return err ? err : swap_policy(&o);
}

/* detach */

static int help_detach(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s detach NAME\n"
		"       %s detach id LINK_ID\n"
		"\n"
		"Detach a policy (BPF_LINK_DETACH: it stops at once, even if someone else\n"
		"holds its link) and remove its pins, %s/NAME/. \"id\" detaches\n"
		"any policy link, e.g. one registered by bpftool.\n",
		bin_name, bin_name, pin_root());
	return 0;
}

/*
 * Detach the link @fd (if >= 0; closed) of @what, then store its recorder's
 * unread records and remove its pins @dir ("" for a bare link).
 */
static int detach_link(int fd, const char *what, const char *dir, uint32_t link_id, bool quiet)
{
	int err;

	if (fd >= 0) {
		err = bpf_link_detach(fd) ? -errno : 0;
		close(fd);
		if (err) {
			p_err("can't detach policy %s: %s", what, strerror(-err));
			return -1;
		}
	}
	if (dir[0]) {
		/* a recorder's unread records, before its pin goes; or the pin stays */
		err = audit_handover(what, true);
		if (err) {
			p_err("can't detach policy %s: detached, but its audit ring keeps records "
			      "not yet stored: %s stays pinned (run \"%s audit collect\", then "
			      "detach %s again)", what, dir, bin_name, what);
			return -1;
		}
		err = remove_pin_dir(dir);
		if (err) {
			p_err("can't detach policy %s: detached, but can't remove %s: %s",
			      what, dir, strerror(-err));
			return -1;
		}
	}
	if (quiet)
		return 0;
	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "name", what);
		jw_uint_field(json_wtr, "link_id", link_id);
		jw_end_object(json_wtr);
	} else {
		printf("detached policy %s\n", what);
	}
	return 0;
}

int detach_policy(const char *name, bool quiet)
{
	char dir[PATH_MAX], path[PATH_MAX], msg[PATH_MAX + 128];
	uint32_t link_id = 0;
	int fd, err, lock, ret = -1;

	if (check_policy_name(name))
		return usage_err("can't detach policy: invalid name '%s'", name);
	pin_path(dir, sizeof(dir), name, NULL);
	pin_path(path, sizeof(path), name, "link");
	/* Held to the last pin removed: an attach or swap of NAME waits. */
	lock = pin_root_lock("detach", name);
	if (lock < 0)
		return -1;
	err = check_pin_dir(dir, msg, sizeof(msg));
	if (err == -ENOENT) {
		p_err("can't detach policy %s: not attached (no %s)", name, dir);
		goto out;
	}
	if (err) {
		p_err("can't detach policy %s: %s", name, msg);
		goto out;
	}
	fd = live_link_open(path, &link_id, NULL);
	if (fd < 0 && fd != -ENOENT) {
		p_err("can't detach policy %s: %s: %s", name, path, strerror(-fd));
		goto out;
	}
	ret = detach_link(fd, name, dir, link_id, quiet);
out:
	pin_root_unlock(lock);
	return ret;
}

int do_detach(int argc, char **argv)
{
	char what[64], msg[128];
	uint32_t link_id = 0;
	int fd;

	if (argc && is_help(argv[0]))
		return help_detach();
	if (argc == 1)
		return detach_policy(argv[0], false);
	if (argc != 2 || strcmp(argv[0], "id"))
		return usage_err("can't detach policy: NAME or \"id LINK_ID\" expected");
	if (parse_u32("link id", argv[1], &link_id, msg, sizeof(msg)))
		return usage_err("can't detach policy: %s", msg);
	fd = bpf_link_get_fd_by_id(link_id);
	snprintf(what, sizeof(what), "link %u", link_id);
	if (fd < 0) {
		p_err("can't detach policy %s: %s", what, strerror(errno));
		return -1;
	}
	return detach_link(fd, what, "", link_id, false);
}
