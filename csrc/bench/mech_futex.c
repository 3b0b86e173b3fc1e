// SPDX-License-Identifier: MIT
/*
 * futex: the message word is the futex word. The writer stores the new sequence
 * number and calls FUTEX_WAKE; a blocking reader sleeps in FUTEX_WAIT while the word
 * still holds the number it has seen. A non-blocking reader polls the word in user
 * space (so the writer's FUTEX_WAKE finds no waiter: its cost is still paid).
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int futex_notify(struct chan *c)
{
	return futex(c->word, FUTEX_WAKE, 1, NULL) < 0 ? -errno : 0;
}

static int futex_wait(struct chan *c, int block, int64_t deadline_ns)
{
	struct timespec ts, *tsp;

	if (!block)
		return spin_until_changed(c, deadline_ns);
	while (atomic_load_explicit(c->word, memory_order_acquire) == c->seen) {
		tsp = NULL;
		if (deadline_ns >= 0) {
			int64_t left = deadline_ns - now_ns();

			if (left <= 0)
				return -ETIMEDOUT;
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			tsp = &ts;
		}
		/* Relative timeout; EAGAIN means the word already changed. */
		if (futex(c->word, FUTEX_WAIT, c->seen, tsp) < 0 &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
			return -errno;
	}
	return 0;
}

const struct mechanism mech_futex = {
	.name = "futex",
	.summary = "FUTEX_WAKE on a shared word / FUTEX_WAIT (non-blocking: the reader polls the word)",
	.modes = ALL_MODES,
	.notify = futex_notify,
	.wait = futex_wait,
};
