// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: bad input to the system calls: one errno per line of the table in
 * Documentation/x86/uintr.rst.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "harness.h"

#define TOPIC TOPIC_ERRNO

CASE(register_handler_bad_flags, SUITE_UINTR, 10,
     "uintr_register_handler: flags 1 and 1 << 31: EINVAL")
{
	EXPECT_ERR(uintr_register_handler(uintr_entry, 1), EINVAL);
	EXPECT_ERR(uintr_register_handler(uintr_entry, 0x80000000u), EINVAL);
	return 0;
}

CASE(register_handler_bad_address, SUITE_UINTR, 10,
     "uintr_register_handler: NULL, a kernel and a non-canonical address: EFAULT")
{
	EXPECT_ERR(uintr_register_handler(NULL, 0), EFAULT);
	EXPECT_ERR(uintr_register_handler(KERNEL_ADDR, 0), EFAULT);
	EXPECT_ERR(uintr_register_handler(NONCANON_ADDR, 0), EFAULT);
	return 0;
}

CASE(register_handler_twice, SUITE_UINTR, 10, "uintr_register_handler twice: EBUSY")
{
	long r;

	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_register_handler(uintr_entry, 0), EBUSY);
	return 0;
}

CASE(unregister_handler_bad, SUITE_UINTR, 10,
     "uintr_unregister_handler: not a receiver, flags, twice: EINVAL")
{
	long r;

	EXPECT_ERR(uintr_unregister_handler(0), EINVAL);	/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_unregister_handler(1), EINVAL);
	EXPECT_OK(r, uintr_unregister_handler(0));
	EXPECT_ERR(uintr_unregister_handler(0), EINVAL);
	return 0;
}

CASE(vector_fd_bad, SUITE_UINTR, 10,
     "uintr_vector_fd: not a receiver, vector 64, 2^32, ~0, flags: EINVAL")
{
	long r;

	EXPECT_ERR(uintr_vector_fd(0, 0), EINVAL);		/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_vector_fd(64, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1ull << 32, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(~0ull, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1, 2), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1, 0x80000000u), EINVAL);
	return 0;
}

CASE(register_sender_bad, SUITE_UINTR, 10, "uintr_register_sender: EBADF, not a vector fd, flags")
{
	int p[2];
	long fd;

	EXPECT_ERR(uintr_register_sender(-1, 0), EBADF);
	EXPECT_ERR(uintr_register_sender(1000, 0), EBADF);
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	EXPECT_ERR(uintr_register_sender(p[0], 0), EINVAL);	/* not a vector fd */
	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_ERR(uintr_register_sender(fd, 1), EINVAL);
	EXPECT_ERR(uintr_register_sender(fd, 0x80000000u), EINVAL);
	return 0;
}

CASE(register_sender_twice, SUITE_UINTR, 10,
     "uintr_register_sender: the same fd, or the same receiver and vector, twice: EBUSY")
{
	long fd, fd2, fd3, i;

	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_OK(fd2, uintr_vector_fd(3, 0));
	EXPECT_OK(fd3, uintr_vector_fd(4, 0));
	EXPECT_OK(i, uintr_register_sender(fd, 0));
	EXPECT_ERR(uintr_register_sender(fd, 0), EBUSY);
	EXPECT_ERR(uintr_register_sender(fd2, 0), EBUSY);	/* same receiver and vector */
	EXPECT_OK(i, uintr_register_sender(fd3, 0));
	return 0;
}

CASE(unregister_sender_bad, SUITE_UINTR, 10,
     "uintr_unregister_sender: no UITT, index -1, 256, unused, flags, twice: EINVAL")
{
	long fd, i;

	EXPECT_ERR(uintr_unregister_sender(0, 0), EINVAL);	/* no UITT yet */
	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_OK(i, uintr_register_sender(fd, 0));
	EXPECT_ERR(uintr_unregister_sender(-1, 0), EINVAL);
	EXPECT_ERR(uintr_unregister_sender(UINTR_MAX_SENDERS, 0), EINVAL);
	EXPECT_ERR(uintr_unregister_sender(i + 100, 0), EINVAL);	/* unused */
	EXPECT_ERR(uintr_unregister_sender(i, 1), EINVAL);
	EXPECT_OK(fd, uintr_unregister_sender(i, 0));
	EXPECT_ERR(uintr_unregister_sender(i, 0), EINVAL);
	return 0;
}

CASE(wait_bad, SUITE_UINTR, 10, "uintr_wait: not a receiver, flags: EINVAL")
{
	long r;

	EXPECT_ERR(uintr_wait(0, 0), EINVAL);			/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_wait(0, 1), EINVAL);
	return 0;
}

CASE(alt_stack_bad, SUITE_UINTR, 10,
     "uintr_alt_stack: not a receiver, flags, too small: EINVAL; a kernel address: EFAULT")
{
	static char stack[4096] __attribute__((aligned(16)));
	long r;

	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 0), EINVAL);	/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 1), EINVAL);
	EXPECT_ERR(uintr_alt_stack(stack, UINTR_MIN_ALT_STACK - 1, 0), EINVAL);
	EXPECT_ERR(uintr_alt_stack(KERNEL_ADDR, 4096, 0), EFAULT);
	EXPECT_OK(r, uintr_alt_stack(NULL, 0, 0));
	return 0;
}
