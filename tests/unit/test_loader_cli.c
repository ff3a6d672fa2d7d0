// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bpf's command line, run in-process (fwctl_bpf_main) on the host:
 * parsing, exit codes, error messages, JSON, and "inspect", which reads a
 * policy object without loading it.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "config.h"
#include "json_writer.h"
#include "loader_cli.h"
#include "main.h"

#define POLICY "build/hook_policy.bpf.o"

TestSuite(loader_cli, .init = loader_cli_redirect);

Test(loader_cli, help_prints_usage_and_exits_0)
{
	cr_assert_eq(cli("help"), 0);
	cr_assert(strstr(err, "Usage: fwctl-bpf"), "%s", err);
	cr_assert(strstr(err, "attach POLICY.bpf.o"), "%s", err);
}

Test(loader_cli, every_command_has_its_own_help)
{
	const char *cmds[] = { "attach", "swap", "detach", "list", "inspect", "stats", "status", "audit", "rpc" };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cr_assert_eq(cli(cmds[i], "--help"), 0, "%s", cmds[i]);
		cr_assert(strstr(err, "Usage: fwctl-bpf "), "%s: %s", cmds[i], err);
	}
}

Test(loader_cli, help_in_json_mode_is_null)
{
	cr_assert_eq(cli("-j", "attach", "help"), 0);
	cr_assert_str_eq(out, "null\n");
}

Test(loader_cli, unknown_command_is_a_usage_error)
{
	cr_assert_eq(cli("frobnicate"), EXIT_USAGE);
}

Test(loader_cli, unknown_global_option_is_a_usage_error)
{
	cr_assert_eq(cli("--frob", "list"), EXIT_USAGE);
	cr_assert(strstr(err, "Error: unknown option --frob"), "%s", err);
}

Test(loader_cli, attach_without_an_object_names_what_is_missing)
{
	cr_assert_eq(cli("attach", "--name", "x"), EXIT_USAGE);
	cr_assert(strstr(err, "Error: can't attach policy: no POLICY.bpf.o given"), "%s", err);
}

Test(loader_cli, attach_refuses_two_device_matches)
{
	cr_assert_eq(cli("attach", POLICY, "--all", "--type", "mlx5"), EXIT_USAGE);
	cr_assert(strstr(err, "exclude each other"), "%s", err);
}

Test(loader_cli, attach_refuses_a_name_bpffs_or_the_kernel_cannot_take)
{
	cr_assert_eq(cli("attach", POLICY, "--name", "has.dot"), EXIT_USAGE);
	cr_assert(strstr(err, "invalid name 'has.dot'"), "%s", err);
	cr_assert_eq(cli("attach", POLICY, "--name", "sixteen_chars_xx"), EXIT_USAGE);
}

Test(loader_cli, attach_reports_a_bad_set_before_loading)
{
	cr_assert_eq(cli("attach", POLICY, "--set", "nosuchvar=1"), EXIT_ERR);
	cr_assert(strstr(err, "Error: can't attach policy " POLICY
			  ": --set nosuchvar=1: no variable 'nosuchvar'"), "%s", err);
}

Test(loader_cli, errors_are_json_objects_in_json_mode)
{
	cr_assert_eq(cli("-j", "detach"), EXIT_USAGE);
	cr_assert_str_eq(out, "{\"error\":\"can't detach policy: NAME or \\\"id LINK_ID\\\" expected\"}\n");
}

Test(loader_cli, global_options_are_accepted_after_the_command)
{
	cr_assert_eq(cli("inspect", POLICY, "-j"), 0, "%s", err);
	cr_assert_eq(out[0], '{', "%s", out);
}

Test(loader_cli, version_prints_the_libbpf_version)
{
	cr_assert_eq(cli("-V"), 0);
	cr_assert(strstr(out, "using libbpf v1."), "%s", out);
}

Test(loader_cli, inspect_shows_ops_programs_maps_and_config_as_json)
{
	cr_assert_eq(cli("-j", "inspect", POLICY), 0, "%s", err);
	cr_assert(strstr(out, "\"ops\":{\"map_name\":\"hook_ops\",\"name\":\"hook_test\","
			      "\"device_type\":0,\"device_type_name\":\"any\",\"dev_index\":null,"
			      "\"prio\":1000,\"flags\":0}"), "%s", out);
	cr_assert(strstr(out, "{\"name\":\"hook_filter\",\"section\":\"struct_ops/rpc_filter\","
			      "\"op\":\"rpc_filter\""), "%s", out);
	cr_assert(strstr(out, "\"name\":\"hook_pol.bss\",\"type\":\"array\""), "%s", out);
	cr_assert(strstr(out, "\"pin\":\"bss\""), "%s", out);
	cr_assert(strstr(out, "{\"name\":\"verdict\",\"section\":\".data\",\"type\":\"int\","
			      "\"size\":4,\"read_only\":false,\"value\":2147418112}"), "%s", out);
	cr_assert(strstr(out, "{\"name\":\"match_opcode\",\"section\":\".data\",\"type\":\"int\","
			      "\"size\":4,\"read_only\":false,\"value\":-1}"), "%s", out);
}

