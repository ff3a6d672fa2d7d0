// SPDX-License-Identifier: GPL-2.0
/*
 * rpc: send one mlx5 RPC through /dev/fwctl/fwctlN and decode the reply,
 * for trying policies by hand (what mlx5ctl does for mlx5). Parsing,
 * mailbox encoding and reply decoding are separate from the ioctl (see
 * rpc.h); every layout comes from the kernel's mlx5_ifc.h through
 * MLX5_SET/MLX5_GET, or from lib/mlx5_ifc_extra.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mlx5/fwctl_mlx5_names.h>

#include "fwctl.h"
#include "main.h"
#include "mlx5_ifc_user.h"
#include "mlx5_ifc_extra.h"
#include "mlx5_names.h"
#include "number.h"
#include "rpc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every command starts with this header; arguments go after it */
#define HDR_LEN MLX5_ST_SZ_BYTES(mbox_in_hdr)
#define OUT_HDR_LEN MLX5_ST_SZ_BYTES(mbox_out_hdr)

/* A field of the register data or capability after the header */
#define FIELD(typ, fld, nm) \
	{ nm, __mlx5_bit_off(typ, fld), __mlx5_bit_sz(typ, fld), false }
/* A field of the command's input mailbox */
#define IN_FIELD(typ, fld, nm) \
	{ nm, __mlx5_bit_off(typ, fld), __mlx5_bit_sz(typ, fld), true }

/* Registers (ACCESS_REG) */

static const struct rpc_field mcia_fields[] = {
	FIELD(mcia_reg, module, "module"),
	FIELD(mcia_reg, i2c_device_address, "i2c"),
	FIELD(mcia_reg, page_number, "page"),
	FIELD(mcia_reg, device_address, "addr"),
	FIELD(mcia_reg, size, "size"),
};

static const struct rpc_field mtmp_fields[] = {
	FIELD(mtmp_reg, sensor_index, "sensor"),
	FIELD(mtmp_reg, mte, "mte"),
	FIELD(mtmp_reg, mtr, "mtr"),
	FIELD(mtmp_reg, tee, "tee"),
	FIELD(mtmp_reg, temp_threshold_hi, "threshold_hi"),
	FIELD(mtmp_reg, temp_threshold_lo, "threshold_lo"),
};

static const struct rpc_field mnvda_fields[] = {
	FIELD(mnvda_reg, type, "type"),
	FIELD(mnvda_reg, read_current, "read_current"),
	FIELD(mnvda_reg, default_, "default"),
	FIELD(mnvda_reg, length, "length"),
	FIELD(mnvda_reg, writer_id, "writer_id"),
};

static void mcia_defaults(void *reg)
{
	MLX5_SET(mcia_reg, reg, i2c_device_address, 0x50);
	MLX5_SET(mcia_reg, reg, size, 16);
}

/* Reply values */

static struct rpc_value *add_value(struct rpc_reply *r, const char *name, enum rpc_kind kind)
{
	struct rpc_value *v;

	if (r->nr >= RPC_MAX_VALUES)
		return NULL;
	v = &r->v[r->nr++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->kind = kind;
	return v;
}

static void add_num(struct rpc_reply *r, const char *name, int64_t num)
{
	struct rpc_value *v = add_value(r, name, RPC_DEC);

	if (v)
		v->num = num;
}

static void add_hex(struct rpc_reply *r, const char *name, int width, uint64_t num)
{
	struct rpc_value *v = add_value(r, name, RPC_HEX);

	if (v) {
		v->num = num;
		v->width = width;
	}
}

/* 0.125 C units, signed 16 bits, as millidegrees */
static void add_temp(struct rpc_reply *r, const char *name, uint16_t raw)
{
	struct rpc_value *v = add_value(r, name, RPC_TEMP);

	if (v)
		v->num = (int64_t)(int16_t)raw * 125;
}

/* Up to @len bytes of text, stopping at a NUL */
static void add_text(struct rpc_reply *r, const char *name, const void *p, size_t len)
{
	struct rpc_value *v = add_value(r, name, RPC_STR);

	if (v)
		snprintf(v->str, sizeof(v->str), "%.*s", (int)strnlen(p, len), (const char *)p);
}

static void add_hexbytes(struct rpc_reply *r, const char *name, const uint8_t *p, size_t len)
{
	struct rpc_value *v = add_value(r, name, RPC_STR);
	size_t i;

	if (!v)
		return;
	for (i = 0; i < len && 2 * i + 2 < sizeof(v->str); i++)
		sprintf(v->str + 2 * i, "%02x", p[i]);
}

/* Printable ASCII, '.' for the rest */
static void add_ascii(struct rpc_reply *r, const char *name, const uint8_t *p, size_t len)
{
	struct rpc_value *v = add_value(r, name, RPC_STR);
	size_t i;

	if (!v)
		return;
	for (i = 0; i < len && i + 1 < sizeof(v->str); i++)
		v->str[i] = isprint(p[i]) ? p[i] : '.';
}

static void mcia_decode(const void *reg, struct rpc_reply *r)
{
	uint32_t size = MLX5_GET(mcia_reg, reg, size);
	const uint8_t *data = MLX5_ADDR_OF(mcia_reg, reg, dwords);

	if (size > MLX5_FLD_SZ_BYTES(mcia_reg, dwords))
		size = MLX5_FLD_SZ_BYTES(mcia_reg, dwords);
	add_hex(r, "mcia_status", 0, MLX5_GET(mcia_reg, reg, status));
	add_num(r, "module", MLX5_GET(mcia_reg, reg, module));
	add_hex(r, "i2c", 2, MLX5_GET(mcia_reg, reg, i2c_device_address));
	add_num(r, "page", MLX5_GET(mcia_reg, reg, page_number));
	add_num(r, "addr", MLX5_GET(mcia_reg, reg, device_address));
	add_num(r, "size", size);
	add_hexbytes(r, "data", data, size);
	add_ascii(r, "ascii", data, size);
}

static void mtmp_decode(const void *reg, struct rpc_reply *r)
{
	add_num(r, "sensor", MLX5_GET(mtmp_reg, reg, sensor_index));
	add_text(r, "name", MLX5_ADDR_OF(mtmp_reg, reg, sensor_name_hi), 8);
	add_temp(r, "temperature", MLX5_GET(mtmp_reg, reg, temperature));
	add_temp(r, "max_temperature", MLX5_GET(mtmp_reg, reg, max_temperature));
	add_temp(r, "threshold_hi", MLX5_GET(mtmp_reg, reg, temp_threshold_hi));
	add_temp(r, "threshold_lo", MLX5_GET(mtmp_reg, reg, temp_threshold_lo));
}

static void mnvda_decode(const void *reg, struct rpc_reply *r)
{
	uint32_t len = MLX5_GET(mnvda_reg, reg, length);

	if (len > MLX5_FLD_SZ_BYTES(mnvda_reg, configuration_item_data))
		len = MLX5_FLD_SZ_BYTES(mnvda_reg, configuration_item_data);
	add_hex(r, "type", 8, MLX5_GET(mnvda_reg, reg, type));
	add_num(r, "length", len);
	add_num(r, "writer_id", MLX5_GET(mnvda_reg, reg, writer_id));
	add_num(r, "read_current", MLX5_GET(mnvda_reg, reg, read_current));
	add_num(r, "default", MLX5_GET(mnvda_reg, reg, default_));
	add_hexbytes(r, "data", MLX5_ADDR_OF(mnvda_reg, reg, configuration_item_data), len);
}

static const struct rpc_reg_def {
	uint16_t id;
	uint16_t size;		/* register data bytes */
	const struct rpc_field *fields;
	size_t nr_fields;
	void (*defaults)(void *reg);
	void (*decode)(const void *reg, struct rpc_reply *r);
} regs[] = {
	{ FWCTL_MLX5_REG_MCIA, MLX5_ST_SZ_BYTES(mcia_reg), mcia_fields, ARRAY_LEN(mcia_fields),
	  mcia_defaults, mcia_decode },
	{ FWCTL_MLX5_REG_MTMP, MLX5_ST_SZ_BYTES(mtmp_reg), mtmp_fields, ARRAY_LEN(mtmp_fields),
	  NULL, mtmp_decode },
	{ FWCTL_MLX5_REG_MNVDA, MLX5_ST_SZ_BYTES(mnvda_reg), mnvda_fields, ARRAY_LEN(mnvda_fields),
	  NULL, mnvda_decode },
};

static const struct rpc_reg_def *find_reg(int id)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(regs); i++)
		if (regs[i].id == id)
			return &regs[i];
	return NULL;
}

