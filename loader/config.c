// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <bpf/btf.h>

#include "config.h"
#include "main.h"
#include "mlx5_names.h"
#include "number.h"

int policy_btf_skip_mods(const struct btf *btf, __u32 *id, const struct btf_type **type)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	int depth;

	*type = NULL;
	for (depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); depth++) {
		if (depth == POLICY_BTF_MAX_DEPTH)
			return -ELOOP;
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	*type = t;
	return t ? 0 : -ENOENT;
}

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t;

	return policy_btf_skip_mods(btf, id, &t) ? NULL : t;
}

/* An integer or enum size the parsers and printers handle: 1, 2, 4 or 8 */
static bool is_scalar_size(__u32 size)
{
	return size && size <= 8 && !(size & (size - 1));
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int policy_for_each_var(struct bpf_object *obj,
			int (*fn)(const struct policy_var *var, void *ctx), void *ctx)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	if (!btf)
		return -ENOENT;
	bpf_object__for_each_map(map, obj) {
		const char *sec = strchr(bpf_map__name(map), '.');
		const struct btf_var_secinfo *vs;
		const struct btf_type *t;
		size_t size;
		char *data;
		int i, id, err;

		if (!bpf_map__is_internal(map) || !sec)
			continue;
		id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
		data = bpf_map__initial_value(map, &size);
		if (id < 0 || !data)
			continue;
		t = btf__type_by_id(btf, id);
		for (i = 0, vs = btf_var_secinfos(t); i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);
			struct policy_var var;

			if (!v || !btf_is_var(v) || btf_var(v)->linkage == BTF_VAR_STATIC)
				continue;
			if (vs->offset + (size_t)vs->size > size)
				continue;
			var = (struct policy_var){
				.name = str_or_empty(btf__name_by_offset(btf, v->name_off)),
				.section = sec,
				.map_name = bpf_map__name(map),
				.type_id = v->type,
				.size = vs->size,
				.data = data + vs->offset,
				.read_only = !strncmp(sec, ".rodata", 7),
			};
			err = fn(&var, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

struct find_ctx {
	const char *name;
	struct policy_var *var;
};

static int find_one(const struct policy_var *var, void *ctx)
{
	struct find_ctx *f = ctx;

	if (strcmp(var->name, f->name))
		return 0;
	*f->var = *var;
	return 1;
}

int policy_find_var(struct bpf_object *obj, const char *name, struct policy_var *var)
{
	struct find_ctx f = { name, var };

	return policy_for_each_var(obj, find_one, &f) == 1 ? 0 : -ENOENT;
}

static bool is_char(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, &id);

	return t && btf_is_int(t) && t->size == 1;
}

static int parse_int(const struct btf_type *t, const char *s, void *dst, char *msg, size_t len)
{
	bool is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
	bool is_bool = btf_int_encoding(t) & BTF_INT_BOOL;
	unsigned int bits = t->size * 8;
	char why[160];
	int err;

	if (!is_scalar_size(t->size)) {
		snprintf(msg, len, "integers of %u bytes are not supported", t->size);
		return -EINVAL;
	}
	if (is_bool && (!strcmp(s, "true") || !strcmp(s, "false")))
		s = s[0] == 't' ? "1" : "0";
	if (is_signed) {
		int64_t max = bits == 64 ? INT64_MAX : (1LL << (bits - 1)) - 1;
		int64_t v;

		err = parse_signed(NULL, s, -max - 1, max, &v, why, sizeof(why));
		if (!err)
			memcpy(dst, &v, t->size);	/* little endian: the low bytes */
	} else {
		uint64_t max = is_bool ? 1 : bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
		uint64_t v;

		err = parse_unsigned(NULL, s, 0, max, &v, why, sizeof(why));
		if (!err)
			memcpy(dst, &v, t->size);
	}
	if (!err)
		return 0;
	snprintf(msg, len, "'%s' is not a valid %s of %u bytes: %s", s,
		 is_bool ? "bool" : is_signed ? "signed integer" : "unsigned integer", t->size,
		 why);
	return -ERANGE;
}

/* An enum of @t->size bytes (checked by the caller: 1, 2, 4 or 8) */
static int parse_enum(const struct btf *btf, const struct btf_type *t, const char *s, void *dst,
		      char *msg, size_t len)
{
	int64_t v, min = INT64_MIN, max = INT64_MAX;
	char why[160];
	int i;

	for (i = 0; i < btf_vlen(t); i++) {
		const char *name;
		long long val;

		if (btf_is_enum(t)) {
			name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
			val = btf_enum(t)[i].val;
		} else {
			name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
			val = btf_enum64_value(&btf_enum64(t)[i]);
		}
		if (name && !strcmp(name, s)) {
			memcpy(dst, &val, t->size);
			return 0;
		}
	}
	/* a number: what the enum's bytes hold, signed or not */
	if (t->size < 8) {
		min = -(1LL << (t->size * 8 - 1));
		max = (1LL << t->size * 8) - 1;
	}
	if (parse_signed(NULL, s, min, max, &v, why, sizeof(why))) {
		snprintf(msg, len, "'%s' is not an enumerator or a number of %u bytes: %s", s,
			 t->size, why);
		return -EINVAL;
	}
	memcpy(dst, &v, t->size);
	return 0;
}

static int set_value(const struct btf *btf, const struct policy_var *var,
		     const struct btf_type *t, const char *value, void *buf, char *msg, size_t size)
{
	char type[64], etype[4 * 64];

	if ((btf_is_int(t) || btf_is_any_enum(t)) && t->size != var->size) {
		snprintf(msg, size, "variable '%s' has %zu bytes but its type %u: a broken object",
			 var->name, var->size, t->size);
		return -EINVAL;
	}
	if (btf_is_int(t))
		return parse_int(t, value, buf, msg, size);
	if (btf_is_any_enum(t)) {
		if (!is_scalar_size(t->size)) {
			snprintf(msg, size, "enums of %u bytes are not supported", t->size);
			return -EINVAL;
		}
		return parse_enum(btf, t, value, buf, msg, size);
	}
	if (btf_is_array(t) && is_char(btf, btf_array(t)->type)) {
		if (strlen(value) >= var->size) {
			snprintf(msg, size, "'%s' does not fit in %s (%zu bytes with its NUL)",
				 value, var->name, var->size);
			return -ENAMETOOLONG;
		}
		memcpy(buf, value, strlen(value));
		return 0;
	}
	if (policy_var_type_name(btf, var->type_id, type, sizeof(type)) == -ELOOP) {
		snprintf(msg, size, "variable '%s' cannot be set: its type is more than %d levels "
			 "deep (a loop in the object's BTF?)", var->name, POLICY_BTF_MAX_DEPTH);
		return -ELOOP;
	}
	snprintf(msg, size, "variable '%s' has type %s; only integers, enums and char arrays can "
		 "be set", var->name, text_escape(type, SIZE_MAX, etype, sizeof(etype)));
	return -EOPNOTSUPP;
}

int policy_var_set_value(const struct btf *btf, const struct policy_var *var, const char *value,
			 char *msg, size_t msg_size)
{
	const struct btf_type *t;
	char buf[256];
	__u32 id = var->type_id;
	int err;

	err = policy_btf_skip_mods(btf, &id, &t);
	if (err == -ELOOP) {
		snprintf(msg, msg_size, "variable '%s' cannot be set: its type is more than %d "
			 "levels deep (a loop in the object's BTF?)", var->name,
			 POLICY_BTF_MAX_DEPTH);
		return err;
	}
	if (err || var->size > sizeof(buf)) {
		snprintf(msg, msg_size, "variable '%s' cannot be set", var->name);
		return -EINVAL;
	}
	memset(buf, 0, sizeof(buf));
	err = set_value(btf, var, t, value, buf, msg, msg_size);
	if (err)
		return err;
	memcpy(var->data, buf, var->size);
	return 0;
}

int policy_set_var(struct bpf_object *obj, const char *assignment, char *msg, size_t msg_size)
{
	const char *eq = strchr(assignment, '=');
	struct policy_var var;
	char key[128];

	if (!eq || eq == assignment || eq - assignment >= (long)sizeof(key)) {
		snprintf(msg, msg_size, "'%s' is not KEY=VALUE", assignment);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - assignment), assignment);
	if (policy_find_var(obj, key, &var)) {
		snprintf(msg, msg_size, "no variable '%s' in the policy's data sections", key);
		return -ENOENT;
	}
	return policy_var_set_value(bpf_object__btf(obj), &var, eq + 1, msg, msg_size);
}

static int type_name(const struct btf *btf, __u32 type_id, char *buf, size_t size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const char *name;
	int err = 0;

	for (; t && btf_is_mod(t); depth++) {
		if (depth >= POLICY_BTF_MAX_DEPTH)
			goto loop;
		type_id = t->type;
		t = btf__type_by_id(btf, type_id);
	}
	if (!t) {
		snprintf(buf, size, "?");
		return -ENOENT;
	}
	name = str_or_empty(btf__name_by_offset(btf, t->name_off));
	if (btf_is_array(t)) {
		char elem[48];

		if (depth >= POLICY_BTF_MAX_DEPTH)
			goto loop;
		err = type_name(btf, btf_array(t)->type, elem, sizeof(elem), depth + 1);
		snprintf(buf, size, "%s[%u]", elem, btf_array(t)->nelems);
	} else if (btf_is_struct(t) || btf_is_union(t)) {
		snprintf(buf, size, "%s %s", btf_is_struct(t) ? "struct" : "union",
			 *name ? name : "(anon)");
	} else if (btf_is_any_enum(t)) {
		snprintf(buf, size, "enum %s", *name ? name : "(anon)");
	} else if (btf_is_ptr(t)) {
		snprintf(buf, size, "pointer");
	} else {
		snprintf(buf, size, "%s", *name ? name : "?");
	}
	return err;
loop:
	snprintf(buf, size, "(type loop)");
	return -ELOOP;
}

int policy_var_type_name(const struct btf *btf, __u32 type_id, char *buf, size_t size)
{
	return type_name(btf, type_id, buf, size, 0);
}

int policy_var_format(const struct btf *btf, const struct policy_var *var, char *buf,
		      size_t size)
{
	__u32 id = var->type_id;
	const struct btf_type *t = skip_mods(btf, &id);
	const unsigned char *d = var->data;
	size_t i, n;

	if (t && (btf_is_int(t) || btf_is_any_enum(t)) && is_scalar_size(t->size) &&
	    var->size == t->size) {
		unsigned long long u = 0;

		memcpy(&u, d, t->size);
		if ((btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED)) ||
		    (btf_is_any_enum(t) && btf_kflag(t))) {
			unsigned int shift = 64 - t->size * 8;
			long long s = (long long)(u << shift) >> shift;

			snprintf(buf, size, "%lld", s);
		} else {
			snprintf(buf, size, "%llu", u);
		}
		return 1;
	}
	if (t && btf_is_array(t) && is_char(btf, btf_array(t)->type)) {
		snprintf(buf, size, "%.*s", (int)strnlen((const char *)d, var->size), d);
		return 0;
	}
	n = 0;
	buf[0] = '\0';
	for (i = 0; i < var->size && i < 16 && n + 4 < size; i++)
		n += snprintf(buf + n, size - n, "%s%02x", i ? " " : "", d[i]);
	if (i < var->size && n + 4 < size)
		snprintf(buf + n, size - n, " ...");
	return 0;
}

