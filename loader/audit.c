// SPDX-License-Identifier: GPL-2.0
/*
 * The audit codec: a record (bpf/fwctl_audit_common.h) and its provenance
 * as a text line or a JSON object, and a stored JSON line back into the
 * entry it was written from. Every field a sender controls (comm) and
 * every name an object supplies (policy) is escaped the same way in both.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <fwctl/bpf.h>
#include <fwctl/fwctl.h>

#include "audit.h"
#include "fwctl.h"
#include "mlx5_names.h"
#include "main.h"

static const char *const verdict_names[] = {
	[FWCTL_AUDIT_ALLOWED] = "allowed",
	[FWCTL_AUDIT_REJECTED] = "rejected",
	[FWCTL_AUDIT_REPLIED] = "replied",
	[FWCTL_AUDIT_FAILED] = "failed",
	[FWCTL_AUDIT_WITHHELD] = "withheld",
	[FWCTL_AUDIT_WOULD_REJECT] = "would-reject",
};
#define NR_VERDICTS (sizeof(verdict_names) / sizeof(verdict_names[0]))

static const struct {
	uint32_t flag;
	const char *name;
} flag_names[] = {
	{ FWCTL_BPF_RPC_REWRITTEN, "rewritten" },
	{ FWCTL_BPF_RPC_REPLIED, "replied" },
	{ FWCTL_BPF_RPC_REJECTED, "rejected" },
	{ FWCTL_BPF_RPC_REDACTED, "redacted" },
	{ FWCTL_BPF_RPC_INVALID_VERDICT, "invalid_verdict" },
	{ FWCTL_BPF_RPC_FAIL_CLOSED, "fail_closed" },
	{ FWCTL_BPF_RPC_WOULD_REJECT, "would_reject" },
	{ FWCTL_BPF_RPC_WITHHELD, "withheld" },
	{ FWCTL_BPF_RPC_WRITE_REFUSED, "write_refused" },
	{ FWCTL_BPF_RPC_SENT, "sent" },
	{ FWCTL_BPF_RPC_USER_PAYLOAD, "user_payload" },
};
#define NR_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* What a stored line reads back into for a name this decoder did not know */
#define UNKNOWN_ID	UINT32_MAX

const char *audit_verdict_name(unsigned int verdict)
{
	return verdict < NR_VERDICTS ? verdict_names[verdict] : NULL;
}

int audit_verdict_parse(const char *s)
{
	unsigned int i;

	for (i = 1; i < NR_VERDICTS; i++)
		if (*s && !strncmp(verdict_names[i], s, strlen(s)))
			return i;
	return -1;
}

int64_t audit_boot_to_realtime(void)
{
	struct timespec boot, real;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + real.tv_nsec - boot.tv_nsec;
}

void audit_boot_id(char buf[AUDIT_BOOT_ID_LEN])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, AUDIT_BOOT_ID_LEN - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

bool audit_match(const struct audit_filter *f, const struct audit_entry *e)
{
	const struct fwctl_audit_record *r = &e->r;

	if (f->dev_index >= 0 && r->dev_index != (uint32_t)f->dev_index)
		return false;
	if (f->verdict && r->verdict != f->verdict)
		return false;
	if (e->real_ns < f->since_real_ns)
		return false;
	if (f->policy && strncmp(r->policy, f->policy, sizeof(r->policy)))
		return false;
	if (f->recorder && strncmp(e->recorder, f->recorder, sizeof(e->recorder)))
		return false;
	return true;
}

int audit_check(const void *data, size_t size)
{
	const struct fwctl_audit_record *r = data;

	if (size < offsetof(struct fwctl_audit_record, version) + 4 ||
	    r->version != FWCTL_AUDIT_VERSION || r->size < sizeof(*r) || r->size > size)
		return -EPROTO;
	return 0;
}

/* Escaping */

