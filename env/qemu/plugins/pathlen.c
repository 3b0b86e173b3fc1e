// SPDX-License-Identifier: MIT
/*
 * pathlen: a QEMU TCG plugin (QEMU 7.2 API, include/qemu-plugin.h of the pinned build)
 * that counts, per message of the benchmark harness and per vCPU, the instructions and
 * the costly events between the harness's markers (csrc/bench/markers.h).
 *
 *   qemu-system-x86_64 ... -plugin libpathlen.so,out=FILE,map=System.map,segments=FILE[,mmio=on|off]
 *
 * out   the file the rows go to (written on the host, flushed when QEMU exits)
 * map   the guest kernel's System.map; the entry points below are looked up in it
 *       (the kernel is not relocatable: no KASLR, the addresses hold as they are)
 * segments  the kernel segments: which text symbols count in which part of the path
 *       (pathlen-segments.txt beside this file; its top comment is the format)
 * mmio  count memory accesses that hit MMIO (default on); off saves a callback per
 *       kernel memory access
 * trace a diagnostic file: every translation block a vCPU executes while one of its
 *       windows is open ("<vcpu> <W|R> <address> <instructions>"), to see where two
 *       counts of one message differ (slow; not for counting runs)
 *
 * WINDOWS. A vCPU that executes BENCH_MARK_T0 opens its writer window and closes it at
 * BENCH_MARK_NOTIFIED: one "W" row, the writer's cost of one notification (store +
 * notify). A vCPU that executes BENCH_MARK_WAIT opens its reader window, closed by
 * BENCH_MARK_T1: one "R" row. The reader's window is split at the moment the writer's
 * vCPU executes T0: the writer's vCPU then takes a snapshot of every other vCPU's
 * counters (below), and the R row gives the part after the writer's t0 (the reader's
 * share of the one-way latency: wake-up, return to user, seeing the message) and, as
 * pre_*, the part from its WAIT to the writer's t0 (going to sleep, or polling, before
 * the message existed). If the writer's t0 came before the reader's WAIT (a polling
 * reader that was slow to come back), nothing is split (split = 0): the whole window is
 * the main part. A WAIT while the reader window is open (the extra WAIT after a run's
 * last message, followed by the next run's first WAIT) closes it as an "E" row, which
 * is how a reader stream ends; so do windows still open when QEMU exits. Edges: a
 * window includes its opening marker and excludes its closing one.
 *
 * COST MODEL. Per message, the one-way path is writer row + reader row (main part),
 * which run concurrently on two vCPUs from the same instant (the writer's t0): a cost
 * model adds the two for the work done, and takes the reader's main part as the
 * critical path after the notification's side effect (the IPI or interrupt) left the
 * writer. The pre_* part is not on the latency path.
 *
 * FOREIGN EVENTS. Interrupts that are not part of any message (the local timer 0xec,
 * irq_work 0xf6, device interrupts through asm_common_interrupt) are counted as such
 * (irqs_ec, irqs_f6, irqs_device) and the kernel instructions executed inside them are
 * counted again in foreign_insn: from the entry to the matching iretq (a small stack of
 * frames per vCPU: every IDT entry pushes, iretq pops), or until the vCPU next runs user
 * code. So insn_kernel - foreign_insn is the message's own kernel path. A context switch
 * out of a foreign interrupt's tail (preemption) counts the other task's kernel work as
 * foreign up to its return to user, which is what it is.
 *
 * COUNTERS (cumulative per vCPU; a row gives the difference between its window's
 * edges): instructions by the virtual address of the translation block (kernel half =
 * bit 63 set; a block never straddles the halves), the kernel's by segment (kseg_<name>:
 * the segment of the System.map text symbol the block starts in, from the segments file;
 * insn_kernel is their sum, by construction), counted as QEMU executes them: a
 * rep-prefixed string instruction that runs N >= 1 times counts N + 1 (QEMU executes
 * it once more to find the count zero, as its icount does; gdb's single-step counts N),
 * entries of the kernel entry points
 * in HOOKS (looked up in System.map; every other asm_sysvec_* counts as irqs_other,
 * every other asm_exc_* as exceptions), executions of WRMSR (0f 30), HLT (f4), SENDUIPI
 * (f3 [REX] 0f c7 /6, register form) and UIRET (f3 0f 01 ec) by opcode, and memory
 * accesses that hit MMIO (qemu_plugin_hwaddr_is_io), with the local APIC's EOI and
 * ICR-low stores (0xfee000b0, 0xfee00300: one ICR-low store sends one IPI) and the
 * stores that program its timer (LVT timer, initial count, divide) apart.
 *
 * WHAT RUNS WHEN. Per translation block, one callback adds its instruction count to
 * the vCPU's user counter or to its segment's counter (the segment is looked up once,
 * when the block is translated; the only per-execution work for almost all code).
 * Per-instruction callbacks exist only for markers, the hooked entry addresses and the
 * opcodes above. Memory callbacks exist only on kernel-half instructions (user code does
 * no MMIO) and return at once unless a window is open on the vCPU. Counting per block
 * is exact except when a block is left in its middle by an exception (a page fault,
 * counted in page_faults): its remaining instructions are counted though they did not
 * run; the harness faults its memory in before the first message, so measured messages
 * take none. Interrupts are taken between blocks, so the IDT entries start blocks and
 * iretq ends them, and the foreign attribution is exact at block granularity.
 *
 * CONCURRENCY (multi-threaded TCG: one host thread per vCPU). Each vCPU's counters and
 * windows are written only by its own thread; plain per-vCPU memory, no atomics on the
 * hot path except that the counters are stored with relaxed atomic stores (plain moves
 * on x86-64) so that another vCPU's thread may read them. The writer's snapshot of the
 * reader is written by the writer's thread into the reader's slot under a sequence
 * counter (seqlock: odd while writing, release on completion) and read by the reader's
 * thread at T1 (acquire; a torn or missing snapshot gives split = 0). Ordering of the
 * edges: the snapshot is taken in the T0 marker's callback, which completes before the
 * writer's thread executes the guest's store of the message; the reader's T1 comes after
 * it loaded that store, so the snapshot is complete and visible at T1. A reader that is
 * halted at T0 (blocking modes: verified asleep) has exact counts at the snapshot; a
 * running (polling) reader's snapshot is exact to within one translation block. Rows
 * carry a global order number (atomic counter); the file is written under a mutex.
 *
 * OUTPUT. Comment lines ("# ...") describe the run: the plugin's format version, the
 * System.map, the address of every hook, every segment ("# segment <name> <symbols>
 * <label>", in the file's order); then a CSV header and one row per closed
 * window: side (W, R, E), vcpu, n (that side's window number on that vCPU since boot),
 * order, t0_n (R: the writer window number whose T0 split it, -1 if none), split,
 * the counters, and pre_ and the counters (R rows; 0 for W and E). "#! ..." lines are
 * anomalies (a marker out of order); the last line is "# end rows=N anomalies=M".
 * Warm-up messages are rows like the others. uintrlab/pathlen.py matches rows to the
 * benchmark's messages by order and refuses any mismatch.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

#include "markers.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define FORMAT_VERSION	2
#define APIC_BASE	0xfee00000ull
#define APIC_EOI	(APIC_BASE + 0xb0)
#define APIC_ICR_LOW	(APIC_BASE + 0x300)
#define APIC_LVTT	(APIC_BASE + 0x320)	/* timer: LVT, initial count, divide */
#define APIC_TMICT	(APIC_BASE + 0x380)
#define APIC_TDCR	(APIC_BASE + 0x3e0)
#define MAX_FRAMES	64
#define MAX_SEGMENTS	16
#define SEG_NAME_MAX	15

