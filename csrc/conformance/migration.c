// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: receivers and senders moving between CPUs, and the study's three symptoms.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_MIGRATION

CASE(receiver_migrates, SUITE_UINTR, 60, "handshaked sends while the receiver hops between CPUs")
{
	struct sender_args a = { .vector = 21, .n = 600, .handshake = 1, .timeout = 10 };
	long fd;
	pid_t pid;

	if (receiver_setup(21, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	for (int step = 1; step <= 3; step++) {
		CHECK(yield_until(&sh->count[21], 200 * step, 20),
		      "step %d (CPU %d): %llu of %d delivered", step, (step - 1) % 2,
		      (unsigned long long)sh->count[21], 200 * step);
		CHECK(pin_to_cpu(step % 2) == 0, "sched_setaffinity");
	}
	if (finish_sender(pid, 20))
		return 1;
	settle();
	CHECK(sh->count[21] == 600, "%llu deliveries for 600 sends",
	      (unsigned long long)sh->count[21]);
	return 0;
}

CASE(sender_migrates, SUITE_UINTR, 90,
     "the sender hops between CPUs (the study's \"TT reads back 0 after migration\")")
{
	struct sender_args a = { .vector = 22, .n = 400, .handshake = 1,
				 .migrate_every = 50, .timeout = 10 };
	long fd;
	pid_t pid;

	if (receiver_setup(22, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	if (finish_sender(pid, 60))
		return 1;
	settle();
	CHECK(sh->count[22] == 400, "%llu deliveries for 400 sends",
	      (unsigned long long)sh->count[22]);
	return 0;
}

/*
 * UIF belongs to the task ("UIF on other cores"): STUI on CPU 0, then run
 * on CPU 1, which never executed STUI for us; and CLUI follows the same way.
 */
CASE(uif_follows_task, SUITE_UINTR, 60,
     "UIF belongs to the task (the study's \"UIF on other cores\"): STUI on CPU 0, delivery on CPU 1; CLUI follows too")
{
	struct sender_args a = { .vector = 23, .n = 2, .wait_ready = 1, .timeout = 20 };
	long fd;
	pid_t pid;

	if (receiver_setup(23, 0, &fd))
		return 1;
	a.fd = (int)fd;
	_stui();
	/* CPU 1's UIF is 0 now (a task the kernel does not track ran CLUI) */
	CHECK(reap(spawn(1, do_clui, NULL), 10) == 0, "CLUI on CPU 1 failed");
	CHECK(pin_to_cpu(1) == 0, "sched_setaffinity");
	pid = spawn(0, sender_main, &a);
	sh->ready = 1;
	CHECK(spin_until(&sh->count[23], 1, 10),
	      "no delivery on CPU 1 after STUI on CPU 0 (UIF did not follow the task)");
	_clui();
	CHECK(reap(spawn(0, do_stui, NULL), 10) == 0, "STUI on CPU 0 failed");
	CHECK(pin_to_cpu(0) == 0, "sched_setaffinity");
	sh->ready = 2;
	yield_until(&sh->sent, 2, 10);
	settle();
	sleep_ns(20000000);
	CHECK(sh->count[23] == 1, "delivered on CPU 0 after CLUI on CPU 1 (UIF=0 did not follow)");
	_stui();
	CHECK(spin_until(&sh->count[23], 2, 5), "held interrupt not delivered by STUI");
	return finish_sender(pid, 10);
}

/*
 * ON never stays set: 10 000 handshaked sends while the receiver alternates
 * spinning, uintr_wait(), nanosleep() and sched_yield().
 */
CASE(on_never_stuck, SUITE_UINTR, 300,
     "ON never stays set (the study's \"ON stuck\"): 10 000 handshaked sends while the receiver spins, sleeps in uintr_wait(), nanosleeps, yields")
{
	const long n = 10000;
	struct sender_args a = { .vector = 25, .n = n, .handshake = 1, .wait_ready = 1,
				 .timeout = 10 };
	long fd;
	pid_t pid;

	if (receiver_setup(25, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	for (long i = 0; i < n; i++) {
		int64_t end = now_ns() + 10000000000ll;

		sh->ready = i + 1;
		while (ld(&sh->count[25]) < (uint64_t)i + 1) {
			if (now_ns() > end) {
				sh->stop = 1;
				FAIL("message %ld never arrived (mode %ld); ON stuck?", i, i % 4);
			}
			switch (i % 4) {
			case 0:
				__builtin_ia32_pause();
				break;
			case 1:
				uintr_wait(1000000, 0);
				break;
			case 2:
				sleep_ns(50000);
				break;
			default:
				sched_yield();
			}
		}
	}
	if (finish_sender(pid, 30))
		return 1;
	settle();
	CHECK(sh->count[25] == (uint64_t)n, "%llu deliveries for %ld sends",
	      (unsigned long long)sh->count[25], n);
	return 0;
}