/*
 * Typed values of map keys and values (apply's [Map NAME] entries): a
 * scalar as --set takes it, a struct as "{MEMBER, MEMBER, ...}" in member
 * order, nested as deep as the type is. Two typedefs of
 * bpf/fwctl_policy_common.h take names: fwctl_uid_t a user name, fwctl_mlx5_opcode_t an mlx5 command name.
 */
enum value_names { NAMES_NONE, NAMES_UID, NAMES_MLX5_OPCODE };

static const struct btf_type *skip_to_value(const struct btf *btf, __u32 *id,
					    enum value_names *names)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	int depth;

	for (depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); depth++) {
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (depth == POLICY_BTF_MAX_DEPTH)
			return NULL;
		if (btf_is_typedef(t) && name && *names == NAMES_NONE) {
			if (!strcmp(name, "fwctl_uid_t"))
				*names = NAMES_UID;
			else if (!strcmp(name, "fwctl_mlx5_opcode_t"))
				*names = NAMES_MLX5_OPCODE;
		}
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* @s without the blanks around it, in @buf */
static const char *trimmed(const char *s, size_t len, char *buf, size_t size)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), s);
	return buf;
}

/* A name for a number of a named typedef, as decimal text in @buf */
static const char *resolve_name(enum value_names names, const char *s, char *buf, size_t size,
				char *msg, size_t len)
{
	int v;

	if (names == NAMES_NONE || (*s >= '0' && *s <= '9') || *s == '-')
		return s;
	if (names == NAMES_UID) {
		struct passwd *pw = getpwnam(s);

		if (!pw) {
			snprintf(msg, len, "no user '%s'", s);
			return NULL;
		}
		snprintf(buf, size, "%u", (unsigned int)pw->pw_uid);
		return buf;
	}
	v = mlx5_opcode_by_name(s);
	if (v < 0) {
		snprintf(msg, len, "'%s' is not an mlx5 command name", s);
		return NULL;
	}
	snprintf(buf, size, "%d", v);
	return buf;
}

