// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: the kernel log after the other cases (in both suites).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/klog.h>

#include "harness.h"

#define TOPIC TOPIC_KERNEL_LOG

CASE(kernel_log_clean, SUITE_UINTR | SUITE_NO_UINTR, 10,
     "no Oops, BUG, WARNING, general protection fault, Call Trace, unchecked MSR access or panic in the kernel log")
{
	static const char *bad[] = { "Oops", "BUG:", "WARNING:", "general protection fault",
				     "Call Trace", "unchecked MSR access", "Kernel panic" };
	int n = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;

	CHECK(n > 0, "klogctl: %s", strerror(errno));
	buf = malloc(n + 1);
	CHECK(buf, "malloc");
	n = klogctl(3, buf, n);		/* SYSLOG_ACTION_READ_ALL */
	CHECK(n >= 0, "klogctl: %s", strerror(errno));
	buf[n] = 0;
	/*
	 * Line by line: a user-mode fault the cases provoke on purpose is
	 * reported as "traps: <comm>[<pid>] general protection fault ..." and
	 * is not a kernel problem.
	 */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "traps: "))
			continue;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i]))
				FAIL("kernel log: %.200s", line);
	}
	return 0;
}
