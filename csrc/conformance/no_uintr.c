// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: a CPU model without UINTR: every instruction #UD, every system call
 * EOPNOTSUPP.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_NO_UINTR

CASE(no_cpuid_bit, SUITE_NO_UINTR, 10, "CPUID.(EAX=7,ECX=0):EDX[5] is clear")
{
	CHECK(!cpu_has_uintr(), "CPUID.(EAX=7,ECX=0):EDX[5] is set");
	return 0;
}

CASE(no_cpuinfo_flag, SUITE_NO_UINTR, 10, "no 'uintr' in /proc/cpuinfo")
{
	int lines, with = cpuinfo_uintr(&lines);

	CHECK(lines > 0, "no flags in /proc/cpuinfo");
	CHECK(with == 0, "'uintr' shown on %d CPUs", with);
	return 0;
}

CASE(no_senduipi, SUITE_NO_UINTR, 10, "SENDUIPI: SIGILL")
{
	return expect_signal(do_senduipi, (void *)0, SIGILL, "SENDUIPI");
}

CASE(no_uiret, SUITE_NO_UINTR, 10, "UIRET: SIGILL")
{
	return expect_signal(do_uiret, NULL, SIGILL, "UIRET");
}

CASE(no_testui, SUITE_NO_UINTR, 10, "TESTUI: SIGILL")
{
	return expect_signal(do_testui, NULL, SIGILL, "TESTUI");
}

CASE(no_clui, SUITE_NO_UINTR, 10, "CLUI: SIGILL")
{
	return expect_signal(do_clui, NULL, SIGILL, "CLUI");
}

CASE(no_stui, SUITE_NO_UINTR, 10, "STUI: SIGILL")
{
	return expect_signal(do_stui, NULL, SIGILL, "STUI");
}

CASE(no_syscalls_eopnotsupp, SUITE_NO_UINTR, 10,
     "uintr_register_handler, unregister_handler, vector_fd, register_sender, unregister_sender, wait, alt_stack: EOPNOTSUPP")
{
	static char stack[4096];

	EXPECT_ERR(uintr_register_handler(uintr_entry, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_unregister_handler(0), EOPNOTSUPP);
	EXPECT_ERR(uintr_vector_fd(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_register_sender(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_unregister_sender(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_wait(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 0), EOPNOTSUPP);
	return 0;
}
