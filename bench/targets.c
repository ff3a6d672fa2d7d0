// SPDX-License-Identifier: GPL-2.0
/*
 * The targets of issue 16 (docs/benchmarks.md, "The targets"), each PASS
 * or MISS from guest instructions per RPC counted in one boot of each
 * kernel (fwctl-bench insns): Δ is a workload's count minus the unpatched
 * core's (configuration "baseline") for the same workload. Time is
 * reported beside them and never decides, except where a target is about
 * time and instructions cannot see it (lost audit records).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "report.h"

/* How far a workload's windows were apart: the counting's own noise */
static double spread_of(const char *config, const char *figure)
{
	char name[48];
	double s;

	snprintf(name, sizeof(name), "%s_spread", figure);
	s = value_of(config, name);
	return isnan(s) ? 0 : s;
}

static double spread(const char *config)
{
	return spread_of(config, "insns16");
}

static void verdict(struct target *t, bool measured, bool pass)
{
	t->status = !measured ? "n/a" : pass ? "PASS" : "MISS";
}

static void target_delta(const char *what, const char *config, double max)
{
	struct target *t = target_new(what);
	double d = delta_of(config, "insns16");

	if (isnan(d)) {
		snprintf(t->detail, sizeof(t->detail), "%s or baseline: not counted", config);
		return;
	}
	snprintf(t->detail, sizeof(t->detail), "%s %+.0f (%.0f against %.0f; windows within %.0f)",
		 config, d, value_of(config, "insns16"), value_of("baseline", "insns16"),
		 fmax(spread(config), spread("baseline")));
	verdict(t, true, d <= max);
}

static void target_lean(void)
{
	struct target *t = target_new("allowlist + an audit record of the outcome: Δ <= 200, "
				      "and fewer instructions than Peer A with a decision record");
	double d = delta_of("minimal", "insns16"), peer = delta_of("peer_lsm_audit", "insns16");

	if (isnan(d) || isnan(peer)) {
		snprintf(t->detail, sizeof(t->detail), "minimal or peer_lsm_audit: not counted");
		return;
	}
	snprintf(t->detail, sizeof(t->detail),
		 "minimal %+.0f; Peer A (peer_lsm_audit) %+.0f; minimal_decision (the decision "
		 "recorded, as Peer A does) %+.0f", d, peer, delta_of("minimal_decision", "insns16"));
	verdict(t, true, d <= 200 && d < peer);
}

static void target_per_policy(void)
{
	struct target *t = target_new("each further matching policy <= 40");
	double first = value_of("stack1", "insns16"), last = NAN, slope;
	char name[32];
	int n = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(curve_stacks); i++) {
		snprintf(name, sizeof(name), "stack%d", curve_stacks[i]);
		if (!isnan(value_of(name, "insns16"))) {
			last = value_of(name, "insns16");
			n = curve_stacks[i];
		}
	}
	if (isnan(first) || n < 2) {
		snprintf(t->detail, sizeof(t->detail), "stack1 and a larger stack: not counted");
		return;
	}
	slope = (last - first) / (n - 1);
	snprintf(t->detail, sizeof(t->detail), "%.1f per policy from 1 to %d bench_allow policies "
		 "(%.0f to %.0f); the first costs %+.0f over nopolicy", slope, n, first, last,
		 first - value_of("nopolicy", "insns16"));
	verdict(t, true, slope <= 40);
}

static void target_other_device(void)
{
	struct target *t = target_new("a policy attached to another device: 0");
	double base = value_of("nopolicy", "insns16"), worst = 0, noise = spread("nopolicy");
	bool any = false;
	char name[32];
	size_t i;

	snprintf(t->detail, sizeof(t->detail), "against nopolicy:");
	for (i = 0; i < ARRAY_LEN(curve_stacks); i++) {
		double v;

		snprintf(name, sizeof(name), "stackother%d", curve_stacks[i]);
		v = value_of(name, "insns16") - base;
		if (isnan(v))
			continue;
		any = true;
		detail_add(t, " %d policies %+.1f;", curve_stacks[i], v);
		if (fabs(v) > fabs(worst))
			worst = v;
		noise = fmax(noise, spread(name));
	}
	detail_add(t, " windows within %.1f", noise);
	verdict(t, any, fabs(worst) <= noise);
}

/*
 * Whether @config's Δ per RPC stays within 10% (or 20) of its 16-byte,
 * one-client Δ at each point of a curve (@fmt with each of @points),
 * widened by how far the two kernels' windows were apart there (a 2 MiB
 * RPC runs a million instructions: a timer tick more in one window is
 * noise, not the hook).
 */
