// SPDX-License-Identifier: GPL-2.0
/*
 * tbcount: a QEMU TCG plugin that counts, for every translated block, how
 * often the guest ran it, and what is in it besides plain instructions:
 * locked operations (a lock prefix, or xchg with memory), iterations of
 * rep string instructions (TCG runs each iteration as a one-instruction
 * block, so each counts as an instruction), serialising instructions
 * (rdtsc, rdtscp, cpuid, rdmsr/wrmsr, popf, cli, sti, iret, swapgs,
 * lfence, mfence) and indirect calls and jumps. At exit it writes
 * "vaddr insns count lock rep serial icall ijmp" lines (hex address, then
 * decimal: the block's instructions, its executions, and per execution
 * its instructions of each class) to out=PATH; scripts/profile.sh maps
 * them to kernel symbols.
 *
 * Windows. The guest marks points of its run by executing the 7-byte NOP
 * "nopl 0x46574354(%rax)" (bench/bench.h: bench_mark()). At each, the
 * plugin appends to marks=PATH one line: "mark N insns kinsns blocks lock
 * rep serial icall ijmp", the totals since boot (kinsns: of them, in
 * kernel addresses). The difference of two lines is what the guest ran
 * between the marks, all of it (user and kernel, interrupts included):
 * one boot measures as many configurations as it likes.
 *
 * QEMU 7.2 (Debian bookworm) has plugin support but ships no plugin and
 * no header: the few declarations needed are here (plugin API version 1,
 * include/qemu/qemu-plugin.h of QEMU 7.2).
 *
 * Counters are inline adds; with several vCPUs concurrent adds may be
 * lost, so count with one guest CPU.
 */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define TB_SLOTS (1u << 21)	/* distinct (vaddr, length) blocks */
#define KERNEL_START 0xffff800000000000ull

enum insn_class { C_LOCK, C_REP, C_SERIAL, C_ICALL, C_IJMP, NR_CLASSES };

static const char *const class_names[NR_CLASSES] = {
	"lock", "rep", "serial", "icall", "ijmp",
};

struct tb_slot {
	uint64_t vaddr;
	uint64_t count;
	uint32_t insns;
	uint32_t used;
	uint8_t classes[NR_CLASSES];	/* instructions of each class */
};

/* The marker: nopl 0x46574354(%rax), "TCWF" */
static const uint8_t marker[] = { 0x0f, 0x1f, 0x80, 0x54, 0x43, 0x57, 0x46 };

static struct tb_slot *slots;
static uint32_t *used;		/* the indices of the slots in use, nr_used of them */
static unsigned int nr_used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char out_path[4096];
static FILE *marks;
static unsigned int nr_marks;

static bool is_string_op(uint8_t op)
{
	return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
	       (op >= 0x6c && op <= 0x6f);
}

/* operand and address size, segment overrides */
static bool is_other_prefix(uint8_t b)
{
	switch (b) {
	case 0x66: case 0x67:
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		return true;
	}
	return false;
}

/* Bit C_* set for each class the instruction at p (n bytes) is of. */
static unsigned int classify(const uint8_t *p, size_t n)
{
	bool locked = false, rep = false;
	unsigned int mask = 0, reg;
	uint8_t op, modrm, b2, b3;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == 0xf0)
			locked = true;
		else if (p[i] == 0xf2 || p[i] == 0xf3)
			rep = true;
		else if (!is_other_prefix(p[i]))
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (i >= n)
		return 0;
	op = p[i];
	modrm = i + 1 < n ? p[i + 1] : 0;
	b2 = modrm;
	b3 = i + 2 < n ? p[i + 2] : 0;
	reg = (modrm >> 3) & 7;

	if (locked || ((op == 0x86 || op == 0x87) && (modrm >> 6) != 3))
		mask |= 1u << C_LOCK;
	if (rep && is_string_op(op))
		mask |= 1u << C_REP;
	if (op == 0x9d || op == 0xfa || op == 0xfb || op == 0xcf)
		mask |= 1u << C_SERIAL;		/* popf cli sti iret */
	if (op == 0x0f && (b2 == 0x31 || b2 == 0xa2 || b2 == 0x30 || b2 == 0x32 ||
			   (b2 == 0x01 && (b3 == 0xf9 || b3 == 0xf8)) ||
			   (b2 == 0xae && (b3 & 0xf8) == 0xe8) ||
			   (b2 == 0xae && (b3 & 0xf8) == 0xf0)))
		mask |= 1u << C_SERIAL;		/* rdtsc cpuid wrmsr rdmsr
						 * rdtscp swapgs lfence mfence */
	if (op == 0xff && (reg == 2 || reg == 3))
		mask |= 1u << C_ICALL;
	if (op == 0xff && (reg == 4 || reg == 5))
		mask |= 1u << C_IJMP;
	return mask;
}

