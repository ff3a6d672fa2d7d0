/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-bench: the RPC workload, the seven configurations and the report
 * (docs/benchmarks.md).
 */
#ifndef FWCTL_BPF_BENCH_H
#define FWCTL_BPF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_SMALL	16		/* an mlx5 mailbox header: NOP */
#define BENCH_64K	(64 * 1024)
#define BENCH_1M	(1024 * 1024)
#define BENCH_MAX_RPC	(2 * 1024 * 1024)	/* the fwctl core's limit */
#define BENCH_DELAY_US	10		/* the simulator's firmware delay knob */

/* How much to measure (--quick for the smoke test). */
struct bench_params {
	int dev;			/* simK */
	int n_small;			/* latency samples, 16-byte RPCs */
	int n_64k;
	int n_1m;
	int n_delay;			/* latency samples with the delay */
	int n_swap;			/* link updates timed one by one */
	int n_swapping;			/* swaps to span while timing RPCs */
	int swap_interval_us;		/* between two of those swaps */
	int n_cli_swap;			/* "fwctl-bpf swap" commands timed */
	double tput_secs;		/* per throughput figure */
	double audit_secs;		/* per audit rate figure */
	const char *loader;		/* path of build/fwctl-bpf */
	const char *objdir;		/* build/bench: bench_allow.bpf.o */
};

extern struct bench_params bp;

/*
 * The output sink (results.c). result() keeps every round's value of a
 * figure; results_print() prints "@bench,CONFIG,FIGURE,UNIT,MEDIAN,ROUNDS"
 * for each, then the run's seconds and error count.
 */
void results_start(void);
int results_max_rounds(void);
void result(const char *config, const char *figure, const char *unit, double v);
void bench_error(const char *config, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void results_print(void);
/* Sorts @v in place; the mean of the two middle values when @n is even */
double median(double *v, size_t n);
/* Of @sorted (as median() leaves it): the smallest value with at least
 * @p * @n values at or below it (p 0.99: p99; 1: the maximum) */
double quantile(const double *sorted, size_t n, double p);
double now_ns(void);

/* A client sends RPCs either on its own fwctl FD or through the broker. */
struct client {
	int fd;
	bool broker;
};

int client_open(struct client *c, const char *broker_addr);
void client_close(struct client *c);
int client_rpc(struct client *c, uint32_t scope, const void *in, uint32_t in_len,
	       void *out, uint32_t *out_len);

/* One NOP of @in_len bytes (a 16-byte header, zeroes after it). */
int nop_rpc(struct client *c, void *in, uint32_t in_len);
/* QUERY_ISSI, which no configuration's allowlist has: 0 or -errno */
int denied_rpc(struct client *c);

/* Latency: @n RPCs of @in_len bytes, median and p99 in microseconds. */
int measure_latency(struct client *c, uint32_t in_len, int n, double *med, double *p99);
/* The same, and the mean */
int measure_latency_mean(struct client *c, uint32_t in_len, int n, double *med, double *p99,
			 double *mean);
/* The same, going on after @n samples while @more(@arg) (at most 10 s). */
int measure_latency_while(struct client *c, uint32_t in_len, int n,
			  bool (*more)(void *arg), void *arg, double *med, double *p99,
			  double *mean);
/* Throughput: @threads clients, each on its own FD/connection, @secs. */
int measure_throughput(const char *broker_addr, int threads, double secs, double *rps);

/* One client paced at @rate RPC/s (busy-waiting between RPCs) for @secs. */
int measure_paced(double rate, double secs, double *rps);

/* Peer B: the broker, a child process owning the fwctl FD. */
pid_t broker_start(int dev, char *addr, size_t addr_len);
void broker_stop(pid_t pid);
long broker_rss_kib(pid_t pid);

/* The audit consumer (consumer.c): a child process draining the ring. */
struct audit_consumer;
int audit_consumer_start(int ring_fd, struct audit_consumer **c);
uint64_t audit_consumer_seen(const struct audit_consumer *c);
/* its CPU time so far, as of its last poll */
uint64_t audit_consumer_cpu_ns(const struct audit_consumer *c);
int audit_consumer_drain(struct audit_consumer *c);
void audit_consumer_stop(struct audit_consumer *c);

/* The configurations (configs.c) */
struct state;

struct config {
	const char *name;
	bool hook;			/* needs the patched kernel */
	bool enforces;			/* QUERY_ISSI must be refused */
	int (*setup)(struct state *st);
};

extern const struct config configs[];
extern const int nr_configs;
const struct config *config_by_name(const char *name);
const char *config_name(const struct config *cfg);
int run_config(const struct config *cfg);
/* @n RPCs and no measurement: the workload of scripts/profile.sh */
int spin_config(const struct config *cfg, long n);

/*
 * A point of the run that the tbcount QEMU plugin records (the totals of
 * the guest's instructions so far): a NOP no compiler emits,
 * nopl 0x46574354(%rax). Outside the plugin, a NOP.
 */
static inline void bench_mark(void)
{
	__asm__ __volatile__(".byte 0x0f, 0x1f, 0x80, 0x54, 0x43, 0x57, 0x46" ::: "memory");
}

/* fwctl-bench insns SPEC...: the workloads counted between marks (insns.c) */
int insns_main(int argc, char **argv);

/* The host side: merge the raw results of both boots into the report. */
int bench_report(int argc, char **argv);

/*
 * fwctl-bench curves [CONFIG]: the fwctl-bench insns workloads the curves
 * are drawn from, one per line (scripts/bench.sh counts them): CONFIG's
 * payload and client points, or without CONFIG the stacks and the points
 * of every curve's configuration. Each configuration's own 16-byte,
 * one-client workload is not among them.
 */
void print_curve_specs(const char *config);

#endif
