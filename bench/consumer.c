// SPDX-License-Identifier: GPL-2.0
/*
 * The audit consumer of the configurations with a recorder: a process of
 * its own, as `fwctl-bpf audit --follow` is on a site. A thread of the
 * client process would do the same work, but it would also make the
 * client's file table shared, and every FWCTL_RPC would then take the
 * reference-counted fdget() path: a cost of the benchmark, not of the
 * audit trail.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bench.h"

/* Shared with the child: what it has read, and when to stop. */
struct audit_consumer {
	atomic_ullong seen;
	atomic_bool stop;
	pid_t pid;
};

static int count_record(void *ctx, void *data, size_t size)
{
	struct audit_consumer *c = ctx;

	atomic_fetch_add_explicit(&c->seen, 1, memory_order_relaxed);
	return 0;
}

static int consume(struct audit_consumer *c, int ring_fd)
{
	struct ring_buffer *rb = ring_buffer__new(ring_fd, count_record, c, NULL);

	if (!rb)
		return 1;
	/* the recorder wakes us when its ring is a quarter full; drain the
	 * rest after each poll timeout, as fwctl-bpf audit --follow does */
	while (!atomic_load(&c->stop)) {
		ring_buffer__poll(rb, 100);
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return 0;
}

int audit_consumer_start(int ring_fd, struct audit_consumer **out)
{
	struct audit_consumer *c;
	int err;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return -errno;
	atomic_init(&c->seen, 0);
	atomic_init(&c->stop, false);
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		munmap(c, sizeof(*c));
		return err;
	}
	if (!c->pid)
		_exit(consume(c, ring_fd));
	*out = c;
	return 0;
}

uint64_t audit_consumer_seen(const struct audit_consumer *c)
{
	return atomic_load(&c->seen);
}

void audit_consumer_stop(struct audit_consumer *c)
{
	int status;

	if (!c)
		return;
	atomic_store(&c->stop, true);
	if (waitpid(c->pid, &status, 0) == c->pid &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		bench_error("audit", "the consumer process failed (status %#x)", status);
	munmap(c, sizeof(*c));
}