/* A marker executed: the totals since boot, one line in marks=PATH */
static void on_marker(unsigned int vcpu_index, void *userdata)
{
	uint64_t insns = 0, kinsns = 0, blocks = 0, cls[NR_CLASSES] = { 0 };
	unsigned int i, c;

	pthread_mutex_lock(&lock);
	/* the blocks translated so far, not the whole table */
	for (i = 0; i < nr_used; i++) {
		const struct tb_slot *s = &slots[used[i]];

		insns += s->count * s->insns;
		if (s->vaddr >= KERNEL_START)
			kinsns += s->count * s->insns;
		blocks += s->count;
		for (c = 0; c < NR_CLASSES; c++)
			cls[c] += s->count * s->classes[c];
	}
	fprintf(marks, "mark %u %llu %llu %llu", nr_marks++,
		(unsigned long long)insns, (unsigned long long)kinsns,
		(unsigned long long)blocks);
	for (c = 0; c < NR_CLASSES; c++)
		fprintf(marks, " %llu", (unsigned long long)cls[c]);
	fputc('\n', marks);
	fflush(marks);
	pthread_mutex_unlock(&lock);
}

static struct tb_slot *slot_of(uint64_t vaddr, uint32_t insns)
{
	uint64_t h = (vaddr ^ ((uint64_t)insns << 48)) * 0x9e3779b97f4a7c15ull;
	unsigned int i = h >> (64 - 21);

	for (;;) {
		struct tb_slot *s = &slots[i];

		if (!s->used) {
			if (nr_used + 1 >= TB_SLOTS)
				return NULL;
			s->used = 1;
			s->vaddr = vaddr;
			s->insns = insns;
			used[nr_used++] = i;
			return s;
		}
		if (s->vaddr == vaddr && s->insns == insns)
			return s;
		i = (i + 1) & (TB_SLOTS - 1);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	unsigned int cls[NR_CLASSES] = { 0 }, mask, c;
	struct tb_slot *s;

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *p = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);

		mask = classify(p, len);
		for (c = 0; c < NR_CLASSES; c++)
			cls[c] += !!(mask & (1u << c));
		if (marks && len == sizeof(marker) && !memcmp(p, marker, len))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}

	pthread_mutex_lock(&lock);
	s = slot_of(qemu_plugin_tb_vaddr(tb), n);
	if (s)
		for (c = 0; c < NR_CLASSES; c++)
			s->classes[c] = cls[c] > 255 ? 255 : cls[c];
	pthread_mutex_unlock(&lock);
	if (s)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &s->count, 1);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	unsigned int i;

	if (!f) {
		fprintf(stderr, "tbcount: %s: %s\n", out_path, strerror(errno));
		return;
	}
	for (i = 0; i < TB_SLOTS; i++) {
		const struct tb_slot *s = &slots[i];
		unsigned int c;

		if (!s->used || !s->count)
			continue;
		fprintf(f, "%llx %u %llu", (unsigned long long)s->vaddr, s->insns,
			(unsigned long long)s->count);
		for (c = 0; c < NR_CLASSES; c++)
			fprintf(f, " %u", s->classes[c]);
		fputc('\n', f);
	}
	if (nr_used + 1 >= TB_SLOTS)
		fprintf(stderr, "tbcount: table full, counts are incomplete\n");
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	unsigned int c;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
		if (!strncmp(argv[i], "marks=", 6)) {
			marks = fopen(argv[i] + 6, "w");
			if (!marks) {
				fprintf(stderr, "tbcount: %s: %s\n", argv[i] + 6,
					strerror(errno));
				return -1;
			}
			fprintf(marks, "# mark N insns kinsns blocks");
			for (c = 0; c < NR_CLASSES; c++)
				fprintf(marks, " %s", class_names[c]);
			fputc('\n', marks);
		}
	}
	if (!out_path[0]) {
		fprintf(stderr, "tbcount: usage: -plugin tbcount.so,out=PATH[,marks=PATH]\n");
		return -1;
	}
	slots = calloc(TB_SLOTS, sizeof(*slots));
	used = calloc(TB_SLOTS, sizeof(*used));
	if (!slots || !used)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
