// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: registering and unregistering receivers, vector fds and senders.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "harness.h"

#define TOPIC TOPIC_LIFECYCLE

CASE(register_unregister_handler, SUITE_UINTR, 10,
     "register, unregister and register the handler again")
{
	long r;

	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_OK(r, uintr_unregister_handler(0));
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_OK(r, uintr_vector_fd(0, 0));
	EXPECT_OK(r, uintr_unregister_handler(0));
	return 0;
}

CASE(vector_fd, SUITE_UINTR, 10,
     "a vector fd: close-on-exec only with UINTR_VECTOR_FD_CLOEXEC, named uintr")
{
	char path[64], link[128];
	long fd, fd2;
	ssize_t n;

	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(63, 0));
	CHECK(!(fcntl(fd, F_GETFD) & FD_CLOEXEC), "close-on-exec set without the flag");
	EXPECT_OK(fd2, uintr_vector_fd(0, UINTR_VECTOR_FD_CLOEXEC));
	CHECK(fcntl(fd2, F_GETFD) & FD_CLOEXEC, "UINTR_VECTOR_FD_CLOEXEC did not set FD_CLOEXEC");
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
	link[n] = 0;
	CHECK(strstr(link, "uintr"), "fd %ld is '%s'", fd, link);
	CHECK(close(fd) == 0 && close(fd2) == 0, "close failed");
	return 0;
}

CASE(register_sender_index, SUITE_UINTR, 10, "UITT indices count from 0; a freed index is reused")
{
	long a, b, c, i;

	if (become_receiver())
		return 1;
	EXPECT_OK(a, uintr_vector_fd(1, 0));
	EXPECT_OK(b, uintr_vector_fd(2, 0));
	EXPECT_OK(c, uintr_vector_fd(3, 0));
	EXPECT_OK(i, uintr_register_sender(a, 0));
	CHECK(i == 0, "first entry has index %ld, expected 0", i);
	EXPECT_OK(i, uintr_register_sender(b, 0));
	CHECK(i == 1, "second entry has index %ld, expected 1", i);
	EXPECT_OK(i, uintr_unregister_sender(0, 0));
	EXPECT_OK(i, uintr_register_sender(c, 0));
	CHECK(i == 0, "a freed index is not reused (got %ld)", i);
	return 0;
}

CASE(register_sender_full, SUITE_UINTR, 30, "all 256 UITT entries can be used; the 257th: ENOSPC")
{
	long fd, i;
	int n;

	for (n = 0; n <= UINTR_MAX_SENDERS; n++) {
		/* 64 vectors per registration: re-register for fresh targets */
		if (n % UINTR_MAX_VECTORS == 0) {
			if (n)
				EXPECT_OK(i, uintr_unregister_handler(0));
			if (become_receiver())
				return 1;
		}
		EXPECT_OK(fd, uintr_vector_fd(n % UINTR_MAX_VECTORS, 0));
		if (n == UINTR_MAX_SENDERS) {
			EXPECT_ERR(uintr_register_sender(fd, 0), ENOSPC);
			break;
		}
		EXPECT_OK(i, uintr_register_sender(fd, 0));
		CHECK(i == n, "entry %d got index %ld", n, i);
		close(fd);
	}
	return 0;
}
