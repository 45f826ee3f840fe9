/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel names backend/check.c uses, for building it in user space
 * (tests/fuzz).  Values come from the uapi headers the kernel's own
 * definitions are made of, where there are such; the rest are the
 * kernel's enum values (include/rdma/ib_verbs.h), which are ABI as well.
 */
#ifndef XENIB_FUZZ_KCOMPAT_H
#define XENIB_FUZZ_KCOMPAT_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/ib_user_verbs.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define U16_MAX			0xffffU
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d)	DIV_ROUND_UP((unsigned long long)(n), (d))
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)

enum {
	IB_QPT_RC = IB_UVERBS_QPT_RC,
	IB_QPT_UC = IB_UVERBS_QPT_UC,
	IB_QPT_UD = IB_UVERBS_QPT_UD,
};

enum {
	IB_WR_RDMA_WRITE = IB_UVERBS_WR_RDMA_WRITE,
	IB_WR_RDMA_WRITE_WITH_IMM = IB_UVERBS_WR_RDMA_WRITE_WITH_IMM,
	IB_WR_SEND = IB_UVERBS_WR_SEND,
	IB_WR_SEND_WITH_IMM = IB_UVERBS_WR_SEND_WITH_IMM,
	IB_WR_RDMA_READ = IB_UVERBS_WR_RDMA_READ,
	IB_WR_ATOMIC_CMP_AND_SWP = IB_UVERBS_WR_ATOMIC_CMP_AND_SWP,
	IB_WR_ATOMIC_FETCH_AND_ADD = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
	IB_WR_LOCAL_INV = IB_UVERBS_WR_LOCAL_INV,
	IB_WR_BIND_MW = IB_UVERBS_WR_BIND_MW,
	IB_WR_SEND_WITH_INV = IB_UVERBS_WR_SEND_WITH_INV,
};

enum {
	IB_GID_TYPE_ROCE_UDP_ENCAP = 2,
};

/* enum ib_qp_attr_mask, the same bits as the verbs ABI's IBV_QP_* */
enum {
	IB_QP_AV = 1 << 7,
	IB_QP_ALT_PATH = 1 << 14,
};

enum {
	IB_SRQ_LIMIT = 1 << 1,
};

/* include/rdma/ib_mad.h */
#define IB_MGMT_BASE_VERSION	1
#define IB_MGMT_CLASS_CM	0x07
#define IB_MGMT_METHOD_SEND	0x03
#define IB_QP1_QKEY		0x80010000

enum {
	IB_MW_TYPE_1 = 1,
	IB_MW_TYPE_2 = 2,
};

enum {
	IB_SEND_FENCE = 1,
	IB_SEND_SIGNALED = 1 << 1,
	IB_SEND_SOLICITED = 1 << 2,
	IB_SEND_INLINE = 1 << 3,
};

enum {
	IB_ACCESS_LOCAL_WRITE = IB_UVERBS_ACCESS_LOCAL_WRITE,
	IB_ACCESS_REMOTE_WRITE = IB_UVERBS_ACCESS_REMOTE_WRITE,
	IB_ACCESS_REMOTE_READ = IB_UVERBS_ACCESS_REMOTE_READ,
	IB_ACCESS_REMOTE_ATOMIC = IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	IB_ACCESS_MW_BIND = IB_UVERBS_ACCESS_MW_BIND,
};

enum {
	IB_WC_SUCCESS = 0,
	IB_WC_LOC_LEN_ERR = 1,
	IB_WC_LOC_QP_OP_ERR = 2,
	IB_WC_LOC_PROT_ERR = 4,
	IB_WC_MW_BIND_ERR = 6,
};

#endif /* XENIB_FUZZ_KCOMPAT_H */
