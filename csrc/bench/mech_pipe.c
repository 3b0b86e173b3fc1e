// SPDX-License-Identifier: MIT
/* pipe: the writer write(2)s one byte; the reader waits in epoll_wait on the read end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"

static int pipe_open(struct chan *c)
{
	return pipe2(c->fd, O_NONBLOCK | O_CLOEXEC) < 0 ? -errno : 0;
}

const struct mechanism mech_pipe = {
	.name = "pipe",
	.summary = "write(2) of one byte to a pipe / epoll_wait on the read end",
	.can_block = true,
	.can_poll = true,
	.open = pipe_open,
	.attach_waiter = fd_attach_waiter,
	.notify = byte_notify,
	.wait = fd_wait,
	.consume = fd_drain,
	.close = fd_close,
};
