// SPDX-License-Identifier: GPL-2.0
/*
 * The RPC workload: NOPs of 16 bytes, 64 KiB and 1 MiB against the
 * simulated mlx5 device, sent on the client's own fwctl FD or through the
 * broker (Peer B), timed one by one (latency) or in a loop (throughput).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "fwctl.h"
#include "sim.h"

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- the broker's wire format (SOCK_SEQPACKET, one message each way) */

struct broker_req {
	uint32_t scope;
	uint32_t in_len;
	uint32_t out_len;
	uint32_t pad;
};

struct broker_resp {
	int32_t ret;
	uint32_t out_len;
};

/* Large enough for a 1 MiB request in one datagram. */
#define BROKER_SOCKBUF	(4 * 1024 * 1024)

static void sockbufs(int s)
{
	int sz = BROKER_SOCKBUF;

	/* root only: above net.core.[rw]mem_max */
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* abstract namespace: a leading NUL, nothing in the file system */
	strncpy(sa->sun_path + 1, name, sizeof(sa->sun_path) - 2);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa->sun_path + 1);
}

int client_open(struct client *c, const char *broker_addr)
{
	struct sockaddr_un sa;
	socklen_t len;

	c->broker = broker_addr != NULL;
	if (!c->broker) {
		c->fd = sim_open(bp.dev);
		return c->fd < 0 ? c->fd : 0;
	}
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	sockbufs(c->fd);
	len = abstract_addr(&sa, broker_addr);
	if (connect(c->fd, (struct sockaddr *)&sa, len)) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int broker_call(int s, uint32_t scope, const void *in, uint32_t in_len,
		       void *out, uint32_t *out_len)
{
	struct broker_req req = { .scope = scope, .in_len = in_len, .out_len = *out_len };
	struct broker_resp resp;
	struct iovec tx[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = (void *)in, .iov_len = in_len },
	};
	struct iovec rx[2] = {
		{ .iov_base = &resp, .iov_len = sizeof(resp) },
		{ .iov_base = out, .iov_len = *out_len },
	};
	struct msghdr m = { .msg_iov = tx, .msg_iovlen = 2 };
	ssize_t n;

	if (sendmsg(s, &m, MSG_NOSIGNAL) < 0)
		return -errno;
	m = (struct msghdr){ .msg_iov = rx, .msg_iovlen = 2 };
	n = recvmsg(s, &m, 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(resp))
		return -EPROTO;
	if (!resp.ret)
		*out_len = resp.out_len;
	return resp.ret;
}

int client_rpc(struct client *c, uint32_t scope, const void *in, uint32_t in_len,
	       void *out, uint32_t *out_len)
{
	if (c->broker)
		return broker_call(c->fd, scope, in, in_len, out, out_len);
	return fwctl_rpc(c->fd, scope, in, in_len, out, out_len);
}

int nop_rpc(struct client *c, void *in, uint32_t in_len)
{
	uint8_t out[BENCH_SMALL];
	uint32_t out_len = sizeof(out);
	int ret;

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	ret = client_rpc(c, FWCTL_RPC_DEBUG_READ_ONLY, in, in_len, out, &out_len);
	if (!ret && sim_status(out))
		ret = -EREMOTEIO;
	return ret;
}

int denied_rpc(struct client *c)
{
	uint8_t in[BENCH_SMALL] = {}, out[MLX5_ST_SZ_BYTES(query_issi_out)];
	uint32_t out_len = sizeof(out);

	sim_hdr(in, MLX5_CMD_OP_QUERY_ISSI, 0);
	return client_rpc(c, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len);
}

int measure_latency(struct client *c, uint32_t in_len, int n, double *med, double *p99)
{
	return measure_latency_while(c, in_len, n, NULL, NULL, med, p99, NULL);
}

int measure_latency_mean(struct client *c, uint32_t in_len, int n, double *med, double *p99,
			 double *mean)
{
	return measure_latency_while(c, in_len, n, NULL, NULL, med, p99, mean);
}

