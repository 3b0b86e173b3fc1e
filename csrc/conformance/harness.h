/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conformance suite's harness: how a case is written, and what the cases share.
 *
 * A case is a function that returns 0 when it passed, or fails through FAIL() (or
 * CHECK, EXPECT_ERR, EXPECT_OK) with a reason. It registers itself:
 *
 *	#include "harness.h"
 *
 *	#define TOPIC TOPIC_DELIVERY
 *
 *	CASE(self_send_delivery, SUITE_UINTR, 20, "SENDUIPI to itself: one delivery")
 *	{
 *		...
 *		return 0;
 *	}
 *
 * name (what --list prints and the command line selects), the suites it belongs
 * to, its time limit in seconds, a one-line summary. The cases run in the order of
 * their topic (enum topic, harness.c has the titles), then of their place in the
 * file. --list prints "name<TAB>topic<TAB>summary" per case and runs none.
 */
#ifndef UINTR_HARNESS_H
#define UINTR_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <linux/uintr.h>

#include "common.h"

/* ---------------------------------------------------------- registration */

/* The suites: a CPU model with UINTR (-cpu max), one without (--no-uintr). */
#define SUITE_UINTR	(1u << 0)
#define SUITE_NO_UINTR	(1u << 1)

/* The topics, in the order their cases run; one file of cases each. */
enum topic {
	TOPIC_ENUMERATION,
	TOPIC_ERRNO,
	TOPIC_LIFECYCLE,
	TOPIC_DELIVERY,
	TOPIC_EXEC_FORK,
	TOPIC_FAULTS,
	TOPIC_CROSS_CPU,
	TOPIC_MIGRATION,
	TOPIC_SENDERS,
	TOPIC_EVENTS,
	TOPIC_NO_UINTR,
	TOPIC_KERNEL_LOG,	/* last: sees what the others left */
	TOPIC_COUNT
};

struct conf_case {
	const char *name;
	int (*fn)(void);
	unsigned int suites;	/* SUITE_* bits */
	unsigned int timeout;	/* seconds */
	enum topic topic;
	const char *summary;
	const char *file;
	int line;
};

void case_register(struct conf_case *c);

#define CASE(name_, suites_, timeout_, summary_)				\
	static int case_fn_##name_(void);					\
	static struct conf_case case_##name_ = {				\
		#name_, case_fn_##name_, (suites_), (timeout_), TOPIC,		\
		summary_, __FILE__, __LINE__					\
	};									\
	__attribute__((constructor)) static void case_reg_##name_(void)	\
	{									\
		case_register(&case_##name_);					\
	}									\
	static int case_fn_##name_(void)

/* ---------------------------------------------------------- failing */

#define WHY_LEN 512
extern char why[WHY_LEN];	/* the failing case's reason */
extern int result_fd;		/* where a case's process reports why it failed */

#define FAIL(...)							\
	do {								\
		snprintf(why, sizeof(why), __VA_ARGS__);		\
		return 1;						\
	} while (0)

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			FAIL(__VA_ARGS__);				\
	} while (0)