/* Commands */

static const struct rpc_field query_hca_cap_fields[] = {
	IN_FIELD(query_hca_cap_in, other_function, "other_function"),
	IN_FIELD(query_hca_cap_in, function_id, "function_id"),
};

/* SET_HCA_CAP: the general device caps (offsets within cmd_hca_cap) */
static const struct rpc_field set_hca_cap_fields[] = {
	FIELD(cmd_hca_cap, log_max_qp, "log_max_qp"),
	FIELD(cmd_hca_cap, roce, "roce"),
	FIELD(cmd_hca_cap, cache_line_128byte, "cache_line_128byte"),
	FIELD(cmd_hca_cap, release_all_pages, "release_all_pages"),
	FIELD(cmd_hca_cap, cmdif_checksum, "cmdif_checksum"),
	FIELD(cmd_hca_cap, mkey_by_name, "mkey_by_name"),
	FIELD(cmd_hca_cap, log_max_current_mc_list, "log_max_current_mc_list"),
	FIELD(cmd_hca_cap, log_max_current_uc_list, "log_max_current_uc_list"),
	FIELD(cmd_hca_cap, num_vhca_ports, "num_vhca_ports"),
	IN_FIELD(set_hca_cap_in, other_function, "other_function"),
	IN_FIELD(set_hca_cap_in, function_id, "function_id"),
};

static const struct rpc_field query_vport_state_fields[] = {
	IN_FIELD(query_vport_state_in, other_vport, "other_vport"),
	IN_FIELD(query_vport_state_in, vport_number, "vport_number"),
};

static const struct rpc_field query_nic_vport_context_fields[] = {
	IN_FIELD(query_nic_vport_context_in, other_vport, "other_vport"),
	IN_FIELD(query_nic_vport_context_in, vport_number, "vport_number"),
};

static const struct rpc_field query_diagnostic_cntrs_fields[] = {
	IN_FIELD(query_diagnostic_cntrs_in, num_of_samples, "num_of_samples"),
	IN_FIELD(query_diagnostic_cntrs_in, sample_index, "sample_index"),
};

#define CAP_GET(out, fld) \
	MLX5_GET(cmd_hca_cap, MLX5_ADDR_OF(query_hca_cap_out, out, capability), fld)

static void query_hca_cap_decode(const struct rpc_request *req, const void *out,
				 struct rpc_reply *r)
{
	if (rpc_op_mod(req) >> 1)	/* cap_type: only general device caps */
		return;
	add_num(r, "log_max_qp", CAP_GET(out, log_max_qp));
	add_num(r, "log_max_cq", CAP_GET(out, log_max_cq));
	add_num(r, "roce", CAP_GET(out, roce));
	add_num(r, "port_type", CAP_GET(out, port_type));
	add_num(r, "num_ports", CAP_GET(out, num_ports));
	add_hex(r, "uctx_cap", 0, CAP_GET(out, uctx_cap));
	add_num(r, "vhca_id", CAP_GET(out, vhca_id));
}

static void query_adapter_decode(const struct rpc_request *req, const void *out,
				 struct rpc_reply *r)
{
	const void *blk = MLX5_ADDR_OF(query_adapter_out, out, query_adapter_struct);

	add_text(r, "psid", MLX5_ADDR_OF(query_adapter_param_block, blk, vsd_contd_psid),
		 MLX5_FLD_SZ_BYTES(query_adapter_param_block, vsd_contd_psid));
	add_hex(r, "ieee_vendor_id", 6, MLX5_GET(query_adapter_param_block, blk, ieee_vendor_id));
	add_hex(r, "vsd_vendor_id", 4, MLX5_GET(query_adapter_param_block, blk, vsd_vendor_id));
}

