/* SPDX-License-Identifier: GPL-2.0 */
/* stats --format prometheus (metrics.c) */
#ifndef FWCTL_BPF_LOADER_METRICS_H
#define FWCTL_BPF_LOADER_METRICS_H

#include <stdio.h>

/* The counters in Prometheus' text format to @f; 0 or -errno */
int print_prometheus(FILE *f);
/* ... to @path atomically (written beside it, then renamed); 0 or -errno */
int write_prometheus(const char *path);

#endif
