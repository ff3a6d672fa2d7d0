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
 *	FWCTL_BPF_OPS(readonly) = {
 *		.rpc_filter = (void *)readonly_filter,
 *		.name = "readonly",
 *	};
 *
 * Both rpc_filter and rpc_done return FWCTL_BPF_ALLOW (0x7fff0000) to go
 * on; anything but the verdicts and a documented -errno fails the RPC
 * closed (include/uapi/fwctl/bpf.h).
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
#ifndef EEXIST
#define EEXIST		17
#endif

/* A policy: a struct_ops map attached through a BPF link. */
#define FWCTL_BPF_OPS(name) \
	SEC(".struct_ops.link") struct fwctl_bpf_ops name

/*
 * Payload kfuncs (drivers/fwctl/bpf.c). The views return NULL when the
 * window [offset, offset + size) is not all inside the buffer; size must
 * be a constant. Request views show the request (rpc_filter) or its
 * first FWCTL_BPF_REQUEST_HEAD bytes as the driver got them (rpc_done);
 * the writable request view exists in rpc_filter only. Response views show
 * the reply (rpc_filter) or the response (rpc_done).
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

/* Who sends the RPC: the calling thread's credentials and cgroup. */
static __always_inline __u32 fwctl_bpf_caller_uid(void)
{
	return (__u32)bpf_get_current_uid_gid();
}

static __always_inline __u32 fwctl_bpf_caller_gid(void)
{
	return bpf_get_current_uid_gid() >> 32;
}

static __always_inline __u64 fwctl_bpf_caller_cgroup(void)
{
	return bpf_get_current_cgroup_id();
}

/* True if @key is in the hash or array map @map (a set of ids). */
#define fwctl_bpf_in_set(map, key)					\
	({								\
		__typeof__(key) __fwctl_key = (key);			\
		bpf_map_lookup_elem(map, &__fwctl_key) != NULL;		\
	})

/* True if the RPC asks for at most @scope (enum fwctl_rpc_scope). */
static __always_inline bool fwctl_bpf_scope_at_most(const struct fwctl_bpf_ctx *rpc,
						    __u32 scope)
{
	return rpc->scope <= scope;
}

#endif