static void query_issi_decode(const struct rpc_request *req, const void *out,
			      struct rpc_reply *r)
{
	add_num(r, "current_issi", MLX5_GET(query_issi_out, out, current_issi));
	add_hex(r, "supported_issi_dw0", 0, MLX5_GET(query_issi_out, out, supported_issi_dw0));
}

static void query_vport_state_decode(const struct rpc_request *req, const void *out,
				     struct rpc_reply *r)
{
	add_num(r, "state", MLX5_GET(query_vport_state_out, out, state));
	add_num(r, "admin_state", MLX5_GET(query_vport_state_out, out, admin_state));
	add_num(r, "max_tx_speed", MLX5_GET(query_vport_state_out, out, max_tx_speed));
}

static void query_nic_vport_context_decode(const struct rpc_request *req, const void *out,
					   struct rpc_reply *r)
{
	const void *ctx = MLX5_ADDR_OF(query_nic_vport_context_out, out, nic_vport_context);
	const void *mac = MLX5_ADDR_OF(nic_vport_context, ctx, permanent_address);
	uint32_t hi = MLX5_GET(mac_address_layout, mac, mac_addr_47_32);
	uint32_t lo = MLX5_GET(mac_address_layout, mac, mac_addr_31_0);
	struct rpc_value *v = add_value(r, "permanent_address", RPC_STR);

	if (v)
		snprintf(v->str, sizeof(v->str), "%02x:%02x:%02x:%02x:%02x:%02x",
			 hi >> 8 & 0xff, hi & 0xff, lo >> 24, lo >> 16 & 0xff, lo >> 8 & 0xff,
			 lo & 0xff);
	add_num(r, "mtu", MLX5_GET(nic_vport_context, ctx, mtu));
	add_num(r, "roce_en", MLX5_GET(nic_vport_context, ctx, roce_en));
}

static void access_reg_decode(const struct rpc_request *req, const void *out,
			      struct rpc_reply *r);

#define CMD(op, name, opm, dec) \
	{ MLX5_CMD_OP_##op, MLX5_ST_SZ_BYTES(name##_in), MLX5_ST_SZ_BYTES(name##_out), opm, dec, \
	  NULL, 0 }
#define CMDF(op, name, opm, dec, f) \
	{ MLX5_CMD_OP_##op, MLX5_ST_SZ_BYTES(name##_in), MLX5_ST_SZ_BYTES(name##_out), opm, dec, \
	  f, ARRAY_LEN(f) }

static const struct rpc_cmd_def {
	uint16_t opcode;
	uint32_t in_size;
	uint32_t out_size;
	uint16_t op_mod;	/* default */
	void (*decode)(const struct rpc_request *req, const void *out, struct rpc_reply *r);
	const struct rpc_field *fields;
	size_t nr_fields;
} cmds[] = {
	CMD(NOP, nop, 0, NULL),
	/* op_mod = cap_type << 1 | current: the general device caps, current */
	CMDF(QUERY_HCA_CAP, query_hca_cap, 1, query_hca_cap_decode, query_hca_cap_fields),
	CMDF(SET_HCA_CAP, set_hca_cap, 0, NULL, set_hca_cap_fields),
	CMD(QUERY_ADAPTER, query_adapter, 0, query_adapter_decode),
	CMD(QUERY_ISSI, query_issi, 0, query_issi_decode),
	CMDF(QUERY_VPORT_STATE, query_vport_state, 0, query_vport_state_decode,
	     query_vport_state_fields),
	CMDF(QUERY_NIC_VPORT_CONTEXT, query_nic_vport_context, 0, query_nic_vport_context_decode,
	     query_nic_vport_context_fields),
	CMD(QUERY_DIAGNOSTIC_PARAMS, query_diagnostic_params, 0, NULL),
	CMD(SET_DIAGNOSTIC_PARAMS, set_diagnostic_params, 0, NULL),
	CMDF(QUERY_DIAGNOSTIC_COUNTERS, query_diagnostic_cntrs, 0, NULL,
	     query_diagnostic_cntrs_fields),
	/* sizes without the register data */
	CMD(ACCESS_REG, access_register, FWCTL_MLX5_ACCESS_REG_READ, access_reg_decode),
};

static const struct rpc_cmd_def *find_cmd(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(cmds); i++)
		if (cmds[i].opcode == opcode)
			return &cmds[i];
	return NULL;
}

static void access_reg_decode(const struct rpc_request *req, const void *out,
			      struct rpc_reply *r)
{
	const struct rpc_reg_def *reg = find_reg(req->reg_id);
	const char *name = mlx5_register_name(req->reg_id);

	/* only what fits a register the reply was sized for */
	if (!reg || r->len < MLX5_ST_SZ_BYTES(access_register_out) + reg->size)
		return;
	if (name)
		add_text(r, "register", name, strlen(name));
	reg->decode((const uint8_t *)out + MLX5_ST_SZ_BYTES(access_register_out), r);
}

const char *rpc_command_name(uint16_t opcode, char *buf, size_t size)
{
	const char *name = mlx5_opcode_name(opcode);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "opcode 0x%x", opcode);
	return buf;
}

/* Parsing */

static const char *const scope_names[] = {
	[FWCTL_RPC_CONFIGURATION] = "configuration",
	[FWCTL_RPC_DEBUG_READ_ONLY] = "debug_read_only",
	[FWCTL_RPC_DEBUG_WRITE] = "debug_write",
	[FWCTL_RPC_DEBUG_WRITE_FULL] = "debug_write_full",
};

