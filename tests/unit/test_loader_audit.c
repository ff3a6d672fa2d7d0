// SPDX-License-Identifier: GPL-2.0
/*
 * The audit record decoder: the text and JSON forms of a record carry the
 * same facts, JSON parses (jq) with the documented keys, and malformed
 * records are refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fwctl/bpf.h"
#include "fwctl/fwctl.h"

static struct fwctl_audit_record sample(void)
{
	struct fwctl_audit_record r = {
		.version = FWCTL_AUDIT_VERSION,
		.size = sizeof(r),
		.flags = FWCTL_BPF_RPC_REJECTED,
		.seq = 42,
		.boot_ns = 1000000000ULL,
		.cgroup_id = 7,
		.dev_index = 1,
		.device_type = FWCTL_DEVICE_TYPE_MLX5,
		.pid = 100,
		.tgid = 99,
		.uid = 1000,
		.gid = 1000,
		.comm = "mlxconfig",
		.scope = FWCTL_RPC_CONFIGURATION,
		.in_len = 32,
		.out_len = 32,
		.status = -13,
		.verdict = FWCTL_AUDIT_REJECTED,
		.opcode = 0x805,
		.op_mod = 0,
		.reg_id = 0x9024,
		.policy_id = 12,
		.policy = "deny_nv_write",
		.head_len = 2,
		.head = { 0x08, 0x05 },
	};
	return r;
}

static char *json_of(const struct fwctl_audit_record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *jw = jw_new(f, false);

	audit_print_json(jw, r, 0);
	jw_destroy(&jw);
	fclose(f);
	return buf;
}

static char *text_of(const struct fwctl_audit_record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	audit_print_text(f, r, 0);
	fclose(f);
	return buf;
}

/* jq -r FILTER on JSON, first line of the output */
static char *jq(const char *json, const char *filter)
{
	char cmd[512], *out = malloc(256);
	FILE *p;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | jq -r '%s'", json, filter);
	p = popen(cmd, "r");
	cr_assert(p && out);
	if (!fgets(out, 256, p))
		out[0] = '\0';
	cr_assert_eq(pclose(p), 0, "jq failed on: %s", json);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

Test(loader_audit, json_parses_with_the_documented_keys)
{
	struct fwctl_audit_record r = sample();
	char *json = json_of(&r);

	cr_assert_str_eq(jq(json, ".seq"), "42");
	cr_assert_str_eq(jq(json, ".dev_index"), "1");
	cr_assert_str_eq(jq(json, ".device_type"), "mlx5");
	cr_assert_str_eq(jq(json, ".comm"), "mlxconfig");
	cr_assert_str_eq(jq(json, ".scope"), "configuration");
	cr_assert_str_eq(jq(json, ".opcode_name"), "ACCESS_REG");
	cr_assert_str_eq(jq(json, ".reg_name"), "MNVDA");
	cr_assert_str_eq(jq(json, ".verdict"), "rejected");
	cr_assert_str_eq(jq(json, ".status"), "-13");
	cr_assert_str_eq(jq(json, ".errno"), "EACCES");
	cr_assert_str_eq(jq(json, ".policy"), "deny_nv_write");
	cr_assert_str_eq(jq(json, ".flags[0]"), "rejected");
	cr_assert_str_eq(jq(json, ".head"), "0805");
	cr_assert_str_eq(jq(json, ".time"), "1970-01-01T00:00:01.000000Z");
	free(json);
}

Test(loader_audit, text_says_what_json_says)
{
	struct fwctl_audit_record r = sample();
	char *text = text_of(&r), *json = json_of(&r);
	const char *keys[][2] = {
		{ "seq=", ".seq" }, { "uid=", ".uid" }, { "comm=", ".comm" },
		{ "verdict=", ".verdict" }, { "status=", ".errno" }, { "policy=", ".policy" },
		{ "scope=", ".scope" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want), " %s%s", keys[i][0], jq(json, keys[i][1]));
		cr_assert(strstr(text, want), "text lacks \"%s\": %s", want, text);
	}
	cr_assert(strstr(text, " fwctl1 mlx5 "), "%s", text);
	cr_assert(strstr(text, " opcode=ACCESS_REG(0x805) "), "%s", text);
	cr_assert(strstr(text, " reg=MNVDA(0x9024)"), "%s", text);
	free(text);
	free(json);
}

Test(loader_audit, refuses_records_of_another_layout)
{
	struct fwctl_audit_record r = sample();

	cr_assert_eq(audit_check(&r, sizeof(r)), 0);
	cr_assert_eq(audit_check(&r, 3), -EPROTO);
	r.version = 99;
	cr_assert_eq(audit_check(&r, sizeof(r)), -EPROTO);
	r = sample();
	r.size = 8;
	cr_assert_eq(audit_check(&r, sizeof(r)), -EPROTO);
}

Test(loader_audit, filters_by_device_verdict_time_and_policy)
{
	struct fwctl_audit_record r = sample();
	struct audit_filter all = { .dev_index = -1 };
	struct audit_filter dev0 = { .dev_index = 0 };
	struct audit_filter allowed = { .dev_index = -1, .verdict = FWCTL_AUDIT_ALLOWED };
	struct audit_filter later = { .dev_index = -1, .since_boot_ns = 2000000000ULL };
	struct audit_filter other = { .dev_index = -1, .policy = "observe" };
	struct audit_filter mine = { .dev_index = 1, .policy = "deny_nv_write",
				     .verdict = FWCTL_AUDIT_REJECTED };

	cr_assert(audit_match(&all, &r));
	cr_assert_not(audit_match(&dev0, &r));
	cr_assert_not(audit_match(&allowed, &r));
	cr_assert_not(audit_match(&later, &r));
	cr_assert_not(audit_match(&other, &r));
	cr_assert(audit_match(&mine, &r));
	cr_assert_eq(audit_verdict_parse("rej"), FWCTL_AUDIT_REJECTED);
	cr_assert_eq(audit_verdict_parse("allow"), FWCTL_AUDIT_ALLOWED);
	cr_assert_eq(audit_verdict_parse("nope"), -1);
	cr_assert_eq(audit_verdict_parse(""), -1);
}
