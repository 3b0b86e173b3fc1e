// SPDX-License-Identifier: MIT
/* eventfd: the writer write(2)s 1 to an eventfd; the reader waits in epoll_wait. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

static int efd_open(struct chan *c)
{
	c->fd[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->fd[0] < 0)
		return -errno;
	c->fd[1] = c->fd[0];
	return 0;
}

static int efd_notify(struct chan *c)
{
	uint64_t one = 1;

	return write(c->fd[1], &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

const struct mechanism mech_eventfd = {
	.name = "eventfd",
	.summary = "write(2) on an eventfd / epoll_wait",
	.can_block = true,
	.can_poll = true,
	.open = efd_open,
	.attach_waiter = fd_attach_waiter,
	.notify = efd_notify,
	.wait = fd_wait,
	.consume = eventfd_consume,
	.close = fd_close,
};