int rpc_parse_scope(const char *s)
{
	char name[32];
	int i, found = -1;
	size_t n;
	char *p;

	if (!*s || strlen(s) >= sizeof(name))
		return -1;
	if (isdigit((unsigned char)s[0]) && !s[1])
		return s[0] - '0' < (int)ARRAY_LEN(scope_names) ? s[0] - '0' : -1;
	snprintf(name, sizeof(name), "%s", s);
	for (p = name; *p; p++)
		*p = *p == '-' ? '_' : tolower((unsigned char)*p);
	n = strlen(name);
	for (i = 0; i < (int)ARRAY_LEN(scope_names); i++) {
		if (!strcmp(name, scope_names[i]))
			return i;	/* exact: debug_write, not _full */
		if (!strncmp(name, scope_names[i], n)) {
			if (found >= 0)
				return -1;	/* ambiguous */
			found = i;
		}
	}
	return found;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int rpc_parse_hex(const char *s, uint8_t *buf, size_t size)
{
	size_t n = 0;
	int hi, lo;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (*s) {
		if (*s == ':' || *s == '-' || *s == '_' || *s == ' ') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || n >= size)
			return -1;
		buf[n++] = hi << 4 | lo;
		s += 2;
	}
	return n;
}

/* number.h's syntax; the callers' messages name the field and range */
static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char msg[128];

	return parse_unsigned(NULL, s, 0, max, v, msg, sizeof(msg)) ? -1 : 0;
}