static int parse_typed(const struct btf *btf, __u32 id, const char *s, unsigned char *buf,
		       size_t size, int depth, char *msg, size_t len);

/* "{a, b, ...}" into the members of struct @t */
static int parse_struct(const struct btf *btf, const struct btf_type *t, const char *s,
			unsigned char *buf, int depth, char *msg, size_t len)
{
	const struct btf_member *m = btf_members(t);
	size_t n = strlen(s);
	const char *p, *end;
	char item[256];
	int i, nest;

	if (n < 2 || s[0] != '{' || s[n - 1] != '}') {
		snprintf(msg, len, "'%s' is not {MEMBER, ...} (%u members)", s, btf_vlen(t));
		return -EINVAL;
	}
	p = s + 1;
	end = s + n - 1;
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *q = p;
		__u32 bits = btf_member_bit_offset(t, i);
		int err;

		for (nest = 0; q < end && (nest || *q != ','); q++)
			nest += *q == '{' ? 1 : *q == '}' ? -1 : 0;
		if (btf_member_bitfield_size(t, i) || bits % 8) {
			snprintf(msg, len, "member %d is a bit field: not supported", i + 1);
			return -EOPNOTSUPP;
		}
		trimmed(p, q - p, item, sizeof(item));
		if (!item[0]) {
			snprintf(msg, len, "'%s': %u members expected, %d given", s, btf_vlen(t), i);
			return -EINVAL;
		}
		err = parse_typed(btf, m->type, item, buf + bits / 8, t->size - bits / 8,
				  depth + 1, msg, len);
		if (err)
			return err;
		p = q < end ? q + 1 : q;
	}
	if (p < end && *trimmed(p, end - p, item, sizeof(item))) {
		snprintf(msg, len, "'%s': more than the %u members", s, btf_vlen(t));
		return -EINVAL;
	}
	return 0;
}

