/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark harness (csrc/bench) and the conformance suite (csrc/conformance)
 * share: the clock, CPU pinning, the UINTR system calls, draining an eventfd.
 *
 * The system-call wrappers return what syscall(2) returns: the result, or -1 with
 * errno set. The numbers come from <linux/uintr.h> as the kernel patch series leaves
 * it (csrc/extract-uapi.sh). Nothing here executes a UINTR instruction.
 */
#ifndef UINTR_COMMON_H
#define UINTR_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in nanoseconds (the vDSO: no system call). */
int64_t now_ns(void);

/* Sleep @ns nanoseconds of CLOCK_MONOTONIC, through signals. */
void sleep_ns(int64_t ns);

/* Pin the calling thread to CPU @cpu (>= 0): 0, or -1 with errno set. */
int pin_to_cpu(int cpu);

/* Does this CPU enumerate user interrupts (CPUID.(EAX=7,ECX=0):EDX[5])? */
bool cpu_has_uintr(void);

/* The UINTR system calls of our kernel (kernel/patches). */
long uintr_register_handler(void *handler, unsigned int flags);
long uintr_unregister_handler(unsigned int flags);
long uintr_vector_fd(uint64_t vector, unsigned int flags);
long uintr_register_sender(int fd, unsigned int flags);
long uintr_unregister_sender(int index, unsigned int flags);
long uintr_wait(uint64_t timeout_us, unsigned int flags);
long uintr_alt_stack(void *stack, uint64_t size, unsigned int flags);
long uintr_register_event(int efd, unsigned int flags);
long uintr_unregister_event(unsigned int flags);

/*
 * Register as a sender to the vector fd number @fd of process @pid (taken with
 * pidfd_getfd): the UITT index, or -1 with errno set by the call that failed.
 */
long uintr_sender_from(pid_t pid, int fd);

/*
 * Read (and so reset) the counter of the non-blocking eventfd @fd. 0, with the
 * count in *@n (if @n is not NULL; 0 when nothing was pending), or -errno.
 */
int eventfd_drain(int fd, uint64_t *n);

#endif
