// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: two processes on two CPUs: delivery to a running and to a descheduled
 * receiver; uintr_wait().
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_CROSS_CPU

CASE(cross_cpu_send, SUITE_UINTR, 30,
     "the receiver spins in user mode while another CPU sends: one delivery")
{
	struct sender_args a = { .vector = 20, .n = 1, .timeout = 10 };
	long fd;
	pid_t pid;

	if (receiver_setup(20, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	CHECK(spin_until(&sh->count[20], 1, 10), "no delivery from the other CPU within 10 s");
	if (finish_sender(pid, 10))
		return 1;
	settle();
	CHECK(sh->count[20] == 1, "%llu deliveries for 1 SENDUIPI",
	      (unsigned long long)sh->count[20]);
	return 0;
}

/* The receiver sleeps in read() (switched out, SN set) while @n vectors are sent. */
static int descheduled_case(int nvec)
{
	struct sender_args a[3];
	int vec[3] = { 4, 44, 24 };
	long long idt_before, idt_after;
	long fd[3];
	int p[2];
	char c;
	pid_t pid[3];

	CHECK(online_cpus() >= 2, "needs 2 CPUs");
	sh = shared_new();
	CHECK(sh && pipe(p) == 0, "setup failed");
	CHECK(pin_to_cpu(0) == 0, "pin");
	if (become_receiver())
		return 1;
	idt_before = irq_count("UIN");
	for (int i = 0; i < nvec; i++) {
		EXPECT_OK(fd[i], uintr_vector_fd(vec[i], 0));
		a[i] = (struct sender_args){ .fd = (int)fd[i], .vector = vec[i], .n = 1,
					     .delay_us = 100000, .timeout = 10 };
		pid[i] = spawn(1, sender_main, &a[i]);
	}
	/* wake us once everything is sent */
	if (fork() == 0) {
		pin_to_cpu(1);
		yield_until(&sh->sent, nvec, 20);
		sleep_ns(20000000);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	CHECK(read(p[0], &c, 1) == 1, "read: %s", strerror(errno));
	idt_after = irq_count("UIN");
	for (int i = 0; i < nvec; i++)
		if (finish_sender(pid[i], 10))
			return 1;
	CHECK(spin_until(&sh->total, nvec, 5), "%llu of %d posted while switched out were delivered",
	      (unsigned long long)sh->total, nvec);
	settle();
	sleep_ns(50000000);
	for (int i = 0; i < nvec; i++)
		CHECK(sh->count[vec[i]] == 1, "vector %d delivered %llu times, expected once",
		      vec[i], (unsigned long long)sh->count[vec[i]]);
	/* SN was set: no notification went out, so none reached an IDT */
	CHECK(idt_before >= 0, "no UIN line in /proc/interrupts");
	CHECK(idt_after == idt_before, "%lld notifications reached the IDT while SN was set",
	      idt_after - idt_before);
	return 0;
}

CASE(descheduled_delivered_once, SUITE_UINTR, 30,
     "one vector posted while the receiver sleeps in read(): delivered once, no notification reaches an IDT (SN)")
{
	return descheduled_case(1);
}

CASE(suppressed_posts_recorded, SUITE_UINTR, 30,
     "three vectors posted while the receiver sleeps in read(): each delivered once, no notification reaches an IDT (SN)")
{
	return descheduled_case(3);
}

CASE(blocking_wait, SUITE_UINTR, 30, "uintr_wait() sleeps until a sender on another CPU sends")
{
	struct sender_args a = { .vector = 33, .n = 1, .delay_us = 200000, .timeout = 10 };
	int64_t t0, slept;
	long fd, r;
	pid_t pid;

	if (receiver_setup(33, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	t0 = now_ns();
	r = uintr_wait(10 * 1000000ull, 0);
	slept = now_ns() - t0;
	CHECK(r == 0, "uintr_wait returned %ld errno %d (%s)", r, errno, strerror(errno));
	CHECK(spin_until(&sh->count[33], 1, 1), "uintr_wait returned but nothing was delivered");
	CHECK(slept > 50000000, "uintr_wait returned after %llu us, before the send",
	      (unsigned long long)slept / 1000);
	return finish_sender(pid, 10);
}

CASE(wait_timeout, SUITE_UINTR, 30,
     "uintr_wait(0) and uintr_wait(30 ms) time out with ETIMEDOUT, the latter after 29 ms or more")
{
	int64_t t0;
	long r;

	if (become_receiver())
		return 1;
	t0 = now_ns();
	EXPECT_ERR(uintr_wait(0, 0), ETIMEDOUT);
	t0 = now_ns();
	EXPECT_ERR(uintr_wait(30000, 0), ETIMEDOUT);
	r = (long)((now_ns() - t0) / 1000);
	CHECK(r >= 29000, "timed out after %ld us, asked 30000", r);
	return 0;
}

CASE(wait_pending_returns, SUITE_UINTR, 30,
     "uintr_wait() returns at once when an interrupt is already pending; it stays pending")
{
	int idx;
	long r;

	if (become_receiver())
		return 1;
	if (self_sender(50, &idx))
		return 1;
	_clui();
	_senduipi(idx);
	settle();
	r = uintr_wait(5 * 1000000ull, 0);
	CHECK(r == 0, "uintr_wait with a pending interrupt: %ld errno %d", r, errno);
	CHECK(delivered == 0, "delivered with UIF=0");
	_stui();
	CHECK(delivered == 1, "pending interrupt lost across uintr_wait");
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

CASE(wait_interrupted_by_signal, SUITE_UINTR, 30, "a signal ends uintr_wait() with EINTR")
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 50000 } };

	if (become_receiver())
		return 1;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_ERR(uintr_wait(10 * 1000000ull, 0), EINTR);
	return 0;
}
