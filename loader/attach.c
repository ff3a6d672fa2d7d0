// SPDX-License-Identifier: GPL-2.0
/*
 * attach, swap, detach: a policy's life under /sys/fs/bpf/fwctl/NAME/:
 *
 *	link	the struct_ops link; the policy runs while it exists
 *	ops	the fwctl_bpf_ops map the link runs (compare-and-swap anchor)
 *	<map>	every other map, by its name with the object prefix cut
 *		("hook_pol.bss" -> "bss": bpffs refuses '.')
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>

#include "attach.h"
#include "audit_collect.h"
#include "config.h"
#include "live.h"
#include "main.h"
#include "policy.h"

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (!*s || *end || errno || x > UINT32_MAX || *s == '-')
		return -1;
	*v = x;
	return 0;
}

/* "--opt VALUE" or "--opt=VALUE"; NULL if @arg is not --opt */
static const char *opt_value(const char *opt, int *argc, char ***argv, bool *missing)
{
	const char *a = (*argv)[0];
	size_t n = strlen(opt);

	*missing = false;
	if (strncmp(a, opt, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*argc < 2) {
		*missing = true;
		return NULL;
	}
	(*argc)--;
	(*argv)++;
	return (*argv)[0];
}

int parse_attach_args(int argc, char **argv, struct attach_opts *o, bool swap)
{
	const char *verb = swap ? "swap" : "attach";
	int positional = 0, matches = 0;

	memset(o, 0, sizeof(*o));
	for (; argc > 0; NEXT_ARG()) {
		const char *v;
		bool missing;

		if ((v = opt_value("--set", &argc, &argv, &missing))) {
			if (o->nr_sets == ATTACH_MAX_SETS)
				return usage_err("can't %s policy: more than %d --set", verb,
						 ATTACH_MAX_SETS);
			o->sets[o->nr_sets++] = v;
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
			if (parse_u32(v, &o->prio))
				return usage_err("can't attach policy: invalid prio '%s'", v);
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

/* Open @path as a policy: exactly one fwctl_bpf_ops struct_ops map. */
static struct bpf_object *open_policy(const char *verb, const char *name, const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
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
	char msg[256];
	int i;

	for (i = 0; i < o->nr_sets; i++) {
		if (policy_set_var(obj, o->sets[i], msg, sizeof(msg))) {
			p_err("can't %s policy %s: --set %s: %s", verb, path, o->sets[i], msg);
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
	if (*load_failure_reason())
		p_err("can't %s policy %s: the verifier rejected program %s: %s (log above)",
		      verb, name, load_failure_prog(), load_failure_reason());
	else
		p_err("can't %s policy %s: load failed: %s", verb, name, strerror(-err));
	return -1;
}

/* Pin every map of @obj in @dir; the ops map as "ops". */
static int pin_maps(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *ops = fwctl_policy_ops_map(obj), *map;
	char path[PATH_MAX], file[64];

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__fd(map) < 0)
			continue;
		if (map == ops)
			snprintf(file, sizeof(file), "ops");
		else
			pin_name(file, sizeof(file), bpf_map__name(map));
		if (!strcmp(file, "link") || !strcmp(file, "staging"))
			snprintf(file, sizeof(file), "map_%s", bpf_map__name(map));
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return -errno;
	}
	return 0;
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
		"                 [--name NAME] [--prio PRIO] [--set KEY=VALUE]...\n"
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
		"  --set K=V      set global variable K before loading (see \"inspect\")\n",
		bin_name, pin_root(), bin_name);
	return 0;
}

int do_attach(int argc, char **argv)
{
	struct attach_opts o;
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	struct bpf_map *ops;
	char name[16], dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	size_t size;
	const char *oname;
	uint32_t *flags;
	int ret = -1, err;

	if (argc && is_help(argv[0]))
		return help_attach();
	err = parse_attach_args(argc, argv, &o, false);
	if (err)
		return err;

	obj = open_policy("attach", o.name ? o.name : o.object, o.object);
	if (!obj)
		return -1;
	ops = fwctl_policy_ops_map(obj);
	oname = fwctl_policy_ops_field(obj, "name", &size);
	snprintf(name, sizeof(name), "%s", o.name ? o.name :
		 (oname && *oname) ? oname : bpf_map__name(ops));
	if (check_policy_name(name)) {
		p_err("can't attach policy %s: its name '%s' is not 1 to 15 letters, digits or _; "
		      "use --name", o.object, name);
		goto out;
	}
	if (fwctl_policy_set_name(obj, name))
		goto field_err;

	flags = fwctl_policy_ops_field(obj, "flags", &size);
	if (!flags || size != sizeof(*flags))
		goto field_err;
	switch (o.match) {
	case MATCH_DEVICE:
		if (fwctl_policy_set_u32(obj, "flags", *flags | FWCTL_BPF_F_DEV_INDEX) ||
		    fwctl_policy_set_u32(obj, "dev_index", o.dev_index))
			goto field_err;
		break;
	case MATCH_TYPE:
	case MATCH_ALL:
		if (fwctl_policy_set_u32(obj, "flags", *flags & ~FWCTL_BPF_F_DEV_INDEX) ||
		    fwctl_policy_set_u32(obj, "device_type", o.device_type))
			goto field_err;
		break;
	case MATCH_OBJECT:
		break;
	}
	if (o.has_prio && fwctl_policy_set_u32(obj, "prio", o.prio))
		goto field_err;
	if (apply_sets("attach", o.object, obj, &o))
		goto out;

	if (pin_path(dir, sizeof(dir), name, NULL))
		goto field_err;
	if (!stat(dir, &st)) {
		p_err("can't attach policy %s: %s exists (policy attached; use swap, or detach it)",
		      name, dir);
		goto out;
	}
	if (load_policy("attach", name, obj))
		goto out;

	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		err = errno;
		p_err("can't attach policy %s: %s", name, attach_errstr(err));
		goto out;
	}
	err = mkdir_p(dir);
	if (!err && pin_path(path, sizeof(path), name, "link"))
		err = -ENAMETOOLONG;
	if (!err)
		err = bpf_link__pin(link, path);
	if (!err)
		err = pin_maps(obj, dir);
	if (err) {
		p_err("can't attach policy %s: can't pin in %s: %s (policy detached)", name, dir,
		      strerror(-err));
		bpf_link__unpin(link);
		remove_pin_dir(dir);
		goto out;
	}

	audit_mark_attached(name);
	if (json_output) {
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
	return ret;
field_err:
	p_err("can't attach policy %s: can't set its ops: %s", o.object, strerror(errno));
	goto out;
}

/* swap */

static int help_swap(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s swap NAME NEW.bpf.o [--set KEY=VALUE]...\n"
		"\n"
		"Replace the running policy NAME by NEW.bpf.o in one step (BPF_LINK_UPDATE on\n"
		"its pinned link, compare-and-swap against the map pinned as %s/NAME/ops).\n"
		"The new policy takes NAME's name, device match, prio and flags. On any failure\n"
		"(open, verifier, kernel refusal) the old policy stays attached, unchanged.\n",
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

/* Move the new pins from @staging into @dir, drop the old policy's. */
static void commit_pins(const char *dir, const char *staging)
{
	char from[PATH_MAX + NAME_MAX + 2], to[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "link") ||
		    !strcmp(de->d_name, "staging"))
			continue;
		snprintf(to, sizeof(to), "%s/%s", dir, de->d_name);
		snprintf(from, sizeof(from), "%s/%s", staging, de->d_name);
		if (access(from, F_OK))
			unlink(to);	/* the new object has no such map */
	}
	if (d)
		closedir(d);
	d = opendir(staging);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", staging, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, de->d_name);
		if (rename(from, to))
			p_info("Warning: can't move pin %s to %s: %s", from, to, strerror(errno));
	}
	if (d)
		closedir(d);
	rmdir(staging);
}

/* Does the swap give recorder @name a new ring (so the old one's pin goes)? */
static bool ring_replaced(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "fwctl_audit");
	struct bpf_map_info a = {}, b = {};
	__u32 len = sizeof(a);
	char path[PATH_MAX];
	int fd;
	bool replaced;

	if (pin_path(path, sizeof(path), name, "fwctl_audit"))
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

int do_swap(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_link_update_opts, uopts, .flags = BPF_F_REPLACE);
	struct live_policy old = {}, new = {};
	struct attach_opts o;
	struct bpf_object *obj = NULL;
	char dir[PATH_MAX], path[PATH_MAX], staging[PATH_MAX];
	uint32_t link_id, map_id;
	int link_fd = -1, old_fd = -1, ret = -1, err;
	bool staged = false;

	if (argc && is_help(argv[0]))
		return help_swap();
	err = parse_attach_args(argc, argv, &o, true);
	if (err)
		return err;

	if (pin_path(dir, sizeof(dir), o.name, NULL) ||
	    pin_path(path, sizeof(path), o.name, "link") ||
	    pin_path(staging, sizeof(staging), o.name, "staging")) {
		p_err("can't swap policy %s: path too long", o.name);
		return -1;
	}
	link_fd = live_link_open(path, &link_id, &map_id);
	if (link_fd < 0) {
		p_err("can't swap policy %s: no policy link at %s: %s", o.name, path,
		      strerror(-link_fd));
		return -1;
	}
	/* The map we expect to replace: the one pinned with the policy. */
	pin_path(path, sizeof(path), o.name, "ops");
	old_fd = bpf_obj_get(path);
	if (old_fd < 0)
		old_fd = bpf_map_get_fd_by_id(map_id);	/* pinned by bpftool: no "ops" */
	if (old_fd < 0 || (err = live_policy_read_map(old_fd, &old))) {
		p_err("can't swap policy %s: can't read the running policy: %s", o.name,
		      strerror(old_fd < 0 ? errno : -err));
		goto out;
	}

	obj = open_policy("swap", o.name, o.object);
	if (!obj)
		goto out;
	/* The new policy inherits the old one's name and match. */
	if (fwctl_policy_set_name(obj, old.name[0] ? old.name : o.name) ||
	    fwctl_policy_set_u32(obj, "device_type", old.device_type) ||
	    fwctl_policy_set_u32(obj, "dev_index", old.dev_index) ||
	    fwctl_policy_set_u32(obj, "prio", old.prio) ||
	    fwctl_policy_set_u32(obj, "flags", old.flags)) {
		p_err("can't swap policy %s: can't set the new ops: %s", o.name, strerror(errno));
		goto out;
	}
	if (apply_sets("swap", o.object, obj, &o))
		goto out;
	if (load_policy("swap", o.name, obj))
		goto out;
	err = fwctl_policy_write_value(obj);
	if (err) {
		p_err("can't swap policy %s: the kernel refused the new ops: %s", o.name,
		      strerror(-err));
		goto out;
	}
	remove_pin_dir(staging);	/* left by an interrupted swap */
	err = mkdir_p(staging);
	if (!err)
		err = pin_maps(obj, staging);
	staged = true;
	if (err) {
		p_err("can't swap policy %s: can't pin in %s: %s", o.name, staging, strerror(-err));
		goto out;
	}

	uopts.old_map_fd = old_fd;
	err = bpf_link_update(link_fd, bpf_map__fd(fwctl_policy_ops_map(obj)), &uopts);
	if (err) {
		p_err("can't swap policy %s: %s", o.name, swap_errstr(-err));
		goto out;
	}
	staged = false;
	if (ring_replaced(obj, o.name))
		audit_handover(o.name);	/* the old ring's records, before its pin goes */
	commit_pins(dir, staging);
	live_policy_read_map(bpf_map__fd(fwctl_policy_ops_map(obj)), &new);

	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "name", o.name);
		jw_uint_field(json_wtr, "link_id", link_id);
		jw_uint_field(json_wtr, "old_map_id", old.map_id);
		jw_uint_field(json_wtr, "map_id", new.map_id);
		jw_end_object(json_wtr);
	} else {
		printf("swapped policy %s: map %u -> %u\n", o.name, old.map_id, new.map_id);
	}
	ret = 0;