#define COUNTERS(X) \
	X(INSN_USER, "insn_user") \
	X(INSN_KERNEL, "insn_kernel") \
	X(FOREIGN_INSN, "foreign_insn") \
	X(SYSCALLS, "syscalls") \
	X(IRQ_E9, "irqs_e9") \
	X(IRQ_EA, "irqs_ea") \
	X(IRQ_EB, "irqs_eb") \
	X(IRQ_EC, "irqs_ec") \
	X(IRQ_F6, "irqs_f6") \
	X(IRQ_FB, "irqs_fb") \
	X(IRQ_FC, "irqs_fc") \
	X(IRQ_FD, "irqs_fd") \
	X(IRQ_DEVICE, "irqs_device") \
	X(IRQ_OTHER, "irqs_other") \
	X(IPIS, "ipis") \
	X(PAGE_FAULTS, "page_faults") \
	X(EXCEPTIONS, "exceptions") \
	X(SCHEDULES, "schedules") \
	X(SWITCHES, "switches") \
	X(TICK_STOPS, "tick_stops") \
	X(TICK_RESTARTS, "tick_restarts") \
	X(HALTS, "halts") \
	X(WRMSR, "wrmsr") \
	X(SENDUIPI, "senduipi") \
	X(UIRET, "uiret") \
	X(MMIO, "mmio") \
	X(MMIO_EOI, "mmio_apic_eoi") \
	X(MMIO_ICR, "mmio_apic_icr") \
	X(MMIO_TIMER, "mmio_apic_timer")

enum counter {
#define AS_ENUM(id, name) C_##id,
	COUNTERS(AS_ENUM)
	C_N                             /* the segments' counters follow: C_N + segment */
};
#define MAX_COUNTERS	(C_N + MAX_SEGMENTS)

static const char *const counter_names[C_N] = {
#define AS_NAME(id, name) name,
	COUNTERS(AS_NAME)
};

/* The kernel segments (the segments file): declared in order; "other" takes the rest. */
static struct {
	char name[SEG_NAME_MAX + 1];
	char *label;
	uint64_t symbols;               /* text symbols in it */
} segments[MAX_SEGMENTS];
static int n_segments, seg_other = -1, n_counters = C_N;

/* A rule of the segments file: an exact name or a prefix (pattern*) -> segment. */
struct rule {
	char *pattern;
	size_t len;
	bool prefix, used;
	int seg, line;
};
static struct rule *rules;
static size_t n_rules;

