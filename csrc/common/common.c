// SPDX-License-Identifier: MIT
/* The helpers of common.h. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/uintr.h>

#include "common.h"

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		errno = EINVAL;
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

bool cpu_has_uintr(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return d & (1u << 5);
}

long uintr_register_handler(void *handler, unsigned int flags)
{
	return syscall(__NR_uintr_register_handler, handler, flags);
}

long uintr_unregister_handler(unsigned int flags)
{
	return syscall(__NR_uintr_unregister_handler, flags);
}

long uintr_vector_fd(uint64_t vector, unsigned int flags)
{
	return syscall(__NR_uintr_vector_fd, vector, flags);
}

long uintr_register_sender(int fd, unsigned int flags)
{
	return syscall(__NR_uintr_register_sender, fd, flags);
}

long uintr_unregister_sender(int index, unsigned int flags)
{
	return syscall(__NR_uintr_unregister_sender, index, flags);
}

long uintr_wait(uint64_t timeout_us, unsigned int flags)
{
	return syscall(__NR_uintr_wait, timeout_us, flags);
}

long uintr_alt_stack(void *stack, uint64_t size, unsigned int flags)
{
	return syscall(__NR_uintr_alt_stack, stack, size, flags);
}

long uintr_register_event(int efd, unsigned int flags)
{
	return syscall(__NR_uintr_register_event, efd, flags);
}

long uintr_unregister_event(unsigned int flags)
{
	return syscall(__NR_uintr_unregister_event, flags);
}

long uintr_sender_from(pid_t pid, int fd)
{
	long pidfd = syscall(SYS_pidfd_open, pid, 0), myfd, idx;
	int err;

	if (pidfd < 0)
		return -1;
	myfd = syscall(SYS_pidfd_getfd, (int)pidfd, fd, 0);
	err = errno;
	close((int)pidfd);
	if (myfd < 0) {
		errno = err;
		return -1;
	}
	idx = uintr_register_sender((int)myfd, 0);
	err = errno;
	close((int)myfd);
	errno = err;
	return idx;
}

int eventfd_drain(int fd, uint64_t *n)
{
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));

	if (n)
		*n = r == sizeof(v) ? v : 0;
	/* EAGAIN: nothing pending (drained together with an earlier notification). */
	if (r < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}