Test(loader_cli, inspect_prints_plain_text_without_json)
{
	cr_assert_eq(cli("inspect", POLICY), 0, "%s", err);
	cr_assert(strstr(out, POLICY ": policy \"hook_test\" (ops map hook_ops)"), "%s", out);
	cr_assert(strstr(out, "match any  prio 1000"), "%s", out);
}

Test(loader_cli, inspect_refuses_an_object_without_fwctl_ops)
{
	cr_assert_eq(cli("inspect", "build/vm_basics.bpf.o"), EXIT_ERR);
	cr_assert(strstr(err, "Error: can't inspect policy build/vm_basics.bpf.o: not a fwctl "
			      "policy"), "%s", err);
}

Test(loader_cli, inspect_of_a_missing_file_names_the_errno)
{
	cr_assert_eq(cli("inspect", "build/none.bpf.o"), EXIT_ERR);
	cr_assert(strstr(err, "No such file or directory"), "%s", err);
}

/* Option parsing */

Test(loader_args, parses_device_paths_types_and_repeated_sets)
{
	char *argv[] = { "p.bpf.o", "--device", "/dev/fwctl/fwctl3", "--name=pol", "--set", "a=1",
			 "--set=b=2", "--prio", "0x10" };
	struct attach_opts o;

	cr_assert_eq(parse_attach_args(9, argv, &o, false), 0);
	cr_assert_str_eq(o.object, "p.bpf.o");
	cr_assert_eq(o.match, MATCH_DEVICE);
	cr_assert_eq(o.dev_index, 3);
	cr_assert_str_eq(o.name, "pol");
	cr_assert_eq(o.nr_sets, 2);
	cr_assert_str_eq(o.sets[1], "b=2");
	cr_assert(o.has_prio);
	cr_assert_eq(o.prio, 16);
}

Test(loader_args, swap_takes_name_then_object_and_no_match_options)
{
	char *argv[] = { "pol", "new.bpf.o", "--set", "x=1" };
	char *bad[] = { "pol", "new.bpf.o", "--type", "mlx5" };
	struct attach_opts o;

	cr_assert_eq(parse_attach_args(4, argv, &o, true), 0);
	cr_assert_str_eq(o.name, "pol");
	cr_assert_str_eq(o.object, "new.bpf.o");
	cr_redirect_stderr();
	cr_assert_eq(parse_attach_args(4, bad, &o, true), CMD_USAGE);
}

Test(loader_args, device_and_type_names)
{
	cr_assert_eq(parse_device("/dev/fwctl/fwctl12"), 12);
	cr_assert_eq(parse_device("fwctl0"), 0);
	cr_assert_eq(parse_device("7"), 7);
	cr_assert_eq(parse_device("/dev/null"), -1);
	cr_assert_eq(parse_device_type("mlx5"), 1);
	cr_assert_eq(parse_device_type("any"), 0);
	cr_assert_eq(parse_device_type("nope"), -1);
}

Test(loader_args, pin_names_drop_the_object_prefix_and_dots)
{
	char buf[64];

	pin_name(buf, sizeof(buf), "hook_pol.bss");
	cr_assert_str_eq(buf, "bss");
	pin_name(buf, sizeof(buf), "hook_pol.rodata.str1.1");
	cr_assert_str_eq(buf, "rodata_str1_1");
	pin_name(buf, sizeof(buf), "allowed");
	cr_assert_str_eq(buf, "allowed");
	cr_assert_eq(check_policy_name("ok_name1"), 0);
	cr_assert_neq(check_policy_name(""), 0);
	cr_assert_neq(check_policy_name("a-b"), 0);
}

/* --set */

static struct bpf_object *open_policy(void)
{
	struct bpf_object *obj = bpf_object__open_file(POLICY, NULL);

	cr_assert(obj, "%s: %s", POLICY, strerror(errno));
	return obj;
}

