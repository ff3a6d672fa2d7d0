// SPDX-License-Identifier: GPL-2.0
/* Numbers on the command line: the syntax is in number.h. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

static int digit_value(char c, unsigned int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

/* The magnitude: decimal, or hex after 0x; -EINVAL, or -ERANGE above UINT64_MAX */
static int parse_magnitude(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	bool range = false;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		d = digit_value(*s, base);
		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			range = true;
		else
			v = v * base + d;
	}
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}

static const char *prefix(const char *what)
{
	return what && *what ? what : "";
}

static const char *colon(const char *what)
{
	return what && *what ? ": " : "";
}

int parse_unsigned(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   char *msg, size_t size)
{
	uint64_t v;
	int err = parse_magnitude(s, &v);

	if (err == -EINVAL) {
		snprintf(msg, size, "%s%s'%s' is not an unsigned number (decimal, or hex with 0x)",
			 prefix(what), colon(what), s);
		return err;
	}
	if (err || v < min || v > max) {
		snprintf(msg, size, "%s%s%s is out of range (%llu to %llu)", prefix(what),
			 colon(what), s, (unsigned long long)min, (unsigned long long)max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int parse_signed(const char *what, const char *s, int64_t min, int64_t max, int64_t *out,
		 char *msg, size_t size)
{
	bool neg = s[0] == '-';
	uint64_t mag;
	int64_t v;
	int err = parse_magnitude(s + neg, &mag);

	if (err == -EINVAL) {
		snprintf(msg, size, "%s%s'%s' is not a number (decimal, or hex with 0x; '-' for a "
			 "negative one)", prefix(what), colon(what), s);
		return err;
	}
	if (!err && !neg && mag > (uint64_t)INT64_MAX)
		err = -ERANGE;
	if (!err && neg && mag > (uint64_t)INT64_MAX + 1)
		err = -ERANGE;
	if (!err) {
		/* -2^63 has no positive counterpart: negate in unsigned */
		v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		if (v < min || v > max)
			err = -ERANGE;
	}
	if (err) {
		snprintf(msg, size, "%s%s%s is out of range (%lld to %lld)", prefix(what),
			 colon(what), s, (long long)min, (long long)max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/* digits, at most one '.', at least one digit */
static bool is_decimal_fraction(const char *s)
{
	bool digit = false, dot = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digit;
}

int parse_seconds(const char *what, const char *s, double max, double *out, char *msg,
		  size_t size)
{
	double v;

	if (!is_decimal_fraction(s)) {
		snprintf(msg, size, "%s%s'%s' is not a number of seconds (decimal digits, an "
			 "optional fraction: 90, 1.5)", prefix(what), colon(what), s);
		return -EINVAL;
	}
	v = strtod(s, NULL);
	if (!isfinite(v)) {
		snprintf(msg, size, "%s%s%s is too large", prefix(what), colon(what), s);
		return -ERANGE;
	}
	if (v > max) {
		snprintf(msg, size, "%s%s%s is out of range (0 to %.0f seconds)", prefix(what),
			 colon(what), s, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}
