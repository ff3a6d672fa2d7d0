// SPDX-License-Identifier: GPL-2.0
/* Global options and the top-level command table. */
#include <stdio.h>
#include <string.h>

#include "main.h"

static const struct cmd cmds[];

/*
 * "help COMMAND [SUB...]" is "COMMAND [SUB...] help" ("help audit collect"
 * is collect's); "help NOSUCH" a usage error, as "NOSUCH" is.
 */
static int help_of(int argc, char **argv)
{
	char help[] = "help", *sub[8];
	int n = argc - 1 < 6 ? argc - 1 : 6;

	for (int i = 0; cmds[i].cmd; i++) {
		if (!strcmp(cmds[i].cmd, "help") || !is_prefix(argv[0], cmds[i].cmd))
			continue;
		memcpy(sub, argv + 1, n * sizeof(*sub));
		sub[n] = help;
		sub[n + 1] = NULL;
		return cmds[i].func(n + 1, sub);
	}
	return usage_err("no such command '%s' (see \"%s help\")", argv[0], bin_name);
}

static int do_help(int argc, char **argv)
{
	if (argc)
		return help_of(argc, argv);
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"       %s help\n"
		"\n"
		"       COMMAND := { attach | detach | swap | apply | list | inspect | stats | status | audit |\n"
		"                    replay | rpc }\n"
		"\n"
		"       %s attach POLICY.bpf.o [--device /dev/fwctl/fwctlN | --type TYPE | --all]\n"
		"                 [--name NAME] [--prio PRIO] [--complain | --enforce] [--set KEY=VALUE]...\n"
		"       %s swap NAME NEW.bpf.o [--set KEY=VALUE]... [--fresh] [--complain | --enforce]\n"
		"       %s detach NAME\n"
		"       %s apply [DIR] [--dry-run] [--objects DIR]\n"
		"       %s list\n"
		"       %s inspect POLICY.bpf.o\n"
		"       %s stats [--format text|prometheus] [--output FILE]\n"
		"       %s status\n"
		"       %s audit [--follow] [--device DEV] [--verdict V] [--since SECS] [--policy NAME]\n"
		"                 [--recorder NAME] [--store DIR]\n"
		"       %s audit collect [--follow] [--store DIR] [--syslog] [--journal] [--max-size B]\n"
		"                 [--keep N]\n"
		"       %s replay POLICY.bpf.o|FILE.conf TRACE [--set KEY=VALUE]... [--objects DIR]\n"
		"       %s rpc DEV [--scope SCOPE] [--out-len N] COMMAND [ARG]...\n"
		"\n"
		"       OPTIONS := { -j|--json [-p|--pretty] | -v|--verbose | -V|--version }\n"
		"\n"
		"Policies are pinned under %s/NAME/. \"%s COMMAND help\" describes a command.\n",
		bin_name, bin_name, bin_name, bin_name, bin_name, bin_name, bin_name, bin_name,
		bin_name, bin_name, bin_name, bin_name, bin_name, bin_name, pin_root(),
		bin_name);
	return 0;
}

static int do_version(int argc, char **argv)
{
	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "version", FWCTL_BPF_VERSION);
		jw_end_object(json_wtr);
		return 0;
	}
	printf("%s v%s\nusing libbpf %s\n", bin_name, FWCTL_BPF_VERSION, libbpf_version_string());
	return 0;
}

static const struct cmd cmds[] = {
	{ "help", do_help },
	{ "attach", do_attach },
	{ "detach", do_detach },
	{ "swap", do_swap },
	{ "list", do_list },
	{ "inspect", do_inspect },
	{ "stats", do_stats },
	{ "status", do_status },
	{ "rpc", do_rpc },
	{ "audit", do_audit },
	{ "apply", do_apply },
	{ "replay", do_replay },
	{ "version", do_version },
	{ 0 }
};

/*
 * Global options are accepted anywhere as separate words, as bpftool's
 * getopt permutation allows: "fwctl-bpf list -j" == "fwctl-bpf -j list".
 * They are removed from argv; everything else is the command's.
 */
static int take_global_options(int *argcp, char **argv, bool *version)
{
	int i, n = 0;

	for (i = 0; i < *argcp; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			for (; i < *argcp; i++)
				argv[n++] = argv[i];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json_output = pretty_output = true;	/* -p implies -j */
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			*version = true;
		} else if (!strcmp(a, "-jp") || !strcmp(a, "-pj")) {
			json_output = pretty_output = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	*argcp = n;
	return 0;
}

int fwctl_bpf_main(int argc, char **argv)
{
	bool version = false;
	int ret;

	json_output = pretty_output = verbose = false;
	json_wtr = NULL;
	p_err_reset();
	libbpf_log_reset();
	libbpf_set_print(print_libbpf);

	NEXT_ARG();	/* argv[0] */
	take_global_options(&argc, argv, &version);
	if (argc && !strcmp(argv[0], "--"))
		NEXT_ARG();

	if (json_output) {
		json_wtr = jw_new(stdout, pretty_output);
		if (!json_wtr) {
			json_output = false;
			p_err("can't create JSON writer");
			return EXIT_ERR;
		}
	}
	if (version)
		ret = do_version(argc, argv);
	else if (argc && argv[0][0] == '-' && !is_help(argv[0]))
		ret = usage_err("unknown option %s (see \"%s help\")", argv[0], bin_name);
	else if (argc && is_help(argv[0]))
		ret = do_help(argc - 1, argv + 1);	/* "help [COMMAND]", "-h", "--help" */
	else
		ret = cmd_select(cmds, argc, argv, do_help);
	if (json_output)
		jw_destroy(&json_wtr);
	fflush(stdout);
	return ret == 0 ? EXIT_OK : ret == CMD_USAGE ? EXIT_USAGE : EXIT_ERR;
}
