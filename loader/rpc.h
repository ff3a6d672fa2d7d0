/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpc: one mlx5 command through /dev/fwctl/fwctlN, for trying policies by
 * hand (mlx5ctl's job). The command line is parsed into a struct
 * rpc_request, encoded into a mailbox, sent, and the reply decoded into
 * named fields; every step but the sending is a function of its own, so
 * the host unit tests (tests/unit/test_loader_rpc.c) check them without a
 * device.
 */
#ifndef FWCTL_BPF_LOADER_RPC_H
#define FWCTL_BPF_LOADER_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fwctl/fwctl.h>

/* The longest in=HEX accepted (bytes) */
#define RPC_MAX_RAW		4096
/* The largest --out-len accepted (the kernel refuses > 2 MiB itself) */
#define RPC_MAX_OUT_LEN		(64u << 20)
/* --out-len for an opcode whose reply layout fwctl-bpf does not know */
#define RPC_DEFAULT_OUT_LEN	4096
#define RPC_MAX_SETS		16
#define RPC_MAX_VALUES		24

/*
 * A settable field: its bit offset and width, from the start of the
 * mailbox (@mailbox) or of the data after the header (the register data
 * of ACCESS_REG, the capability of SET_HCA_CAP).
 */
struct rpc_field {
	const char *name;
	uint16_t bit_off;
	uint8_t bits;
	bool mailbox;
};

struct rpc_set {
	const struct rpc_field *field;
	uint32_t value;
};

struct rpc_request {
	int dev;			/* N of /dev/fwctl/fwctlN */
	enum fwctl_rpc_scope scope;
	bool has_out_len;		/* --out-len given; else the command's reply size */
	uint32_t out_len;
	uint16_t opcode;
	int op_mod;			/* op_mod=; -1: the command's default */
	int reg_id;			/* ACCESS_REG reg=; -1: none given */
	bool reg_write;			/* ACCESS_REG "write" */
	size_t raw_len;			/* in=HEX */
	uint8_t raw[RPC_MAX_RAW];
	size_t hdr_len;			/* hdr=HEX: header bytes 8..15 */
	uint8_t hdr[8];
	bool has_data;			/* MNVDA data=HEX */
	size_t data_len;
	uint8_t data[256];
	int nr_sets;			/* FIELD=VALUE, in command-line order */
	struct rpc_set sets[RPC_MAX_SETS];
};

/*
 * Parse "DEV [--scope SCOPE] [--out-len N] COMMAND [ARG...]". Returns 0,
 * or CMD_USAGE after printing the error.
 */
int rpc_parse(int argc, char **argv, struct rpc_request *req);

/* "debug_read_only", a unique prefix of a scope name, or 0..3; -1 if not */
int rpc_parse_scope(const char *s);
/* Hex bytes, optionally 0x-prefixed and ':'/'-'/'_'/' '-separated; the
 * number of bytes, -1 if malformed or longer than @size.
 */
int rpc_parse_hex(const char *s, uint8_t *buf, size_t size);

/* The ACCESS_REG op_mod or the command's op_mod the request sends */
uint16_t rpc_op_mod(const struct rpc_request *req);
/* Mailbox sizes: what rpc_encode() fills, the buffer the reply gets */
size_t rpc_in_len(const struct rpc_request *req);
uint32_t rpc_out_len(const struct rpc_request *req);
/* SET_HCA_CAP: the QUERY_HCA_CAP op_mod that reads the caps it changes */
uint16_t rpc_cap_query_op_mod(const struct rpc_request *req);

/*
 * Fill @in (@in_len bytes, rpc_in_len()) with the request's mailbox. For
 * SET_HCA_CAP, @caps is the capability of a QUERY_HCA_CAP reply (the
 * current caps, so that fields not given stay as they are) or NULL.
 */
void rpc_encode(const struct rpc_request *req, const void *caps, void *in, size_t in_len);

/*
 * SET_HCA_CAP: the current caps from QUERY_HCA_CAP's reply @out (the
 * driver returned @out_len bytes into a buffer of @buf_len) into @caps
 * (MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability)). 0, or -1 with the
 * reason in @msg: no header, a failed status, or a reply shorter than
 * the caps (SET_HCA_CAP would write zeroes back for what is missing).
 */
int rpc_current_caps(const void *out, uint32_t out_len, uint32_t buf_len, void *caps,
		     char *msg, size_t size);

enum rpc_kind {
	RPC_DEC,	/* number */
	RPC_HEX,	/* number shown in hex (width: digits) */
	RPC_STR,	/* text */
	RPC_TEMP,	/* millidegrees Celsius: "58.5 C", JSON NAME_mc */
};

struct rpc_value {
	const char *name;
	enum rpc_kind kind;
	int width;
	int64_t num;
	char str[520];
};

struct rpc_reply {
	bool has_header;	/* at least the 16-byte output header came back */
	uint8_t status;
	uint32_t syndrome;
	uint32_t out_len;	/* the length the driver returned */
	size_t len;		/* bytes of the reply available (<= the buffer) */
	int nr;
	struct rpc_value v[RPC_MAX_VALUES];
};

/*
 * Decode @out: the driver returned @out_len bytes into a buffer of
 * @buf_len. Key fields are decoded for the commands fwctl-bpf knows when
 * the status is OK; none otherwise.
 */
void rpc_decode(const struct rpc_request *req, const void *out, uint32_t out_len,
		uint32_t buf_len, struct rpc_reply *r);
/* The value named @name in @r, or NULL */
const struct rpc_value *rpc_value(const struct rpc_reply *r, const char *name);

/* Print the reply on stdout: text, or JSON when json_output */
void rpc_print(const struct rpc_request *req, const struct rpc_reply *r, const void *out);

/* "NOP", "ACCESS_REG" or "opcode 0x1234" into @buf */
const char *rpc_command_name(uint16_t opcode, char *buf, size_t size);

#endif
