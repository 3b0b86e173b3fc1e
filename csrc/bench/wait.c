// SPDX-License-Identifier: MIT
/* The harness's waits that differ by more than a spin loop between the designs (wait.h). */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wait.h"

long sys_futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

void ack_message(_Atomic uint32_t *acked, uint32_t seq)
{
	atomic_store_explicit(acked, seq, memory_order_release);
#if WAIT_ID(WAIT_DESIGN) == WAIT_futex
	sys_futex(acked, FUTEX_WAKE, 1, NULL);
#endif
}

int await_ack(_Atomic uint32_t *acked, uint32_t seq, int64_t deadline_ns)
{
#if WAIT_ID(WAIT_DESIGN) == WAIT_futex
	uint32_t a;

	while ((a = atomic_load_explicit(acked, memory_order_acquire)) < seq) {
		int64_t left = deadline_ns - now_ns();
		struct timespec ts = { left / 1000000000, left % 1000000000 };

		if (left <= 0)
			return -ETIMEDOUT;
		/* EAGAIN: the word changed already; EINTR, ETIMEDOUT: look again. */
		sys_futex(acked, FUTEX_WAIT, a, &ts);
	}
	return 0;
#else
	return spin_until(atomic_load_explicit(acked, memory_order_acquire) >= seq, deadline_ns);
#endif
}

void proc_poll_pause(void)
{
#if !WAIT_SPIN_PAUSE
	sleep_ns(PROC_POLL_NS);
#endif
}