void audit_escape(char *buf, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '\\' || c == '"') {
			*buf++ = '\\';
			*buf++ = c;
		} else if (c >= 0x20 && c < 0x7f) {
			*buf++ = c;
		} else {
			*buf++ = '\\';
			*buf++ = 'x';
			*buf++ = hex[c >> 4];
			*buf++ = hex[c & 0xf];
		}
	}
	*buf = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int audit_unescape(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		char c = *s;

		if (c == '\\') {
			if (s[1] == '\\' || s[1] == '"') {
				c = *++s;
			} else if (s[1] == 'x' && hex_digit(s[2]) >= 0 && hex_digit(s[3]) >= 0) {
				c = hex_digit(s[2]) << 4 | hex_digit(s[3]);
				s += 3;
			} else {
				return -EINVAL;
			}
		}
		if (n + 1 >= size)
			return -EINVAL;
		buf[n++] = c;
	}
	if (n < size)
		memset(buf + n, 0, size - n);
	return 0;
}

/* Text and JSON */

static void format_time(char *buf, size_t size, int64_t ns)
{
	time_t sec = ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(ns % 1000000000 / 1000));
}

/* The strings a record carries, escaped */
struct audit_strings {
	char when[64];
	char comm[4 * 16 + 1];
	char policy[4 * 16 + 1];
};

static void strings_of(struct audit_strings *s, const struct audit_entry *e)
{
	format_time(s->when, sizeof(s->when), e->real_ns);
	audit_escape(s->comm, e->r.comm, sizeof(e->r.comm));
	audit_escape(s->policy, e->r.policy, sizeof(e->r.policy));
}

static bool is_mlx5(const struct fwctl_audit_record *r)
{
	return r->device_type == FWCTL_DEVICE_TYPE_MLX5;
}

void audit_print_text(FILE *f, const struct audit_entry *e)
{
	const struct fwctl_audit_record *r = &e->r;
	struct audit_strings s;
	const char *name;
	unsigned int i;

	strings_of(&s, e);
	fprintf(f, "%s seq=%llu fwctl%u %s pid=%u tgid=%u uid=%u gid=%u comm=\"%s\" cgroup=%llu scope=%s",
		s.when, (unsigned long long)r->seq, r->dev_index,
		fwctl_device_type_name(r->device_type), r->pid, r->tgid, r->uid, r->gid,
		s.comm, (unsigned long long)r->cgroup_id, fwctl_scope_name(r->scope));
	if (is_mlx5(r)) {
		name = mlx5_opcode_name(r->opcode);
		fprintf(f, " opcode=%s(0x%x) op_mod=0x%x", name ?: "?", r->opcode, r->op_mod);
		if (r->reg_id) {
			name = mlx5_register_name(r->reg_id);
			fprintf(f, " reg=%s(0x%x)", name ?: "?", r->reg_id);
		}
	}
	name = audit_verdict_name(r->verdict);
	fprintf(f, " verdict=%s status=%s", name ?: "?", errno_name(r->status));
	if (is_mlx5(r) && r->verdict != FWCTL_AUDIT_REJECTED) {
		name = mlx5_status_name(r->fw_status);
		fprintf(f, " fw_status=%s(0x%x) syndrome=0x%x", name ?: "?", r->fw_status,
			r->fw_syndrome);
	}
	fprintf(f, " in=%u out=%u policy=%s", r->in_len, r->out_len, *s.policy ? s.policy : "-");
	for (i = 0; i < NR_FLAGS; i++)
		if (r->flags & flag_names[i].flag)
			fprintf(f, " %s", flag_names[i].name);
}

static void print_json_mlx5(json_writer_t *jw, const struct fwctl_audit_record *r)
{
	const char *name;

	jw_uint_field(jw, "opcode", r->opcode);
	name = mlx5_opcode_name(r->opcode);
	name ? jw_string_field(jw, "opcode_name", name) : jw_null_field(jw, "opcode_name");
	jw_uint_field(jw, "op_mod", r->op_mod);
	jw_uint_field(jw, "reg_id", r->reg_id);
	name = r->reg_id ? mlx5_register_name(r->reg_id) : NULL;
	name ? jw_string_field(jw, "reg_name", name) : jw_null_field(jw, "reg_name");
	jw_uint_field(jw, "fw_status", r->fw_status);
	jw_uint_field(jw, "fw_syndrome", r->fw_syndrome);
}