/* Kernel text from addr up to the next range's addr is in segment seg. */
struct range {
	uint64_t addr;
	int seg;
};
static struct range *ranges;
static size_t n_ranges;

/*
 * The kernel entry points counted by name (the guest kernel's vectors: 0xe9..0xeb are
 * our UINTR series' event, wait and notification vectors, 0xec the local timer, 0xf6
 * irq_work, 0xfb..0xfd the call-function-single, call-function and reschedule IPIs).
 * frame: an IDT entry (returns with iretq); foreign: not part of any message.
 */
static const struct hook {
	const char *sym;
	enum counter counter, also;     /* also: a second counter, or C_N */
	bool frame, foreign;
} hooks[] = {
	{ "entry_SYSCALL_64", C_SYSCALLS, C_N, false, false },
	{ "asm_sysvec_uintr_event", C_IRQ_E9, C_N, true, false },
	{ "asm_sysvec_uintr_wait", C_IRQ_EA, C_N, true, false },
	{ "asm_sysvec_uintr_notification", C_IRQ_EB, C_N, true, false },
	{ "asm_sysvec_apic_timer_interrupt", C_IRQ_EC, C_N, true, true },
	{ "asm_sysvec_irq_work", C_IRQ_F6, C_N, true, true },
	{ "asm_sysvec_call_function_single", C_IRQ_FB, C_IPIS, true, false },
	{ "asm_sysvec_call_function", C_IRQ_FC, C_IPIS, true, false },
	{ "asm_sysvec_reschedule_ipi", C_IRQ_FD, C_IPIS, true, false },
	{ "asm_common_interrupt", C_IRQ_DEVICE, C_N, true, true },
	{ "asm_exc_page_fault", C_PAGE_FAULTS, C_N, true, false },
	{ "schedule", C_SCHEDULES, C_N, false, false },
	{ "__switch_to", C_SWITCHES, C_N, false, false },
	/* the idle loop stops the periodic tick and restarts it when the CPU wakes */
	{ "tick_nohz_idle_stop_tick", C_TICK_STOPS, C_N, false, false },
	{ "tick_nohz_restart_sched_tick", C_TICK_RESTARTS, C_N, false, false },
};
#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* The other IDT entries, by name prefix: they push a frame and count as below. */
static const struct {
	const char *prefix;
	enum counter counter;
} idt_prefixes[] = {
	{ "asm_sysvec_", C_IRQ_OTHER },
	{ "asm_spurious_interrupt", C_IRQ_OTHER },
	{ "asm_exc_", C_EXCEPTIONS },
};

struct entry {
	uint64_t addr;
	uint16_t counter, also;
	bool frame, foreign;
	const char *sym;
};

static struct entry *entries;
static size_t n_entries;

enum marker_kind { MK_T0, MK_NOTIFIED, MK_T1, MK_WAIT };

/* The reader's counters as the writer's vCPU saw them at its T0 (seqlock). */
struct snapshot {
	unsigned seq;                   /* odd while being written */
	uint64_t c[MAX_COUNTERS];
	uint64_t waits;                 /* the reader's WAIT count at that moment */
	uint64_t t0_n;                  /* the writer window it opened */
};

struct vcpu {
	uint64_t c[MAX_COUNTERS];       /* cumulative; own thread stores (relaxed);
					 * c[C_INSN_KERNEL] unused: read_counters sums
					 * the segments */
	uint64_t waits;                 /* WAIT markers executed (read by the writer) */
	/* the frame stack: bit i set = frame i is foreign; only the own thread */
	uint64_t frames;
	unsigned depth, n_foreign;
	bool window;                    /* a window is open (gates the MMIO callback) */
	bool w_open, r_open;
	uint64_t w_n, r_n;              /* windows opened so far */
	uint64_t w_start[MAX_COUNTERS], r_start[MAX_COUNTERS];
	struct snapshot snap;           /* written by the writer's thread */
} __attribute__((aligned(64)));

static struct vcpu *vcpus;
static int n_vcpus;
static bool count_mmio = true;
static FILE *out, *trace;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t order_next, rows, anomalies;

static inline uint64_t get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void add(struct vcpu *v, enum counter k, uint64_t n)
{
	__atomic_store_n(&v->c[k], get(&v->c[k]) + n, __ATOMIC_RELAXED);
}

/* A vCPU's counters as they are now (any thread), insn_kernel as the sum of its segments:
 * a row's segments sum to its insn_kernel whenever the counters were read. */
static void read_counters(const struct vcpu *v, uint64_t *out)
{
	uint64_t k = 0;

	for (int i = 0; i < n_counters; i++)
		out[i] = get(&v->c[i]);
	for (int s = 0; s < n_segments; s++)
		k += out[C_N + s];
	out[C_INSN_KERNEL] = k;
}

static inline void frames_reset(struct vcpu *v)
{
	v->frames = 0;
	v->depth = v->n_foreign = 0;
}

/* ---------------------------------------------------------------- execution */