int measure_latency_while(struct client *c, uint32_t in_len, int n,
			  bool (*more)(void *arg), void *arg, double *med, double *p99,
			  double *mean)
{
	int warmup = n / 10 + 2, cap = n, i, ret = 0;
	uint8_t *in = calloc(1, in_len);
	double *t = calloc(n, sizeof(*t)), *nt, end = now_ns() + 10e9;

	if (!in || !t) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < warmup && !ret; i++)
		ret = nop_rpc(c, in, in_len);
	for (i = 0; (i < n || (more && more(arg) && now_ns() < end)) && !ret; i++) {
		double t0;

		if (i == cap) {
			nt = realloc(t, 2 * cap * sizeof(*t));
			if (!nt) {
				ret = -ENOMEM;
				break;
			}
			t = nt;
			cap *= 2;
		}
		t0 = now_ns();
		ret = nop_rpc(c, in, in_len);
		t[i] = (now_ns() - t0) / 1e3;
	}
	if (ret)
		goto out;
	n = i;
	if (mean) {
		double sum = 0;

		for (i = 0; i < n; i++)
			sum += t[i];
		*mean = sum / n;
	}
	*med = median(t, n);
	*p99 = quantile(t, n, 0.99);
out:
	free(in);
	free(t);
	return ret;
}

/* ---- throughput */

struct tput_thread {
	pthread_t tid;
	const char *broker_addr;
	pthread_barrier_t *start;
	atomic_bool *stop;
	long long count;
	int err;
};

static void *tput_worker(void *arg)
{
	struct tput_thread *t = arg;
	uint8_t in[BENCH_SMALL] = {};
	struct client c;

	t->err = client_open(&c, t->broker_addr);
	pthread_barrier_wait(t->start);
	if (t->err)
		return NULL;
	while (!atomic_load_explicit(t->stop, memory_order_relaxed)) {
		t->err = nop_rpc(&c, in, sizeof(in));
		if (t->err)
			break;
		t->count++;
	}
	client_close(&c);
	return NULL;
}

