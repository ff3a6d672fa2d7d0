/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlx5 command accessors for fwctl-bpf policies. Include after vmlinux.h
 * and fwctl_bpf.h. Layouts come from the kernel's mlx5_ifc.h
 * (mlx5_ifc_common.h), opcodes and register ids from the kernel source
 * (build/include/mlx5/fwctl_mlx5_names.h): a policy never types an mlx5
 * number by hand.
 *
 *	struct fwctl_mlx5_cmd cmd;
 *
 *	if (fwctl_mlx5_parse(rpc, &cmd))
 *		return -EMSGSIZE;	// shorter than the mailbox header
 *	if (cmd.opcode == MLX5_CMD_OP_ACCESS_REG && cmd.is_write &&
 *	    cmd.reg_id == FWCTL_MLX5_REG_MNVDA)
 *		return -EACCES;
 */
#ifndef FWCTL_BPF_MLX5_H
#define FWCTL_BPF_MLX5_H

#include "mlx5_ifc_common.h"
#include <mlx5/fwctl_mlx5_names.h>

/* What a policy usually needs to know about an mlx5 command. */
struct fwctl_mlx5_cmd {
	__u16 opcode;
	__u16 op_mod;
	__u16 uid;
	__u16 reg_id;		/* ACCESS_REG(ISTER_USER) only, else 0 */
	bool is_access_reg;
	bool is_write;		/* ACCESS_REG(ISTER_USER) with op_mod write */
};

static __always_inline bool fwctl_mlx5_is_access_reg(__u16 opcode)
{
	return opcode == MLX5_CMD_OP_ACCESS_REG ||
	       opcode == FWCTL_MLX5_OP_ACCESS_REGISTER_USER;
}

/*
 * Decode the request's mailbox header (the first 16 bytes, which hold the
 * ACCESS_REG register id too). Only in rpc_filter.
 * Return: 0, or -EMSGSIZE if the request is shorter than the header (the
 * mlx5 driver would refuse it with -EMSGSIZE too).
 */
static __always_inline int fwctl_mlx5_parse(struct fwctl_bpf_ctx *rpc,
					    struct fwctl_mlx5_cmd *cmd)
{
	const __u8 *in = fwctl_bpf_request_data(rpc, 0,
						MLX5_ST_SZ_BYTES(mbox_in_hdr));

	if (!in)
		return -EMSGSIZE;
	cmd->opcode = MLX5_GET(mbox_in_hdr, in, opcode);
	cmd->op_mod = MLX5_GET(mbox_in_hdr, in, op_mod);
	cmd->uid = MLX5_GET(mbox_in_hdr, in, uid);
	cmd->is_access_reg = fwctl_mlx5_is_access_reg(cmd->opcode);
	cmd->reg_id = cmd->is_access_reg ?
		      MLX5_GET(access_register_in, in, register_id) : 0;
	cmd->is_write = cmd->is_access_reg &&
			cmd->op_mod == FWCTL_MLX5_ACCESS_REG_WRITE;
	return 0;
}

/*
 * Status and syndrome of the response (rpc_done, or a reply in
 * rpc_filter). Return: 0, or -EMSGSIZE if there is no full header.
 */
static __always_inline int fwctl_mlx5_response_status(struct fwctl_bpf_ctx *rpc,
						      __u8 *status,
						      __u32 *syndrome)
{
	const __u8 *out = fwctl_bpf_response_data(rpc, 0,
						  MLX5_ST_SZ_BYTES(mbox_out_hdr));

	if (!out)
		return -EMSGSIZE;
	*status = MLX5_GET(mbox_out_hdr, out, status);
	*syndrome = MLX5_GET(mbox_out_hdr, out, syndrome);
	return 0;
}

/*
 * Read or write one field of the request or the response in place, through
 * a 4-byte view of the dword that holds it (MLX5_GET/MLX5_SET semantics).
 * @typ is the mlx5_ifc layout of the whole buffer, @fld may be nested
 * (capability.cmd_hca_cap.roce). Each evaluates to false when the dword is
 * not inside the buffer. The request setter marks the RPC rewritten; the
 * response setter marks it redacted in rpc_done and fills a reply in
 * rpc_filter.
 */
#define __fwctl_mlx5_get(view, rpc, typ, fld, val)			\
	({								\
		const fwctl_mlx5_dw *__d = (const void *)view(rpc,	\
			__mlx5_dw_off(typ, fld) * 4, 4);		\
		if (__d)						\
			*(val) = (fwctl_mlx5_be32_to_cpu(*__d) >>	\
				  __mlx5_dw_bit_off(typ, fld)) &	\
				 __mlx5_mask(typ, fld);			\
		__d != NULL;						\
	})

#define __fwctl_mlx5_set(view, rpc, typ, fld, v)			\
	({								\
		fwctl_mlx5_dw *__d = (void *)view(rpc,			\
			__mlx5_dw_off(typ, fld) * 4, 4);		\
		if (__d) {						\
			fwctl_mlx5_dw __v = fwctl_mlx5_be32_to_cpu(*__d) & \
					    ~__mlx5_dw_mask(typ, fld);	\
			__v |= ((fwctl_mlx5_dw)(v) & __mlx5_mask(typ, fld)) \
			       << __mlx5_dw_bit_off(typ, fld);		\
			*__d = fwctl_mlx5_cpu_to_be32(__v);		\
		}							\
		__d != NULL;						\
	})

#define fwctl_mlx5_request_get(rpc, typ, fld, val) \
	__fwctl_mlx5_get(fwctl_bpf_request_data, rpc, typ, fld, val)
#define fwctl_mlx5_request_set(rpc, typ, fld, v) \
	__fwctl_mlx5_set(fwctl_bpf_request_data_rw, rpc, typ, fld, v)
#define fwctl_mlx5_response_get(rpc, typ, fld, val) \
	__fwctl_mlx5_get(fwctl_bpf_response_data, rpc, typ, fld, val)
#define fwctl_mlx5_response_set(rpc, typ, fld, v) \
	__fwctl_mlx5_set(fwctl_bpf_response_data_rw, rpc, typ, fld, v)

/* Offset of ACCESS_REG's register data in the request and the response. */
#define FWCTL_MLX5_REG_DATA_IN	MLX5_BYTE_OFF(access_register_in, register_data)
#define FWCTL_MLX5_REG_DATA_OUT	MLX5_BYTE_OFF(access_register_out, register_data)

#endif
