// SPDX-License-Identifier: GPL-2.0
/*
 * apply's reading (issue 17, item 1), on the host: policies.d parsed by
 * loader/site_config.c (libinih), map entries typed by a policy's BTF
 * (policy_parse_typed), and "apply --dry-run" in-process. Every error must
 * name FILE:LINE; the kernel side is tests/vm/test_apply.c.
 */
#include <criterion/criterion.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fwctl_policy_common.h"
#include "loader_cli.h"
#include "main.h"
#include "site_config.h"

static char dir[] = "/tmp/fwctl-apply-XXXXXX";
static char conf_dir[256], msg[PATH_MAX + 512];
static struct site_config cfg;

static void init(void)
{
	char path[PATH_MAX];

	loader_cli_redirect();
	json_output = pretty_output = verbose = false;
	json_wtr = NULL;
	cr_assert(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(conf_dir, sizeof(conf_dir), "%s/policies.d", dir);
	cr_assert_eq(mkdir(conf_dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/pins", dir);
	setenv("FWCTL_BPF_PIN_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/state", dir);
	setenv("FWCTL_BPF_STATE_DIR", path, 1);
}

static void fini(void)
{
	char cmd[PATH_MAX + 16];

	site_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(loader_apply, .init = init, .fini = fini);

static void conf(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void conf(const char *file, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", conf_dir, file);
	f = fopen(path, "w");
	cr_assert(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	cr_assert_eq(fclose(f), 0);
}

static int load(void)
{
	msg[0] = '\0';
	return site_config_load(conf_dir, &cfg, msg, sizeof(msg));
}

/* The error is "CONF_DIR/FILE:LINE: ..." containing @what */
static void assert_error(const char *file, int line, const char *what)
{
	char where[PATH_MAX + 32];

	cr_assert_neq(load(), 0, "%s loaded", file);
	snprintf(where, sizeof(where), "%s/%s:%d: ", conf_dir, file, line);
	cr_assert(!strncmp(msg, where, strlen(where)), "not at %s: %s", where, msg);
	cr_assert(strstr(msg, what), "'%s' not in: %s", what, msg);
	cr_assert_eq(cfg.nr, 0, "a failed load kept policies");
}

Test(loader_apply, a_file_gives_every_field_with_its_line)
{
	const struct site_policy *p;

	conf("10-x.conf",
	     "# comment\n"
	     "[Policy]\n"
	     "Object=mlx5__opcode_allow\n"
	     "Name=x_allow\n"
	     "Device=/dev/fwctl/fwctl3\n"
	     "Priority=0x10\n"
	     "Mode=complain\n"
	     "Set=a=1\n"
	     "Set=b=two words\n"
	     "\n"
	     "[Map allowed]\n"
	     "Entry={NOP, 0xffff} 1\n"
	     "Entry = { QUERY_ISSI , 0xffff }   1\n"
	     "[Map empty]\n");
	cr_assert_eq(load(), 0, "%s", msg);
	cr_assert_eq(cfg.nr, 1);
	p = &cfg.policies[0];
	cr_assert_str_eq(p->object, "mlx5__opcode_allow");
	cr_assert_str_eq(p->name, "x_allow");
	cr_assert_eq(p->match, MATCH_DEVICE);
	cr_assert_eq(p->dev_index, 3);
	cr_assert(p->has_prio);
	cr_assert_eq(p->prio, 16);
	cr_assert(p->complain);
	cr_assert_eq(p->nr_sets, 2);
	cr_assert_str_eq(p->sets[1], "b=two words");
	cr_assert_eq(p->line_sets[1], 9);
	cr_assert_eq(p->nr_maps, 2);
	cr_assert_str_eq(p->maps[0].name, "allowed");
	cr_assert_eq(p->maps[0].nr_entries, 2);
	cr_assert_str_eq(p->maps[0].entries[1].key, "{ QUERY_ISSI , 0xffff }");
	cr_assert_str_eq(p->maps[0].entries[1].value, "1");
	cr_assert_eq(p->maps[0].entries[1].line, 13);
	/* an empty section counts: the map must be empty */
	cr_assert_str_eq(p->maps[1].name, "empty");
	cr_assert_eq(p->maps[1].nr_entries, 0);
}

Test(loader_apply, files_are_read_in_name_order_and_others_ignored)
{
	conf("20-b.conf", "[Policy]\nObject=b\n");
	conf("10-a.conf", "[Policy]\nObject=a\nType=mlx5\n");
	conf("30-c.conf.dpkg-old", "garbage\n");
	conf(".hidden.conf", "garbage\n");
	conf("README", "garbage\n");
	cr_assert_eq(load(), 0, "%s", msg);
	cr_assert_eq(cfg.nr, 2);
	cr_assert_str_eq(cfg.policies[0].object, "a");
	cr_assert_eq(cfg.policies[0].match, MATCH_TYPE);
	cr_assert_eq(cfg.policies[0].device_type, 1);
	cr_assert_str_eq(cfg.policies[1].object, "b");
	cr_assert_eq(cfg.policies[1].match, MATCH_OBJECT);
}

Test(loader_apply, every_error_names_its_file_and_line)
{
	static const struct {
		const char *text;
		int line;
		const char *what;
	} bad[] = {
		{ "[Policy]\nObject=a\nFoo=1\n", 3, "unknown key Foo=" },
		{ "[Policy]\nObject=a\nObject=b\n", 3, "Object= given twice (line 2)" },
		{ "[Policy]\nObject=a\nDevice=eth0\n", 3, "Device=eth0" },
		{ "[Policy]\nObject=a\nDevice=all\nType=mlx5\n", 4, "exclude each other" },
		{ "[Policy]\nObject=a\nType=nic\n", 3, "unknown device type" },
		{ "[Policy]\nObject=a\nPriority=-1\n", 3, "Priority" },
		{ "[Policy]\nObject=a\nPriority=4294967296\n", 3, "Priority" },
		{ "[Policy]\nObject=a\nMode=loud\n", 3, "enforce or complain" },
		{ "[Policy]\nObject=a\nName=has-dash\n", 3, "not 1 to 15" },
		{ "[Policy]\nObject=a\nName=gate\n", 3, "apply's own" },
		{ "[Policy]\nObject=a\nSet=novalue\n", 3, "not KNOB=VALUE" },
		{ "[Policy]\nObject=a\n[Map m]\nEntry=1\n", 4, "no value" },
		{ "[Policy]\nObject=a\n[Map m]\nEntry={1, 2 3\n", 4, "unbalanced braces" },
		{ "[Policy]\nObject=a\n[Map m]\nKey=1 2\n", 4, "unknown key Key=" },
		{ "[Policy]\nObject=a\n[Map m]\n[Map m]\n", 4, "[Map m] given twice" },
		{ "[Policy]\nObject=a\n[Map bad/name]\n", 3, "not [Map NAME]" },
		{ "[Policy]\nObject=a\n[Other]\n", 3, "unknown section [Other]" },
		{ "[Policy]\nObject=a\n[Policy]\n", 3, "one policy per file" },
		{ "Object=a\n", 1, "before [Policy]" },
		{ "[Map m]\nEntry=1 1\n", 1, "before [Policy]" },
		{ "[Policy]\nObject=a\njust words\n", 3, "not a section, KEY=VALUE" },
		{ "[Policy]\nName=x\n", 1, "without Object=" },
		/* inih would make these a continuation of Set='s and Entry='s values */
		{ "[Policy]\nObject=a\nSet=k=1\n  Mode=complain\n", 4, "an indented line" },
		{ "[Policy]\nObject=a\n[Map m]\nEntry=1 1\n\t[Map n]\n", 5, "an indented line" },
		{ "[Policy]\r\nObject=a\r\n \r\n  ; note\r\n Mode=x\r\n", 5, "an indented line" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf("50-bad.conf", "%s", bad[i].text);
		assert_error("50-bad.conf", bad[i].line, bad[i].what);
	}
}

Test(loader_apply, a_line_too_long_for_inih_is_an_error_not_two_lines)
{
	char value[400];

	memset(value, '1', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	conf("50-long.conf", "[Policy]\nObject=a\nPriority=%s\nMode=enforce\n", value);
	assert_error("50-long.conf", 3, "line longer than");
	/* 197 bytes of text, whatever the line ends with; 198 are too many */
	memset(value, 'x', 191);
	value[191] = '\0';
	conf("50-long.conf", "[Policy]\r\nObject=a\r\nSet=k=%s\r\nSet=j=%s", value, value);
	cr_assert_eq(load(), 0, "%s", msg);
	cr_assert_str_eq(cfg.policies[0].sets[1] + 2, value, "the last line, without an ending");
	site_config_free(&cfg);
	conf("50-long.conf", "[Policy]\nObject=a\nSet=k=%sx\n", value);
	assert_error("50-long.conf", 3, "line longer than 197 bytes");
}

Test(loader_apply, a_byte_order_mark_is_skipped_and_a_nul_byte_refused)
{
	static const char nul[] = "[Policy]\nObject=a\nMode=enforce\0Mode=complain\n";
	char path[PATH_MAX];
	FILE *f;

	/* and blank, whitespace-only and CRLF lines are lines like others */
	conf("50-bom.conf", "\xef\xbb\xbf[Policy]\r\nObject=a\r\n \t \r\n\f\n[Map m]\r\n");
	cr_assert_eq(load(), 0, "%s", msg);
	cr_assert_eq(cfg.nr, 1);
	cr_assert_eq(cfg.policies[0].nr_maps, 1, "the BOM hid [Policy] from the section reader");
	site_config_free(&cfg);
	cr_assert_eq(unlink(strcat(strcpy(path, conf_dir), "/50-bom.conf")), 0);

	snprintf(path, sizeof(path), "%s/50-nul.conf", conf_dir);
	f = fopen(path, "w");
	cr_assert(f && fwrite(nul, 1, sizeof(nul) - 1, f) == sizeof(nul) - 1 && !fclose(f));
	assert_error("50-nul.conf", 3, "a NUL byte");
}

Test(loader_apply, two_files_may_not_name_one_policy)
{
	conf("10-a.conf", "[Policy]\nObject=a\nName=same\n");
	conf("20-b.conf", "[Policy]\nObject=b\n\nName=same\n");
	assert_error("20-b.conf", 4, "also");
	cr_assert(strstr(msg, "10-a.conf:3"), "%s", msg);
}

/* A map of an object in build/policies, for its key and value types */
static struct bpf_object *obj;

static const struct bpf_map *map_of(const char *object, const char *name)
{
	char path[PATH_MAX];
	const struct bpf_map *m;

	snprintf(path, sizeof(path), "build/policies/%s.bpf.o", object);
	obj = bpf_object__open_file(path, NULL);
	cr_assert(obj, "%s: %s", path, strerror(errno));
	m = bpf_object__find_map_by_name(obj, name);
	cr_assert(m, "%s has no map %s", path, name);
	return m;
}

static int parse_key(const struct bpf_map *m, const char *text, void *buf)
{
	return policy_parse_typed(bpf_object__btf(obj), bpf_map__btf_key_type_id(m),
				  bpf_map__key_size(m), text, buf, msg, sizeof(msg));
}

static int parse_value(const struct bpf_map *m, const char *text, void *buf)
{
	return policy_parse_typed(bpf_object__btf(obj), bpf_map__btf_value_type_id(m),
				  bpf_map__value_size(m), text, buf, msg, sizeof(msg));
}

Test(loader_apply, a_struct_key_takes_members_in_order_and_command_names)
{
	const struct bpf_map *m = map_of("mlx5__opcode_allow", "allowed");
	struct fwctl_mlx5_allow_key k;
	__u8 v;

	cr_assert_eq(parse_key(m, "{QUERY_ADAPTER, 0xffff}", &k), 0, "%s", msg);
	cr_assert_eq(k.opcode, 0x101);
	cr_assert_eq(k.op_mod, 0xffff);
	cr_assert_eq(parse_key(m, "{ 0x803 , 1 }", &k), 0, "%s", msg);
	cr_assert_eq(k.opcode, 0x803);
	cr_assert_eq(k.op_mod, 1);
	cr_assert_eq(parse_value(m, "1", &v), 0, "%s", msg);
	cr_assert_eq(v, 1);

	cr_assert_neq(parse_key(m, "{NO_SUCH, 0}", &k), 0);
	cr_assert(strstr(msg, "'NO_SUCH' is not an mlx5 command name"), "%s", msg);
	cr_assert_neq(parse_key(m, "{NOP}", &k), 0);
	cr_assert(strstr(msg, "2 members expected, 1 given"), "%s", msg);
	cr_assert_neq(parse_key(m, "{NOP, 0, 0}", &k), 0);
	cr_assert(strstr(msg, "more than the 2 members"), "%s", msg);
	cr_assert_neq(parse_key(m, "{NOP, 0x10000}", &k), 0);
	cr_assert(strstr(msg, "out of range"), "%s", msg);
	cr_assert_neq(parse_key(m, "NOP", &k), 0);
	cr_assert(strstr(msg, "not {MEMBER, ...}"), "%s", msg);
	cr_assert_neq(parse_value(m, "256", &v), 0);
	bpf_object__close(obj);
}

Test(loader_apply, a_uid_key_takes_a_user_name_and_a_struct_value_its_members)
{
	const struct bpf_map *m = map_of("generic__rate_limit", "limits");
	struct fwctl_rate_limit lim;
	__u32 uid;

	cr_assert_eq(parse_key(m, "root", &uid), 0, "%s", msg);
	cr_assert_eq(uid, 0);
	cr_assert_eq(parse_key(m, "0xffffffff", &uid), 0, "%s", msg);
	cr_assert_eq(uid, FWCTL_RATE_ANY_UID);
	cr_assert_neq(parse_key(m, "no_such_user_here", &uid), 0);
	cr_assert(strstr(msg, "no user 'no_such_user_here'"), "%s", msg);
	cr_assert_eq(parse_value(m, "{10, 50}", &lim), 0, "%s", msg);
	cr_assert_eq(lim.rate, 10);
	cr_assert_eq(lim.burst, 50);
	/* a name where the type has none: an error, not 0 */
	cr_assert_neq(parse_value(m, "{root, 50}", &lim), 0);
	bpf_object__close(obj);
}

Test(loader_apply, dry_run_plans_from_the_objects_and_names_bad_entries_and_knobs)
{
	conf("10-allow.conf", "[Policy]\nObject=mlx5__opcode_allow\n[Map allowed]\n"
	     "Entry={NOP, 0xffff} 1\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 0,
		     "%s", err);
	cr_assert(strstr(out, "attach    opcode_allow    new (10-allow.conf)"), "%s", out);
	cr_assert(strstr(out, "dry run: 1 change, nothing done"), "%s", out);

	conf("20-nv.conf", "[Policy]\nObject=mlx5__deny_nv_write\n\n[Map allowed_uids]\n"
	     "Entry=1000 1\nEntry=1000 1\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 1);
	cr_assert(strstr(err, "20-nv.conf:6: key 1000: also line 5's; nothing changed"), "%s",
		  err);
	conf("20-nv.conf", "[Policy]\nObject=mlx5__deny_nv_write\nSet=nope=1\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 1);
	cr_assert(strstr(err, "20-nv.conf:3: Set=nope=1: no variable 'nope'"), "%s", err);
	conf("20-nv.conf", "[Policy]\nObject=mlx5__deny_nv_write\n[Map nosuch]\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 1);
	cr_assert(strstr(err, "20-nv.conf:3: [Map nosuch]: mlx5__deny_nv_write.bpf.o has no "
			 "such map"), "%s", err);
	conf("20-nv.conf", "[Policy]\nObject=no_such_policy\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 1);
	cr_assert(strstr(err, "20-nv.conf:2: build/policies/no_such_policy.bpf.o: No such file"),
		  "%s", err);
	conf("20-nv.conf", "[Policy]\nObject=generic__gate\n");
	cr_assert_eq(cli("apply", conf_dir, "--objects", "build/policies", "--dry-run"), 1);
	cr_assert(strstr(err, "the name gate is apply's own"), "%s", err);
}

Test(loader_apply, usage_errors_exit_2)
{
	cr_assert_eq(cli("apply", "--bogus"), 2);
	cr_assert(strstr(err, "unknown option --bogus"), "%s", err);
	cr_assert_eq(cli("apply", "a", "b"), 2);
	cr_assert_eq(cli("apply", "--objects"), 2);
	cr_assert(strstr(err, "--objects needs a value"), "%s", err);
	cr_assert_eq(cli("apply", "help"), 0);
	cr_assert(strstr(err, "Usage: fwctl-bpf apply [DIR]"), "%s", err);
}
