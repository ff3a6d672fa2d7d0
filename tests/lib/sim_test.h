/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Criterion-asserting wrappers of tests/lib/sim.h, shared by the in-VM
 * tests (tests/vm) and the stress suite (tests/stress): each fails the
 * calling test with a message instead of returning an error.
 */
#ifndef FWCTL_BPF_TESTS_SIM_TEST_H
#define FWCTL_BPF_TESTS_SIM_TEST_H

/* A device for one test to change state on; sim_restore() removes it */
int sim_private_device(void);
/* N of /dev/fwctl/fwctlN of device simK */
unsigned int sim_fwctl_index(int k);

#endif
