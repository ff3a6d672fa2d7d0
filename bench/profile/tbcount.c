// SPDX-License-Identifier: GPL-2.0
/*
 * tbcount: a QEMU TCG plugin that counts, for every translated block, how
 * often the guest ran it. At exit it writes "vaddr insns count" lines (hex
 * address, decimal) to the file given as out=PATH; scripts/profile.sh maps
 * them to kernel symbols. QEMU 7.2 (Debian bookworm) has plugin support
 * but ships no plugin and no header: the few declarations needed are here
 * (plugin API version 1, include/qemu/qemu-plugin.h of QEMU 7.2).
 *
 * Counters are inline adds; with several vCPUs concurrent adds may be
 * lost, so profile with one guest CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

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
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define TB_SLOTS (1u << 21)	/* distinct (vaddr, length) blocks */

struct tb_slot {
	uint64_t vaddr;
	uint64_t count;
	uint32_t insns;
	uint32_t used;
};

static struct tb_slot *slots;
static unsigned int nr_used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char out_path[4096];

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
			nr_used++;
			return s;
		}
		if (s->vaddr == vaddr && s->insns == insns)
			return s;
		i = (i + 1) & (TB_SLOTS - 1);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct tb_slot *s;

	pthread_mutex_lock(&lock);
	s = slot_of(qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb));
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
	for (i = 0; i < TB_SLOTS; i++)
		if (slots[i].used && slots[i].count)
			fprintf(f, "%llx %u %llu\n", (unsigned long long)slots[i].vaddr,
				slots[i].insns, (unsigned long long)slots[i].count);
	if (nr_used + 1 >= TB_SLOTS)
		fprintf(stderr, "tbcount: table full, counts are incomplete\n");
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
	if (!out_path[0]) {
		fprintf(stderr, "tbcount: usage: -plugin tbcount.so,out=PATH\n");
		return -1;
	}
	slots = calloc(TB_SLOTS, sizeof(*slots));
	if (!slots)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
