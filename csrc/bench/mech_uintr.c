// SPDX-License-Identifier: MIT
/*
 * User interrupts (our guest kernel's UINTR system calls, kernel/patches).
 *
 *   uintr        the writer executes SENDUIPI; the reader's user handler records the
 *                arrival. Polling: the reader runs (spins on the handler's count).
 *                Blocking: the reader sleeps in uintr_wait() and the interrupt is
 *                delivered on its way back to user mode.
 *   uintr_event  the study's idea: the writer executes SENDUIPI; the reader's UPID
 *                notifies the kernel's event vector, whose handler signals the reader's
 *                eventfd; the reader waits in epoll_wait like the eventfd mechanism.
 *
 * In both the writer's notification is one SENDUIPI, no system call. The reader
 * (receiver) publishes its vector fd and pid in a shared page; the writer takes the fd
 * with pidfd_getfd() and registers as a sender, which gives the UITT index.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include <linux/uintr.h>

#include "bench.h"

#define UINTR_VECTOR	0		/* the one user vector a channel uses */
#define ATTACH_WAIT_NS	(10LL * 1000000000)

/* Shared between the two processes of a channel (mapped before fork). */
struct uintr_pub {
	_Atomic int pid;		/* receiver's pid, 0 until published */
	_Atomic int vector_fd;		/* the fd number in the receiver */
};

/* The user handler (mech_uintr_handler.c) counts deliveries in this process. */
extern volatile uint64_t uintr_bench_hits;
void uintr_bench_handler(struct __uintr_frame *frame, unsigned long long vector);
static uint64_t hits_seen;

/* A UINTR system call's result as 0 or more, or -errno. */
static long neg_errno(long r)
{
	return r < 0 ? -errno : r;
}

static int uintr_probe(const char **why)
{
	long r;

	if (!cpu_has_uintr()) {
		*why = "this CPU has no user interrupts (CPUID.(7,0):EDX[5] is clear); "
		       "run it in the artifact's QEMU guest (platform tcg)";
		return -ENOTSUP;
	}
	r = neg_errno(uintr_unregister_handler(0));
	if (r == -ENOSYS) {
		*why = "the kernel has no UINTR system calls (not the artifact's guest kernel)";
		return -ENOTSUP;
	}
	if (r == -EOPNOTSUPP) {
		*why = "the kernel has UINTR switched off (nouintr, page table isolation, or CPU)";
		return -ENOTSUP;
	}
	return 0;
}

static int uintr_open(struct chan *c)
{
	struct uintr_pub *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	c->priv = p;
	c->fd[0] = c->fd[1] = -1;
	return 0;
}

/* Receiver side: register, make the vector fd, publish it. */
static int receiver_attach(struct chan *c, int eventfd)
{
	struct uintr_pub *p = c->priv;
	long r;

	r = neg_errno(uintr_register_handler(uintr_bench_handler, 0));
	if (r < 0)
		return (int)r;
	if (eventfd >= 0) {
		r = neg_errno(uintr_register_event(eventfd, 0));
		if (r < 0)
			return (int)r;
	}
	r = neg_errno(uintr_vector_fd(UINTR_VECTOR, 0));
	if (r < 0)
		return (int)r;
	atomic_store_explicit(&p->vector_fd, (int)r, memory_order_relaxed);
	atomic_store_explicit(&p->pid, getpid(), memory_order_release);
	_stui();
	return 0;
}

/* Sender side: take the receiver's vector fd, register; peer = UITT index. */
static int uintr_attach_notifier(struct chan *c)
{
	struct uintr_pub *p = c->priv;
	int64_t deadline = now_ns() + ATTACH_WAIT_NS;
	long idx;
	int pid;

	while (!(pid = atomic_load_explicit(&p->pid, memory_order_acquire))) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ns(100000);
	}
	idx = neg_errno(uintr_sender_from(pid, atomic_load(&p->vector_fd)));
	if (idx < 0)
		return (int)idx;
	c->peer = idx;
	return 0;
}

static int uintr_notify(struct chan *c)
{
	_senduipi((unsigned long long)c->peer);
	return 0;
}

static int uintr_attach_waiter(struct chan *c)
{
	return receiver_attach(c, -1);
}

/*
 * Wait for the handler to have run. Blocking: CLUI first, so an interrupt that
 * arrives between the check and uintr_wait() stays pending in UIRR (the kernel then
 * returns at once) instead of being delivered in between and missed; STUI after the
 * wait delivers it. Polling: spin on the handler's count (wait.h's spin).
 */
static int uintr_wait_hit(struct chan *c, int64_t deadline_ns)
{
	if (!c->block)
		return spin_until(uintr_bench_hits != hits_seen, deadline_ns);
	for (;;) {
		uint64_t us = UINTR_WAIT_FOREVER;
		long r;

		_clui();
		if (uintr_bench_hits != hits_seen) {
			_stui();
			return 0;
		}
		if (deadline_ns >= 0) {
			int64_t left = deadline_ns - now_ns();

			if (left <= 0) {
				_stui();
				return -ETIMEDOUT;
			}
			us = (uint64_t)(left + 999) / 1000;
		}
		r = neg_errno(uintr_wait(us, 0));
		_stui();
		if (r < 0 && r != -EINTR && r != -ETIMEDOUT)
			return (int)r;
	}
}

static int uintr_consume(struct chan *c)
{
	(void)c;
	hits_seen = uintr_bench_hits;
	return 0;
}

static void uintr_close(struct chan *c)
{
	if (c->priv)
		munmap(c->priv, sizeof(struct uintr_pub));
}

const struct mechanism mech_uintr = {
	.name = "uintr",
	.summary = "SENDUIPI / user handler (spins, or sleeps in uintr_wait)",
	.can_block = true,
	.can_poll = true,
	.probe = uintr_probe,
	.open = uintr_open,
	.attach_waiter = uintr_attach_waiter,
	.attach_notifier = uintr_attach_notifier,
	.notify = uintr_notify,
	.wait = uintr_wait_hit,
	.consume = uintr_consume,
	.close = uintr_close,
};

/* uintr_event: the receiver's notifications signal its eventfd (fd[0]). */
static int uev_open(struct chan *c)
{
	int r = uintr_open(c);

	if (r)
		return r;
	c->fd[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return c->fd[0] < 0 ? -errno : 0;
}

static int uev_attach_waiter(struct chan *c)
{
	int r = receiver_attach(c, c->fd[0]);

	return r ? r : fd_attach_waiter(c);
}

static void uev_close(struct chan *c)
{
	fd_close(c);
	uintr_close(c);
}

const struct mechanism mech_uintr_event = {
	.name = "uintr_event",
	.summary = "SENDUIPI / kernel event vector signals an eventfd / epoll_wait",
	.can_block = true,
	.can_poll = true,
	.probe = uintr_probe,
	.open = uev_open,
	.attach_waiter = uev_attach_waiter,
	.attach_notifier = uintr_attach_notifier,
	.notify = uintr_notify,
	.wait = fd_wait,
	.consume = eventfd_consume,
	.close = uev_close,
};
