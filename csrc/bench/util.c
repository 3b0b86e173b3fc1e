// SPDX-License-Identifier: MIT
/* Helpers the mechanisms share: fds (epoll, a byte per message, draining), polling a word. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"

/* The waiter's own epoll instance, watching fd[0] for input. */
int fd_attach_waiter(struct chan *c)
{
	struct epoll_event ev = { .events = EPOLLIN };

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		return -errno;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd[0], &ev) < 0)
		return -errno;
	return 0;
}

/* Blocking: epoll_wait until the deadline. Polling: epoll_wait(0) in a loop. */
int fd_wait(struct chan *c, int64_t deadline_ns)
{
	struct epoll_event ev;
	int n, ms;

	for (;;) {
		ms = 0;
		if (c->block) {
			ms = -1;
			if (deadline_ns >= 0) {
				int64_t left = deadline_ns - now_ns();

				if (left <= 0)
					return -ETIMEDOUT;
				ms = (int)((left + 999999) / 1000000);
			}
		}
		n = epoll_wait(c->epfd, &ev, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (deadline_ns >= 0 && now_ns() >= deadline_ns)
			return -ETIMEDOUT;
	}
}

/* The waiter's eventfd (fd[0]) after the message was seen: read its counter. */
int eventfd_consume(struct chan *c)
{
	return eventfd_drain(c->fd[0], NULL);
}

/* A byte stream's notification: one byte to fd[1]. */
int byte_notify(struct chan *c)
{
	char b = 1;

	return write(c->fd[1], &b, 1) == 1 ? 0 : -errno;
}

/* The waiter's byte stream (fd[0], non-blocking): read everything there is. */
int fd_drain(struct chan *c)
{
	char buf[64];

	/* one byte per message, one message in flight */
	while (read(c->fd[0], buf, sizeof(buf)) > 0)
		;
	return errno == EAGAIN ? 0 : -errno;
}

void fd_close(struct chan *c)
{
	if (c->epfd > 0)
		close(c->epfd);
	if (c->fd[0] > 0)
		close(c->fd[0]);
	if (c->fd[1] > 0 && c->fd[1] != c->fd[0])
		close(c->fd[1]);
}

/* Poll the message word without entering the kernel (wait.h's spin). */
int spin_until_changed(struct chan *c, int64_t deadline_ns)
{
	return spin_until(atomic_load_explicit(c->word, memory_order_acquire) != c->seen,
			  deadline_ns);
}
