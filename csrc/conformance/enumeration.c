// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: CPUID, /proc/cpuinfo, and CLUI/STUI/TESTUI on every CPU.
 */
#define _GNU_SOURCE
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_ENUMERATION

CASE(cpuid_bit, SUITE_UINTR, 10, "CPUID.(EAX=7,ECX=0):EDX[5] is set")
{
	CHECK(cpu_has_uintr(), "CPUID.(EAX=7,ECX=0):EDX[5] is clear");
	return 0;
}

CASE(cpuinfo_flag, SUITE_UINTR, 10,
     "'uintr' in /proc/cpuinfo on every CPU (the kernel shows it only where it set CR4.UINTR)")
{
	int lines, with = cpuinfo_uintr(&lines);

	CHECK(lines == online_cpus(), "/proc/cpuinfo has %d flags lines for %d CPUs",
	      lines, online_cpus());
	CHECK(with == lines, "'uintr' on %d of %d CPUs (the kernel sets CR4.UINTR where it shows it)",
	      with, lines);
	return 0;
}

CASE(testui_every_cpu, SUITE_UINTR, 10, "CLUI, STUI and TESTUI work (CR4.UINTR set) on every CPU")
{
	for (int cpu = 0; cpu < online_cpus(); cpu++) {
		CHECK(pin_to_cpu(cpu) == 0, "cannot run on CPU %d", cpu);
		_clui();
		CHECK(!_testui(), "CPU %d: TESTUI reports UIF=1 after CLUI", cpu);
		_stui();
		CHECK(_testui(), "CPU %d: TESTUI reports UIF=0 after STUI", cpu);
		_clui();
	}
	return 0;
}