int measure_throughput(const char *broker_addr, int threads, double secs, double *rps)
{
	struct tput_thread t[16] = {};
	pthread_barrier_t start;
	atomic_bool stop = false;
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };
	long long total = 0;
	double t0, t1;
	int i, err = 0;

	if (threads > 16)
		return -EINVAL;
	pthread_barrier_init(&start, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		t[i].broker_addr = broker_addr;
		t[i].start = &start;
		t[i].stop = &stop;
		pthread_create(&t[i].tid, NULL, tput_worker, &t[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	t1 = now_ns();
	for (i = 0; i < threads; i++) {
		pthread_join(t[i].tid, NULL);
		total += t[i].count;
		if (t[i].err && !err)
			err = t[i].err;
	}
	pthread_barrier_destroy(&start);
	/* RPCs finished after the stop count too: at most one per thread */
	*rps = total / ((t1 - t0) / 1e9);
	return err;
}

int measure_paced(double rate, double secs, double *rps)
{
	uint8_t in[BENCH_SMALL] = {};
	double t0, period = 1e9 / rate, end;
	long long n = 0;
	struct client c;
	int err = client_open(&c, NULL);

	if (err)
		return err;
	t0 = now_ns();
	end = t0 + secs * 1e9;
	for (;;) {
		double next = t0 + n * period, t;

		while ((t = now_ns()) < next)
			;
		if (t >= end)
			break;
		err = nop_rpc(&c, in, sizeof(in));
		if (err)
			break;
		n++;
	}
	*rps = n / ((now_ns() - t0) / 1e9);
	client_close(&c);
	return err;
}

/* ---- Peer B: the broker */

/* The allowlist the broker enforces: the same entries as everyone's. */
static const struct { uint16_t opcode, op_mod; } broker_allowed[] = {
	{ MLX5_CMD_OP_NOP, 0xffff },
};

static bool broker_allows(const uint8_t *in, uint32_t in_len)
{
	uint16_t opcode, op_mod;
	size_t i;

	if (in_len < MLX5_ST_SZ_BYTES(mbox_in_hdr))
		return false;
	opcode = MLX5_GET(mbox_in_hdr, in, opcode);
	op_mod = MLX5_GET(mbox_in_hdr, in, op_mod);
	for (i = 0; i < sizeof(broker_allowed) / sizeof(broker_allowed[0]); i++)
		if (broker_allowed[i].opcode == opcode &&
		    (broker_allowed[i].op_mod == 0xffff || broker_allowed[i].op_mod == op_mod))
			return true;
	return false;
}

struct broker_conn {
	int s;
	int fwctl;
};

/* One thread per client connection, all on the broker's one fwctl FD. */
static void *broker_conn_main(void *arg)
{
	struct broker_conn *bc = arg;
	size_t cap = sizeof(struct broker_req) + BENCH_MAX_RPC;
	uint8_t *buf = malloc(cap), *out = malloc(BENCH_MAX_RPC);
	struct broker_resp resp;

	while (buf && out) {
		struct broker_req *req = (void *)buf;
		uint8_t *in = buf + sizeof(*req);
		ssize_t n = recv(bc->s, buf, cap, 0);
		uint32_t out_len;

		if (n <= 0)
			break;
		resp = (struct broker_resp){};
		if ((size_t)n < sizeof(*req) || req->in_len != n - sizeof(*req) ||
		    req->out_len > BENCH_MAX_RPC) {
			resp.ret = -EINVAL;
		} else if (req->in_len < MLX5_ST_SZ_BYTES(mbox_in_hdr)) {
			resp.ret = -EMSGSIZE;
		} else if (!broker_allows(in, req->in_len)) {
			resp.ret = -EACCES;
		} else {
			out_len = req->out_len;
			resp.ret = fwctl_rpc(bc->fwctl, req->scope, in, req->in_len, out,
					     &out_len);
			if (!resp.ret)
				resp.out_len = out_len;
		}
		{
			uint32_t payload = resp.ret ? 0 :
				(resp.out_len < req->out_len ? resp.out_len : req->out_len);
			struct iovec iov[2] = {
				{ .iov_base = &resp, .iov_len = sizeof(resp) },
				{ .iov_base = out, .iov_len = payload },
			};
			struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

			if (sendmsg(bc->s, &m, MSG_NOSIGNAL) < 0)
				break;
		}
	}
	close(bc->s);
	free(buf);
	free(out);
	free(bc);
	return NULL;
}

static void broker_main(int ls, int dev)
{
	int fwctl = sim_open(dev);

	if (fwctl < 0) {
		fprintf(stderr, "broker: can't open sim%d: %s\n", dev, strerror(-fwctl));
		_exit(1);
	}
	for (;;) {
		struct broker_conn *bc;
		pthread_t tid;
		int s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (s < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		sockbufs(s);
		bc = malloc(sizeof(*bc));
		if (!bc) {
			close(s);
			continue;
		}
		bc->s = s;
		bc->fwctl = fwctl;
		if (pthread_create(&tid, NULL, broker_conn_main, bc)) {
			close(s);
			free(bc);
			continue;
		}
		pthread_detach(tid);
	}
}

pid_t broker_start(int dev, char *addr, size_t addr_len)
{
	struct sockaddr_un sa;
	socklen_t len;
	pid_t pid;
	int ls;

	snprintf(addr, addr_len, "fwctl-bench-broker-%d", (int)getpid());
	ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (ls < 0)
		return -errno;
	len = abstract_addr(&sa, addr);
	if (bind(ls, (struct sockaddr *)&sa, len) || listen(ls, 64)) {
		int err = -errno;

		close(ls);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(ls);
		return err;
	}
	if (!pid) {
		broker_main(ls, dev);
		_exit(0);
	}
	close(ls);
	return pid;
}

void broker_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

long broker_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}