/* the call must fail with errno @err */
#define EXPECT_ERR(call, err)						\
	do {								\
		long r_;						\
		errno = 0;						\
		r_ = (call);						\
		if (r_ != -1 || errno != (err))				\
			FAIL("%s returned %ld errno %d (%s), expected %s", \
			     #call, r_, r_ == -1 ? errno : 0,		\
			     r_ == -1 ? strerror(errno) : "-", #err);	\
	} while (0)

/* the call must succeed; its value lands in @var */
#define EXPECT_OK(var, call)						\
	do {								\
		errno = 0;						\
		(var) = (call);						\
		if ((var) < 0)						\
			FAIL("%s failed: %s", #call, strerror(errno));	\
	} while (0)

/* ---------------------------------------------------- what cases share */

/*
 * A kernel address and a non-canonical one, for "not a user address".  The
 * latter must be non-canonical with 4- and with 5-level paging (QEMU's -cpu
 * max has LA57, so 1 << 47 is an ordinary user address there).
 */
#define KERNEL_ADDR	((void *)0xffff888000000000ull)
#define NONCANON_ADDR	((void *)0x8000000000000000ull)

int online_cpus(void);
/* Sum over CPUs of the /proc/interrupts line @name (e.g. "UIN"), or -1. */
long long irq_count(const char *name);
/* How many "flags" lines of /proc/cpuinfo carry the word "uintr"; *lines: of how many. */
int cpuinfo_uintr(int *lines);

/* Shared between a receiver and its senders (MAP_SHARED, set up per case). */
struct shared {
	volatile uint64_t count[UINTR_MAX_VECTORS];	/* deliveries per vector */
	volatile uint64_t total;			/* all deliveries */
	volatile uint64_t ready;	/* receiver: ready for message n */
	volatile uint64_t sent;		/* sender: messages sent */
	volatile int flag[8];
	volatile int stop;
	char msg[256];			/* a sender's failure */
};

extern struct shared *sh;
struct shared *shared_new(void);

/* What the last delivery looked like (receiver process only). */
struct delivery {
	uint64_t vector, rip, rflags, rsp, frame;
	int uif_in_handler;
};
extern volatile struct delivery last;
extern volatile int order[32];		/* the vectors of the first 32 deliveries */
extern volatile int norder;
extern volatile uint64_t delivered;

/* The handler (uintr_entry.S calls uintr_c_handler with frame -> vector, RIP, RFLAGS, RSP). */
void uintr_entry(void);
void uintr_c_handler(uint64_t *frame);

/* The GCC interrupt-attribute handler (attr_handler.c) and what it saw. */
struct attr_record {
	unsigned long long vector, rip, rflags, rsp, count;
};
extern volatile struct attr_record attr_record;
struct __uintr_frame;
void attr_handler(struct __uintr_frame *frame, unsigned long long vector);

uint64_t ld(volatile uint64_t *p);
/* Spin in user mode (no system call) until *p >= want; false on timeout. */
bool spin_until(volatile uint64_t *p, uint64_t want, double seconds);
/* Same, yielding the CPU between looks (for tasks sharing a CPU). */
bool yield_until(volatile uint64_t *p, uint64_t want, double seconds);
/* Let a notification already on its way be processed (kernel round trips). */
void settle(void);

/* Register uintr_entry and set UIF. */
int become_receiver(void);
/* A vector fd for @vector and a UITT entry for it in this process. */
int self_sender(int vector, int *index);

/* Fork a child that runs fn(arg) pinned to @cpu (-1: anywhere). */
pid_t spawn(int cpu, int (*fn)(void *), void *arg);
/* Wait for @pid; its wait status, or -1 after @seconds (it is killed). */
int reap(pid_t pid, double seconds);
const char *describe_status(int status);
/* Run fn(arg) in a child; it must die of signal @sig. */
int expect_signal(int (*fn)(void *), void *arg, int sig, const char *what);

/* One UINTR instruction each, for expect_signal(). */
int do_senduipi(void *arg);
int do_stui(void *arg);
int do_clui(void *arg);
int do_testui(void *arg);
int do_uiret(void *arg);

/* A sending process (sender_main) for a receiver in the case's process. */
struct sender_args {
	int fd;			/* the receiver's vector fd (inherited) */
	int vector;
	long n;			/* messages */
	int handshake;		/* wait for each delivery before the next send */
	int migrate_every;	/* move to the other CPU every so many sends */
	int wait_ready;		/* wait for sh->ready > i before send i */
	long delay_us;		/* before the first send */
	double timeout;		/* per message */
};

/* A sender's failure, in sh->msg; returns 1. */
int sender_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The sending process: register, then send a->n messages. */
int sender_main(void *p);
/* Receiver side: set up shared memory, receiver, vector fd for @vector. */
int receiver_setup(int vector, int cpu, long *fd);
/* Reap a sender; a failure with its message if it did not exit 0. */
int finish_sender(pid_t pid, double seconds);

/* After "--exec-check FD": the checks of exec_clears_state in the new image. */
int exec_check(int fd);

#endif
