/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy's configuration: its global variables, found by name in the
 * BTF of the object's data sections (.rodata, .data, .bss and their
 * ".rodata.NAME"-style siblings). "attach --set KEY=VALUE" writes one
 * before the object is loaded; "inspect" lists them.
 *
 * Values: integers (number.h: decimal or 0x hex, no octal; range-checked for the
 * variable's size and signedness), bools (true/false/1/0), enums (by
 * enumerator name or number) and char arrays (a string that fits with its
 * NUL). Other types (structs, arrays of non-char) cannot be --set.
 */
#ifndef FWCTL_BPF_LOADER_CONFIG_H
#define FWCTL_BPF_LOADER_CONFIG_H

#ifdef __bpf__
#error "userspace only"
/*
 * Parse @text as a value of type @type_id (@size bytes: a map's key or
 * value) into @buf: integers and enums as for --set, structs as
 * "{MEMBER, MEMBER, ...}" in member order (nested braces for nested
 * structs); an fwctl_uid_t takes a user name, a fwctl_mlx5_opcode_t an mlx5
 * command name (QUERY_ADAPTER). 0, or -errno with a message in @msg.
 */
int policy_parse_typed(const struct btf *btf, __u32 type_id, size_t size, const char *text,
		       void *buf, char *msg, size_t msg_size);

#endif

#include <stddef.h>
#include <bpf/libbpf.h>

struct btf_type;

struct policy_var {
	const char *name;
	const char *section;	/* ".rodata", ".data", ".bss", ... */
	const char *map_name;	/* libbpf's map, e.g. "hook_pol.bss" */
	__u32 type_id;		/* of the variable's type in the object BTF */
	size_t size;
	void *data;		/* the initial value in the object (before load) */
	bool read_only;		/* .rodata: fixed once loaded */
};

/* Call @fn for every global variable; stops at a non-zero return */
int policy_for_each_var(struct bpf_object *obj,
			int (*fn)(const struct policy_var *var, void *ctx), void *ctx);

/* Find variable @name; 0 or -ENOENT */
int policy_find_var(struct bpf_object *obj, const char *name, struct policy_var *var);

/*
 * Parse "KEY=VALUE" and set it; 0 or -errno with a message in @msg
 * (e.g. "no variable 'x' in the policy's data sections").
 */
int policy_set_var(struct bpf_object *obj, const char *assignment, char *msg, size_t msg_size);

/*
 * Set @var (of @btf) from the text @value: policy_set_var() once the
 * variable is found. 0 or -errno with a message in @msg.
 */
int policy_var_set_value(const struct btf *btf, const struct policy_var *var, const char *value,
			 char *msg, size_t msg_size);

/*
 * The object's BTF is the object author's: every walk of it is bounded
 * (a loop of typedefs or a self-containing array must not hang or
 * recurse without end) and every size is checked against the buffer it
 * goes to.
 */
#define POLICY_BTF_MAX_DEPTH	32

/*
 * The type under @id's modifiers and typedefs into @type, @id updated:
 * 0, -ENOENT (an unknown id) or -ELOOP (more than POLICY_BTF_MAX_DEPTH).
 */
int policy_btf_skip_mods(const struct btf *btf, __u32 *id, const struct btf_type **type);

/*
 * The variable's type as C ("int", "char[16]", "enum foo"): 0, or
 * -ENOENT ("?" in @buf) or -ELOOP ("(type loop)" in @buf). Names are the
 * object's: escape them for output (text_escape()).
 */
int policy_var_type_name(const struct btf *btf, __u32 type_id, char *buf, size_t size);

/*
 * The value as text: a number, a quoted string for char arrays, hex bytes
 * otherwise. Returns 1 for numbers (printed unquoted in JSON), 0 for text.
 */
int policy_var_format(const struct btf *btf, const struct policy_var *var, char *buf,
		      size_t size);

/*
 * Parse @text as a value of type @type_id (@size bytes: a map's key or
 * value) into @buf: integers and enums as for --set, structs as
 * "{MEMBER, MEMBER, ...}" in member order (nested braces for nested
 * structs); an fwctl_uid_t takes a user name, a fwctl_mlx5_opcode_t an mlx5
 * command name (QUERY_ADAPTER). 0, or -errno with a message in @msg.
 */
int policy_parse_typed(const struct btf *btf, __u32 type_id, size_t size, const char *text,
		       void *buf, char *msg, size_t msg_size);

#endif
