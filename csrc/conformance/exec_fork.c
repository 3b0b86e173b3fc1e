// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: exec and fork clean up.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_EXEC_FORK

int exec_check(int fd)
{
	/* runs in the freshly exec'd image */
	if (uintr_vector_fd(1, 0) != -1 || errno != EINVAL)
		FAIL("after exec: still a receiver (uintr_vector_fd errno %d)", errno);
	if (uintr_unregister_sender(0, 0) != -1 || errno != EINVAL)
		FAIL("after exec: the UITT survived (errno %d)", errno);
	if (expect_signal(do_senduipi, (void *)0, SIGILL, "SENDUIPI after exec"))
		return 1;
	(void)fd;
	return 0;
}

CASE(exec_clears_state, SUITE_UINTR, 30,
     "exec leaves no receiver and no UITT; SENDUIPI after it: SIGILL")
{
	char fdarg[16];
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(2, &idx))
		return 1;
	snprintf(fdarg, sizeof(fdarg), "%d", result_fd);
	execl("/proc/self/exe", "uintr-conformance", "--exec-check", fdarg, (char *)NULL);
	FAIL("execl /proc/self/exe: %s", strerror(errno));
}

static int fork_child_check(void *arg)
{
	(void)arg;
	if (uintr_vector_fd(1, 0) != -1 || errno != EINVAL)
		return 2;		/* inherited the receiver */
	if (uintr_unregister_sender(0, 0) != -1 || errno != EINVAL)
		return 3;		/* inherited the UITT */
	_senduipi(0);			/* no UITT: #UD */
	return 4;
}

CASE(fork_child_has_no_state, SUITE_UINTR, 30,
     "a forked child inherits neither the receiver nor the UITT")
{
	int idx, status;
	pid_t pid;

	if (become_receiver())
		return 1;
	if (self_sender(2, &idx))
		return 1;
	pid = spawn(-1, fork_child_check, NULL);
	status = reap(pid, 20);
	CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGILL,
	      "child %s (2: still a receiver, 3: has the UITT, 4: SENDUIPI worked; expected SIGILL)",
	      describe_status(status));
	return 0;
}
