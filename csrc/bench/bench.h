/* SPDX-License-Identifier: MIT */
/*
 * uintr-bench: one benchmark harness, notification mechanisms as plug-ins.
 *
 * A writer process notifies a reader process (pinned to another CPU) that a message is
 * in a shared page. Each mechanism implements one direction of notification (a
 * "channel"); the pingpong modes use two channels of the same mechanism. The modes and
 * their protocols are described at the top of main.c.
 */
#ifndef UINTR_BENCH_H
#define UINTR_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "wait.h"

/* Value of a channel's word that tells the waiter to stop. */
#define SEQ_STOP UINT32_MAX

/* The control words in shared memory each sit on a cache line of their own. */
#define CACHE_LINE 64

/* One direction of notification. */
struct chan {
	const struct mechanism *mech;
	/*
	 * Message word in shared memory (a cache line of its own): the sequence number
	 * (from 1) of the latest message. The notifier stores it (release) before calling
	 * notify(); futex uses it as the futex word and spin polls it.
	 */
	_Atomic uint32_t *word;
	/*
	 * How the waiter waits, fixed for the run and set before open(): true, it sleeps
	 * in the kernel (blocking, backtoback, pingpong); false, it polls and never sleeps
	 * (nonblocking, pingpong-spin).
	 */
	bool block;
	uint32_t seen;          /* waiter: last sequence number consumed */
	int fd[2];              /* fd mechanisms: [0] waited on, [1] written to */
	long peer;              /* notifier: its name for the waiter (UITT index, pid) */
	int epfd;               /* fd mechanisms: the waiter's epoll instance */
	void *priv;             /* mechanism-private state */
};

/*
 * A mechanism. Every hook returns 0 or a negative errno; a NULL hook does nothing.
 * open() runs in the parent before fork, the attach hooks in the process that
 * takes that side after fork. A process waits on at most one channel.
 */
struct mechanism {
	const char *name;
	const char *summary;
	/* How its waiter can wait (struct chan's block): the modes follow from these. */
	bool can_block, can_poll;
	/* Can this mechanism run here at all? On -ENOTSUP, *why says why. */
	int (*probe)(const char **why);
	int (*open)(struct chan *c);
	int (*attach_waiter)(struct chan *c);
	int (*attach_notifier)(struct chan *c);
	/* Tell the waiter that *word changed. The measured notify cost is this call. */
	int (*notify)(struct chan *c);
	/*
	 * Return once notified, sleeping in the kernel or polling as c->block says; the
	 * waiter then loads *word. deadline_ns: CLOCK_MONOTONIC deadline, or -1 for none.
	 * Returns 0, -ETIMEDOUT or another -errno. May return spuriously.
	 */
	int (*wait)(struct chan *c, int64_t deadline_ns);
	/* Consume the notification after the message was seen (drain an fd, ...). */
	int (*consume)(struct chan *c);
	void (*close)(struct chan *c);
};

extern const struct mechanism *const mechanisms[];
const struct mechanism *find_mechanism(const char *name);

/* helpers shared by mechanisms (and, in common.h, with the conformance suite) */
int fd_attach_waiter(struct chan *c);
int fd_wait(struct chan *c, int64_t deadline_ns);
int eventfd_consume(struct chan *c);
int byte_notify(struct chan *c);
int fd_drain(struct chan *c);
void fd_close(struct chan *c);
int spin_until_changed(struct chan *c, int64_t deadline_ns);

#endif