/*
 * udata of a block: its address (bits 16..63: the low 48 bits, which sign-extend to the
 * whole address for kernel text and for user addresses below 2^47), its segment (bits
 * 10..15; kernel blocks) and its instruction count (bits 0..9: a block has at most 512).
 */
#define TB_N_MAX	0x3ff
#define TB_PACK(va, seg, n)	((void *)(uintptr_t)((va) << 16 | (uint64_t)(seg) << 10 | (n)))
#define TB_N(ud)	((uintptr_t)(ud) & TB_N_MAX)
#define TB_SEG(ud)	((int)(((uintptr_t)(ud) >> 10) & 0x3f))

static void trace_tb(unsigned int idx, const struct vcpu *v, void *ud, bool kernel)
{
	uint64_t va = (uint64_t)((int64_t)(uintptr_t)ud >> 16);

	pthread_mutex_lock(&out_lock);
	fprintf(trace, "%u %c %016" PRIx64 " %u %s\n", idx, v->w_open ? 'W' : 'R', va, (unsigned)TB_N(ud),
		kernel ? segments[TB_SEG(ud)].name : "user");
	pthread_mutex_unlock(&out_lock);
}

static void tb_user(unsigned int idx, void *ud)
{
	struct vcpu *v = &vcpus[idx];

	add(v, C_INSN_USER, TB_N(ud));
	frames_reset(v);        /* user code runs: no interrupt is in progress */
	if (__builtin_expect(trace != NULL, 0) && v->window)
		trace_tb(idx, v, ud, false);
}

static void tb_kernel(unsigned int idx, void *ud)
{
	struct vcpu *v = &vcpus[idx];

	add(v, C_N + TB_SEG(ud), TB_N(ud));     /* insn_kernel is the segments' sum */
	if (v->n_foreign)
		add(v, C_FOREIGN_INSN, TB_N(ud));
	if (__builtin_expect(trace != NULL, 0) && v->window)
		trace_tb(idx, v, ud, true);
}

/* udata of an entry: its index | the instructions from it to the end of its block */
#define UD_PACK(a, tail)	((void *)(uintptr_t)(((uint64_t)(tail) << 32) | (a)))
#define UD_LOW(ud)		((uint32_t)(uintptr_t)(ud))
#define UD_TAIL(ud)		((uint32_t)((uintptr_t)(ud) >> 32))

static void on_entry(unsigned int idx, void *ud)
{
	struct vcpu *v = &vcpus[idx];
	const struct entry *e = &entries[UD_LOW(ud)];

	add(v, e->counter, 1);
	if (e->also != C_N)
		add(v, e->also, 1);
	if (!e->frame)
		return;
	if (v->depth < MAX_FRAMES) {
		v->frames = v->frames << 1 | e->foreign;
		v->depth++;
		v->n_foreign += e->foreign;
	}
	/* the block's callback already ran, with this frame not yet pushed */
	if (e->foreign && v->n_foreign == 1)
		add(v, C_FOREIGN_INSN, UD_TAIL(ud));
}

static void on_iret(unsigned int idx, void *ud)
{
	struct vcpu *v = &vcpus[idx];

	(void)ud;
	if (!v->depth)
		return;         /* e.g. a system call's return through iretq */
	v->n_foreign -= v->frames & 1;
	v->frames >>= 1;
	v->depth--;
}

static void on_count(unsigned int idx, void *ud)
{
	add(&vcpus[idx], (enum counter)(uintptr_t)ud, 1);
}

static void on_mem(unsigned int idx, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
	struct vcpu *v = &vcpus[idx];
	struct qemu_plugin_hwaddr *h;

	(void)ud;
	if (!v->window)
		return;
	h = qemu_plugin_get_hwaddr(info, vaddr);
	if (!h || !qemu_plugin_hwaddr_is_io(h))
		return;
	add(v, C_MMIO, 1);
	if (qemu_plugin_mem_is_store(info)) {
		uint64_t pa = qemu_plugin_hwaddr_phys_addr(h);

		if (pa == APIC_EOI)
			add(v, C_MMIO_EOI, 1);
		else if (pa == APIC_ICR_LOW)
			add(v, C_MMIO_ICR, 1);
		else if (pa == APIC_LVTT || pa == APIC_TMICT || pa == APIC_TDCR)
			add(v, C_MMIO_TIMER, 1);
	}
}

/* ---------------------------------------------------------------- rows */

static void emit(char side, int vcpu, uint64_t n, int64_t t0_n, int split, const uint64_t *main,
		 const uint64_t *pre)
{
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%c,%d,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%d", side, vcpu, n, order_next++,
		t0_n, split);
	for (int k = 0; k < n_counters; k++)
		fprintf(out, ",%" PRIu64, main[k]);
	for (int k = 0; k < n_counters; k++)
		fprintf(out, ",%" PRIu64, pre ? pre[k] : 0);
	fputc('\n', out);
	rows++;
	pthread_mutex_unlock(&out_lock);
}

static void anomaly(int vcpu, const char *what)
{
	pthread_mutex_lock(&out_lock);
	fprintf(out, "#! vcpu %d order %" PRIu64 ": %s\n", vcpu, order_next, what);
	anomalies++;
	pthread_mutex_unlock(&out_lock);
}

