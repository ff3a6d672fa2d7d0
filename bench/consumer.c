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
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bench.h"

/* Shared with the child: what it has read, and when to stop. */
struct audit_consumer {
	atomic_ullong seen;
	atomic_ullong cpu_ns;	/* the consumer's CPU time so far */
	atomic_bool stop;
	atomic_uint drain_req;	/* audit_consumer_drain() asks ... */
	atomic_uint drain_ack;	/* ... and the consumer answers */
	int ack[2];		/* the consumer writes to [1] when it has drained */
	pid_t pid;
};

/* SIGUSR1 only interrupts the consumer's epoll_wait() */
static void wake(int sig)
{
	(void)sig;
}

static int count_record(void *ctx, void *data, size_t size)
{
	struct audit_consumer *c = ctx;

	atomic_fetch_add_explicit(&c->seen, 1, memory_order_relaxed);
	return 0;
}

static int consume(struct audit_consumer *c, int ring_fd)
{
	struct ring_buffer *rb = ring_buffer__new(ring_fd, count_record, c, NULL);

	struct sigaction sa = { .sa_handler = wake };	/* no SA_RESTART */

	if (!rb || sigaction(SIGUSR1, &sa, NULL))
		return 1;
	/* ready: from now on audit_consumer_drain()'s signal only wakes us */
	if (write(c->ack[1], "r", 1) != 1)
		return 1;
	/* the recorder wakes us when its ring is a quarter full; drain the
	 * rest after each poll timeout, as fwctl-bpf audit --follow does */
	while (!atomic_load(&c->stop)) {
		struct timespec ts;

		unsigned int req;

		ring_buffer__poll(rb, 100);
		ring_buffer__consume(rb);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		atomic_store(&c->cpu_ns, ts.tv_sec * 1000000000ull + ts.tv_nsec);
		req = atomic_load(&c->drain_req);
		if (req != atomic_load(&c->drain_ack)) {
			atomic_store(&c->drain_ack, req);
			if (write(c->ack[1], "d", 1) != 1)
				return 1;
		}
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return 0;
}

int audit_consumer_start(int ring_fd, struct audit_consumer **out)
{
	struct audit_consumer *c;
	char ready;
	pid_t pid;
	int err;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return -errno;
	atomic_init(&c->seen, 0);
	atomic_init(&c->cpu_ns, 0);
	atomic_init(&c->stop, false);
	atomic_init(&c->drain_req, 0);
	atomic_init(&c->drain_ack, 0);
	if (pipe(c->ack)) {
		err = -errno;
		munmap(c, sizeof(*c));
		return err;
	}
	/* c is shared: only the parent may store the child's pid in it */
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(c->ack[0]);
		close(c->ack[1]);
		munmap(c, sizeof(*c));
		return err;
	}
	if (!pid) {
		close(c->ack[0]);
		_exit(consume(c, ring_fd));
	}
	c->pid = pid;
	close(c->ack[1]);	/* a dead consumer is EOF to the drain */
	if (read(c->ack[0], &ready, 1) != 1) {
		audit_consumer_stop(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

uint64_t audit_consumer_seen(const struct audit_consumer *c)
{
	return atomic_load(&c->seen);
}

uint64_t audit_consumer_cpu_ns(const struct audit_consumer *c)
{
	return atomic_load(&c->cpu_ns);
}

/*
 * Have the consumer read every record written so far, and wait until it
 * has: a counted window then holds the reading of exactly its own records
 * (the consumer is otherwise woken only when the ring is a quarter full,
 * which lands a whole batch in whichever window fills it).
 */
int audit_consumer_drain(struct audit_consumer *c)
{
	char b;

	atomic_fetch_add(&c->drain_req, 1);
	if (kill(c->pid, SIGUSR1))
		return -errno;
	return read(c->ack[0], &b, 1) == 1 ? 0 : -EIO;
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
	close(c->ack[0]);
	munmap(c, sizeof(*c));
}
