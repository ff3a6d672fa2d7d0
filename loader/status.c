// SPDX-License-Identifier: GPL-2.0
/* status: per-device fail-closed switch and verdict counters (sysfs). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fwctl/bpf.h>

#include "fwctl.h"
#include "live.h"
#include "main.h"

const struct device_counter device_counters[] = {
	{ "rpcs", "RPCs the hook decided" },
	{ "allowed", "RPCs the policies allowed" },
	{ "rejected", "RPCs a policy rejected" },
	{ "rewritten", "RPCs a policy rewrote" },
	{ "replied", "RPCs a policy answered without firmware" },
	{ "invalid", "RPCs rejected for a policy's invalid return value" },
	{ "would_reject", "RPCs a complain-mode policy would have rejected (they ran)" },
	{ "withheld", "responses a policy withheld" },
	{ "redacted", "responses a policy redacted" },
};
const size_t nr_device_counters = sizeof(device_counters) / sizeof(device_counters[0]);

static int device_type(const char *dev)
{
	char path[256];
	uint32_t type;
	int fd, err;

	snprintf(path, sizeof(path), "/dev/fwctl/%s", dev);
	fd = fwctl_open(path);
	if (fd < 0)
		return -1;
	err = fwctl_info(fd, &type, NULL, NULL);
	close(fd);
	return err ? -1 : (int)type;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int fwctl_devices(struct dirent ***devs)
{
	int n = scandir(FWCTL_CLASS, devs, no_dots, by_name);

	return n < 0 ? 0 : n;	/* no fwctl class: no devices */
}

static int help_status(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s status\n"
		"\n"
		"For every fwctl device: its type, whether it is fail-closed (rejects RPCs no\n"
		"policy matches) and what the hook decided (%s/fwctlN/bpf/):\n"
		"rpcs, allowed, rejected, rewritten, replied, invalid; and how many policies\n"
		"are attached. Set fail-closed with \"echo 1 > .../bpf/fail_closed\" (it cannot\n"
		"be cleared until reboot).\n",
		bin_name, FWCTL_CLASS);
	return 0;
}

int do_status(int argc, char **argv)
{
	struct live_policy *list = NULL;
	struct dirent **devs = NULL;
	int n, nr_policies, i;
	size_t c;

	if (argc && is_help(argv[0]))
		return help_status();
	if (argc)
		return usage_err("can't show status: unexpected argument '%s'", argv[0]);
	nr_policies = live_policies(&list);
	free(list);
	if (nr_policies < 0) {
		p_err("can't show status: can't list policies: %s", strerror(-nr_policies));
		return -1;
	}
	n = fwctl_devices(&devs);

	if (json_output) {
		jw_start_object(json_wtr);
		jw_uint_field(json_wtr, "policies", nr_policies);
		jw_uint_field(json_wtr, "max_policies", FWCTL_BPF_MAX_POLICIES);
		jw_bool_field(json_wtr, "bpf_stats_enabled", bpf_stats_enabled());
		jw_name(json_wtr, "devices");
		jw_start_array(json_wtr);
	} else {
		printf("policies %d/%d  bpf_stats %s\n", nr_policies, FWCTL_BPF_MAX_POLICIES,
		       bpf_stats_enabled() ? "on" : "off");
		if (!n)
			printf("no fwctl devices\n");
	}
	for (i = 0; i < n; i++) {
		const char *dev = devs[i]->d_name;
		int type = device_type(dev);
		long long fc = fwctl_bpf_attr(dev, "fail_closed");

		if (json_output) {
			jw_start_object(json_wtr);
			jw_string_field(json_wtr, "name", dev);
			jw_uint_field(json_wtr, "dev_index", parse_device(dev) < 0 ? 0 : parse_device(dev));
			if (type >= 0) {
				jw_uint_field(json_wtr, "device_type", type);
				jw_string_field(json_wtr, "device_type_name", fwctl_device_type_name(type));
			} else {
				jw_null_field(json_wtr, "device_type");
				jw_null_field(json_wtr, "device_type_name");
			}
			if (fc < 0)
				jw_null_field(json_wtr, "fail_closed");
			else
				jw_bool_field(json_wtr, "fail_closed", fc);
			for (c = 0; c < nr_device_counters; c++) {
				const char *attr = device_counters[c].attr;
				long long v = fwctl_bpf_attr(dev, attr);

				if (v < 0)
					jw_null_field(json_wtr, attr);
				else
					jw_uint_field(json_wtr, attr, v);
			}
			jw_end_object(json_wtr);
		} else {
			printf("%s: type %s  fail_closed %s\n", dev,
			       type >= 0 ? fwctl_device_type_name(type) : "?",
			       fc < 0 ? "?" : fc ? "yes" : "no");
			printf("\t");
			for (c = 0; c < nr_device_counters; c++)
				printf("%s%s %lld", c ? "  " : "", device_counters[c].attr,
				       fwctl_bpf_attr(dev, device_counters[c].attr));
			printf("\n");
		}
		free(devs[i]);
	}
	free(devs);
	if (json_output) {
		jw_end_array(json_wtr);
		jw_end_object(json_wtr);
	}
	return 0;
}