static void diff(uint64_t *d, const uint64_t *a, const uint64_t *b)
{
	for (int k = 0; k < n_counters; k++)
		d[k] = a[k] - b[k];
}

/* The writer's vCPU at T0: every other vCPU's counters, for its reader window. */
static void snapshot_others(int self, uint64_t t0_n)
{
	for (int i = 0; i < n_vcpus; i++) {
		struct vcpu *r = &vcpus[i];
		uint64_t now[MAX_COUNTERS];
		unsigned s;

		if (i == self)
			continue;
		read_counters(r, now);
		s = __atomic_load_n(&r->snap.seq, __ATOMIC_RELAXED);
		__atomic_store_n(&r->snap.seq, s + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		for (int k = 0; k < n_counters; k++)
			__atomic_store_n(&r->snap.c[k], now[k], __ATOMIC_RELAXED);
		__atomic_store_n(&r->snap.waits, get(&r->waits), __ATOMIC_RELAXED);
		__atomic_store_n(&r->snap.t0_n, t0_n, __ATOMIC_RELAXED);
		__atomic_store_n(&r->snap.seq, s + 2, __ATOMIC_RELEASE);
	}
}

/* The reader's vCPU at T1: the snapshot, if one was completed after its WAIT. */
static bool snapshot_read(struct vcpu *v, uint64_t *c, uint64_t *t0_n)
{
	unsigned s1 = __atomic_load_n(&v->snap.seq, __ATOMIC_ACQUIRE), s2;
	uint64_t waits;

	for (int k = 0; k < n_counters; k++)
		c[k] = __atomic_load_n(&v->snap.c[k], __ATOMIC_RELAXED);
	waits = __atomic_load_n(&v->snap.waits, __ATOMIC_RELAXED);
	*t0_n = __atomic_load_n(&v->snap.t0_n, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&v->snap.seq, __ATOMIC_RELAXED);
	return s1 && !(s1 & 1) && s1 == s2 && waits == v->waits;
}

/* udata of a marker: its kind | the instructions from it to the end of its block */
static void on_marker(unsigned int idx, void *ud)
{
	struct vcpu *v = &vcpus[idx];
	uint64_t now[MAX_COUNTERS], d[MAX_COUNTERS], pre[MAX_COUNTERS], snap[MAX_COUNTERS], t0_n;

	read_counters(v, now);
	now[C_INSN_USER] -= UD_TAIL(ud);        /* the block's callback counted them all */
	frames_reset(v);
	if (trace) {
		static const char *const what[] = { "T0", "NOTIFIED", "T1", "WAIT" };

		pthread_mutex_lock(&out_lock);
		fprintf(trace, "# %u %s (%u instructions of its block from it on)\n", idx,
			what[UD_LOW(ud)], UD_TAIL(ud));
		pthread_mutex_unlock(&out_lock);
	}
	switch ((enum marker_kind)UD_LOW(ud)) {
	case MK_T0:
		if (v->w_open)
			anomaly((int)idx, "T0 while the writer window is open");
		memcpy(v->w_start, now, sizeof(now));
		v->w_open = v->window = true;
		snapshot_others((int)idx, v->w_n);
		v->w_n++;
		break;
	case MK_NOTIFIED:
		if (!v->w_open) {
			anomaly((int)idx, "NOTIFIED without T0");
			break;
		}
		diff(d, now, v->w_start);
		emit('W', (int)idx, v->w_n - 1, (int64_t)v->w_n - 1, 0, d, NULL);
		v->w_open = false;
		v->window = v->r_open;
		break;
	case MK_WAIT:
		if (v->r_open) {        /* a wait that no message ended: a reader's last */
			diff(d, now, v->r_start);
			emit('E', (int)idx, v->r_n - 1, -1, 0, d, NULL);
		}
		memcpy(v->r_start, now, sizeof(now));
		v->r_open = v->window = true;
		v->r_n++;
		__atomic_store_n(&v->waits, v->waits + 1, __ATOMIC_RELAXED);
		break;
	case MK_T1:
		if (!v->r_open) {
			anomaly((int)idx, "T1 without WAIT");
			break;
		}
		if (snapshot_read(v, snap, &t0_n)) {
			diff(d, now, snap);
			diff(pre, snap, v->r_start);
			emit('R', (int)idx, v->r_n - 1, (int64_t)t0_n, 1, d, pre);
		} else {
			diff(d, now, v->r_start);
			emit('R', (int)idx, v->r_n - 1, -1, 0, d, NULL);
		}
		v->r_open = false;
		v->window = v->w_open;
		break;
	}
}

/* ---------------------------------------------------------------- translation */

static int entry_cmp(const void *key, const void *elem)
{
	uint64_t a = *(const uint64_t *)key, b = ((const struct entry *)elem)->addr;

	return a < b ? -1 : a > b;
}

static const struct entry *entry_at(uint64_t va)
{
	return n_entries ? bsearch(&va, entries, n_entries, sizeof(*entries), entry_cmp) : NULL;
}

static int marker_kind(const uint8_t *b, size_t n)
{
	static const uint8_t prefix[] = { BENCH_MARK_PREFIX };
	uint32_t disp;

	if (n != BENCH_MARK_LEN || memcmp(b, prefix, BENCH_MARK_PREFIX_LEN))
		return -1;
	memcpy(&disp, b + BENCH_MARK_PREFIX_LEN, 4);    /* little-endian host and guest */
	switch (disp) {
	case BENCH_MARK_T0: return MK_T0;
	case BENCH_MARK_NOTIFIED: return MK_NOTIFIED;
	case BENCH_MARK_T1: return MK_T1;
	case BENCH_MARK_WAIT: return MK_WAIT;
	}
	return -1;
}

/* The counter an instruction's opcode bumps, C_N for none; *iret for iretq. */
static enum counter opcode_counter(const uint8_t *b, size_t n, bool *iret)
{
	size_t i = 0;

	*iret = n == 2 && b[0] == 0x48 && b[1] == 0xcf;
	if (n == 2 && b[0] == 0x0f && b[1] == 0x30)
		return C_WRMSR;
	if (n == 1 && b[0] == 0xf4)
		return C_HALTS;
	if (n == 4 && !memcmp(b, "\xf3\x0f\x01\xec", 4))
		return C_UIRET;
	if (n >= 4 && b[0] == 0xf3) {   /* SENDUIPI: f3 [REX] 0f c7 modrm(mod=3, reg=6) */
		i = 1;
		if ((b[i] & 0xf0) == 0x40)
			i++;
		if (n == i + 3 && b[i] == 0x0f && b[i + 1] == 0xc7 && (b[i + 2] & 0xf8) == 0xf0)
			return C_SENDUIPI;
	}
	return C_N;
}

/* The segment of kernel text at va: the range it falls in ("other" below the first). */
static int segment_at(uint64_t va)
{
	size_t lo = 0, hi = n_ranges;

	while (lo < hi) {                /* the first range that starts above va */
		size_t mid = lo + (hi - lo) / 2;

		if (ranges[mid].addr <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? ranges[lo - 1].seg : seg_other;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t va = qemu_plugin_tb_vaddr(tb);
	bool kernel = (int64_t)va < 0;

	(void)id;
	if (n > TB_N_MAX) {             /* TCG_MAX_INSNS is 512 */
		fprintf(stderr, "pathlen: a translation block of %zu instructions (at most %d)\n", n, TB_N_MAX);
		abort();
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, kernel ? tb_kernel : tb_user, QEMU_PLUGIN_CB_NO_REGS,
					     TB_PACK(va, kernel ? segment_at(va) : 0, n));
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *b = qemu_plugin_insn_data(insn);
		size_t sz = qemu_plugin_insn_size(insn);
		enum counter oc;
		bool iret;
		int mk;

		if (!kernel && (mk = marker_kind(b, sz)) >= 0) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
							       UD_PACK(mk, n - i));
			continue;
		}
		oc = opcode_counter(b, sz, &iret);
		if (oc != C_N)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_count, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)oc);
		if (!kernel)
			continue;
		if (iret)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_iret, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		const struct entry *e = entry_at(qemu_plugin_insn_vaddr(insn));

		if (e)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_entry, QEMU_PLUGIN_CB_NO_REGS,
							       UD_PACK(e - entries, n - i));
		if (count_mmio)
			qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW, NULL);
	}
}