static const struct rpc_field *find_field(const struct rpc_field *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

static int parse_reg(const char *cmd, const char *s, struct rpc_request *req)
{
	uint64_t v;
	int id = mlx5_register_by_name(s);

	if (id < 0 && parse_uint(s, 0xffff, &v))
		return usage_err("can't send %s: unknown register '%s' (a name such as MCIA, or a number)",
				 cmd, s);
	req->reg_id = id >= 0 ? id : (int)v;
	return 0;
}

static unsigned long long field_max(const struct rpc_field *f)
{
	return f->bits >= 32 ? UINT32_MAX : (1ULL << f->bits) - 1;
}

/* One ARG of COMMAND: FIELD=VALUE, read or write */
static int parse_arg(const char *cmd, const char *arg, struct rpc_request *req)
{
	const struct rpc_cmd_def *c = find_cmd(req->opcode);
	const struct rpc_reg_def *reg = find_reg(req->reg_id);
	bool access_reg = req->opcode == MLX5_CMD_OP_ACCESS_REG;
	const struct rpc_field *field = NULL;
	const char *eq = strchr(arg, '='), *val;
	char key[64];
	uint64_t v;
	int n;

	if (access_reg && (!strcmp(arg, "read") || !strcmp(arg, "write"))) {
		req->reg_write = arg[0] == 'w';
		return 0;
	}
	if (!eq || eq == arg || eq - arg >= (int)sizeof(key))
		goto unknown;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
	val = eq + 1;

	if (!strcmp(key, "op_mod")) {
		if (parse_uint(val, 0xffff, &v))
			return usage_err("can't send %s: bad value '%s' for op_mod (0..0xffff)",
					 cmd, val);
		req->op_mod = v;
		return 0;
	}
	if (!strcmp(key, "in")) {
		n = rpc_parse_hex(val, req->raw, sizeof(req->raw));
		if (n < 0)
			return usage_err("can't send %s: bad value '%s' for in (hex bytes, at most %d)",
					 cmd, val, RPC_MAX_RAW);
		req->raw_len = n;
		return 0;
	}
	if (!strcmp(key, "hdr")) {
		n = rpc_parse_hex(val, req->hdr, sizeof(req->hdr));
		if (n < 0)
			return usage_err("can't send %s: bad value '%s' for hdr (hex bytes, at most %zu)",
					 cmd, val, sizeof(req->hdr));
		req->hdr_len = n;
		return 0;
	}
	if (access_reg && (!strcmp(key, "reg") || !strcmp(key, "register_id")))
		return 0;	/* taken before */
	if (access_reg && reg && reg->id == FWCTL_MLX5_REG_MNVDA && !strcmp(key, "data")) {
		n = rpc_parse_hex(val, req->data, sizeof(req->data));
		if (n < 0)
			return usage_err("can't send %s: bad value '%s' for data (hex bytes, at most %zu)",
					 cmd, val, sizeof(req->data));
		req->has_data = true;
		req->data_len = n;
		return 0;
	}
	if (access_reg && reg)
		field = find_field(reg->fields, reg->nr_fields, key);
	else if (!access_reg && c && c->fields)
		field = find_field(c->fields, c->nr_fields, key);
	if (!field)
		goto unknown;
	if (parse_uint(val, field_max(field), &v))
		return usage_err("can't send %s: bad value '%s' for %s (0..%llu)", cmd, val, key,
				 field_max(field));
	if (req->nr_sets >= RPC_MAX_SETS)
		return usage_err("can't send %s: more than %d fields", cmd, RPC_MAX_SETS);
	req->sets[req->nr_sets].field = field;
	req->sets[req->nr_sets].value = v;
	req->nr_sets++;
	return 0;

unknown:
	return usage_err("can't send %s: unknown argument '%s' (see \"%s rpc help\")",
			 cmd, arg, bin_name);
}

static int parse_command(const char *s, struct rpc_request *req)
{
	int op = mlx5_opcode_by_name(s);
	uint64_t v;

	if (op < 0 && !strncasecmp(s, "MLX5_CMD_OP_", 12))
		op = mlx5_opcode_by_name(s + 12);
	if (op < 0 && parse_uint(s, 0xffff, &v))
		return usage_err("can't send rpc: unknown command '%s' (an mlx5 opcode name such as QUERY_ADAPTER, or a number)",
				 s);
	req->opcode = op >= 0 ? op : (int)v;
	return 0;
}

int rpc_parse(int argc, char **argv, struct rpc_request *req)
{
	char **args = calloc(argc + 1, sizeof(*args));
	bool have_cmd = false;
	char cmd[64];
	int i, nargs = 0, ret = CMD_USAGE;
	uint64_t v;

	memset(req, 0, sizeof(*req));
	req->scope = FWCTL_RPC_DEBUG_READ_ONLY;
	req->op_mod = -1;
	req->reg_id = -1;
	if (!args) {
		p_err("can't send rpc: out of memory");
		return -1;
	}
	if (!argc) {
		usage_err("can't send rpc: missing DEV (see \"%s rpc help\")", bin_name);
		goto out;
	}
	req->dev = parse_device(argv[0]);
	if (req->dev < 0) {
		usage_err("can't send rpc: '%s' is not a fwctl device (/dev/fwctl/fwctlN, fwctlN or N)",
			  argv[0]);
		goto out;
	}
	NEXT_ARG();

	for (; argc; NEXT_ARG()) {
		const char *a = argv[0], *val;
		bool scope = false, out_len = false, missing = false;

		if ((val = opt_value("--scope", &argc, &argv, &missing)))
			scope = true;
		else if ((val = opt_value("--out-len", &argc, &argv, &missing)))
			out_len = true;
		if (missing) {
			usage_err("can't send rpc: %s needs a value", a);
			goto out;
		} else if (!val && a[0] == '-') {
			usage_err("can't send rpc: unknown option '%s' (see \"%s rpc help\")", a, bin_name);
			goto out;
		}
		if (scope) {
			int s = rpc_parse_scope(val);

			if (s < 0) {
				usage_err("can't send rpc: unknown scope '%s' (configuration, debug_read_only, debug_write or debug_write_full)",
					  val);
				goto out;
			}
			req->scope = s;
		} else if (out_len) {
			if (parse_uint(val, RPC_MAX_OUT_LEN, &v)) {
				usage_err("can't send rpc: bad --out-len '%s' (0..%u)", val, RPC_MAX_OUT_LEN);
				goto out;
			}
			req->out_len = v;
			req->has_out_len = true;
		} else if (!have_cmd) {
			if (parse_command(a, req))
				goto out;
			have_cmd = true;
		} else {
			args[nargs++] = argv[0];
		}
	}
	if (!have_cmd) {
		usage_err("can't send rpc: missing COMMAND (see \"%s rpc help\")", bin_name);
		goto out;
	}
	rpc_command_name(req->opcode, cmd, sizeof(cmd));

	/* The register first: its fields depend on it. */
	if (req->opcode == MLX5_CMD_OP_ACCESS_REG) {
		for (i = 0; i < nargs; i++) {
			if (!strncmp(args[i], "reg=", 4) &&
			    parse_reg(cmd, args[i] + 4, req))
				goto out;
			if (!strncmp(args[i], "register_id=", 12) &&
			    parse_reg(cmd, args[i] + 12, req))
				goto out;
		}
		if (req->reg_id < 0) {
			usage_err("can't send %s: missing reg=NAME|ID (see \"%s rpc help\")",
				  cmd, bin_name);
			goto out;
		}
	}
	for (i = 0; i < nargs; i++)
		if (parse_arg(cmd, args[i], req))
			goto out;
	ret = 0;
out:
	free(args);
	return ret;
}

/* Encoding */

uint16_t rpc_op_mod(const struct rpc_request *req)
{
	const struct rpc_cmd_def *c = find_cmd(req->opcode);

	if (req->op_mod >= 0)
		return req->op_mod;
	if (req->opcode == MLX5_CMD_OP_ACCESS_REG)
		return req->reg_write ? FWCTL_MLX5_ACCESS_REG_WRITE : FWCTL_MLX5_ACCESS_REG_READ;
	return c ? c->op_mod : 0;
}

uint16_t rpc_cap_query_op_mod(const struct rpc_request *req)
{
	return rpc_op_mod(req) | 1;	/* same cap_type, current values */
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

size_t rpc_in_len(const struct rpc_request *req)
{
	const struct rpc_cmd_def *c = find_cmd(req->opcode);
	const struct rpc_reg_def *reg;

	if (req->opcode == MLX5_CMD_OP_ACCESS_REG) {
		reg = find_reg(req->reg_id);
		return MLX5_ST_SZ_BYTES(access_register_in) +
		       max_size(reg ? reg->size : 0, req->raw_len);
	}
	return max_size(c ? c->in_size : HDR_LEN, HDR_LEN + req->raw_len);
}

uint32_t rpc_out_len(const struct rpc_request *req)
{
	const struct rpc_cmd_def *c = find_cmd(req->opcode);
	const struct rpc_reg_def *reg;

	if (req->has_out_len)
		return req->out_len;
	if (req->opcode == MLX5_CMD_OP_ACCESS_REG) {
		reg = find_reg(req->reg_id);
		return reg ? MLX5_ST_SZ_BYTES(access_register_out) + reg->size : RPC_DEFAULT_OUT_LEN;
	}
	return c ? c->out_size : RPC_DEFAULT_OUT_LEN;
}

/* MLX5_SET for a field known by offset and width (within one dword) */
static void set_bits(void *base, unsigned int bit_off, unsigned int bits, uint32_t v)
{
	uint32_t *dw = (uint32_t *)base + bit_off / 32;
	unsigned int shift = 32 - bits - bit_off % 32;
	uint32_t mask = bits >= 32 ? UINT32_MAX : (1u << bits) - 1;
	uint32_t x = be32toh(*dw);

	x = (x & ~(mask << shift)) | (v & mask) << shift;
	*dw = htobe32(x);
}

void rpc_encode(const struct rpc_request *req, const void *caps, void *in, size_t in_len)
{
	uint8_t *p = in;
	size_t room, off = HDR_LEN;
	const struct rpc_reg_def *reg = NULL;
	int i;

	memset(in, 0, in_len);
	if (in_len < HDR_LEN)
		return;
	MLX5_SET(mbox_in_hdr, in, opcode, req->opcode);
	MLX5_SET(mbox_in_hdr, in, op_mod, rpc_op_mod(req));

	if (req->opcode == MLX5_CMD_OP_ACCESS_REG) {
		off = MLX5_ST_SZ_BYTES(access_register_in);
		MLX5_SET(access_register_in, in, register_id, req->reg_id);
		reg = find_reg(req->reg_id);
		if (reg && reg->defaults && in_len >= off + reg->size)
			reg->defaults(p + off);
	} else if (req->opcode == MLX5_CMD_OP_SET_HCA_CAP && caps) {
		off = MLX5_BYTE_OFF(set_hca_cap_in, capability);
		room = in_len - off;
		memcpy(p + off, caps, MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability) < room ?
				      MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability) : room);
	}
	room = in_len - off;

	/* in=, hdr=, data=, then the named fields: later wins */
	memcpy(p + off, req->raw, req->raw_len < room ? req->raw_len : room);
	if (req->has_data && reg && reg->id == FWCTL_MLX5_REG_MNVDA && room >= reg->size) {
		memcpy(MLX5_ADDR_OF(mnvda_reg, p + off, configuration_item_data), req->data,
		       req->data_len);
		MLX5_SET(mnvda_reg, p + off, length, req->data_len);
	}
	memcpy(p + 8, req->hdr, req->hdr_len);	/* 8 + sizeof(hdr) <= HDR_LEN */
	for (i = 0; i < req->nr_sets; i++) {
		const struct rpc_field *f = req->sets[i].field;
		size_t end = (f->bit_off + f->bits + 7) / 8;

		if (f->mailbox && end <= in_len)
			set_bits(p, f->bit_off, f->bits, req->sets[i].value);
		else if (!f->mailbox && end <= room)
			set_bits(p + off, f->bit_off, f->bits, req->sets[i].value);
	}
}

