// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: several senders, receivers that go away, 100 000 interrupts.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_SENDERS

CASE(two_senders_one_receiver, SUITE_UINTR, 120,
     "two senders on two CPUs, 1000 handshaked sends each")
{
	struct sender_args a = { .vector = 26, .n = 1000, .handshake = 1, .timeout = 10 };
	struct sender_args b = { .vector = 27, .n = 1000, .handshake = 1, .timeout = 10 };
	long fda, fdb;
	pid_t pa, pb;

	if (receiver_setup(26, 0, &fda))
		return 1;
	EXPECT_OK(fdb, uintr_vector_fd(27, 0));
	a.fd = (int)fda;
	b.fd = (int)fdb;
	pa = spawn(1, sender_main, &a);
	pb = spawn(0, sender_main, &b);
	if (finish_sender(pa, 60) || finish_sender(pb, 60))
		return 1;
	settle();
	CHECK(sh->count[26] == 1000 && sh->count[27] == 1000,
	      "deliveries %llu and %llu, expected 1000 each",
	      (unsigned long long)sh->count[26], (unsigned long long)sh->count[27]);
	return 0;
}

static int orphan_sender(void *arg)
{
	pid_t receiver = getppid();
	long idx = uintr_register_sender(*(long *)arg, 0);

	if (idx < 0)
		return sender_fail("sender: uintr_register_sender: %s", strerror(errno));
	_senduipi(idx);
	if (!yield_until(&sh->count[40], 1, 10))
		return sender_fail("sender: first interrupt not delivered");
	sh->flag[0] = 1;		/* receiver: go away */
	while (getppid() == receiver)	/* reparented to the case once it has exited */
		sleep_ns(1000000);
	for (int i = 0; i < 1000; i++)
		_senduipi(idx);		/* dropped: must not fault, oops or arrive */
	sleep_ns(20000000);
	return 0;
}

static int orphan_receiver(void *arg)
{
	long fd;

	(void)arg;
	if (become_receiver())
		return 20;
	fd = uintr_vector_fd(40, 0);
	if (fd < 0)
		return 21;
	spawn(1, orphan_sender, &fd);
	while (!sh->flag[0])
		sched_yield();
	return 0;	/* exit with the sender attached */
}

CASE(receiver_exits_sender_sends, SUITE_UINTR, 60,
     "a receiver exits while a sender holds an entry for it: 1000 sends dropped, no fault")
{
	int status;
	pid_t r, s;

	CHECK(online_cpus() >= 2, "needs 2 CPUs");
	sh = shared_new();
	CHECK(sh, "mmap");
	/* the orphaned sender becomes our child */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	r = spawn(0, orphan_receiver, NULL);
	status = reap(r, 20);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "receiver %s", describe_status(status));
	s = waitpid(-1, &status, 0);
	CHECK(s > 0, "the sender vanished: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sender %s%s%s",
	      describe_status(status), sh->msg[0] ? ": " : "", sh->msg);
	CHECK(sh->count[40] == 1, "%llu deliveries, expected 1",
	      (unsigned long long)sh->count[40]);
	return 0;
}

CASE(unregistered_receiver_drops, SUITE_UINTR, 60,
     "sends to a receiver that unregistered (and registered anew) are dropped")
{
	struct sender_args a = { .vector = 41, .n = 1, .handshake = 1, .timeout = 10 };
	long fd, r;
	pid_t pid;

	if (receiver_setup(41, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	if (finish_sender(pid, 20))
		return 1;
	EXPECT_OK(r, uintr_unregister_handler(0));
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));	/* a new UPID */
	_stui();
	a.handshake = 0;
	a.n = 100;
	pid = spawn(1, sender_main, &a);	/* still targets the old one */
	if (finish_sender(pid, 20))
		return 1;
	settle();
	sleep_ns(50000000);
	CHECK(sh->count[41] == 1, "%llu deliveries: sends to an unregistered receiver arrived",
	      (unsigned long long)sh->count[41]);
	return 0;
}

CASE(stress_100k, SUITE_UINTR, 600,
     "100 000 handshaked interrupts between two processes on two CPUs: exact count")
{
	const long n = 100000;
	struct sender_args a = { .vector = 31, .n = n, .handshake = 1, .timeout = 10 };
	long fd;
	pid_t pid;

	if (receiver_setup(31, 0, &fd))
		return 1;
	a.fd = (int)fd;
	pid = spawn(1, sender_main, &a);
	while (ld(&sh->count[31]) < (uint64_t)n && !sh->stop) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sender %s: %s",
			      describe_status(status), sh->msg);
			break;
		}
		spin_until(&sh->count[31], n, 0.1);
	}
	if (finish_sender(pid, 30))
		return 1;
	settle();
	sleep_ns(100000000);
	CHECK(sh->count[31] == (uint64_t)n && sh->total == (uint64_t)n,
	      "%llu deliveries (%llu in all) for %ld sends",
	      (unsigned long long)sh->count[31], (unsigned long long)sh->total, n);
	return 0;
}
