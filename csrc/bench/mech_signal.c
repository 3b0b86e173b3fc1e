// SPDX-License-Identifier: MIT
/*
 * signal: the writer kill(2)s SIGUSR1 to the reader. A blocking reader keeps SIGUSR1
 * blocked and takes it in sigtimedwait() (no handler runs); a polling reader has a
 * handler that counts deliveries, and spins on the count. The waiter publishes its pid
 * in a shared page once SIGUSR1 can no longer kill it; the notifier waits for that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define ATTACH_WAIT_NS	(10LL * 1000000000)

/* Shared between the two processes of a channel (mapped before fork). */
struct sig_pub {
	_Atomic int pid;		/* the waiter's pid, 0 until it can take SIGUSR1 */
};

/* The waiter's side, in its process (one waiting channel per process). */
static sigset_t usr1;
static volatile uint32_t sig_hits;	/* polling: deliveries counted by the handler */
static uint32_t hits_seen;

static void sig_count(int sig)
{
	(void)sig;
	sig_hits++;
}

static int sig_open(struct chan *c)
{
	struct sig_pub *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	c->priv = p;
	return 0;
}

static int sig_attach_waiter(struct chan *c)
{
	struct sig_pub *p = c->priv;
	struct sigaction sa = { .sa_handler = sig_count, .sa_flags = SA_RESTART };

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (c->block) {
		if (sigprocmask(SIG_BLOCK, &usr1, NULL) < 0)
			return -errno;
	} else {
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			return -errno;
	}
	atomic_store_explicit(&p->pid, getpid(), memory_order_release);
	return 0;
}

static int sig_attach_notifier(struct chan *c)
{
	struct sig_pub *p = c->priv;
	int64_t deadline = now_ns() + ATTACH_WAIT_NS;

	while (!(c->peer = atomic_load_explicit(&p->pid, memory_order_acquire))) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ns(100000);
	}
	return 0;
}

static int sig_notify(struct chan *c)
{
	return kill((pid_t)c->peer, SIGUSR1) < 0 ? -errno : 0;
}

static int sig_wait(struct chan *c, int64_t deadline_ns)
{
	struct timespec ts, *tsp = NULL;

	if (!c->block)
		return spin_until(sig_hits != hits_seen, deadline_ns);
	if (deadline_ns >= 0) {
		int64_t left = deadline_ns - now_ns();

		if (left <= 0)
			return -ETIMEDOUT;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		tsp = &ts;
	}
	/* EAGAIN (timed out), EINTR: a spurious return; the caller looks at the word. */
	if (sigtimedwait(&usr1, NULL, tsp) < 0 && errno != EAGAIN && errno != EINTR)
		return -errno;
	return 0;
}

static int sig_consume(struct chan *c)
{
	(void)c;
	hits_seen = sig_hits;
	return 0;
}

static void sig_close(struct chan *c)
{
	if (c->priv)
		munmap(c->priv, sizeof(struct sig_pub));
}

const struct mechanism mech_signal = {
	.name = "signal",
	.summary = "kill(2) SIGUSR1 / sigtimedwait (polling: a handler's count)",
	.can_block = true,
	.can_poll = true,
	.open = sig_open,
	.attach_waiter = sig_attach_waiter,
	.attach_notifier = sig_attach_notifier,
	.notify = sig_notify,
	.wait = sig_wait,
	.consume = sig_consume,
	.close = sig_close,
};