/* Decoding */

void rpc_decode(const struct rpc_request *req, const void *out, uint32_t out_len,
		uint32_t buf_len, struct rpc_reply *r)
{
	const struct rpc_cmd_def *c = find_cmd(req->opcode);

	memset(r, 0, sizeof(*r));
	r->out_len = out_len;
	r->len = out_len < buf_len ? out_len : buf_len;
	if (r->len < OUT_HDR_LEN)
		return;
	r->has_header = true;
	r->status = MLX5_GET(mbox_out_hdr, out, status);
	r->syndrome = MLX5_GET(mbox_out_hdr, out, syndrome);
	if (r->status != FWCTL_MLX5_STAT_OK || !c || !c->decode || r->len < c->out_size)
		return;
	c->decode(req, out, r);
}

const struct rpc_value *rpc_value(const struct rpc_reply *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

/* Printing */

static void print_temp(int64_t mc)
{
	int64_t a = mc < 0 ? -mc : mc;
	char frac[8];
	int n;

	n = snprintf(frac, sizeof(frac), "%03d", (int)(a % 1000));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	printf("%s%lld%s%s C", mc < 0 ? "-" : "", (long long)(a / 1000), n ? "." : "", frac);
}

static void hexdump(const uint8_t *p, size_t len)
{
	bool starred = false;
	size_t off, i, n;

	for (off = 0; off < len; off += 16) {
		n = len - off < 16 ? len - off : 16;
		/* repeated full lines collapse into "*", as hexdump(1) does */
		if (off && n == 16 && off + 16 < len && !memcmp(p + off, p + off - 16, 16)) {
			if (!starred)
				printf("  *\n");
			starred = true;
			continue;
		}
		starred = false;
		printf("  %04zx:", off);
		for (i = 0; i < n; i++)
			printf(" %02x", p[off + i]);
		printf("\n");
	}
}

static void print_text(const struct rpc_request *req, const struct rpc_reply *r, const void *out)
{
	const char *sname = mlx5_status_name(r->status);
	int i;

	if (!r->has_header) {
		printf("out_len %u (no reply header)\n", r->out_len);
	} else {
		printf("status %s (0x%x) syndrome 0x%x out_len %u", sname ? sname : "UNKNOWN",
		       r->status, r->syndrome, r->out_len);
		if (r->len < r->out_len)
			printf(" (%zu bytes kept: --out-len)", r->len);
		printf("\n");
	}
	for (i = 0; i < r->nr; i++) {
		const struct rpc_value *v = &r->v[i];

		printf("  %s ", v->name);
		switch (v->kind) {
		case RPC_DEC:
			printf("%lld", (long long)v->num);
			break;
		case RPC_HEX:
			printf("0x%0*llx", v->width, (unsigned long long)v->num);
			break;
		case RPC_STR:
			printf(!strcmp(v->name, "ascii") ? "\"%s\"" : "%s", v->str);
			break;
		case RPC_TEMP:
			print_temp(v->num);
			break;
		}
		printf("\n");
	}
	if (!r->nr || verbose)
		hexdump(out, r->len);
}

static void print_json(const struct rpc_request *req, const struct rpc_reply *r, const void *out)
{
	const char *sname = mlx5_status_name(r->status);
	const uint8_t *p = out;
	char name[64], *hex;
	size_t i;

	jw_start_object(json_wtr);
	if (r->has_header) {
		jw_uint_field(json_wtr, "status", r->status);
		if (sname)
			jw_string_field(json_wtr, "status_name", sname);
		else
			jw_null_field(json_wtr, "status_name");
		jw_uint_field(json_wtr, "syndrome", r->syndrome);
	} else {
		jw_null_field(json_wtr, "status");
		jw_null_field(json_wtr, "status_name");
		jw_null_field(json_wtr, "syndrome");
	}
	jw_uint_field(json_wtr, "out_len", r->out_len);
	jw_name(json_wtr, "fields");
	jw_start_object(json_wtr);
	for (i = 0; i < (size_t)r->nr; i++) {
		const struct rpc_value *v = &r->v[i];

		switch (v->kind) {
		case RPC_DEC:
		case RPC_HEX:
			jw_int_field(json_wtr, v->name, v->num);
			break;
		case RPC_STR:
			jw_string_field(json_wtr, v->name, v->str);
			break;
		case RPC_TEMP:
			snprintf(name, sizeof(name), "%s_mc", v->name);
			jw_int_field(json_wtr, name, v->num);
			break;
		}
	}
	jw_end_object(json_wtr);
	hex = malloc(2 * r->len + 1);
	if (hex) {
		for (i = 0; i < r->len; i++)
			sprintf(hex + 2 * i, "%02x", p[i]);
		hex[2 * r->len] = '\0';
		jw_string_field(json_wtr, "out", hex);
		free(hex);
	} else {
		jw_null_field(json_wtr, "out");
	}
	jw_end_object(json_wtr);
}

void rpc_print(const struct rpc_request *req, const struct rpc_reply *r, const void *out)
{
	if (json_output && json_wtr)
		print_json(req, r, out);
	else
		print_text(req, r, out);
}

/* The command */

/* "Error: MSG: strerror (ENAME)", or {"error": "MSG: strerror", "errno": "ENAME"} */
static void p_err_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void p_err_errno(int err, const char *fmt, ...)
{
	const char *ename = strerrorname_np(err);
	char msg[512], ebuf[16];
	va_list ap;

	if (!ename) {
		snprintf(ebuf, sizeof(ebuf), "%d", err);
		ename = ebuf;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output) {
		if (!json_wtr)
			json_wtr = jw_new(stdout, pretty_output);
		if (!json_wtr)
			return;
		jw_start_object(json_wtr);
		jw_name(json_wtr, "error");
		{
			char full[640];

			snprintf(full, sizeof(full), "%s: %s", msg, strerror(err));
			jw_string(json_wtr, full);
		}
		jw_string_field(json_wtr, "errno", ename);
		jw_end_object(json_wtr);
		return;
	}
	fprintf(stderr, "Error: %s: %s (%s)\n", msg, strerror(err), ename);
}

/* "PREFIX name name ... SUFFIX", wrapped at 80 columns */
static void help_fields(const char *prefix, const struct rpc_field *f, size_t n,
			const char *suffix)
{
	int start = *prefix ? 18 : 17, indent = start + (int)strlen(prefix) + 1, col;
	size_t i;

	col = fprintf(stderr, "%*s%s", start, "", prefix);
	for (i = 0; i < n; i++) {
		if (col + 1 + (int)strlen(f[i].name) > 79)
			col = fprintf(stderr, "\n%*s", indent - 1, "") - 1;
		col += fprintf(stderr, " %s", f[i].name);
	}
	if (suffix && col + 1 + (int)strlen(suffix) > 79)
		fprintf(stderr, "\n%*s", indent - 1, "");
	fprintf(stderr, "%s%s\n", suffix ? " " : "", suffix ? suffix : "");
}

static int help_rpc(void)
{
	char prefix[32];
	size_t i;

	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s rpc DEV [--scope SCOPE] [--out-len N] COMMAND [ARG...]\n"
		"\n"
		"Send one mlx5 command to DEV (/dev/fwctl/fwctlN, fwctlN or N) and decode the\n"
		"reply: status, syndrome and key fields, or a hexdump. For trying policies by\n"
		"hand: an RPC the kernel or a policy refuses prints the errno (EACCES, ...).\n"
		"\n"
		"       SCOPE   := { configuration | debug_read_only | debug_write |\n"
		"                    debug_write_full }   (a prefix will do; default debug_read_only)\n"
		"       --out-len N  the reply buffer (default: the command's reply size, else %d)\n"
		"       COMMAND := an mlx5 opcode name (QUERY_ADAPTER, nop, ...) or number (0x80d)\n"
		"       ARG     := op_mod=N | in=HEX | hdr=HEX | FIELD=N\n"
		"                  in: raw bytes after the 16-byte header (for ACCESS_REG, the\n"
		"                  register data); hdr: header bytes 8..15 (command specific)\n"
		"\n"
		"       ACCESS_REG reg=NAME|ID [read | write] [FIELD=N]...\n"
		"                  read: op_mod 1 (the default), write: op_mod 0. FIELDs:\n",
		bin_name, RPC_DEFAULT_OUT_LEN);
	for (i = 0; i < ARRAY_LEN(regs); i++) {
		snprintf(prefix, sizeof(prefix), "%-6s", mlx5_register_name(regs[i].id));
		help_fields(prefix, regs[i].fields, regs[i].nr_fields,
			    regs[i].id == FWCTL_MLX5_REG_MCIA ? "(default i2c=0x50 size=16)" :
			    regs[i].id == FWCTL_MLX5_REG_MNVDA ? "data=HEX (sets length)" : NULL);
	}
	fprintf(stderr,
		"       SET_HCA_CAP: the current general device caps are read first\n"
		"                  (QUERY_HCA_CAP op_mod 1), only the FIELDs given change.\n"
		"                  other_function=1 function_id=N pre-configures function N\n"
		"                  (a VF), the one form mlx5 firmware accepts from fwctl.\n"
		"       Other commands' FIELDs (mailbox fields; SET_HCA_CAP's: caps too):\n");
	for (i = 0; i < ARRAY_LEN(cmds); i++) {
		if (!cmds[i].nr_fields)
			continue;
		help_fields(mlx5_opcode_name(cmds[i].opcode), cmds[i].fields, cmds[i].nr_fields,
			    NULL);
	}
	fprintf(stderr,
		"\n"
		"Decoded: QUERY_ADAPTER, QUERY_HCA_CAP (general caps), QUERY_ISSI,\n"
		"QUERY_VPORT_STATE, QUERY_NIC_VPORT_CONTEXT, ACCESS_REG of MCIA, MTMP, MNVDA;\n"
		"other replies are hexdumped (-v: always). Exit status 1 when the RPC fails or\n"
		"the firmware's status is not OK.\n"
		"\n"
		"Examples: %s rpc fwctl0 QUERY_ADAPTER\n"
		"          %s rpc fwctl0 ACCESS_REG reg=MCIA addr=148 size=16\n"
		"          %s rpc fwctl0 --scope configuration SET_HCA_CAP other_function=1 function_id=1 roce=0\n",
		bin_name, bin_name, bin_name);
	return 0;
}

