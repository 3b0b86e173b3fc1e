// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: event receivers (uintr_register_event): notifications signal an eventfd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_EVENTS

/*
 * Shared slots of the event cases: a receiver in another process publishes
 * its pid and vector fd number, a sender takes the fd with pidfd_getfd().
 */
#define EV_PID		0

#define EV_FD		1

/*
 * Become an event receiver (a receiver already, or registering the handler
 * first when @fresh): eventfd, event registration, epoll instance; *efd and
 * *ep are the eventfd and the epoll fd.
 */
static int become_event_receiver(int *efd, int *ep, bool fresh)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (fresh && become_receiver())
		return 1;
	EXPECT_OK(*efd, eventfd(0, EFD_NONBLOCK));
	if (uintr_register_event(*efd, 0) < 0)
		FAIL("uintr_register_event: %s", strerror(errno));
	EXPECT_OK(*ep, epoll_create1(0));
	CHECK(epoll_ctl(*ep, EPOLL_CTL_ADD, *efd, &ev) == 0, "epoll_ctl: %s", strerror(errno));
	return 0;
}

/*
 * Wait (asleep in epoll_wait) until the eventfd says @want events arrived in
 * all, adding what it reads to sh->count[@vector]; false after @seconds.
 */
static bool event_collect(int efd, int ep, int vector, uint64_t want, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);
	struct epoll_event ev;
	uint64_t n;

	while (ld(&sh->count[vector]) < want) {
		int64_t left = end - now_ns();

		if (left <= 0)
			return false;
		if (epoll_wait(ep, &ev, 1, (int)(left / 1000000) + 1) < 0 && errno != EINTR)
			return false;
		if (eventfd_drain(efd, &n) == 0)
			__atomic_add_fetch(&sh->count[vector], n, __ATOMIC_SEQ_CST);
	}
	return true;
}

