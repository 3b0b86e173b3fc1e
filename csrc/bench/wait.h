/* SPDX-License-Identifier: MIT */
/*
 * The harness's own waits: every loop that spins in the measured path or beside it
 * (a polling reader, the writer waiting for the reader's acknowledgement, the writer
 * watching the reader fall asleep). How they wait is chosen at compile time,
 * WAIT_DESIGN=<name> (csrc/Makefile lists the designs and sets the default):
 *
 *   pause  each spin iteration executes PAUSE; /proc is re-read at once (the design the
 *          harness had first).
 *   plain  each spin iteration is a plain load and a compiler barrier, no PAUSE; /proc
 *          is re-read after a PROC_POLL_NS nanosleep.
 *   futex  as plain, except that in the one-way modes the writer does not spin for the
 *          reader's acknowledgement: it sleeps in FUTEX_WAIT on the ack word, and the
 *          reader, which records t1 itself, FUTEX_WAKEs it after acknowledging.
 *
 * Why it matters: under QEMU 7.2 TCG, PAUSE ends the vCPU's translation block and
 * takes QEMU's global lock each time, the lock that interrupt acceptance, APIC MMIO
 * (EOI, ICR), waking a halted vCPU and SENDUIPI's notification also need; a spinning
 * writer then delays the very notification it waits for.
 */
#ifndef UINTR_BENCH_WAIT_H
#define UINTR_BENCH_WAIT_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "common.h"

#define WAIT_pause	1
#define WAIT_plain	2
#define WAIT_futex	3
#define WAIT_ID_(d)	WAIT_##d
#define WAIT_ID(d)	WAIT_ID_(d)
#define WAIT_STR_(d)	#d
#define WAIT_STR(d)	WAIT_STR_(d)

#if WAIT_ID(WAIT_DESIGN) == WAIT_pause
#define WAIT_SPIN_PAUSE 1
#elif WAIT_ID(WAIT_DESIGN) == WAIT_plain || WAIT_ID(WAIT_DESIGN) == WAIT_futex
#define WAIT_SPIN_PAUSE 0
#else
#error "WAIT_DESIGN must be pause, plain or futex (csrc/Makefile sets it)"
#endif

/* The design's name, as the run's JSON records it ("wait_design"). */
#define WAIT_DESIGN_NAME WAIT_STR(WAIT_DESIGN)

/* Sleep between two reads of /proc/<reader>/status (plain, futex). */
#define PROC_POLL_NS 20000

/* How many spin iterations between two looks at the clock for a deadline. */
#define SPIN_CLOCK_EVERY 1024

/* One iteration's pause of a spin loop. */
static inline void cpu_relax(void)
{
#if WAIT_SPIN_PAUSE
	__builtin_ia32_pause();
#else
	asm volatile("" ::: "memory");
#endif
}

/*
 * Spin until @cond holds; 0, or -ETIMEDOUT once CLOCK_MONOTONIC passed @deadline_ns
 * (-1: no deadline). @cond must read what it waits for through an atomic or volatile
 * access, so that it is read again on every iteration.
 */
#define spin_until(cond, deadline_ns)						\
({										\
	int64_t dl_ = (deadline_ns);						\
	unsigned int i_ = 0;							\
	int rc_ = 0;								\
										\
	while (!(cond)) {							\
		cpu_relax();							\
		if (dl_ >= 0 && ++i_ % SPIN_CLOCK_EVERY == 0 && now_ns() >= dl_) { \
			rc_ = -ETIMEDOUT;					\
			break;							\
		}							\
	}									\
	rc_;									\
})

/* futex(2) without the unused arguments: the result, or -1 with errno set. */
long sys_futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout);

/* The reader acknowledges message @seq on @acked (one-way modes). */
void ack_message(_Atomic uint32_t *acked, uint32_t seq);

/* The writer waits until @acked reaches @seq: 0, or -ETIMEDOUT after @deadline_ns. */
int await_ack(_Atomic uint32_t *acked, uint32_t seq, int64_t deadline_ns);

/* Between two reads of /proc while the writer watches the reader fall asleep. */
void proc_poll_pause(void);

#endif
