// SPDX-License-Identifier: MIT
/*
 * unix: a socketpair(AF_UNIX, SOCK_STREAM); the writer write(2)s one byte on one end,
 * the reader waits in epoll_wait on the other, as for pipe.
 */
#include <errno.h>
#include <sys/socket.h>

#include "bench.h"

static int unix_open(struct chan *c)
{
	int r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c->fd);

	return r < 0 ? -errno : 0;
}

const struct mechanism mech_unix = {
	.name = "unix",
	.summary = "write(2) of one byte on a UNIX stream socketpair / epoll_wait on the other end",
	.can_block = true,
	.can_poll = true,
	.open = unix_open,
	.attach_waiter = fd_attach_waiter,
	.notify = byte_notify,
	.wait = fd_wait,
	.consume = fd_drain,
	.close = fd_close,
};
