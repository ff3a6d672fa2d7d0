// SPDX-License-Identifier: GPL-2.0
/*
 * inspect: what a policy object would attach, without loading it (no
 * privileges, no kernel support needed): its ops (name, match, prio,
 * programs), its maps and the variables "attach --set" can change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>

#include "config.h"
#include "fwctl.h"
#include "main.h"
#include "policy.h"

/*
 * An object's string for the plain output, escaped (text_escape()): a
 * name must not be able to rewrite the lines a reviewer reads. Rotating
 * buffers, enough for one printf.
 */
static const char *esc_n(const char *s, size_t len)
{
	static char bufs[6][TEXT_ESCAPE_SIZE];
	static unsigned int next;

	return text_escape(s ? s : "", len, bufs[next++ % 6], TEXT_ESCAPE_SIZE);
}

static const char *esc(const char *s)
{
	return esc_n(s, SIZE_MAX);
}

static const char *map_type(enum bpf_map_type t)
{
	const char *s = libbpf_bpf_map_type_str(t);

	return s ? s : "unknown";
}

static uint32_t ops_u32(struct bpf_object *obj, const char *field)
{
	size_t size;
	uint32_t *p = fwctl_policy_ops_field(obj, field, &size);

	return p && size == sizeof(*p) ? *p : 0;
}

/* The op (struct member) program @prog is attached to, or NULL */
static const char *prog_op(struct bpf_object *obj, const struct bpf_program *prog)
{
	static const char *const ops[] = { "rpc_filter", "rpc_done" };
	size_t i, size;

	for (i = 0; i < 2; i++) {
		const struct bpf_program **slot = fwctl_policy_ops_field(obj, ops[i], &size);

		if (slot && size == sizeof(*slot) && *slot == prog)
			return ops[i];
	}
	return NULL;
}

struct vars_ctx {
	const struct btf *btf;
	char broken[TEXT_ESCAPE_SIZE];	/* the first variable whose type loops */
};

/* The type's name; a loop in the object's BTF is remembered for the error */
static void var_type(struct vars_ctx *c, const struct policy_var *var, char *type, size_t size)
{
	const struct btf_type *t;
	__u32 id = var->type_id;
	bool loop;

	loop = policy_var_type_name(c->btf, var->type_id, type, size) == -ELOOP;
	loop |= policy_btf_skip_mods(c->btf, &id, &t) == -ELOOP;
	if (loop && !c->broken[0])
		text_escape(var->name, SIZE_MAX, c->broken, sizeof(c->broken));
}

static int var_json(const struct policy_var *var, void *ctx)
{
	struct vars_ctx *c = ctx;
	char type[64], value[512];
	int number;

	var_type(c, var, type, sizeof(type));
	number = policy_var_format(c->btf, var, value, sizeof(value));
	jw_start_object(json_wtr);
	jw_string_field(json_wtr, "name", var->name);
	jw_string_field(json_wtr, "section", var->section);
	jw_string_field(json_wtr, "type", type);
	jw_uint_field(json_wtr, "size", var->size);
	jw_bool_field(json_wtr, "read_only", var->read_only);
	jw_name(json_wtr, "value");
	if (number) {
		/* keep the sign: the text is the exact number */
		if (value[0] == '-')
			jw_int(json_wtr, strtoll(value, NULL, 10));
		else
			jw_uint(json_wtr, strtoull(value, NULL, 10));
	} else {
		jw_string(json_wtr, value);
	}
	jw_end_object(json_wtr);
	return 0;
}

static int var_plain(const struct policy_var *var, void *ctx)
{
	struct vars_ctx *c = ctx;
	char type[64], value[512];
	int number;

	var_type(c, var, type, sizeof(type));
	number = policy_var_format(c->btf, var, value, sizeof(value));
	printf("\t%-8s %-20s %-16s = %s%s%s\n", esc(var->section), esc(var->name), esc(type),
	       number ? "" : "\"", esc(value), number ? "" : "\"");
	return 0;
}

static int help_inspect(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s inspect POLICY.bpf.o\n"
		"\n"
		"Show what POLICY.bpf.o would attach, without loading it: the ops' name,\n"
		"device match, prio and flags, the programs and the op each implements, the\n"
		"maps (and the pin name each gets) and the variables \"attach --set\" accepts.\n",
		bin_name);
	return 0;
}

