// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers mean what they say (loader/number.h): decimal unless 0x, no
 * octal ("010" is ten), no whitespace or sign where none belongs, range
 * errors naming the option; and through the CLI for --prio, --set,
 * --since, detach id and audit collect's --keep/--max-size. The old
 * strtoull(s, 0)-based parsers made "--prio 010" 8, "--set verdict=-013"
 * -11, accepted " -1" for a u64 as UINT64_MAX and hex floats and
 * exponents for --since, and clamped --since to 10^9 seconds.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "audit.h"
#include "audit_store.h"
#include "config.h"
#include "json_writer.h"
#include "loader_cli.h"
#include "main.h"
#include "number.h"

#define POLICY "build/hook_policy.bpf.o"

static char msg[256];

static void init(void)
{
	loader_cli_redirect();
	json_output = pretty_output = verbose = false;
	json_wtr = NULL;
}

TestSuite(loader_numbers, .init = init);

static uint64_t u(const char *s)
{
	uint64_t v = 0;

	cr_assert_eq(parse_unsigned("--x", s, 0, UINT64_MAX, &v, msg, sizeof(msg)), 0,
		     "'%s': %s", s, msg);
	return v;
}

static int64_t i64(const char *s)
{
	int64_t v = 0;

	cr_assert_eq(parse_signed("--x", s, INT64_MIN, INT64_MAX, &v, msg, sizeof(msg)), 0,
		     "'%s': %s", s, msg);
	return v;
}

static int u_err(const char *s)
{
	uint64_t v = 12345;
	int err = parse_unsigned("--x", s, 0, UINT64_MAX, &v, msg, sizeof(msg));

	cr_assert_eq(v, 12345, "'%s' wrote a value on error", s);
	return err;
}

Test(loader_numbers, unsigned_is_decimal_unless_0x)
{
	cr_assert_eq(u("010"), 10, "no octal");
	cr_assert_eq(u("0"), 0);
	cr_assert_eq(u("0x10"), 16);
	cr_assert_eq(u("0X1f"), 31);
	cr_assert_eq(u("18446744073709551615"), UINT64_MAX);
	cr_assert_eq(u("0xffffffffffffffff"), UINT64_MAX);
}