Test(loader_config, sets_integers_by_btf_type_and_checks_their_range)
{
	struct bpf_object *obj = open_policy();
	struct policy_var v;
	char msg[256];

	cr_assert_eq(policy_set_var(obj, "verdict=-13", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(policy_find_var(obj, "verdict", &v), 0);
	cr_assert_eq(*(int *)v.data, -13);
	cr_assert_eq(policy_set_var(obj, "reply_len=0x40", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(policy_find_var(obj, "reply_len", &v), 0);
	cr_assert_eq(*(unsigned int *)v.data, 64);
	cr_assert_eq(policy_set_var(obj, "rewrite_val=256", msg, sizeof(msg)), -ERANGE);
	cr_assert(strstr(msg, "not a valid unsigned integer of 1 bytes"), "%s", msg);
	cr_assert_eq(policy_set_var(obj, "verdict=abc", msg, sizeof(msg)), -ERANGE);
	bpf_object__close(obj);
}

Test(loader_config, refuses_structs_unknown_names_and_malformed_assignments)
{
	struct bpf_object *obj = open_policy();
	char msg[256];

	cr_assert_eq(policy_set_var(obj, "filter_ctx=1", msg, sizeof(msg)), -EOPNOTSUPP);
	cr_assert(strstr(msg, "has type struct seen_ctx"), "%s", msg);
	cr_assert_eq(policy_set_var(obj, "nope=1", msg, sizeof(msg)), -ENOENT);
	cr_assert_eq(policy_set_var(obj, "verdict", msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "is not KEY=VALUE"), "%s", msg);
	bpf_object__close(obj);
}

/* JSON writer */

Test(loader_json, writes_nested_values_with_commas_and_escapes)
{
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	json_writer_t *jw = jw_new(f, false);

	jw_start_object(jw);
	jw_string_field(jw, "s", "a\"b\\c\n");
	jw_name(jw, "list");
	jw_start_array(jw);
	jw_uint(jw, 1);
	jw_int(jw, -2);
	jw_start_object(jw);
	jw_end_object(jw);
	jw_end_array(jw);
	jw_null_field(jw, "n");
	jw_bool_field(jw, "b", true);
	jw_end_object(jw);
	jw_destroy(&jw);
	fclose(f);
	cr_assert_str_eq(buf, "{\"s\":\"a\\\"b\\\\c\\n\",\"list\":[1,-2,{}],\"n\":null,\"b\":true}\n");
}

Test(loader_json, pretty_mode_indents_by_four_spaces)
{
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	json_writer_t *jw = jw_new(f, true);

	jw_start_object(jw);
	jw_uint_field(jw, "a", 1);
	jw_name(jw, "b");
	jw_start_array(jw);
	jw_end_array(jw);
	jw_end_object(jw);
	jw_destroy(&jw);
	fclose(f);
	cr_assert_str_eq(buf, "{\n    \"a\": 1,\n    \"b\": []\n}\n");
}

Test(loader_cli, help_of_a_command_is_its_help_and_of_no_command_a_usage_error)
{
	cr_assert_eq(cli("help", "stats"), 0);
	cr_assert(strstr(err, "Usage: fwctl-bpf stats"), "%s", err);
	cr_assert_eq(cli("help", "audit", "collect"), 0);
	cr_assert(strstr(err, "Usage: fwctl-bpf audit collect"), "%s", err);
	cr_assert_eq(cli("help", "NOSUCHVERB"), EXIT_USAGE);
	cr_assert(strstr(err, "no such command 'NOSUCHVERB'"), "%s", err);
}

Test(loader_cli, audit_help_in_json_mode_is_null)
{
	cr_assert_eq(cli("audit", "help", "-j"), 0);
	cr_assert_str_eq(out, "null\n");
	cr_assert_eq(cli("-j", "audit", "collect", "help"), 0);
	cr_assert_str_eq(out, "null\n");
}

Test(loader_cli, audit_takes_opt_equals_value_as_attach_and_rpc_do)
{
	cr_assert_eq(cli("audit", "--verdict=bogus"), EXIT_USAGE);
	cr_assert(strstr(err, "bad verdict bogus"), "the value was not read: %s", err);
	cr_assert_eq(cli("audit", "--since=soon"), EXIT_USAGE);
	cr_assert(strstr(err, "--since"), "%s", err);
	cr_assert_eq(cli("audit", "--since"), EXIT_USAGE);
	cr_assert(strstr(err, "--since needs a value"), "%s", err);
	cr_assert_eq(cli("audit", "--sincerely=1"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown option --sincerely=1"), "%s", err);
	cr_assert_eq(cli("audit", "collect", "--keep=0"), EXIT_USAGE);
	cr_assert(strstr(err, "--keep"), "the value was not read: %s", err);
	cr_assert_eq(cli("audit", "collect", "--max-size"), EXIT_USAGE);
	cr_assert(strstr(err, "--max-size needs a value"), "%s", err);
}

Test(loader_cli, an_option_without_its_value_says_so_whichever_it_is)
{
	const char *opts[] = { "--name", "--device", "--type", "--prio", "--set" };

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		cr_assert_eq(cli("attach", POLICY, opts[i]), EXIT_USAGE, "%s", opts[i]);
		cr_assert(strstr(err, "needs a value"), "%s: %s", opts[i], err);
	}
	cr_assert_eq(cli("audit", "--store="), EXIT_USAGE);
	cr_assert(strstr(err, "needs a value"), "an empty --store= is not the default: %s", err);
}