int do_inspect(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map, *ops;
	struct vars_ctx vars = {};
	const struct btf *btf;
	const char *path, *name;
	char match[64], pin[64];
	uint32_t flags, type, dev_index, prio;
	size_t size;

	if (argc && is_help(argv[0]))
		return help_inspect();
	if (argc != 1)
		return usage_err("can't inspect policy: exactly one POLICY.bpf.o expected");
	path = argv[0];
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		p_err("can't inspect policy %s: can't open the object: %s", esc(path),
		      strerror(errno));
		return -1;
	}
	ops = fwctl_policy_ops_map(obj);
	if (!ops) {
		p_err("can't inspect policy %s: not a fwctl policy (no struct_ops map of type "
		      "fwctl_bpf_ops)", esc(path));
		bpf_object__close(obj);
		return -1;
	}
	btf = bpf_object__btf(obj);
	vars.btf = btf;
	name = fwctl_policy_ops_field(obj, "name", &size);
	flags = ops_u32(obj, "flags");
	type = ops_u32(obj, "device_type");
	dev_index = ops_u32(obj, "dev_index");
	prio = ops_u32(obj, "prio");
	if (flags & FWCTL_BPF_F_DEV_INDEX)
		snprintf(match, sizeof(match), "device fwctl%u", dev_index);
	else if (type)
		snprintf(match, sizeof(match), "type %s", fwctl_device_type_name(type));
	else
		snprintf(match, sizeof(match), "any");

	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "file", path);
		jw_string_field(json_wtr, "object", bpf_object__name(obj));
		jw_name(json_wtr, "ops");
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "map_name", bpf_map__name(ops));
		jw_name(json_wtr, "name");
		jw_string_n(json_wtr, name ? name : "", name ? size : 0);
		jw_uint_field(json_wtr, "device_type", type);
		jw_string_field(json_wtr, "device_type_name", type ? fwctl_device_type_name(type) : "any");
		if (flags & FWCTL_BPF_F_DEV_INDEX)
			jw_uint_field(json_wtr, "dev_index", dev_index);
		else
			jw_null_field(json_wtr, "dev_index");
		jw_uint_field(json_wtr, "prio", prio);
		jw_uint_field(json_wtr, "flags", flags);
		jw_end_object(json_wtr);
		jw_name(json_wtr, "programs");
		jw_start_array(json_wtr);
	} else {
		printf("%s: policy \"%s\" (ops map %s)\n", esc(path), esc_n(name, name ? size : 0),
		       esc(bpf_map__name(ops)));
		printf("\tmatch %s  prio %u  flags 0x%x\n", match, prio, flags);
		printf("programs:\n");
	}
	bpf_object__for_each_program(prog, obj) {
		const char *op = prog_op(obj, prog);

		if (json_output) {
			jw_start_object(json_wtr);
			jw_string_field(json_wtr, "name", bpf_program__name(prog));
			jw_string_field(json_wtr, "section", bpf_program__section_name(prog));
			jw_string_field(json_wtr, "op", op);
			jw_uint_field(json_wtr, "insns", bpf_program__insn_cnt(prog));
			jw_end_object(json_wtr);
		} else {
			printf("\t%-20s %-28s %-10s %zu insns\n", esc(bpf_program__name(prog)),
			       esc(bpf_program__section_name(prog)), op ? op : "-",
			       bpf_program__insn_cnt(prog));
		}
	}
	if (json_output) {
		jw_end_array(json_wtr);
		jw_name(json_wtr, "maps");
		jw_start_array(json_wtr);
	} else {
		printf("maps:\n");
	}
	bpf_object__for_each_map(map, obj) {
		if (map == ops)
			snprintf(pin, sizeof(pin), "ops");
		else
			pin_name(pin, sizeof(pin), bpf_map__name(map));
		if (json_output) {
			jw_start_object(json_wtr);
			jw_string_field(json_wtr, "name", bpf_map__name(map));
			jw_string_field(json_wtr, "type", map_type(bpf_map__type(map)));
			jw_uint_field(json_wtr, "key_size", bpf_map__key_size(map));
			jw_uint_field(json_wtr, "value_size", bpf_map__value_size(map));
			jw_uint_field(json_wtr, "max_entries", bpf_map__max_entries(map));
			jw_string_field(json_wtr, "pin", pin);
			jw_end_object(json_wtr);
		} else {
			printf("\t%-20s %-12s key %u value %u max_entries %u  pin %s\n",
			       esc(bpf_map__name(map)), map_type(bpf_map__type(map)),
			       bpf_map__key_size(map), bpf_map__value_size(map),
			       bpf_map__max_entries(map), esc(pin));
		}
	}
	if (json_output) {
		jw_end_array(json_wtr);
		jw_name(json_wtr, "config");
		jw_start_array(json_wtr);
		policy_for_each_var(obj, var_json, &vars);
		jw_end_array(json_wtr);
		if (vars.broken[0])
			jw_string_field(json_wtr, "error", "a variable's type loops in the BTF");
		jw_end_object(json_wtr);
	} else {
		printf("config (attach --set NAME=VALUE):\n");
		policy_for_each_var(obj, var_plain, &vars);
		if (vars.broken[0])
			p_err("can't inspect policy %s: variable %s: its type is more than %d levels "
			      "deep (a loop in the object's BTF?)", esc(path), vars.broken,
			      POLICY_BTF_MAX_DEPTH);
	}
	bpf_object__close(obj);
	return vars.broken[0] ? -1 : 0;
}