static void target_flat(struct target *t, const char *config, const char *fmt,
			const char *unit, const int *points, size_t n)
{
	double d1 = delta_of(config, "insns16"), tol = fmax(20, 0.1 * fabs(d1));
	bool flat = true, any = false;
	char fig[32];
	size_t i;

	snprintf(t->detail, sizeof(t->detail), "%s Δ per RPC: at 16 B, 1 client %+.0f", config, d1);
	for (i = 0; i < n; i++) {
		double d, noise;

		snprintf(fig, sizeof(fig), fmt, points[i]);
		d = delta_of(config, fig);
		if (isnan(d))
			continue;
		noise = spread_of(config, fig) + spread_of("baseline", fig);
		any = true;
		detail_add(t, "; %d%s %+.0f (±%.0f)", points[i], unit, d, noise);
		flat &= fabs(d - d1) <= tol + noise;
	}
	detail_add(t, " (flat: within %.0f and the windows' spread)", tol);
	verdict(t, any && !isnan(d1), flat);
}

static void target_payload(const char *config)
{
	target_flat(target_new("payload 16 B to 2 MiB: hook cost flat (site)"), config,
		    "insns_%d", " B", curve_sizes + 1, ARRAY_LEN(curve_sizes) - 1);
}

static void target_clients(const char *config)
{
	struct target *t = target_new("1, 2, 4 clients on separate devices: cost per RPC flat (site)");

	target_flat(t, config, "insns16_c%d", " clients", curve_clients + 1,
		    ARRAY_LEN(curve_clients) - 1);
	detail_add(t, ". Instructions on one CPU cannot show cache lines that RPCs on other "
		   "CPUs write: docs/benchmarks.md lists them");
}

static void target_audit(void)
{
	struct target *t = target_new("audit: 0 records lost at full speed with 4 clients");
	const struct row *lost = find("site", "audit_lost_4client");

	if (!lost) {
		snprintf(t->detail, sizeof(t->detail), "site audit_lost_4client: not measured "
			 "(a timed boot)");
		return;
	}
	snprintf(t->detail, sizeof(t->detail), "%.0f lost at %.0f records/s; the consumer's CPU "
		 "per record: %.0f ns (1 client), %.0f ns (4 clients)", lost->value,
		 value_of("site", "audit_rps_4client"), value_of("site", "audit_consumer_ns_1client"),
		 value_of("site", "audit_consumer_ns_4client"));
	verdict(t, true, lost->value == 0);
}

/*
 * With a firmware delay of @us: the baseline's latency then (measured at
 * 10 us, its 16-byte latency plus the delay otherwise) against that plus
 * site's extra instructions at the time one takes in the baseline's
 * 16-byte RPC.
 */
static void target_delay(void)
{
	static const int delays[] = { 10, 30, 100 };
	struct target *t = target_new("firmware delay 10, 30, 100 us: <= 1.02 for the site stack");
	double lat = value_of("baseline", "lat16_med"), ins = value_of("baseline", "insns16");
	double d = delta_of("site", "insns16"), worst = 0;
	const struct row *timed = find("site", "delay_lat16_med");
	size_t i;

	if (isnan(lat) || isnan(ins) || isnan(d)) {
		snprintf(t->detail, sizeof(t->detail), "baseline lat16_med (a timed boot) or "
			 "insns16: not measured");
		return;
	}
	snprintf(t->detail, sizeof(t->detail), "from Δ %+.0f at %.2f ns per instruction:", d,
		 1000 * lat / ins);
	for (i = 0; i < ARRAY_LEN(delays); i++) {
		double base = lat + delays[i], q;

		if (delays[i] == BENCH_DELAY_US && !isnan(value_of("baseline", "delay_lat16_med")))
			base = value_of("baseline", "delay_lat16_med");
		q = 1 + d * (lat / ins) / base;
		detail_add(t, " %d us %.3f;", delays[i], q);
		worst = fmax(worst, q);
	}
	if (timed && !isnan(ratio_of(timed)))
		detail_add(t, " timed at %d us: %.3f (not gated)", BENCH_DELAY_US, ratio_of(timed));
	verdict(t, true, worst <= 1.02);
}

static void target_broker(void)
{
	struct target *t = target_new("Peer B (broker): >= 10x the site stack's Δ");
	double b = delta_of("peer_broker", "insns16"), s = delta_of("site", "insns16");

	if (isnan(b) || isnan(s) || s <= 0) {
		snprintf(t->detail, sizeof(t->detail), "peer_broker or site: not counted");
		return;
	}
	snprintf(t->detail, sizeof(t->detail), "peer_broker %+.0f, site %+.0f: %.1fx", b, s, b / s);
	verdict(t, true, b >= 10 * s);
}

void check_targets(void)
{
	target_delta("no policy attached: Δ <= 10", "nopolicy", 10);
	target_lean();
	target_delta("site stack (observe + deny_nv_write + allowlist + rate_limit): "
		     "Δ <= 600", "site", 600);
	target_per_policy();
	target_other_device();
	target_payload("site");
	target_clients("site");
	target_audit();
	target_delay();
	target_broker();
}
