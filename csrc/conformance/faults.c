// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: SENDUIPI faults: SIGSEGV for a bad index or entry, SIGILL without a UITT.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_FAULTS

struct fault_args {
	int fd;			/* the receiver's vector fd (inherited) */
	int unregister;		/* free the entry before using it */
	uint64_t index;		/* SENDUIPI operand */
};

static int fault_child(void *p)
{
	struct fault_args *a = p;
	long i = uintr_register_sender(a->fd, 0);

	if (i != 0)
		return 10;
	if (a->unregister && uintr_unregister_sender(i, 0))
		return 11;
	_senduipi(a->index);
	return 0;
}

static int fault_case(uint64_t index, int unregister, const char *what)
{
	struct fault_args a = { .unregister = unregister, .index = index };
	long fd;

	if (uintr_register_handler(uintr_entry, 0) && errno != EBUSY)
		FAIL("uintr_register_handler: %s", strerror(errno));
	EXPECT_OK(fd, uintr_vector_fd(5, 0));
	a.fd = (int)fd;
	return expect_signal(fault_child, &a, SIGSEGV, what);
}

CASE(senduipi_index_beyond_uittsz, SUITE_UINTR, 30, "SENDUIPI 256 (UITTSZ 255) and 2^40: SIGSEGV")
{
	if (fault_case(UINTR_MAX_SENDERS, 0, "SENDUIPI 256 (UITTSZ 255)"))
		return 1;
	return fault_case(1ull << 40, 0, "SENDUIPI 2^40");
}

CASE(senduipi_invalid_entry, SUITE_UINTR, 30, "SENDUIPI to an entry that is not valid: SIGSEGV")
{
	return fault_case(1, 0, "SENDUIPI to an entry that is not valid");
}

CASE(senduipi_after_unregister_sender, SUITE_UINTR, 30,
     "SENDUIPI through an unregistered entry: SIGSEGV")
{
	return fault_case(0, 1, "SENDUIPI through an unregistered entry");
}

CASE(senduipi_without_uitt, SUITE_UINTR, 30, "SENDUIPI in a process without a UITT: SIGILL")
{
	return expect_signal(do_senduipi, (void *)0, SIGILL,
			     "SENDUIPI in a process without a UITT (TT.valid=0)");
}