/* ---------------------------------------------------------------- set-up */

static void at_exit(qemu_plugin_id_t id, void *p)
{
	uint64_t now[MAX_COUNTERS], d[MAX_COUNTERS];

	(void)id;
	(void)p;
	for (int i = 0; i < n_vcpus; i++) {
		struct vcpu *v = &vcpus[i];

		read_counters(v, now);
		if (v->r_open) {
			diff(d, now, v->r_start);
			emit('E', i, v->r_n - 1, -1, 0, d, NULL);
		}
		if (v->w_open)
			anomaly(i, "writer window open at exit (T0 without NOTIFIED)");
	}
	pthread_mutex_lock(&out_lock);
	fprintf(out, "# end rows=%" PRIu64 " anomalies=%" PRIu64 "\n", rows, anomalies);
	if (trace)
		fclose(trace);
	trace = NULL;
	fclose(out);
	out = NULL;
	pthread_mutex_unlock(&out_lock);
}

static int by_addr(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("pathlen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ---------------------------------------------------------------- segments */

static bool segment_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > SEG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return false;
	return true;
}

static int segment_index(const char *name)
{
	for (int s = 0; s < n_segments; s++)
		if (!strcmp(segments[s].name, name))
			return s;
	return -1;
}

/* Read the segments file (its format: pathlen-segments.txt's top comment). */
static int read_segments(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cap = 256;
	int ln = 0;

	if (!f)
		return fail("segments=%s: cannot open: %s", path, strerror(errno));
	rules = calloc(cap, sizeof(*rules));
	while (fgets(line, sizeof(line), f)) {
		char *save, *word;
		int s;

		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return fail("segments=%s:%d: line longer than %zu characters", path, ln, sizeof(line) - 2);
		}
		line[strcspn(line, "#\n")] = 0;
		word = strtok_r(line, " \t", &save);
		if (!word)
			continue;
		if (!strcmp(word, "segment")) {
			char *name = strtok_r(NULL, " \t", &save), *label = strtok_r(NULL, "", &save);

			if (!name || !segment_name_ok(name) || segment_index(name) >= 0 || !label ||
			    n_segments == MAX_SEGMENTS) {
				fclose(f);
				return fail("segments=%s:%d: expected 'segment NAME LABEL' with a new NAME of "
					    "a-z (at most %d characters), at most %d segments", path, ln,
					    SEG_NAME_MAX, MAX_SEGMENTS);
			}
			label += strspn(label, " \t");
			label[strcspn(label, "\r")] = 0;
			strcpy(segments[n_segments].name, name);
			segments[n_segments].label = strdup(label);
			n_segments++;
			continue;
		}
		if ((s = segment_index(word)) < 0) {
			fclose(f);
			return fail("segments=%s:%d: '%s' is no segment declared above ('segment %s LABEL')",
				    path, ln, word, word);
		}
		while ((word = strtok_r(NULL, " \t\r", &save))) {
			size_t len = strlen(word);
			bool prefix = word[len - 1] == '*';
			const char *star = strchr(word, '*');

			if ((star && star != word + len - 1) || len == (size_t)prefix) {
				fclose(f);
				return fail("segments=%s:%d: pattern '%s': a name, or a prefix ending in '*'",
					    path, ln, word);
			}
			for (size_t r = 0; r < n_rules; r++)
				if (!strcmp(rules[r].pattern, word)) {
					fclose(f);
					return fail("segments=%s:%d: pattern '%s' is listed twice (also line %d)",
						    path, ln, word, rules[r].line);
				}
			if (n_rules == cap)
				rules = realloc(rules, (cap *= 2) * sizeof(*rules));
			rules[n_rules++] = (struct rule){ strdup(word), len - prefix, prefix, false, s, ln };
		}
	}
	fclose(f);
	if ((seg_other = segment_index("other")) < 0)
		return fail("segments=%s: declares no segment 'other' (the symbols no pattern matches)", path);
	n_counters = C_N + n_segments;
	return 0;
}

