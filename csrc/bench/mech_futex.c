// SPDX-License-Identifier: MIT
/*
 * futex: the message word is the futex word. The writer stores the new sequence
 * number and calls FUTEX_WAKE; a blocking reader sleeps in FUTEX_WAIT while the word
 * still holds the number it has seen. A polling reader spins on the word in user
 * space (so the writer's FUTEX_WAKE finds no waiter: its cost is still paid).
 */
#include <errno.h>
#include <linux/futex.h>
#include <time.h>

#include "bench.h"

static int futex_notify(struct chan *c)
{
	return sys_futex(c->word, FUTEX_WAKE, 1, NULL) < 0 ? -errno : 0;
}

static int futex_wait(struct chan *c, int64_t deadline_ns)
{
	struct timespec ts, *tsp;

	if (!c->block)
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
		if (sys_futex(c->word, FUTEX_WAIT, c->seen, tsp) < 0 &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
			return -errno;
	}
	return 0;
}

const struct mechanism mech_futex = {
	.name = "futex",
	.summary = "FUTEX_WAKE on a shared word / FUTEX_WAIT (polling: spin on the word)",
	.can_block = true,
	.can_poll = true,
	.notify = futex_notify,
	.wait = futex_wait,
};
