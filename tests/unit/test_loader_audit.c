// SPDX-License-Identifier: GPL-2.0
/*
 * The audit codec and store: the text and JSON forms of a record carry the
 * same facts, JSON parses (jq) with the documented keys, a stored line
 * reads back into the entry it was written from, a sender cannot forge a
 * field, malformed records are refused; the store appends, rotates, keeps
 * its state and reads back everything, oldest first.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_journal.h"
#include "audit_store.h"
#include "fwctl/bpf.h"
#include "fwctl/fwctl.h"

static struct audit_entry sample(void)
{
	struct audit_entry e = { .recorder = "observe",
				 .boot_id = "0b2c9a1e-7f3d-4e2a-9c41-5d6e7f809a1b",
				 .real_ns = 1000000000LL };
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

	e.r = r;
	return e;
}

static char *json_of(const struct audit_entry *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *jw = jw_new(f, false);

	audit_print_json(jw, r);
	jw_destroy(&jw);
	fclose(f);
	return buf;
}

static char *text_of(const struct audit_entry *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	audit_print_text(f, r);
	fclose(f);
	return buf;
}

/* jq -r FILTER on JSON, first line of the output */
static char *jq(const char *json, const char *filter)
{
	char path[] = "/tmp/fwctl-audit-jq-XXXXXX", cmd[512], *out = malloc(256);
	int fd = mkstemp(path);
	FILE *p;

	cr_assert(fd >= 0 && out);
	cr_assert_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq -r '%s' <%s", filter, path);
	p = popen(cmd, "r");
	cr_assert(p);
	if (!fgets(out, 256, p))
		out[0] = '\0';
	cr_assert_eq(pclose(p), 0, "jq failed on: %s", json);
	unlink(path);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

Test(loader_audit, json_parses_with_the_documented_keys)
{
	struct audit_entry r = sample();
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
	cr_assert_str_eq(jq(json, ".time_ns"), "1000000000");
	cr_assert_str_eq(jq(json, ".recorder"), "observe");
	cr_assert_str_eq(jq(json, ".boot_id"), "0b2c9a1e-7f3d-4e2a-9c41-5d6e7f809a1b");
	free(json);
}

Test(loader_audit, text_says_what_json_says)
{
	struct audit_entry r = sample();
	char *text = text_of(&r), *json = json_of(&r);
	const char *keys[][2] = {
		{ "seq=", ".seq" }, { "uid=", ".uid" }, { "comm=\"", ".comm" },
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
	struct fwctl_audit_record r = sample().r;

	cr_assert_eq(audit_check(&r, sizeof(r)), 0);
	cr_assert_eq(audit_check(&r, 3), -EPROTO);
	r.version = 99;
	cr_assert_eq(audit_check(&r, sizeof(r)), -EPROTO);
	r = sample().r;
	r.size = 8;
	cr_assert_eq(audit_check(&r, sizeof(r)), -EPROTO);
}

Test(loader_audit, filters_by_device_verdict_time_and_policy)
{
	struct audit_entry r = sample();
	struct audit_filter all = { .dev_index = -1 };
	struct audit_filter dev0 = { .dev_index = 0 };
	struct audit_filter allowed = { .dev_index = -1, .verdict = FWCTL_AUDIT_ALLOWED };
	struct audit_filter later = { .dev_index = -1, .since_real_ns = 2000000000LL };
	struct audit_filter other = { .dev_index = -1, .policy = "observe" };
	struct audit_filter rec = { .dev_index = -1, .recorder = "audit2" };
	struct audit_filter mine = { .dev_index = 1, .policy = "deny_nv_write",
				     .verdict = FWCTL_AUDIT_REJECTED };

	cr_assert(audit_match(&all, &r));
	cr_assert_not(audit_match(&dev0, &r));
	cr_assert_not(audit_match(&allowed, &r));
	cr_assert_not(audit_match(&later, &r));
	cr_assert_not(audit_match(&other, &r));
	cr_assert_not(audit_match(&rec, &r));
	cr_assert(audit_match(&mine, &r));
	cr_assert_eq(audit_verdict_parse("rej"), FWCTL_AUDIT_REJECTED);
	cr_assert_eq(audit_verdict_parse("allow"), FWCTL_AUDIT_ALLOWED);
	cr_assert_eq(audit_verdict_parse("nope"), -1);
	cr_assert_eq(audit_verdict_parse(""), -1);
}

/* A tenant names its process to fake fields: the line must not lie. */
Test(loader_audit, a_sender_cannot_forge_a_field_with_its_comm)
{
	struct audit_entry r = sample();
	char *text, *json;

	/* prctl(PR_SET_NAME, " uid=0 gid=0") and friends */
	memcpy(r.r.comm, " uid=0 \"x\\\033[2K\xff", 16);
	r.r.comm[15] = '\0';
	text = text_of(&r);
	cr_assert(strstr(text, " uid=1000 gid=1000 comm=\" uid=0 \\\"x\\\\\\x1b[2K\\xff\" "),
		  "%s", text);
	cr_assert_null(strstr(text, "\033"), "a raw escape byte: %s", text);
	cr_assert_null(strstr(text, "\xff"), "a raw 0xff byte: %s", text);
	json = json_of(&r);
	cr_assert_null(strchr(json, '\xff'), "invalid UTF-8 in JSON: %s", json);
	cr_assert_str_eq(jq(json, ".uid"), "1000");
	cr_assert_str_eq(jq(json, ".comm"), " uid=0 \\\"x\\\\\\x1b[2K\\xff");
	free(text);
	free(json);
}

Test(loader_audit, escape_and_unescape_are_inverse)
{
	char raw[16], esc[4 * 16 + 1], back[16];
	unsigned int i, j;

	for (i = 0; i < 256; i += 15) {
		for (j = 0; j < 15; j++)
			raw[j] = (char)(i + j * 17 + 1) ?: 'a';
		raw[15] = '\0';
		audit_escape(esc, raw, sizeof(raw));
		for (j = 0; esc[j]; j++)
			cr_assert(esc[j] >= 0x20 && esc[j] < 0x7f, "unprintable in %s", esc);
		cr_assert_eq(audit_unescape(back, sizeof(back), esc), 0);
		cr_assert_arr_eq(back, raw, sizeof(raw));
	}
	cr_assert_eq(audit_unescape(back, sizeof(back), "a\\q"), -EINVAL);
	cr_assert_eq(audit_unescape(back, sizeof(back), "a\\x4"), -EINVAL);
	cr_assert_eq(audit_unescape(back, sizeof(back), "0123456789abcdefXX"), -EINVAL);
}

/* What the consumer stores reads back into the very entry, and prints the same */
Test(loader_audit, a_stored_line_reads_back_into_its_entry)
{
	struct audit_entry r = sample(), back;
	char *json, *again, *t1, *t2;

	memset(r.r.comm, 0, sizeof(r.r.comm));
	memcpy(r.r.comm, "a b\"c\\\x01", 8);
	r.r.flags |= FWCTL_BPF_RPC_SENT | FWCTL_BPF_RPC_REDACTED;
	r.r.fw_status = 3;
	r.r.fw_syndrome = 0x1234;
	r.r.cgroup_id = 1ULL << 62;
	json = json_of(&r);
	cr_assert_eq(audit_entry_parse(json, &back), 0, "%s", json);
	again = json_of(&back);
	cr_assert_str_eq(again, json);
	t1 = text_of(&r);
	t2 = text_of(&back);
	cr_assert_str_eq(t1, t2);
	cr_assert_arr_eq(back.r.comm, r.r.comm, sizeof(r.r.comm));
	cr_assert_eq(back.r.cgroup_id, r.r.cgroup_id);
	cr_assert_eq(audit_entry_parse("{\"seq\":1}", &back), -EPROTO);
	cr_assert_eq(audit_entry_parse("not json", &back), -EPROTO);
	free(json);
	free(again);
	free(t1);
	free(t2);
}

static char store_dir[] = "/tmp/fwctl-audit-test-XXXXXX";

static void make_store(void)
{
	cr_assert(mkdtemp(store_dir));
}

struct collected {
	uint64_t seqs[64];
	int n;
};

static int collect_seq(void *ctx, const struct audit_entry *e)
{
	struct collected *c = ctx;

	if (c->n < 64)
		c->seqs[c->n++] = e->r.seq;
	return 0;
}

static void append_entry(struct audit_store *s, uint64_t seq)
{
	struct audit_entry e = sample();
	char *json;

	e.r.seq = seq;
	json = json_of(&e);
	cr_assert_eq(audit_store_append(s, json, strlen(json)), 0);
	free(json);
}

Test(loader_audit, the_store_rotates_and_reads_back_oldest_first, .init = make_store)
{
	struct audit_store s;
	struct collected c = {};
	volatile sig_atomic_t stop = 0;
	uint64_t bad = 0, i;
	pid_t holder = 0;
	char path[PATH_MAX];

	cr_assert_eq(audit_store_open(&s, store_dir, &holder), 0);
	s.max_size = 4096;	/* a few records per file */
	s.keep = 3;
	for (i = 1; i <= 30; i++)
		append_entry(&s, i);
	snprintf(path, sizeof(path), "%s/audit.jsonl.3", store_dir);
	cr_assert_eq(access(path, F_OK), 0, "rotated");
	snprintf(path, sizeof(path), "%s/audit.jsonl.4", store_dir);
	cr_assert_neq(access(path, F_OK), 0, "kept 3 only");
	cr_assert_eq(audit_store_read(store_dir, false, &stop, collect_seq, &c, &bad), 0);
	cr_assert_eq(bad, 0);
	cr_assert_gt(c.n, 3);
	for (i = 1; i < (uint64_t)c.n; i++)
		cr_assert_eq(c.seqs[i], c.seqs[i - 1] + 1, "in order, none twice");
	cr_assert_eq(c.seqs[c.n - 1], 30, "the newest last");
	audit_store_close(&s);
}

Test(loader_audit, a_second_consumer_is_refused, .init = make_store)
{
	struct audit_store a, b;
	pid_t holder = 0;

	cr_assert_eq(audit_store_open(&a, store_dir, &holder), 0);
	cr_assert_eq(audit_store_open(&b, store_dir, &holder), -EWOULDBLOCK);
	cr_assert_eq(holder, getpid());
	cr_assert(audit_store_busy(store_dir, &holder));
	audit_store_close(&a);
	cr_assert_not(audit_store_busy(store_dir, &holder));
	cr_assert_eq(audit_store_open(&b, store_dir, &holder), 0);
	audit_store_close(&b);
}

Test(loader_audit, the_state_survives_a_restart, .init = make_store)
{
	struct audit_state st = {}, back;
	struct audit_ring_state *r;
	char path[PATH_MAX];
	FILE *f;

	r = audit_state_ring(&st, "boot-a", 17, true);
	snprintf(r->recorder, sizeof(r->recorder), "observe");
	r->delivered = 5;
	r->dropped = 1;
	r->written = 6;
	r->lost = 2;
	r->retired = true;
	audit_state_ring(&st, "boot-b", 17, true)->delivered = 9;
	cr_assert_eq(audit_state_save(store_dir, &st), 0);
	cr_assert_eq(audit_state_load(store_dir, &back), 0);
	cr_assert_eq(back.nr, 2);
	r = audit_state_ring(&back, "boot-a", 17, false);
	cr_assert(r && r->delivered == 5 && r->dropped == 1 && r->written == 6 &&
		  r->lost == 2 && r->retired && !strcmp(r->recorder, "observe"));
	cr_assert_eq(audit_state_ring(&back, "boot-b", 17, false)->delivered, 9);
	cr_assert_null(audit_state_ring(&back, "boot-b", 18, false));

	/* a broken state file is refused, not taken for an empty one */
	snprintf(path, sizeof(path), "%s/state.json", store_dir);
	f = fopen(path, "w");
	fputs("{\"rings\": [", f);
	fclose(f);
	cr_assert_eq(audit_state_load(store_dir, &back), -EPROTO);
}

/* ---- audit collect --journal: the fields journald gets */

static const char *field(const struct journal_fields *jf, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < jf->n; i++) {
		const char *f = jf->iov[i].iov_base;

		if (jf->iov[i].iov_len > n && !strncmp(f, name, n) && f[n] == '=')
			return f + n + 1;
	}
	return NULL;
}

Test(audit_journal, a_record_becomes_the_fields_journalctl_matches_on)
{
	struct audit_entry e = sample();
	struct journal_fields jf;
	char *json = json_of(&e), *text = text_of(&e);

	cr_assert_eq(audit_journal_fields(&jf, &e, json), 0);
	cr_assert_str_eq(field(&jf, "FWCTL_VERDICT"), "rejected");
	cr_assert_str_eq(field(&jf, "FWCTL_DEVICE"), "fwctl1");
	cr_assert_str_eq(field(&jf, "FWCTL_POLICY"), "deny_nv_write");
	cr_assert_str_eq(field(&jf, "FWCTL_OPCODE"), "2053");
	cr_assert_str_eq(field(&jf, "FWCTL_REG_ID"), "36900");
	cr_assert_str_eq(field(&jf, "FWCTL_UID"), "1000");
	cr_assert_str_eq(field(&jf, "FWCTL_COMM"), "mlxconfig");
	cr_assert_str_eq(field(&jf, "FWCTL_SEQ"), "42");
	cr_assert_str_eq(field(&jf, "FWCTL_RECORDER"), "observe");
	cr_assert_str_eq(field(&jf, "FWCTL_FLAGS"), "rejected");
	cr_assert_str_eq(field(&jf, "FWCTL_HEAD"), "0805");
	cr_assert_str_eq(field(&jf, "MESSAGE"), text, "MESSAGE is the text line of audit");
	cr_assert_str_eq(field(&jf, "PRIORITY"), "5", "a rejection is a notice");
	cr_assert_str_eq(field(&jf, "SYSLOG_FACILITY"), "10", "authpriv, as --syslog");
	cr_assert_str_eq(field(&jf, "SYSLOG_IDENTIFIER"), "fwctl-bpf");
	cr_assert_str_eq(field(&jf, "MESSAGE_ID"), FWCTL_AUDIT_MESSAGE_ID);
	/* every field a name journald takes: capitals, digits, _; no leading _ */
	for (int i = 0; i < jf.n; i++) {
		const char *f = jf.iov[i].iov_base, *eq = memchr(f, '=', jf.iov[i].iov_len);

		cr_assert(eq && eq > f && *f != '_', "%.*s", (int)jf.iov[i].iov_len, f);
		for (const char *p = f; p < eq; p++)
			cr_assert((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_',
				  "bad field name %.*s", (int)(eq - f), f);
	}
	free(json);
	free(text);
}

Test(audit_journal, an_allowed_record_is_info_and_nulls_leave_no_field)
{
	struct audit_entry e = sample();
	struct journal_fields jf;
	char *json;

	e.r.verdict = FWCTL_AUDIT_ALLOWED;
	e.r.flags = 0;
	e.r.policy[0] = '\0';	/* no deciding policy: "policy": null */
	json = json_of(&e);
	cr_assert_eq(audit_journal_fields(&jf, &e, json), 0);
	cr_assert_str_eq(field(&jf, "PRIORITY"), "6");
	cr_assert_str_eq(field(&jf, "FWCTL_VERDICT"), "allowed");
	cr_assert_null(field(&jf, "FWCTL_POLICY"), "a null became a field");
	free(json);
}

Test(audit_journal, what_does_not_parse_sends_nothing)
{
	struct audit_entry e = sample();
	struct journal_fields jf;

	cr_assert_eq(audit_journal_fields(&jf, &e, "{\"verdict\":"), -EINVAL);
	cr_assert_eq(jf.n, 0);
	cr_assert_eq(audit_journal_send(&jf), -EINVAL);
}
