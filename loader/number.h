/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers on the command line: one syntax for every numeric option and
 * value (--prio, --set, rpc fields, --max-size, --since, ...), so that a
 * number means what it says:
 *
 *	decimal digits ("010" is ten), or 0x/0X and hex digits ("0x10" is
 *	sixteen); nothing before or after: no whitespace, no '+', and a '-'
 *	only where a signed value is wanted ("-013" is minus thirteen);
 *	seconds: decimal digits with an optional fraction ("1.5"), no sign,
 *	exponent, hex, nan or inf.
 *
 * Each parser returns 0, -EINVAL (not a number) or -ERANGE (outside
 * [min, max]), with a message naming @what in @msg: "--prio: '-1' is not
 * an unsigned number (decimal, or hex with 0x)". The caller adds what
 * it could not do ("can't attach policy: ...").
 */
#ifndef FWCTL_BPF_LOADER_NUMBER_H
#define FWCTL_BPF_LOADER_NUMBER_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <stddef.h>
#include <stdint.h>

int parse_unsigned(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   char *msg, size_t size);
int parse_signed(const char *what, const char *s, int64_t min, int64_t max, int64_t *out,
		 char *msg, size_t size);
/* Non-negative seconds, finite, at most @max (INFINITY: any finite) */
int parse_seconds(const char *what, const char *s, double max, double *out, char *msg,
		  size_t size);

#endif