/* The rule a symbol matches best (its exact name, else the longest prefix), or NULL. */
static struct rule *rule_of(const char *name)
{
	struct rule *best = NULL;

	for (size_t r = 0; r < n_rules; r++) {
		struct rule *x = &rules[r];

		if (x->prefix ? strncmp(name, x->pattern, x->len) : strcmp(name, x->pattern))
			continue;
		if (!x->prefix)
			return x;
		if (!best || x->len > best->len)
			best = x;
	}
	return best;
}

/* Better of two matches: exact beats prefix, a longer prefix a shorter, any beats none. */
static bool rule_better(const struct rule *a, const struct rule *b)
{
	if (!a || !b)
		return a != NULL;
	if (a->prefix != b->prefix)
		return !a->prefix;
	return a->len > b->len;
}

struct sym {
	uint64_t addr;
	struct rule *rule;
};

static int sym_by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* From the text symbols (address, best rule): the ranges, merged where segments repeat. */
static int build_ranges(const char *segs_path, struct sym *syms, size_t n)
{
	qsort(syms, n, sizeof(*syms), sym_by_addr);
	ranges = calloc(n ? n : 1, sizeof(*ranges));
	for (size_t i = 0; i < n;) {
		struct rule *best = syms[i].rule;
		size_t j = i + 1;
		int seg;

		for (; j < n && syms[j].addr == syms[i].addr; j++)
			if (rule_better(syms[j].rule, best))
				best = syms[j].rule;
		seg = best ? best->seg : seg_other;
		if (!n_ranges || ranges[n_ranges - 1].seg != seg)
			ranges[n_ranges++] = (struct range){ syms[i].addr, seg };
		i = j;
	}
	for (size_t r = 0; r < n_rules; r++)
		if (!rules[r].used)
			return fail("segments=%s:%d: pattern '%s%s' matches no text symbol of the System.map",
				    segs_path, rules[r].line, rules[r].pattern, rules[r].prefix ? "*" : "");
	return 0;
}

/* ---------------------------------------------------------------- System.map */