Test(loader_numbers, unsigned_refuses_signs_whitespace_and_junk)
{
	static const char *const bad[] = { " -1", "-1", "+1", " 1", "1 ", "", "0x", "0x-1",
					   "0x 1", "1e3", "12abc", "0b101", "09x", "0xg" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(u_err(bad[i]), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(strstr(msg, "--x: '"), "%s", msg);
		cr_assert(strstr(msg, "is not an unsigned number (decimal, or hex with 0x)"), "%s",
			  msg);
	}
}

Test(loader_numbers, out_of_range_names_the_option_and_the_range)
{
	uint64_t v;
	int64_t s;

	cr_assert_eq(u_err("18446744073709551616"), -ERANGE);
	cr_assert_eq(u_err("0x10000000000000000"), -ERANGE);
	cr_assert_eq(parse_unsigned("--prio", "4294967296", 0, UINT32_MAX, &v, msg, sizeof(msg)),
		     -ERANGE);
	cr_assert_str_eq(msg, "--prio: 4294967296 is out of range (0 to 4294967295)");
	cr_assert_eq(parse_unsigned("--keep", "0", 1, 32, &v, msg, sizeof(msg)), -ERANGE);
	cr_assert_str_eq(msg, "--keep: 0 is out of range (1 to 32)");
	cr_assert_eq(parse_signed("x", "-129", -128, 127, &s, msg, sizeof(msg)), -ERANGE);
	cr_assert_str_eq(msg, "x: -129 is out of range (-128 to 127)");
	cr_assert_eq(parse_signed("x", "128", -128, 127, &s, msg, sizeof(msg)), -ERANGE);
	cr_assert_eq(parse_signed(NULL, "9223372036854775808", INT64_MIN, INT64_MAX, &s, msg,
				  sizeof(msg)), -ERANGE);
	cr_assert_eq(parse_signed(NULL, "-9223372036854775809", INT64_MIN, INT64_MAX, &s, msg,
				  sizeof(msg)), -ERANGE);
	cr_assert(!strncmp(msg, "-9223372036854775809 is out of range", 36), "no name: %s", msg);
}

Test(loader_numbers, signed_takes_a_minus_and_no_octal)
{
	int64_t v;

	cr_assert_eq(i64("-013"), -13, "no octal");
	cr_assert_eq(i64("-0x10"), -16);
	cr_assert_eq(i64("42"), 42);
	cr_assert_eq(i64("-9223372036854775808"), INT64_MIN);
	cr_assert_eq(i64("9223372036854775807"), INT64_MAX);
	cr_assert_eq(parse_signed("v", " -1", INT64_MIN, INT64_MAX, &v, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_eq(parse_signed("v", "+1", INT64_MIN, INT64_MAX, &v, msg, sizeof(msg)), -EINVAL);
	cr_assert_eq(parse_signed("v", "--1", INT64_MIN, INT64_MAX, &v, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_eq(parse_signed("v", "-", INT64_MIN, INT64_MAX, &v, msg, sizeof(msg)), -EINVAL);
}

Test(loader_numbers, seconds_are_finite_decimal_and_not_negative)
{
	static const char *const bad[] = { "nan", "NaN", "inf", "infinity", "-1", "-0", "+1",
					   " 5", "5 ", "0x10", "1e3", "", ".", "1.2.3" };
	double v;
	size_t i;

	cr_assert_eq(parse_seconds("--since", "90", INFINITY, &v, msg, sizeof(msg)), 0);
	cr_assert_eq(v, 90.0);
	cr_assert_eq(parse_seconds("--since", "1.5", INFINITY, &v, msg, sizeof(msg)), 0);
	cr_assert_eq(v, 1.5);
	cr_assert_eq(parse_seconds("--since", "010", INFINITY, &v, msg, sizeof(msg)), 0);
	cr_assert_eq(v, 10.0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse_seconds("--since", bad[i], INFINITY, &v, msg, sizeof(msg)),
			     -EINVAL, "'%s' accepted", bad[i]);
		cr_assert(strstr(msg, "--since: '"), "%s", msg);
	}
	cr_assert_eq(parse_seconds("--t", "100", 60, &v, msg, sizeof(msg)), -ERANGE);
	cr_assert_str_eq(msg, "--t: 100 is out of range (0 to 60 seconds)");
}

/* The CLI */

Test(loader_numbers, prio_010_is_ten_and_0x10_sixteen)
{
	char *dec[] = { "p.bpf.o", "--prio", "010" };
	char *hex[] = { "p.bpf.o", "--prio=0x10" };
	struct attach_opts o;

	cr_assert_eq(parse_attach_args(3, dec, &o, false), 0);
	cr_assert_eq(o.prio, 10);
	cr_assert_eq(parse_attach_args(2, hex, &o, false), 0);
	cr_assert_eq(o.prio, 16);
}

Test(loader_numbers, prio_out_of_range_or_signed_is_a_usage_error_naming_it)
{
	cr_assert_eq(cli("attach", POLICY, "--prio", " -1"), EXIT_USAGE);
	cr_assert(strstr(err, "Error: can't attach policy: --prio: ' -1' is not an unsigned "
			      "number"), "%s", err);
	cr_assert_eq(cli("attach", POLICY, "--prio", "4294967296"), EXIT_USAGE);
	cr_assert(strstr(err, "Error: can't attach policy: --prio: 4294967296 is out of range "
			      "(0 to 4294967295)"), "%s", err);
	cr_assert_eq(cli("detach", "id", "-1"), EXIT_USAGE);
	cr_assert(strstr(err, "can't detach policy: link id: '-1' is not an unsigned number"),
		  "%s", err);
}

Test(loader_numbers, set_values_are_decimal_and_unsigned_refuses_a_minus)
{
	struct bpf_object *obj = bpf_object__open_file(POLICY, NULL);
	struct policy_var v;

	cr_assert(obj, "%s: %s", POLICY, strerror(errno));
	cr_assert_eq(policy_set_var(obj, "verdict=-013", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(policy_find_var(obj, "verdict", &v), 0);
	cr_assert_eq(*(int *)v.data, -13, "not octal -11");
	cr_assert_eq(policy_set_var(obj, "reply_len=010", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(policy_find_var(obj, "reply_len", &v), 0);
	cr_assert_eq(*(unsigned int *)v.data, 10);
	/* a __u64: the old strtoull took " -1" as UINT64_MAX */
	cr_assert_eq(policy_set_var(obj, "filter_calls= -1", msg, sizeof(msg)), -ERANGE);
	cr_assert(strstr(msg, "' -1' is not a valid unsigned integer of 8 bytes"), "%s", msg);
	cr_assert_eq(policy_find_var(obj, "filter_calls", &v), 0);
	cr_assert_eq(*(unsigned long long *)v.data, 0);
	cr_assert_eq(policy_set_var(obj, "filter_calls=-1", msg, sizeof(msg)), -ERANGE);
	cr_assert_eq(policy_set_var(obj, "rewrite_val=256", msg, sizeof(msg)), -ERANGE);
	cr_assert(strstr(msg, "256 is out of range (0 to 255)"), "%s", msg);
	bpf_object__close(obj);

	cr_assert_eq(cli("attach", POLICY, "--set", "verdict=1 "), EXIT_ERR);
	cr_assert(strstr(err, "--set verdict=1 : '1 ' is not a valid signed integer of 4 bytes"),
		  "%s", err);
}

Test(loader_numbers, since_refuses_nan_inf_negative_and_hex)
{
	static const char *const bad[] = { "nan", "inf", "-5", "0x10", "1e3", " 5" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(cli("audit", "--since", bad[i]), EXIT_USAGE, "'%s'", bad[i]);
		cr_assert(strstr(err, "can't query the audit trail: --since: '"), "%s", err);
	}
}

Test(loader_numbers, collect_keep_and_max_size_name_their_range)
{
	cr_assert_eq(cli("audit", "collect", "--keep", "0"), EXIT_USAGE);
	cr_assert(strstr(err, "can't collect: --keep: 0 is out of range (1 to"), "%s", err);
	cr_assert_eq(cli("audit", "collect", "--max-size", "010"), EXIT_USAGE);
	cr_assert(strstr(err, "can't collect: --max-size: 010 is out of range (4096 to"), "%s",
		  err);
	cr_assert_eq(cli("audit", "collect", "--max-size", " 8192"), EXIT_USAGE);
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

/*
 * --since further back than the epoch: every record, not a wrap and not
 * a silent cap (the old code capped it at 10^9 seconds, which hides a
 * record of 1970).
 */
Test(loader_numbers, since_beyond_the_epoch_shows_everything)
{
	char dir[] = "/tmp/fwctl-numbers-XXXXXX", pins[] = "/tmp/fwctl-numbers-pins-XXXXXX";
	struct audit_entry e = { .recorder = "observe",
				 .boot_id = "0b2c9a1e-7f3d-4e2a-9c41-5d6e7f809a1b",
				 .real_ns = 1000000000LL };
	struct audit_store s;
	pid_t holder = 0;
	char *json = NULL;
	size_t len = 0;
	FILE *f;
	json_writer_t *jw;

	cr_assert(mkdtemp(dir) && mkdtemp(pins));
	setenv("FWCTL_BPF_PIN_ROOT", pins, 1);
	e.r.version = FWCTL_AUDIT_VERSION;
	e.r.size = sizeof(e.r);
	e.r.seq = 7;
	e.r.verdict = FWCTL_AUDIT_REJECTED;
	snprintf(e.r.comm, sizeof(e.r.comm), "old_comm");
	f = open_memstream(&json, &len);
	jw = jw_new(f, false);
	audit_print_json(jw, &e);
	jw_destroy(&jw);
	fclose(f);
	cr_assert_eq(audit_store_open(&s, dir, &holder), 0);
	cr_assert_eq(audit_store_append(&s, json, strlen(json)), 0);
	audit_store_close(&s);
	free(json);

	cr_assert_eq(cli("audit", "--store", dir, "--since", "99999999999"), EXIT_OK, "%s", err);
	cr_assert(strstr(out, "old_comm"), "the 1970 record is missing: %s", out);
	cr_assert_eq(cli("audit", "--store", dir, "--since", "60"), EXIT_OK, "%s", err);
	cr_assert_not(strstr(out, "old_comm"), "--since 60 shows a 1970 record: %s", out);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	nftw(pins, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