static int parse_typed(const struct btf *btf, __u32 id, const char *s, unsigned char *buf,
		       size_t size, int depth, char *msg, size_t len)
{
	enum value_names names = NAMES_NONE;
	const struct btf_type *t = skip_to_value(btf, &id, &names);
	char num[32];

	if (!t || depth > POLICY_BTF_MAX_DEPTH) {
		snprintf(msg, len, "the type is more than %d levels deep (a loop in the object's "
			 "BTF?)", POLICY_BTF_MAX_DEPTH);
		return -ELOOP;
	}
	if (btf_is_struct(t)) {
		if (t->size > size)
			goto too_big;
		return parse_struct(btf, t, s, buf, depth, msg, len);
	}
	if ((btf_is_int(t) || btf_is_any_enum(t)) && t->size > size)
		goto too_big;
	if (btf_is_int(t)) {
		s = resolve_name(names, s, num, sizeof(num), msg, len);
		return s ? parse_int(t, s, buf, msg, len) : -ENOENT;
	}
	if (btf_is_any_enum(t)) {
		if (!is_scalar_size(t->size)) {
			snprintf(msg, len, "enums of %u bytes are not supported", t->size);
			return -EINVAL;
		}
		return parse_enum(btf, t, s, buf, msg, len);
	}
	snprintf(msg, len, "only integers, enums and structs of them can be given");
	return -EOPNOTSUPP;
too_big:
	snprintf(msg, len, "the type (%u bytes) is larger than its place (%zu)", t->size, size);
	return -EINVAL;
}

int policy_parse_typed(const struct btf *btf, __u32 type_id, size_t size, const char *text,
		       void *buf, char *msg, size_t msg_size)
{
	char s[512];
	__u32 id = type_id;
	enum value_names names = NAMES_NONE;
	const struct btf_type *t = skip_to_value(btf, &id, &names);

	if (!t || (t->size != size && (btf_is_struct(t) || btf_is_int(t) ||
					btf_is_any_enum(t)))) {
		snprintf(msg, msg_size, "its type does not have the map's %zu bytes", size);
		return -EINVAL;
	}
	memset(buf, 0, size);
	trimmed(text, strlen(text), s, sizeof(s));
	return parse_typed(btf, type_id, s, buf, size, 0, msg, msg_size);
}
