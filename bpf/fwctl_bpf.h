/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-bpf policy SDK: include after vmlinux.h (generated from the
 * patched kernel's BTF, which holds struct fwctl_bpf_ctx and
 * struct fwctl_bpf_ops).
 *
 *	#include "vmlinux.h"
 *	#include "fwctl_bpf.h"
 *
 *	SEC("struct_ops/rpc_filter")
 *	int BPF_PROG(readonly_filter, struct fwctl_bpf_ctx *rpc)
 *	{
 *		return rpc->scope == FWCTL_RPC_DEBUG_READ_ONLY ?
 *		       FWCTL_BPF_ALLOW : -EACCES;
 *	}
 *
 *	FWCTL_BPF_OPS(readonly_ops) = {
 *		.rpc_filter = (void *)readonly_filter,
 *		.name = "readonly",
 *	};
 */
#ifndef FWCTL_BPF_SDK_H
#define FWCTL_BPF_SDK_H

#ifndef __VMLINUX_H__
#error "include vmlinux.h before fwctl_bpf.h"
#endif

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <fwctl/bpf.h>		/* verdicts, flags, limits: the kernel's uAPI */

/* errnos a policy may reject with (the kernel's documented set) */
#ifndef EPERM
#define EPERM		1
#endif
#ifndef EAGAIN
#define EAGAIN		11
#endif
#ifndef EACCES
#define EACCES		13
#endif
#ifndef EBUSY
#define EBUSY		16
#endif
#ifndef EINVAL
#define EINVAL		22
#endif
#ifndef ENOSPC
#define ENOSPC		28
#endif
#ifndef EROFS
#define EROFS		30
#endif
#ifndef EBADMSG
#define EBADMSG		74
#endif
#ifndef EMSGSIZE
#define EMSGSIZE	90
#endif
#ifndef ENOBUFS
#define ENOBUFS		105
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP	95
#endif

/* A policy: a struct_ops map attached through a BPF link. */
#define FWCTL_BPF_OPS(name) \
	SEC(".struct_ops.link") struct fwctl_bpf_ops name

/*
 * Payload kfuncs (drivers/fwctl/bpf.c). The views return NULL when the
 * window [offset, offset + size) is not all inside the buffer; size must
 * be a constant. Request views exist in rpc_filter only; response views
 * show the reply (rpc_filter) or the response (rpc_done).
 */
extern __u8 *fwctl_bpf_request_data(struct fwctl_bpf_ctx *ctx, __u32 offset,
				    const size_t rdonly_buf_size) __ksym;
extern __u8 *fwctl_bpf_request_data_rw(struct fwctl_bpf_ctx *ctx,
				       __u32 offset,
				       const size_t rdwr_buf_size) __ksym;
extern __u8 *fwctl_bpf_response_data(struct fwctl_bpf_ctx *ctx, __u32 offset,
				     const size_t rdonly_buf_size) __ksym;
extern __u8 *fwctl_bpf_response_data_rw(struct fwctl_bpf_ctx *ctx,
					__u32 offset,
					const size_t rdwr_buf_size) __ksym;
extern int fwctl_bpf_reply_alloc(struct fwctl_bpf_ctx *ctx, __u32 len) __ksym;
extern int fwctl_bpf_copy(struct fwctl_bpf_ctx *ctx, __u32 which,
			  __u32 offset, void *dst, __u32 dst__sz) __ksym;

#endif