/* Read the hooks' addresses, the other IDT entries and the text symbols' segments. */
static int read_map(const char *path, const char *segs_path)
{
	FILE *f = fopen(path, "r");
	char line[512], name[256], type;
	uint64_t addr, found[N_HOOKS] = { 0 };
	size_t cap = 64, sym_cap = 4096, n_syms = 0;
	struct sym *syms;
	int rc;

	if (!f)
		return fail("map=%s: cannot open: %s", path, strerror(errno));
	entries = calloc(cap, sizeof(*entries));
	syms = calloc(sym_cap, sizeof(*syms));
	while (fgets(line, sizeof(line), f)) {
		size_t h;
		struct entry e = { 0 };

		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3) {
			fclose(f);
			line[strcspn(line, "\n")] = 0;
			return fail("map=%s: not a System.map (line '%s')", path, line);
		}
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (n_syms == sym_cap)
			syms = realloc(syms, (sym_cap *= 2) * sizeof(*syms));
		syms[n_syms] = (struct sym){ addr, rule_of(name) };
		if (syms[n_syms].rule) {
			syms[n_syms].rule->used = true;
			segments[syms[n_syms].rule->seg].symbols++;
		} else {
			segments[seg_other].symbols++;
		}
		n_syms++;
		if (type != 't' && type != 'T')
			continue;
		for (h = 0; h < N_HOOKS && strcmp(name, hooks[h].sym); h++)
			;
		if (h < N_HOOKS) {
			if (found[h]) {
				fclose(f);
				return fail("map=%s: %s is defined twice", path, name);
			}
			found[h] = addr;
			e = (struct entry){ addr, hooks[h].counter, hooks[h].also, hooks[h].frame,
					    hooks[h].foreign, hooks[h].sym };
		} else {
			size_t p;

			for (p = 0; p < sizeof(idt_prefixes) / sizeof(idt_prefixes[0]); p++)
				if (!strncmp(name, idt_prefixes[p].prefix, strlen(idt_prefixes[p].prefix)))
					break;
			if (p == sizeof(idt_prefixes) / sizeof(idt_prefixes[0]))
				continue;
			e = (struct entry){ addr, idt_prefixes[p].counter, C_N, true, false, NULL };
			e.sym = strdup(name);
		}
		if (n_entries == cap)
			entries = realloc(entries, (cap *= 2) * sizeof(*entries));
		entries[n_entries++] = e;
	}
	fclose(f);
	rc = build_ranges(segs_path, syms, n_syms);
	free(syms);
	if (rc)
		return rc;
	for (size_t h = 0; h < N_HOOKS; h++)
		if (!found[h])
			return fail("map=%s: has no text symbol %s (not our guest kernel's System.map?)",
				    path, hooks[h].sym);
	qsort(entries, n_entries, sizeof(*entries), by_addr);
	for (size_t i = 1; i < n_entries; i++)
		if (entries[i].addr == entries[i - 1].addr)
			return fail("map=%s: two entry points at one address (%s)", path, entries[i].sym);
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
					   char **argv)
{
	const char *out_path = NULL, *map = NULL, *trace_path = NULL, *segs = NULL;

	if (!info->system_emulation || strcmp(info->target_name, "x86_64"))
		return fail("needs qemu-system-x86_64 (this is %s%s)", info->target_name,
			    info->system_emulation ? "" : ", user mode");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');

		if (!eq)
			return fail("argument '%s': expected name=value", a);
		if (!strncmp(a, "out=", 4))
			out_path = eq + 1;
		else if (!strncmp(a, "map=", 4))
			map = eq + 1;
		else if (!strncmp(a, "trace=", 6))
			trace_path = eq + 1;
		else if (!strncmp(a, "segments=", 9))
			segs = eq + 1;
		else if (!strncmp(a, "mmio=", 5)) {
			if (!qemu_plugin_bool_parse("mmio", eq + 1, &count_mmio))
				return fail("argument '%s': mmio takes on or off", a);
		} else
			return fail("argument '%s': unknown (out=, map=, segments=, mmio=, trace=)", a);
	}
	if (!out_path || !map || !segs)
		return fail("needs out=FILE, map=System.map and segments=FILE");
	if (read_segments(segs) || read_map(map, segs))
		return -1;
	out = fopen(out_path, "w");
	if (!out)
		return fail("out=%s: cannot write: %s", out_path, strerror(errno));
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	if (trace_path && !(trace = fopen(trace_path, "w")))
		return fail("trace=%s: cannot write: %s", trace_path, strerror(errno));
	n_vcpus = info->system.max_vcpus;
	vcpus = aligned_alloc(64, sizeof(*vcpus) * (size_t)n_vcpus);
	memset(vcpus, 0, sizeof(*vcpus) * (size_t)n_vcpus);

	fprintf(out, "# pathlen %d\n# map %s\n# segments %s\n# mmio %s\n# vcpus %d\n", FORMAT_VERSION,
		map, segs, count_mmio ? "on" : "off", n_vcpus);
	for (size_t i = 0; i < n_entries; i++)
		fprintf(out, "# hook %s %016" PRIx64 " %s%s\n", entries[i].sym, entries[i].addr,
			counter_names[entries[i].counter], entries[i].foreign ? " foreign" : "");
	for (int s = 0; s < n_segments; s++)
		fprintf(out, "# segment %s %" PRIu64 " %s\n", segments[s].name, segments[s].symbols,
			segments[s].label);
	fprintf(out, "side,vcpu,n,order,t0_n,split");
	for (int pre = 0; pre < 2; pre++) {
		for (int k = 0; k < C_N; k++)
			fprintf(out, ",%s%s", pre ? "pre_" : "", counter_names[k]);
		for (int s = 0; s < n_segments; s++)
			fprintf(out, ",%skseg_%s", pre ? "pre_" : "", segments[s].name);
	}
	fputc('\n', out);

	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