out:
	if (staged)
		remove_pin_dir(staging);
	bpf_object__close(obj);
	if (old_fd >= 0)
		close(old_fd);
	close(link_fd);
	return ret;
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

int do_detach(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX], what[64];
	uint32_t link_id = 0;
	int fd, err;

	if (argc && is_help(argv[0]))
		return help_detach();
	if (argc == 2 && !strcmp(argv[0], "id")) {
		if (parse_u32(argv[1], &link_id))
			return usage_err("can't detach policy: invalid link id '%s'", argv[1]);
		fd = bpf_link_get_fd_by_id(link_id);
		snprintf(what, sizeof(what), "link %u", link_id);
		dir[0] = '\0';
		if (fd < 0) {
			p_err("can't detach policy %s: %s", what, strerror(errno));
			return -1;
		}
	} else if (argc == 1) {
		if (check_policy_name(argv[0]))
			return usage_err("can't detach policy: invalid name '%s'", argv[0]);
		snprintf(what, sizeof(what), "%s", argv[0]);
		pin_path(dir, sizeof(dir), argv[0], NULL);
		pin_path(path, sizeof(path), argv[0], "link");
		fd = live_link_open(path, &link_id, NULL);
		if (fd < 0 && fd != -ENOENT) {
			p_err("can't detach policy %s: %s: %s", what, path, strerror(-fd));
			return -1;
		}
		if (fd == -ENOENT && access(dir, F_OK)) {
			p_err("can't detach policy %s: not attached (no %s)", what, dir);
			return -1;
		}
	} else {
		return usage_err("can't detach policy: NAME or \"id LINK_ID\" expected");
	}

	if (fd >= 0) {
		err = bpf_link_detach(fd) ? -errno : 0;
		close(fd);
		if (err) {
			p_err("can't detach policy %s: %s", what, strerror(-err));
			return -1;
		}
	}
	if (dir[0]) {
		audit_handover(what);	/* a recorder's unread records, before its pin goes */
		err = remove_pin_dir(dir);
		if (err) {
			p_err("can't detach policy %s: detached, but can't remove %s: %s",
			      what, dir, strerror(-err));
			return -1;
		}
	}
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