/* Is process @pid asleep (state S) right now? */
static bool asleep(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/* A sender for an event receiver: handshaked sends through @a->fd. */
struct ev_sender {
	pid_t receiver;		/* 0: the vector fd is inherited (a->fd) */
	int fd, vector;
	long n;
	int wait_asleep;	/* send only once the receiver sleeps */
	double timeout;
};

static int ev_sender_main(void *p)
{
	struct ev_sender *a = p;
	long idx = a->receiver ? uintr_sender_from(a->receiver, a->fd)
			       : uintr_register_sender(a->fd, 0);
	uint64_t base = ld(&sh->count[a->vector]);

	if (idx < 0)
		return sender_fail("sender: no UITT entry: %s", strerror(errno));
	for (long i = 0; i < a->n && !sh->stop; i++) {
		if (a->wait_asleep) {
			int64_t end = now_ns() + 2000000000ll;

			while (!asleep(a->receiver ? a->receiver : getppid())) {
				if (now_ns() > end)
					return sender_fail("sender: receiver never asleep before %ld", i);
				sched_yield();
			}
		}
		_senduipi(idx);
		if (!yield_until(&sh->count[a->vector], base + i + 1, a->timeout))
			return sender_fail("sender: event %ld not signalled (%ld were)", i,
					   (long)(ld(&sh->count[a->vector]) - base));
	}
	return 0;
}

CASE(event_bad_input, SUITE_UINTR, 10,
     "every errno of uintr_register_event and uintr_unregister_event; uintr_wait() of an event receiver: EBUSY")
{
	int efd, p[2];
	long vfd;

	EXPECT_OK(efd, eventfd(0, 0));
	CHECK(pipe(p) == 0, "pipe");
	EXPECT_ERR(uintr_register_event(efd, 0), EINVAL);	/* not a receiver */
	EXPECT_ERR(uintr_unregister_event(0), EINVAL);
	if (become_receiver())
		return 1;
	EXPECT_OK(vfd, uintr_vector_fd(1, 0));
	EXPECT_ERR(uintr_register_event(-1, 0), EBADF);
	EXPECT_ERR(uintr_register_event(9999, 0), EBADF);
	EXPECT_ERR(uintr_register_event(p[0], 0), EINVAL);	/* a pipe */
	EXPECT_ERR(uintr_register_event((int)vfd, 0), EINVAL);	/* a vector fd */
	EXPECT_ERR(uintr_register_event(efd, 1), EINVAL);	/* flags */
	EXPECT_ERR(uintr_unregister_event(0), EINVAL);	/* not an event receiver */
	CHECK(uintr_register_event(efd, 0) == 0, "uintr_register_event: %s", strerror(errno));
	EXPECT_ERR(uintr_register_event(efd, 0), EBUSY);
	EXPECT_ERR(uintr_wait(0, 0), EBUSY);
	EXPECT_ERR(uintr_unregister_event(1), EINVAL);	/* flags */
	CHECK(uintr_unregister_event(0) == 0, "uintr_unregister_event: %s", strerror(errno));
	EXPECT_ERR(uintr_unregister_event(0), EINVAL);
	return 0;
}

CASE(event_wakes_epoll, SUITE_UINTR, 120,
     "the receiver sleeps in epoll_wait; each SENDUIPI from the other CPU wakes it; the user handler never runs")
{
	struct ev_sender a = { .vector = 7, .n = 200, .timeout = 10, .wait_asleep = 1 };
	long long uev = irq_count("UEV");
	int efd, ep;
	long fd;
	pid_t pid;

	if (receiver_setup(7, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, ev_sender_main, &a);
	CHECK(event_collect(efd, ep, 7, 200, 60), "%llu of 200 events signalled",
	      (unsigned long long)sh->count[7]);
	if (finish_sender(pid, 10))
		return 1;
	CHECK(delivered == 0, "the user handler ran %llu times for an event receiver",
	      (unsigned long long)delivered);
	CHECK(irq_count("UEV") - uev >= 200, "UEV counted %lld event interrupts for 200 sends",
	      irq_count("UEV") - uev);
	return 0;
}

CASE(event_follows_task, SUITE_UINTR, 120,
     "an event receiver moved between CPUs keeps getting its events")
{
	struct ev_sender a = { .vector = 9, .n = 1, .timeout = 10 };
	int efd, ep;
	long fd;

	if (receiver_setup(9, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	a.fd = (int)fd;
	for (int i = 0; i < 100; i++) {
		pid_t pid;

		CHECK(pin_to_cpu(i % 2) == 0, "pin");
		pid = spawn(-1, ev_sender_main, &a);
		CHECK(event_collect(efd, ep, 9, (uint64_t)i + 1, 10),
		      "event %d lost after moving to CPU %d", i, i % 2);
		if (finish_sender(pid, 10))
			return 1;
	}
	return 0;
}

/* One event receiver and one ordinary receiver, in two processes, at once. */
static int ordinary_receiver_main(void *arg)
{
	(void)arg;
	if (become_receiver())
		return 1;
	sh->flag[EV_FD] = (int)uintr_vector_fd(3, 0);
	__atomic_store_n(&sh->flag[EV_PID], getpid(), __ATOMIC_SEQ_CST);
	while (!sh->stop)
		__builtin_ia32_pause();
	return 0;
}

CASE(event_coexists_with_ordinary, SUITE_UINTR, 180,
     "one event receiver and one ordinary receiver, in two processes, at once")
{
	int efd, ep, status;
	long fd, ia, ib;
	pid_t other, pid;

	if (receiver_setup(5, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	other = spawn(1, ordinary_receiver_main, NULL);
	for (int i = 0; i < 1000 && !__atomic_load_n(&sh->flag[EV_PID], __ATOMIC_SEQ_CST); i++)
		sleep_ns(10000000);
	CHECK(sh->flag[EV_PID] && sh->flag[EV_FD] >= 0, "the ordinary receiver did not start");
	pid = fork();
	if (pid == 0) {
		pin_to_cpu(1);
		ia = uintr_register_sender((int)fd, 0);
		ib = uintr_sender_from(other, sh->flag[EV_FD]);
		if (ia < 0 || ib < 0)
			_exit(sender_fail("sender: registration failed: %s", strerror(errno)));
		for (int i = 0; i < 300; i++) {
			_senduipi(ia);
			if (!yield_until(&sh->count[5], (uint64_t)i + 1, 10))
				_exit(sender_fail("sender: event %d not signalled", i));
			_senduipi(ib);
			if (!yield_until(&sh->count[3], (uint64_t)i + 1, 10))
				_exit(sender_fail("sender: user interrupt %d not delivered", i));
		}
		_exit(0);
	}
	CHECK(event_collect(efd, ep, 5, 300, 120), "%llu of 300 events", (unsigned long long)sh->count[5]);
	if (finish_sender(pid, 30))
		return 1;
	settle();
	sh->stop = 1;
	status = reap(other, 10);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "ordinary receiver %s", describe_status(status));
	CHECK(sh->count[3] == 300 && sh->count[5] == 300,
	      "user interrupts %llu, events %llu, expected 300 each",
	      (unsigned long long)sh->count[3], (unsigned long long)sh->count[5]);
	CHECK(delivered == 0, "the event receiver's handler ran");
	return 0;
}

/*
 * A second event receiver registered later gets nothing of the first one's
 * events (the study's single global eventfd context gave it all of them).
 */
static int second_event_receiver_main(void *arg)
{
	int efd, ep;
	uint64_t n = 0;

	(void)arg;
	if (become_event_receiver(&efd, &ep, true))
		return 1;
	__atomic_store_n(&sh->flag[EV_PID], getpid(), __ATOMIC_SEQ_CST);
	while (!sh->stop) {
		struct epoll_event ev;
		uint64_t v;

		if (epoll_wait(ep, &ev, 1, 100) > 0 && eventfd_drain(efd, &v) == 0)
			n += v;
	}
	sh->count[63] = n;
	return 0;
}

CASE(event_isolation, SUITE_UINTR, 120,
     "a second event receiver gets none of the first one's events")
{
	struct ev_sender a = { .vector = 6, .n = 200, .timeout = 10 };
	int efd, ep, status;
	long fd;
	pid_t other, pid;

	if (receiver_setup(6, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	other = spawn(1, second_event_receiver_main, NULL);
	for (int i = 0; i < 1000 && !__atomic_load_n(&sh->flag[EV_PID], __ATOMIC_SEQ_CST); i++)
		sleep_ns(10000000);
	CHECK(sh->flag[EV_PID], "the second event receiver did not start");
	a.fd = (int)fd;
	pid = spawn(1, ev_sender_main, &a);
	CHECK(event_collect(efd, ep, 6, 200, 60), "%llu of 200 events reached their receiver",
	      (unsigned long long)sh->count[6]);
	if (finish_sender(pid, 10))
		return 1;
	settle();
	sh->stop = 1;
	status = reap(other, 10);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "second receiver %s", describe_status(status));
	CHECK(sh->count[63] == 0, "the other event receiver got %llu of our events",
	      (unsigned long long)sh->count[63]);
	CHECK(sh->count[6] == 200, "%llu events for 200 sends", (unsigned long long)sh->count[6]);
	return 0;
}

/*
 * The application closes its eventfd while registered: the kernel's reference
 * keeps it valid, sends do no harm; after unregistering, sends reach the
 * handler again.
 */
CASE(event_eventfd_closed, SUITE_UINTR, 60,
     "the eventfd closed while registered: sends do no harm; after uintr_unregister_event the handler runs again")
{
	struct sender_args a = { .vector = 8, .n = 100, .timeout = 10 };
	int efd, ep;
	long fd;
	pid_t pid;

	if (receiver_setup(8, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	close(ep);
	close(efd);
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	if (finish_sender(pid, 30))
		return 1;
	settle();
	CHECK(delivered == 0, "the handler ran while the event receiver was registered");
	CHECK(uintr_unregister_event(0) == 0, "uintr_unregister_event: %s", strerror(errno));
	a.n = 1;
	a.handshake = 1;
	pid = spawn(1, sender_main, &a);
	if (finish_sender(pid, 30))
		return 1;
	CHECK(spin_until(&sh->count[8], 1, 10), "no user interrupt after uintr_unregister_event");
	return 0;
}

/* The event receiver exits while its sender keeps sending: nothing breaks. */
static int exiting_event_receiver_main(void *arg)
{
	int efd, ep;

	(void)arg;
	if (become_event_receiver(&efd, &ep, true))
		return 1;
	sh->flag[EV_FD] = (int)uintr_vector_fd(2, 0);
	__atomic_store_n(&sh->flag[EV_PID], getpid(), __ATOMIC_SEQ_CST);
	return event_collect(efd, ep, 2, 50, 60) ? 0 : 1;
}

CASE(event_receiver_exits, SUITE_UINTR, 120,
     "the event receiver exits while its sender keeps sending")
{
	long idx;
	int status;
	pid_t rcv;

	CHECK(online_cpus() >= 2, "needs 2 CPUs");
	sh = shared_new();
	CHECK(sh, "mmap");
	rcv = spawn(1, exiting_event_receiver_main, NULL);
	for (int i = 0; i < 1000 && !__atomic_load_n(&sh->flag[EV_PID], __ATOMIC_SEQ_CST); i++)
		sleep_ns(10000000);
	CHECK(sh->flag[EV_PID], "the receiver did not start");
	pin_to_cpu(0);
	EXPECT_OK(idx, uintr_sender_from(rcv, sh->flag[EV_FD]));
	for (int i = 0; i < 50; i++) {
		_senduipi(idx);
		CHECK(yield_until(&sh->count[2], (uint64_t)i + 1, 10), "event %d not signalled", i);
	}
	status = reap(rcv, 10);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "receiver %s", describe_status(status));
	for (int i = 0; i < 1000; i++)
		_senduipi(idx);		/* to a receiver that is gone: dropped */
	CHECK(uintr_unregister_sender((int)idx, 0) == 0, "uintr_unregister_sender: %s",
	      strerror(errno));
	return 0;
}

CASE(event_sender_exits, SUITE_UINTR, 120,
     "a sender exits in mid-stream without unregistering; a new one carries on")
{
	struct ev_sender a = { .vector = 10, .n = 100, .timeout = 10 };
	int efd, ep;
	long fd;
	pid_t pid;

	if (receiver_setup(10, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	a.fd = (int)fd;
	for (int round = 1; round <= 3; round++) {
		pid = spawn(1, ev_sender_main, &a);
		CHECK(event_collect(efd, ep, 10, 100ull * round, 60), "round %d: %llu events", round,
		      (unsigned long long)sh->count[10]);
		if (finish_sender(pid, 10))
			return 1;
	}
	return 0;
}

CASE(event_stress, SUITE_UINTR, 600, "20 000 events between two CPUs, exactly counted")
{
	struct ev_sender a = { .vector = 11, .n = 20000, .timeout = 10 };
	int efd, ep;
	long fd;
	pid_t pid;

	if (receiver_setup(11, 0, &fd) || become_event_receiver(&efd, &ep, false))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, ev_sender_main, &a);
	CHECK(event_collect(efd, ep, 11, 20000, 500), "%llu of 20000 events",
	      (unsigned long long)sh->count[11]);
	if (finish_sender(pid, 10))
		return 1;
	settle();
	CHECK(sh->count[11] == 20000, "%llu events for 20000 sends", (unsigned long long)sh->count[11]);
	return 0;
}
