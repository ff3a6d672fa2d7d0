/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Criterion-asserting wrappers of tests/lib/sim.h, shared by the in-VM
 * tests (tests/vm) and the stress suite (tests/stress): each fails the
 * calling test with a message instead of returning an error.
 */
#ifndef FWCTL_BPF_TESTS_SIM_TEST_H
#define FWCTL_BPF_TESTS_SIM_TEST_H

#include <stddef.h>

/* A device for one test to change state on; sim_restore() removes it */
int sim_private_device(void);
/* N of /dev/fwctl/fwctlN of device simK */
unsigned int sim_fwctl_index(int k);

/*
 * A private simulated device (sim_private_device()), its fwctl name in
 * @dev of @size and an open fd on it, all asserted; the fd returned.
 */
int sim_private_open(int *k, char *dev, size_t size);

#endif