void audit_print_json(json_writer_t *jw, const struct audit_entry *e)
{
	const struct fwctl_audit_record *r = &e->r;
	char hex[2 * FWCTL_AUDIT_HEAD_LEN + 1];
	struct audit_strings s;
	const char *name;
	unsigned int i;

	strings_of(&s, e);
	jw_start_object(jw);
	jw_string_field(jw, "time", s.when);
	jw_int_field(jw, "time_ns", e->real_ns);
	jw_uint_field(jw, "boot_ns", r->boot_ns);
	jw_string_field(jw, "boot_id", e->boot_id);
	jw_string_field(jw, "recorder", e->recorder);
	jw_uint_field(jw, "seq", r->seq);
	jw_uint_field(jw, "dev_index", r->dev_index);
	jw_string_field(jw, "device_type", fwctl_device_type_name(r->device_type));
	jw_uint_field(jw, "pid", r->pid);
	jw_uint_field(jw, "tgid", r->tgid);
	jw_uint_field(jw, "uid", r->uid);
	jw_uint_field(jw, "gid", r->gid);
	jw_string_field(jw, "comm", s.comm);
	jw_uint_field(jw, "cgroup_id", r->cgroup_id);
	jw_string_field(jw, "scope", fwctl_scope_name(r->scope));
	jw_uint_field(jw, "in_len", r->in_len);
	jw_uint_field(jw, "out_len", r->out_len);
	name = audit_verdict_name(r->verdict);
	jw_string_field(jw, "verdict", name ?: "unknown");
	jw_int_field(jw, "status", r->status);
	jw_string_field(jw, "errno", errno_name(r->status));
	if (is_mlx5(r))
		print_json_mlx5(jw, r);
	*s.policy ? jw_string_field(jw, "policy", s.policy) : jw_null_field(jw, "policy");
	jw_uint_field(jw, "policy_id", r->policy_id);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (i = 0; i < NR_FLAGS; i++)
		if (r->flags & flag_names[i].flag)
			jw_string(jw, flag_names[i].name);
	jw_end_array(jw);
	for (i = 0; i < r->head_len && i < FWCTL_AUDIT_HEAD_LEN; i++)
		sprintf(hex + 2 * i, "%02x", r->head[i]);
	hex[2 * i] = '\0';
	jw_string_field(jw, "head", hex);
	jw_end_object(jw);
}

/* Reading a stored line back */

static int64_t get_int(json_object *o, const char *key, bool *ok)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		*ok = false;
		return 0;
	}
	return json_object_get_int64(v);
}

static uint64_t get_uint(json_object *o, const char *key, bool *ok)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		*ok = false;
		return 0;
	}
	return json_object_get_uint64(v);
}

/* A string, or "" for null; NULL (and !ok) if missing or of another type */
static const char *get_str(json_object *o, const char *key, bool *ok)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		*ok = false;
		return NULL;
	}
	if (json_object_is_type(v, json_type_null))
		return "";
	if (!json_object_is_type(v, json_type_string)) {
		*ok = false;
		return NULL;
	}
	return json_object_get_string(v);
}

static uint32_t scope_id(const char *name)
{
	uint32_t i;

	for (i = 0; i < 16; i++)
		if (!strcmp(fwctl_scope_name(i), name))
			return i;
	return UNKNOWN_ID;
}

static uint32_t device_type_id(const char *name)
{
	static const uint32_t types[] = {
		FWCTL_DEVICE_TYPE_MLX5, FWCTL_DEVICE_TYPE_CXL,
		FWCTL_DEVICE_TYPE_BNXT, FWCTL_DEVICE_TYPE_PDS,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(fwctl_device_type_name(types[i]), name))
			return types[i];
	return UNKNOWN_ID;
}

static uint8_t verdict_id(const char *name)
{
	unsigned int i;

	for (i = 1; i < NR_VERDICTS; i++)
		if (!strcmp(verdict_names[i], name))
			return i;
	return 0;
}