_Static_assert(__mlx5_bit_off(query_hca_cap_in, other_function) ==
	       __mlx5_bit_off(set_hca_cap_in, other_function) &&
	       __mlx5_bit_off(query_hca_cap_in, function_id) ==
	       __mlx5_bit_off(set_hca_cap_in, function_id),
	       "SET_HCA_CAP's function fields apply to QUERY_HCA_CAP as they are");

int rpc_current_caps(const void *out, uint32_t out_len, uint32_t buf_len, void *caps,
		     char *msg, size_t size)
{
	size_t need = MLX5_ST_SZ_BYTES(query_hca_cap_out);
	size_t len = out_len < buf_len ? out_len : buf_len;
	const char *sname;
	uint8_t status;

	if (len < OUT_HDR_LEN) {
		snprintf(msg, size, "QUERY_HCA_CAP returned %u bytes, not even the %u of the "
			 "output header", out_len, (unsigned int)OUT_HDR_LEN);
		return -1;
	}
	status = MLX5_GET(mbox_out_hdr, out, status);
	if (status) {
		sname = mlx5_status_name(status);
		snprintf(msg, size, "QUERY_HCA_CAP status %s (0x%x) syndrome 0x%x",
			 sname ? sname : "UNKNOWN", status, MLX5_GET(mbox_out_hdr, out, syndrome));
		return -1;
	}
	/* a short OK (a policy's REPLY, a truncating driver): caps we never read */
	if (len < need) {
		snprintf(msg, size, "QUERY_HCA_CAP returned status OK with %zu bytes, fewer than "
			 "the %zu of the current caps; refusing to write back caps it did not "
			 "return", len, need);
		return -1;
	}
	memcpy(caps, MLX5_ADDR_OF(query_hca_cap_out, out, capability),
	       MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability));
	return 0;
}

