// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_test.h"

int sim_private_device(void)
{
	int k = sim_add_private();

	cr_assert_geq(k, 0, "add a simulated device: %s", strerror(-k));
	return k;
}

int sim_private_open(int *k, char *dev, size_t size)
{
	int fd;

	*k = sim_private_device();
	cr_assert_eq(sim_fwctl_name(*k, dev, size), 0, "sim%d has no fwctl device", *k);
	fd = sim_open(*k);
	cr_assert(fd >= 0, "%s: %s", dev, strerror(-fd));
	return fd;
}

unsigned int sim_fwctl_index(int k)
{
	char name[16];
	unsigned int idx;

	cr_assert_eq(sim_fwctl_name(k, name, sizeof(name)), 0, "sim%d has no fwctl device", k);
	cr_assert_eq(sscanf(name, "fwctl%u", &idx), 1, "%s", name);
	return idx;
}