static uint32_t flags_of(json_object *o, bool *ok)
{
	json_object *a;
	uint32_t flags = 0;
	size_t i, j;

	if (!json_object_object_get_ex(o, "flags", &a) || !json_object_is_type(a, json_type_array)) {
		*ok = false;
		return 0;
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(a, i));

		for (j = 0; name && j < NR_FLAGS; j++)
			if (!strcmp(flag_names[j].name, name))
				flags |= flag_names[j].flag;
	}
	return flags;
}

static int head_of(const char *hex, struct fwctl_audit_record *r)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > FWCTL_AUDIT_HEAD_LEN)
		return -EPROTO;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EPROTO;
		r->head[i] = hi << 4 | lo;
	}
	r->head_len = n / 2;
	return 0;
}

static bool copy_str(char *dst, size_t size, const char *s)
{
	if (!s || strlen(s) >= size)
		return false;
	strcpy(dst, s);
	return true;
}

static bool parse_mlx5(json_object *o, struct fwctl_audit_record *r)
{
	bool ok = true;

	r->opcode = get_uint(o, "opcode", &ok);
	r->op_mod = get_uint(o, "op_mod", &ok);
	r->reg_id = get_uint(o, "reg_id", &ok);
	r->fw_status = get_uint(o, "fw_status", &ok);
	r->fw_syndrome = get_uint(o, "fw_syndrome", &ok);
	return ok;
}

static bool parse_strings(json_object *o, struct audit_entry *e)
{
	struct fwctl_audit_record *r = &e->r;
	const char *s;
	bool ok = true;

	s = get_str(o, "comm", &ok);
	if (!s || audit_unescape(r->comm, sizeof(r->comm), s))
		return false;
	s = get_str(o, "policy", &ok);
	if (!s || audit_unescape(r->policy, sizeof(r->policy), s))
		return false;
	if (!copy_str(e->recorder, sizeof(e->recorder), get_str(o, "recorder", &ok)) ||
	    !copy_str(e->boot_id, sizeof(e->boot_id), get_str(o, "boot_id", &ok)))
		return false;
	s = get_str(o, "device_type", &ok);
	r->device_type = s ? device_type_id(s) : 0;
	s = get_str(o, "scope", &ok);
	r->scope = s ? scope_id(s) : 0;
	s = get_str(o, "verdict", &ok);
	r->verdict = s ? verdict_id(s) : 0;
	s = get_str(o, "head", &ok);
	return ok && !head_of(s, r);
}

static bool parse_numbers(json_object *o, struct audit_entry *e)
{
	struct fwctl_audit_record *r = &e->r;
	bool ok = true;

	e->real_ns = get_int(o, "time_ns", &ok);
	r->boot_ns = get_uint(o, "boot_ns", &ok);
	r->seq = get_uint(o, "seq", &ok);
	r->dev_index = get_uint(o, "dev_index", &ok);
	r->pid = get_uint(o, "pid", &ok);
	r->tgid = get_uint(o, "tgid", &ok);
	r->uid = get_uint(o, "uid", &ok);
	r->gid = get_uint(o, "gid", &ok);
	r->cgroup_id = get_uint(o, "cgroup_id", &ok);
	r->in_len = get_uint(o, "in_len", &ok);
	r->out_len = get_uint(o, "out_len", &ok);
	r->status = get_int(o, "status", &ok);
	r->policy_id = get_uint(o, "policy_id", &ok);
	r->flags = flags_of(o, &ok);
	return ok;
}

int audit_entry_parse(const char *line, struct audit_entry *e)
{
	json_object *o = json_tokener_parse(line);
	bool ok;

	memset(e, 0, sizeof(*e));
	ok = o && json_object_is_type(o, json_type_object) && parse_numbers(o, e) &&
	     parse_strings(o, e);
	if (ok && e->r.device_type == FWCTL_DEVICE_TYPE_MLX5)
		ok = parse_mlx5(o, &e->r);
	json_object_put(o);
	if (!ok)
		return -EPROTO;
	e->r.version = FWCTL_AUDIT_VERSION;
	e->r.size = sizeof(e->r);
	return 0;
}