/* SET_HCA_CAP: the current caps the command leaves unchanged, into @caps */
static int read_caps(int fd, const struct rpc_request *req, const char *path, void *caps)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = {};
	uint32_t buf_len = MLX5_ST_SZ_BYTES(query_hca_cap_out), out_len = buf_len;
	uint8_t *out = calloc(1, buf_len);
	char msg[256];
	int i, ret;

	if (!out) {
		p_err("can't send SET_HCA_CAP: out of memory");
		return -1;
	}
	MLX5_SET(query_hca_cap_in, in, opcode, MLX5_CMD_OP_QUERY_HCA_CAP);
	MLX5_SET(query_hca_cap_in, in, op_mod, rpc_cap_query_op_mod(req));
	/* the same function: other_function, function_id (same layout) */
	for (i = 0; i < req->nr_sets; i++)
		if (req->sets[i].field->mailbox)
			set_bits(in, req->sets[i].field->bit_off, req->sets[i].field->bits,
				 req->sets[i].value);
	ret = fwctl_rpc(fd, req->scope, in, sizeof(in), out, &out_len);
	if (ret) {
		p_err_errno(-ret, "can't send QUERY_HCA_CAP (the current caps SET_HCA_CAP keeps) to %s",
			    path);
		goto out;
	}
	ret = rpc_current_caps(out, out_len, buf_len, caps, msg, sizeof(msg));
	if (ret)
		p_err("can't read the current caps for SET_HCA_CAP: %s", msg);
out:
	free(out);
	return ret ? -1 : 0;
}

int do_rpc(int argc, char **argv)
{
	struct rpc_request *req = NULL;
	uint8_t *in = NULL, *out = NULL, *caps = NULL;
	struct rpc_reply *r = NULL;
	char path[64], cmd[64];
	uint32_t type, out_len, buf_len;
	size_t in_len;
	int fd = -1, ret;

	if (argc && is_help(argv[0]))
		return help_rpc();
	req = malloc(sizeof(*req));
	r = malloc(sizeof(*r));
	if (!req || !r) {
		p_err("can't send rpc: out of memory");
		ret = -1;
		goto out;
	}
	ret = rpc_parse(argc, argv, req);
	if (ret)
		goto out;
	ret = -1;
	rpc_command_name(req->opcode, cmd, sizeof(cmd));
	snprintf(path, sizeof(path), "/dev/fwctl/fwctl%d", req->dev);

	fd = fwctl_open(path);
	if (fd < 0) {
		p_err_errno(-fd, "can't open %s", path);
		goto out;
	}
	ret = fwctl_info(fd, &type, NULL, NULL);
	if (ret) {
		p_err_errno(-ret, "can't send %s to %s: FWCTL_INFO", cmd, path);
		ret = -1;
		goto out;
	}
	if (type != FWCTL_DEVICE_TYPE_MLX5) {
		p_err("can't send %s to %s: not an mlx5 device (%s)", cmd, path,
		      fwctl_device_type_name(type));
		ret = -1;
		goto out;
	}
	ret = -1;	/* every failure below, until the RPC's own result */
	if (req->opcode == MLX5_CMD_OP_SET_HCA_CAP) {
		caps = calloc(1, MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability));
		if (!caps) {
			p_err("can't send %s: out of memory", cmd);
			goto out;
		}
		if (read_caps(fd, req, path, caps))
			goto out;
	}

	in_len = rpc_in_len(req);
	out_len = buf_len = rpc_out_len(req);
	in = malloc(in_len);
	out = calloc(1, buf_len ? buf_len : 1);
	if (!in || !out) {
		p_err("can't send %s: out of memory", cmd);
		goto out;
	}
	rpc_encode(req, caps, in, in_len);
	if (verbose) {
		p_info("%s op_mod 0x%x to %s, scope %s, in_len %zu, out_len %u:", cmd,
		       rpc_op_mod(req), path, fwctl_scope_name(req->scope), in_len, out_len);
		if (!json_output) {
			fflush(stdout);
			for (size_t i = 0; i < in_len; i += 16) {
				fprintf(stderr, "  %04zx:", i);
				for (size_t j = i; j < in_len && j < i + 16; j++)
					fprintf(stderr, " %02x", in[j]);
				fprintf(stderr, "\n");
			}
		}
	}
	ret = fwctl_rpc(fd, req->scope, in, in_len, out, &out_len);
	if (ret) {
		p_err_errno(-ret, "can't send %s to %s", cmd, path);
		ret = -1;
		goto out;
	}
	rpc_decode(req, out, out_len, buf_len, r);
	rpc_print(req, r, out);
	ret = r->has_header && r->status == FWCTL_MLX5_STAT_OK ? 0 : -1;
out:
	if (fd >= 0)
		close(fd);
	free(caps);
	free(in);
	free(out);
	free(r);
	free(req);
	return ret;
}
