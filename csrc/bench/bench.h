/* SPDX-License-Identifier: MIT */
/*
 * uintr-bench: one benchmark harness, notification mechanisms as plug-ins.
 *
 * A writer process notifies a reader process (pinned to another CPU) that a message is
 * in a shared page. Each mechanism implements one direction of notification (a
 * "channel"); pingpong mode uses two channels of the same mechanism.
 */
#ifndef UINTR_BENCH_H
#define UINTR_BENCH_H

#include <stdatomic.h>
#include <stdint.h>

#include "common.h"
#include "wait.h"

enum mode { MODE_NONBLOCKING, MODE_BLOCKING, MODE_PINGPONG, MODE_COUNT };
#define MODE_BIT(m) (1u << (m))
#define ALL_MODES (MODE_BIT(MODE_NONBLOCKING) | MODE_BIT(MODE_BLOCKING) | MODE_BIT(MODE_PINGPONG))

/* Value of a channel's word that tells the waiter to stop. */
#define SEQ_STOP UINT32_MAX

/* One direction of notification. */
struct chan {
	const struct mechanism *mech;
	/*
	 * Message word in the shared page: the sequence number (from 1) of the latest
	 * message. The notifier stores it (release) before calling notify(); futex uses
	 * it as the futex word and spin polls it.
	 */
	_Atomic uint32_t *word;
	uint32_t seen;          /* waiter: last sequence number consumed */
	int fd[2];              /* fd mechanisms: [0] waited on, [1] written to */
	int epfd;               /* fd mechanisms: the waiter's epoll instance */
	void *priv;             /* mechanism-private state */
};

/*
 * A mechanism. Every hook returns 0 or a negative errno; a NULL hook does nothing.
 * open() runs in the parent before fork, the attach hooks in the process that
 * takes that side after fork.
 */
struct mechanism {
	const char *name;
	const char *summary;
	unsigned int modes;     /* MODE_BIT()s it supports */
	/* Can this mechanism run here at all? On -ENOTSUP, *why says why. */
	int (*probe)(const char **why);
	int (*open)(struct chan *c);
	int (*attach_waiter)(struct chan *c);
	int (*attach_notifier)(struct chan *c);
	/* Tell the waiter that *word changed. The measured notify cost is this call. */
	int (*notify)(struct chan *c);
	/*
	 * Return once notified: the waiter then loads *word. block = 0: never sleep in
	 * the kernel (poll). deadline_ns: CLOCK_MONOTONIC deadline, or -1 for none.
	 * Returns 0, -ETIMEDOUT or another -errno. May return spuriously.
	 */
	int (*wait)(struct chan *c, int block, int64_t deadline_ns);
	/* Consume the notification after the message was seen (drain an fd, ...). */
	int (*consume)(struct chan *c);
	void (*close)(struct chan *c);
};

extern const struct mechanism *const mechanisms[];
const struct mechanism *find_mechanism(const char *name);

/* helpers shared by mechanisms (and, in common.h, with the conformance suite) */
int fd_attach_waiter(struct chan *c);
int fd_wait(struct chan *c, int block, int64_t deadline_ns);
int eventfd_consume(struct chan *c);
void fd_close(struct chan *c);
int spin_until_changed(struct chan *c, int64_t deadline_ns);

#endif
