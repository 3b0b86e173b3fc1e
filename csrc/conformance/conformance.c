// SPDX-License-Identifier: GPL-2.0
/*
 * uintr-conformance: the UINTR conformance suite, run inside the guest.
 *
 * Every case runs in its own process (and process group); it prints one line
 *   PASS <name>            or            FAIL <name>: <why>
 * and the run ends with "N passed, M failed".  The exit status is 0 when
 * nothing failed, 1 otherwise.
 *
 *   uintr-conformance              the full suite (CPU with UINTR expected)
 *   uintr-conformance --no-uintr   the suite for a CPU model without UINTR
 *   uintr-conformance --list       list the cases of the selected suite
 *   uintr-conformance NAME...      run only the named cases
 *
 * Built static with gcc -muintr; the system call numbers, flags and limits
 * come from the kernel patch series' <linux/uintr.h>.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include <linux/uintr.h>

#include "common.h"
#include "conformance.h"

/* ---------------------------------------------------------------- basics */

static char why[512];
static int result_fd = -1;	/* where a case's process reports why it failed */

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

static int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Sum over CPUs of the /proc/interrupts line @name (e.g. "UIN"), or -1. */
static long long irq_count(const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	long long sum = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, name, strlen(name)) || p[strlen(name)] != ':')
			continue;
		p += strlen(name) + 1;
		sum = 0;
		for (;;) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
	}
	fclose(f);
	return sum;
}

/*
 * A kernel address and a non-canonical one, for "not a user address".  The
 * latter must be non-canonical with 4- and with 5-level paging (QEMU's -cpu
 * max has LA57, so 1 << 47 is an ordinary user address there).
 */
#define KERNEL_ADDR	((void *)0xffff888000000000ull)
#define NONCANON_ADDR	((void *)0x8000000000000000ull)

/* ------------------------------------------------------- handler and state */

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

static struct shared *sh;

/* What the last delivery looked like (receiver process only). */
static volatile struct {
	uint64_t vector, rip, rflags, rsp, frame;
	int uif_in_handler;
} last;
static volatile int order[32];
static volatile int norder;
static volatile uint64_t delivered;

void uintr_entry(void);
void uintr_c_handler(uint64_t *frame);

/* Called from uintr_entry.S with frame -> { vector, RIP, RFLAGS, RSP }. */
void uintr_c_handler(uint64_t *frame)
{
	uint64_t v = frame[0];

	last.vector = v;
	last.rip = frame[1];
	last.rflags = frame[2];
	last.rsp = frame[3];
	last.frame = (uint64_t)frame;
	last.uif_in_handler = _testui();
	if (norder < 32)
		order[norder++] = (int)v;
	delivered++;
	if (sh) {
		if (v < UINTR_MAX_VECTORS)
			__atomic_add_fetch(&sh->count[v], 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&sh->total, 1, __ATOMIC_SEQ_CST);
	}
}

static struct shared *shared_new(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static uint64_t ld(volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Spin in user mode (no system call) until *p >= want; false on timeout. */
static bool spin_until(volatile uint64_t *p, uint64_t want, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);

	while (ld(p) < want) {
		if (now_ns() > end)
			return false;
		__builtin_ia32_pause();
	}
	return true;
}

/* Same, yielding the CPU between looks (for tasks sharing a CPU). */
static bool yield_until(volatile uint64_t *p, uint64_t want, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);

	while (ld(p) < want) {
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* Let a notification already on its way be processed (kernel round trips). */
static void settle(void)
{
	int64_t end = now_ns() + 20 * 1000000;

	while (now_ns() < end)
		getppid();
}

/* Register uintr_entry and set UIF. */
static int become_receiver(void)
{
	if (uintr_register_handler(uintr_entry, 0) < 0)
		FAIL("uintr_register_handler: %s", strerror(errno));
	_stui();
	return 0;
}

/* A vector fd for @vector and a UITT entry for it in this process. */
static int self_sender(int vector, int *index)
{
	int fd;

	EXPECT_OK(fd, uintr_vector_fd(vector, 0));
	EXPECT_OK(*index, uintr_register_sender(fd, 0));
	close(fd);
	return 0;
}

/* ------------------------------------------------------ child processes */

/* Fork a child that runs fn(arg) pinned to @cpu (-1: anywhere). */
static pid_t spawn(int cpu, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (cpu >= 0 && pin_to_cpu(cpu))
			_exit(99);
		_exit(fn(arg));
	}
	return pid;
}

/* Wait for @pid; its wait status, or -1 after @seconds (it is killed). */
static int reap(pid_t pid, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ns(1000000);
	}
}

static const char *describe_status(int status)
{
	static char buf[64];

	if (status == -1)
		return "timed out";
	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s", strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status %#x", status);
	return buf;
}

/* Run fn(arg) in a child; it must die of signal @sig. */
static int expect_signal(int (*fn)(void *), void *arg, int sig, const char *what)
{
	pid_t pid = spawn(-1, fn, arg);
	int status = reap(pid, 20);

	if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != sig)
		FAIL("%s: child %s, expected %s", what, describe_status(status),
		     strsignal(sig));
	return 0;
}

/* ------------------------------------------------- instruction wrappers */

static int do_senduipi(void *arg)
{
	_senduipi((unsigned long long)(uintptr_t)arg);
	return 0;
}

static int do_stui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xef" ::: "memory");
	return 0;
}

static int do_clui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xee" ::: "memory");
	return 0;
}

static int do_testui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xed" ::: "cc");
	return 0;
}

static int do_uiret(void *arg)
{
	(void)arg;
	/* a frame UIRET could return through, should it execute */
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rsp, %%rcx\n\t"
		     "and $-16, %%rsp\n\t"
		     "push %%rcx\n\t"
		     "pushf\n\t"
		     "push %%rax\n\t"
		     ".byte 0xf3, 0x0f, 0x01, 0xec\n"
		     "1:\n\t"
		     ::: "rax", "rcx", "memory", "cc");
	return 0;
}

/* =========================================================== the cases */

/* ---------------------------------------------------------- enumeration */

/* How many "flags" lines of /proc/cpuinfo carry the word "uintr", of how many. */
static int cpuinfo_uintr(int *lines)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int with = 0;

	*lines = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		(*lines)++;
		if (strstr(line, " uintr ") || strstr(line, " uintr\n"))
			with++;
	}
	fclose(f);
	return with;
}

static int t_cpuid_bit(void)
{
	CHECK(cpu_has_uintr(), "CPUID.(EAX=7,ECX=0):EDX[5] is clear");
	return 0;
}

static int t_cpuinfo_flag(void)
{
	int lines, with = cpuinfo_uintr(&lines);

	CHECK(lines == online_cpus(), "/proc/cpuinfo has %d flags lines for %d CPUs",
	      lines, online_cpus());
	CHECK(with == lines, "'uintr' on %d of %d CPUs (the kernel sets CR4.UINTR where it shows it)",
	      with, lines);
	return 0;
}

/* CLUI, STUI and TESTUI work (CR4.UINTR set) on every CPU. */
static int t_testui_every_cpu(void)
{
	for (int cpu = 0; cpu < online_cpus(); cpu++) {
		CHECK(pin_to_cpu(cpu) == 0, "cannot run on CPU %d", cpu);
		_clui();
		CHECK(!_testui(), "CPU %d: TESTUI reports UIF=1 after CLUI", cpu);
		_stui();
		CHECK(_testui(), "CPU %d: TESTUI reports UIF=0 after STUI", cpu);
		_clui();
	}
	return 0;
}

/* ------------------------------------------------------------ bad input */

static int t_register_handler_bad_flags(void)
{
	EXPECT_ERR(uintr_register_handler(uintr_entry, 1), EINVAL);
	EXPECT_ERR(uintr_register_handler(uintr_entry, 0x80000000u), EINVAL);
	return 0;
}

static int t_register_handler_bad_address(void)
{
	EXPECT_ERR(uintr_register_handler(NULL, 0), EFAULT);
	EXPECT_ERR(uintr_register_handler(KERNEL_ADDR, 0), EFAULT);
	EXPECT_ERR(uintr_register_handler(NONCANON_ADDR, 0), EFAULT);
	return 0;
}

static int t_register_handler_twice(void)
{
	long r;

	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_register_handler(uintr_entry, 0), EBUSY);
	return 0;
}

static int t_unregister_handler_bad(void)
{
	long r;

	EXPECT_ERR(uintr_unregister_handler(0), EINVAL);	/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_unregister_handler(1), EINVAL);
	EXPECT_OK(r, uintr_unregister_handler(0));
	EXPECT_ERR(uintr_unregister_handler(0), EINVAL);
	return 0;
}

static int t_vector_fd_bad(void)
{
	long r;

	EXPECT_ERR(uintr_vector_fd(0, 0), EINVAL);		/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_vector_fd(64, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1ull << 32, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(~0ull, 0), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1, 2), EINVAL);
	EXPECT_ERR(uintr_vector_fd(1, 0x80000000u), EINVAL);
	return 0;
}

static int t_register_sender_bad(void)
{
	int p[2];
	long fd;

	EXPECT_ERR(uintr_register_sender(-1, 0), EBADF);
	EXPECT_ERR(uintr_register_sender(1000, 0), EBADF);
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	EXPECT_ERR(uintr_register_sender(p[0], 0), EINVAL);	/* not a vector fd */
	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_ERR(uintr_register_sender(fd, 1), EINVAL);
	EXPECT_ERR(uintr_register_sender(fd, 0x80000000u), EINVAL);
	return 0;
}

static int t_register_sender_twice(void)
{
	long fd, fd2, fd3, i;

	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_OK(fd2, uintr_vector_fd(3, 0));
	EXPECT_OK(fd3, uintr_vector_fd(4, 0));
	EXPECT_OK(i, uintr_register_sender(fd, 0));
	EXPECT_ERR(uintr_register_sender(fd, 0), EBUSY);
	EXPECT_ERR(uintr_register_sender(fd2, 0), EBUSY);	/* same receiver and vector */
	EXPECT_OK(i, uintr_register_sender(fd3, 0));
	return 0;
}

static int t_unregister_sender_bad(void)
{
	long fd, i;

	EXPECT_ERR(uintr_unregister_sender(0, 0), EINVAL);	/* no UITT yet */
	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(3, 0));
	EXPECT_OK(i, uintr_register_sender(fd, 0));
	EXPECT_ERR(uintr_unregister_sender(-1, 0), EINVAL);
	EXPECT_ERR(uintr_unregister_sender(UINTR_MAX_SENDERS, 0), EINVAL);
	EXPECT_ERR(uintr_unregister_sender(i + 100, 0), EINVAL);	/* unused */
	EXPECT_ERR(uintr_unregister_sender(i, 1), EINVAL);
	EXPECT_OK(fd, uintr_unregister_sender(i, 0));
	EXPECT_ERR(uintr_unregister_sender(i, 0), EINVAL);
	return 0;
}

static int t_wait_bad(void)
{
	long r;

	EXPECT_ERR(uintr_wait(0, 0), EINVAL);			/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_wait(0, 1), EINVAL);
	return 0;
}

static int t_alt_stack_bad(void)
{
	static char stack[4096] __attribute__((aligned(16)));
	long r;

	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 0), EINVAL);	/* not a receiver */
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 1), EINVAL);
	EXPECT_ERR(uintr_alt_stack(stack, UINTR_MIN_ALT_STACK - 1, 0), EINVAL);
	EXPECT_ERR(uintr_alt_stack(KERNEL_ADDR, 4096, 0), EFAULT);
	EXPECT_OK(r, uintr_alt_stack(NULL, 0, 0));
	return 0;
}

/* --------------------------------------------------------- life cycle */

static int t_register_unregister_handler(void)
{
	long r;

	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_OK(r, uintr_unregister_handler(0));
	EXPECT_OK(r, uintr_register_handler(uintr_entry, 0));
	EXPECT_OK(r, uintr_vector_fd(0, 0));
	EXPECT_OK(r, uintr_unregister_handler(0));
	return 0;
}

static int t_vector_fd(void)
{
	char path[64], link[128];
	long fd, fd2;
	ssize_t n;

	if (become_receiver())
		return 1;
	EXPECT_OK(fd, uintr_vector_fd(63, 0));
	CHECK(!(fcntl(fd, F_GETFD) & FD_CLOEXEC), "close-on-exec set without the flag");
	EXPECT_OK(fd2, uintr_vector_fd(0, UINTR_VECTOR_FD_CLOEXEC));
	CHECK(fcntl(fd2, F_GETFD) & FD_CLOEXEC, "UINTR_VECTOR_FD_CLOEXEC did not set FD_CLOEXEC");
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
	link[n] = 0;
	CHECK(strstr(link, "uintr"), "fd %ld is '%s'", fd, link);
	CHECK(close(fd) == 0 && close(fd2) == 0, "close failed");
	return 0;
}

static int t_register_sender_index(void)
{
	long a, b, c, i;

	if (become_receiver())
		return 1;
	EXPECT_OK(a, uintr_vector_fd(1, 0));
	EXPECT_OK(b, uintr_vector_fd(2, 0));
	EXPECT_OK(c, uintr_vector_fd(3, 0));
	EXPECT_OK(i, uintr_register_sender(a, 0));
	CHECK(i == 0, "first entry has index %ld, expected 0", i);
	EXPECT_OK(i, uintr_register_sender(b, 0));
	CHECK(i == 1, "second entry has index %ld, expected 1", i);
	EXPECT_OK(i, uintr_unregister_sender(0, 0));
	EXPECT_OK(i, uintr_register_sender(c, 0));
	CHECK(i == 0, "a freed index is not reused (got %ld)", i);
	return 0;
}

/* All UINTR_MAX_SENDERS entries can be used; one more fails with ENOSPC. */
static int t_register_sender_full(void)
{
	long fd, i;
	int n;

	for (n = 0; n <= UINTR_MAX_SENDERS; n++) {
		/* 64 vectors per registration: re-register for fresh targets */
		if (n % UINTR_MAX_VECTORS == 0) {
			if (n)
				EXPECT_OK(i, uintr_unregister_handler(0));
			if (become_receiver())
		return 1;
		}
		EXPECT_OK(fd, uintr_vector_fd(n % UINTR_MAX_VECTORS, 0));
		if (n == UINTR_MAX_SENDERS) {
			EXPECT_ERR(uintr_register_sender(fd, 0), ENOSPC);
			break;
		}
		EXPECT_OK(i, uintr_register_sender(fd, 0));
		CHECK(i == n, "entry %d got index %ld", n, i);
		close(fd);
	}
	return 0;
}

/* ----------------------------------------------------- self delivery */

static int t_self_send_delivery(void)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(7, &idx))
		return 1;
	_senduipi(idx);
	CHECK(spin_until(&delivered, 1, 5), "no delivery within 5 s");
	CHECK(last.vector == 7, "vector %llu delivered, expected 7",
	      (unsigned long long)last.vector);
	settle();
	CHECK(delivered == 1, "%llu deliveries for one SENDUIPI",
	      (unsigned long long)delivered);
	return 0;
}

/*
 * Post a vector with UIF clear, then STUI at a known place with known flags:
 * the delivery happens right after STUI, so the frame is exact.
 * @lazy selects "cmp" (flags left lazy in TCG) or "xor; stc".
 */
static int frame_probe(int lazy, uint64_t *rip, uint64_t *rsp, uint64_t *flags)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(11, &idx))
		return 1;
	_clui();
	_senduipi(idx);
	settle();
	CHECK(delivered == 0, "delivered with UIF=0");
	if (lazy) {
		/* 5 - 7: CF=1 PF=0 AF=1 ZF=0 SF=1 OF=0 */
		asm volatile("lea 1f(%%rip), %%rax\n\t"
			     "mov %%rax, %0\n\t"
			     "mov %%rsp, %1\n\t"
			     "mov $5, %%ecx\n\t"
			     "cmp $7, %%ecx\n\t"
			     ".byte 0xf3, 0x0f, 0x01, 0xef\n"	/* stui */
			     "1:\n\t"
			     "nop\n\t"
			     : "=m"(*rip), "=m"(*rsp) : : "rax", "rcx", "cc", "memory");
		*flags = 0x293;
	} else {
		/* xor: ZF=1 PF=1, then stc: CF=1 */
		asm volatile("lea 1f(%%rip), %%rax\n\t"
			     "mov %%rax, %0\n\t"
			     "mov %%rsp, %1\n\t"
			     "xor %%eax, %%eax\n\t"
			     "stc\n\t"
			     ".byte 0xf3, 0x0f, 0x01, 0xef\n"	/* stui */
			     "1:\n\t"
			     "nop\n\t"
			     : "=m"(*rip), "=m"(*rsp) : : "rax", "cc", "memory");
		*flags = 0x247;
	}
	CHECK(delivered == 1, "%llu deliveries right after STUI, expected 1",
	      (unsigned long long)delivered);
	return 0;
}

static int t_frame_contents(void)
{
	uint64_t rip, rsp, flags;

	if (frame_probe(0, &rip, &rsp, &flags))
		return 1;
	CHECK(last.vector == 11, "vector %#llx, expected 11", (unsigned long long)last.vector);
	CHECK(last.rip == rip, "RIP %#llx, expected %#llx (instruction after STUI)",
	      (unsigned long long)last.rip, (unsigned long long)rip);
	CHECK(last.rflags == flags, "RFLAGS %#llx, expected %#llx",
	      (unsigned long long)last.rflags, (unsigned long long)flags);
	CHECK(last.rsp == rsp, "RSP %#llx, expected %#llx",
	      (unsigned long long)last.rsp, (unsigned long long)rsp);
	return 0;
}

static int t_frame_lazy_flags(void)
{
	uint64_t rip, rsp, flags;

	if (frame_probe(1, &rip, &rsp, &flags))
		return 1;
	CHECK(last.rflags == flags, "RFLAGS %#llx after cmp, expected %#llx",
	      (unsigned long long)last.rflags, (unsigned long long)flags);
	CHECK(last.rip == rip, "RIP %#llx, expected %#llx",
	      (unsigned long long)last.rip, (unsigned long long)rip);
	return 0;
}

/* STACKADJUST, subtract form: 128 below RSP, aligned down to 16, 4 pushes. */
static int t_stack_adjust_redzone(void)
{
	uint64_t rip, rsp, flags, want;

	if (frame_probe(0, &rip, &rsp, &flags))
		return 1;
	want = ((rsp - 128) & ~15ull) - 32;
	CHECK(last.frame == want, "frame at %#llx, expected %#llx (RSP %#llx - 128, aligned, - 32)",
	      (unsigned long long)last.frame, (unsigned long long)want,
	      (unsigned long long)rsp);
	return 0;
}

/* STACKADJUST, load form, through uintr_alt_stack(). */
static int t_stack_adjust_alt_stack(void)
{
	static char stack[65536] __attribute__((aligned(64)));
	uint64_t top = (uint64_t)(stack + sizeof(stack) - 8);	/* deliberately unaligned */
	uint64_t want = (top & ~15ull) - 32;
	int idx;
	long r;

	if (become_receiver())
		return 1;
	EXPECT_OK(r, uintr_alt_stack(stack, sizeof(stack) - 8, 0));
	if (self_sender(12, &idx))
		return 1;
	_senduipi(idx);
	CHECK(spin_until(&delivered, 1, 5), "no delivery on the alternate stack");
	CHECK(last.frame == want, "frame at %#llx, expected %#llx (top of the alternate stack)",
	      (unsigned long long)last.frame, (unsigned long long)want);
	CHECK(last.rsp < (uint64_t)stack || last.rsp > top,
	      "saved RSP %#llx is on the alternate stack", (unsigned long long)last.rsp);
	/* back to the default */
	EXPECT_OK(r, uintr_alt_stack(NULL, 0, 0));
	_senduipi(idx);
	CHECK(spin_until(&delivered, 2, 5), "no delivery after restoring the default stack");
	CHECK(last.frame < (uint64_t)stack || last.frame > top,
	      "still delivered on the alternate stack");
	CHECK(last.frame < last.rsp - 128, "frame %#llx not below the red zone of %#llx",
	      (unsigned long long)last.frame, (unsigned long long)last.rsp);
	return 0;
}

static int t_uif_in_handler(void)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(1, &idx))
		return 1;
	_senduipi(idx);
	CHECK(spin_until(&delivered, 1, 5), "no delivery");
	CHECK(last.uif_in_handler == 0, "UIF=1 inside the handler");
	CHECK(_testui(), "UIF=0 after UIRET");
	return 0;
}

/* Several posted vectors are delivered highest first, once STUI allows. */
static int t_priority_order(void)
{
	static const int vec[] = { 3, 60, 17, 0, 63 };
	static const int want[] = { 63, 60, 17, 3, 0 };
	int idx[5];

	if (become_receiver())
		return 1;
	for (int i = 0; i < 5; i++)
		if (self_sender(vec[i], &idx[i]))
		return 1;
	_clui();
	for (int i = 0; i < 5; i++)
		_senduipi(idx[i]);
	settle();
	CHECK(delivered == 0, "delivered while UIF=0");
	_stui();
	CHECK(spin_until(&delivered, 5, 5), "%llu of 5 delivered after STUI",
	      (unsigned long long)delivered);
	for (int i = 0; i < 5; i++)
		CHECK(order[i] == want[i], "delivery %d was vector %d, expected %d",
		      i, order[i], want[i]);
	return 0;
}

static int t_clui_holds_stui_delivers(void)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(30, &idx))
		return 1;
	_clui();
	_senduipi(idx);
	settle();
	sleep_ns(20000000);
	CHECK(delivered == 0, "delivered while UIF=0");
	_stui();
	CHECK(delivered == 1, "not delivered at once by STUI (%llu)",
	      (unsigned long long)delivered);
	return 0;
}

/* The same vector posted three times while held is one pending bit. */
static int t_same_vector_coalesces(void)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(9, &idx))
		return 1;
	_clui();
	_senduipi(idx);
	_senduipi(idx);
	_senduipi(idx);
	settle();
	_stui();
	settle();
	CHECK(delivered == 1, "%llu deliveries, expected 1", (unsigned long long)delivered);
	return 0;
}

/* A handler made by GCC's interrupt attribute (-muintr: returns with UIRET). */
static int t_gcc_interrupt_attribute(void)
{
	int idx;
	long r;

	EXPECT_OK(r, uintr_register_handler(attr_handler, 0));
	_stui();
	if (self_sender(42, &idx))
		return 1;
	_senduipi(idx);
	CHECK(spin_until((volatile uint64_t *)&attr_record.count, 1, 5), "no delivery");
	CHECK(attr_record.vector == 42, "vector %llu, expected 42", attr_record.vector);
	CHECK(attr_record.rsp != 0 && attr_record.rip != 0, "empty frame");
	return 0;
}

/*
 * SENDUIPI takes its index from any general register (REX.B for r8-r15).
 * Entry i sends vector i; register i holds index i.  RSP is left out.
 */
#define SEND_VIA(reg, bytes)						\
	asm volatile("mov %0, %%" reg "\n\t.byte " bytes		\
		     : : "r"((uint64_t)idx[n++]) : reg, "memory")

static int t_senduipi_all_registers(void)
{
	int idx[16], n = 0, vectors = 0;

	if (become_receiver())
		return 1;
	for (int v = 0; v < 15; v++) {
		if (self_sender(v, &idx[v]))
			return 1;
		CHECK(idx[v] == v, "entry for vector %d has index %d", v, idx[v]);
	}
	_clui();
	SEND_VIA("rax", "0xf3, 0x0f, 0xc7, 0xf0");
	SEND_VIA("rcx", "0xf3, 0x0f, 0xc7, 0xf1");
	SEND_VIA("rdx", "0xf3, 0x0f, 0xc7, 0xf2");
	SEND_VIA("rbx", "0xf3, 0x0f, 0xc7, 0xf3");
	/* RBP: saved by hand, below the red zone */
	asm volatile("sub $128, %%rsp\n\t"
		     "push %%rbp\n\t"
		     "mov %0, %%rbp\n\t"
		     ".byte 0xf3, 0x0f, 0xc7, 0xf5\n\t"
		     "pop %%rbp\n\t"
		     "add $128, %%rsp"
		     : : "r"((uint64_t)idx[n++]) : "memory");
	SEND_VIA("rsi", "0xf3, 0x0f, 0xc7, 0xf6");
	SEND_VIA("rdi", "0xf3, 0x0f, 0xc7, 0xf7");
	SEND_VIA("r8", "0xf3, 0x41, 0x0f, 0xc7, 0xf0");
	SEND_VIA("r9", "0xf3, 0x41, 0x0f, 0xc7, 0xf1");
	SEND_VIA("r10", "0xf3, 0x41, 0x0f, 0xc7, 0xf2");
	SEND_VIA("r11", "0xf3, 0x41, 0x0f, 0xc7, 0xf3");
	SEND_VIA("r12", "0xf3, 0x41, 0x0f, 0xc7, 0xf4");
	SEND_VIA("r13", "0xf3, 0x41, 0x0f, 0xc7, 0xf5");
	SEND_VIA("r14", "0xf3, 0x41, 0x0f, 0xc7, 0xf6");
	SEND_VIA("r15", "0xf3, 0x41, 0x0f, 0xc7, 0xf7");
	settle();
	_stui();
	settle();
	for (int i = 0; i < norder; i++)
		vectors |= 1 << order[i];
	CHECK(delivered == 15 && vectors == 0x7fff,
	      "%llu deliveries, vectors %#x (bit i: via register i, order rax rcx rdx rbx rbp rsi rdi r8..r15)",
	      (unsigned long long)delivered, vectors);
	return 0;
}

/* RDPID shares F3 0F C7 with SENDUIPI (/7 vs /6): it must still work. */
static int t_rdpid_still_decodes(void)
{
	unsigned int a, b, c, d;
	uint64_t v = ~0ull;

	CHECK(__get_cpuid_count(7, 0, &a, &b, &c, &d), "no CPUID leaf 7");
	if (!(c & (1u << 22)))
		return 0;	/* no RDPID on this CPU model: nothing to check */
	for (int cpu = 0; cpu < online_cpus(); cpu++) {
		CHECK(pin_to_cpu(cpu) == 0, "pin");
		asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));	/* rdpid rax */
		CHECK((v & 0xfff) == (uint64_t)cpu, "RDPID on CPU %d returned %#llx", cpu,
		      (unsigned long long)v);
	}
	return 0;
}

static int do_vmxon(void *arg)
{
	static uint64_t region;

	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0x30" : : "a"(&region) : "memory");	/* vmxon (%rax) */
	return 0;
}

/* The memory form of F3 0F C7 /6 is VMXON: #UD in user mode, not a SENDUIPI. */
static int t_vmxon_memory_form(void)
{
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(0, &idx))
		return 1;
	if (expect_signal(do_vmxon, NULL, SIGILL, "VMXON (F3 0F C7 /6, memory form)"))
		return 1;
	settle();
	CHECK(delivered == 0, "VMXON delivered a user interrupt");
	return 0;
}

/* ---------------------------------------------- exec and fork clean up */

static int exec_check(int fd)
{
	/* runs in the freshly exec'd image */
	if (uintr_vector_fd(1, 0) != -1 || errno != EINVAL)
		FAIL("after exec: still a receiver (uintr_vector_fd errno %d)", errno);
	if (uintr_unregister_sender(0, 0) != -1 || errno != EINVAL)
		FAIL("after exec: the UITT survived (errno %d)", errno);
	if (expect_signal(do_senduipi, (void *)0, SIGILL, "SENDUIPI after exec"))
		return 1;
	(void)fd;
	return 0;
}

static int t_exec_clears_state(void)
{
	char fdarg[16];
	int idx;

	if (become_receiver())
		return 1;
	if (self_sender(2, &idx))
		return 1;
	snprintf(fdarg, sizeof(fdarg), "%d", result_fd);
	execl("/proc/self/exe", "uintr-conformance", "--exec-check", fdarg, (char *)NULL);
	FAIL("execl /proc/self/exe: %s", strerror(errno));
}

static int fork_child_check(void *arg)
{
	(void)arg;
	if (uintr_vector_fd(1, 0) != -1 || errno != EINVAL)
		return 2;		/* inherited the receiver */
	if (uintr_unregister_sender(0, 0) != -1 || errno != EINVAL)
		return 3;		/* inherited the UITT */
	_senduipi(0);			/* no UITT: #UD */
	return 4;
}

static int t_fork_child_has_no_state(void)
{
	int idx, status;
	pid_t pid;

	if (become_receiver())
		return 1;
	if (self_sender(2, &idx))
		return 1;
	pid = spawn(-1, fork_child_check, NULL);
	status = reap(pid, 20);
	CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGILL,
	      "child %s (2: still a receiver, 3: has the UITT, 4: SENDUIPI worked; expected SIGILL)",
	      describe_status(status));
	return 0;
}

/* ------------------------------------------------------ faults (SENDUIPI) */

struct fault_args {
	int fd;			/* the receiver's vector fd (inherited) */
	int unregister;		/* free the entry before using it */
	uint64_t index;		/* SENDUIPI operand */
};

static int fault_child(void *p)
{
	struct fault_args *a = p;
	long i = uintr_register_sender(a->fd, 0);

	if (i != 0)
		return 10;
	if (a->unregister && uintr_unregister_sender(i, 0))
		return 11;
	_senduipi(a->index);
	return 0;
}

static int fault_case(uint64_t index, int unregister, const char *what)
{
	struct fault_args a = { .unregister = unregister, .index = index };
	long fd;

	if (uintr_register_handler(uintr_entry, 0) && errno != EBUSY)
		FAIL("uintr_register_handler: %s", strerror(errno));
	EXPECT_OK(fd, uintr_vector_fd(5, 0));
	a.fd = (int)fd;
	return expect_signal(fault_child, &a, SIGSEGV, what);
}

static int t_senduipi_index_beyond_uittsz(void)
{
	if (fault_case(UINTR_MAX_SENDERS, 0, "SENDUIPI 256 (UITTSZ 255)"))
		return 1;
	return fault_case(1ull << 40, 0, "SENDUIPI 2^40");
}

static int t_senduipi_invalid_entry(void)
{
	return fault_case(1, 0, "SENDUIPI to an entry that is not valid");
}

static int t_senduipi_after_unregister_sender(void)
{
	return fault_case(0, 1, "SENDUIPI through an unregistered entry");
}

static int t_senduipi_without_uitt(void)
{
	return expect_signal(do_senduipi, (void *)0, SIGILL,
			     "SENDUIPI in a process without a UITT (TT.valid=0)");
}

/* -------------------------------------------------- two processes, CPUs */

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

static int sender_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
	va_end(ap);
	return 1;
}

/* The sending process: register, then send a->n messages. */
static int sender_main(void *p)
{
	struct sender_args *a = p;
	long idx = uintr_register_sender(a->fd, 0);
	uint64_t base;

	if (idx < 0)
		return sender_fail("sender: uintr_register_sender: %s", strerror(errno));
	if (a->delay_us)
		sleep_ns(a->delay_us * 1000);
	base = ld(&sh->count[a->vector]);
	for (long i = 0; i < a->n && !sh->stop; i++) {
		if (a->migrate_every && i % a->migrate_every == 0)
			pin_to_cpu((int)((i / a->migrate_every) % 2));
		if (a->wait_ready && !yield_until(&sh->ready, i + 1, a->timeout))
			return sender_fail("sender: receiver not ready for message %ld", i);
		_senduipi(idx);
		__atomic_add_fetch(&sh->sent, 1, __ATOMIC_SEQ_CST);
		if (a->handshake &&
		    !yield_until(&sh->count[a->vector], base + i + 1, a->timeout))
			return sender_fail("sender: message %ld not delivered (%ld delivered)",
					   i, (long)(ld(&sh->count[a->vector]) - base));
	}
	return 0;
}

/* Receiver side: set up shared memory, receiver, vector fd for @vector. */
static int receiver_setup(int vector, int cpu, long *fd)
{
	CHECK(online_cpus() >= 2, "needs 2 CPUs, %d online", online_cpus());
	sh = shared_new();
	CHECK(sh, "mmap: %s", strerror(errno));
	if (cpu >= 0)
		CHECK(pin_to_cpu(cpu) == 0, "cannot run on CPU %d", cpu);
	if (become_receiver())
		return 1;
	EXPECT_OK(*fd, uintr_vector_fd(vector, 0));
	return 0;
}

static int finish_sender(pid_t pid, double seconds)
{
	int status = reap(pid, seconds);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sh->stop = 1;
		FAIL("sender %s%s%s", describe_status(status), sh->msg[0] ? ": " : "", sh->msg);
	}
	return 0;
}

/* The receiver spins in user mode while another CPU sends. */
static int t_cross_cpu_send(void)
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

static int t_descheduled_delivered_once(void)
{
	return descheduled_case(1);
}

static int t_suppressed_posts_recorded(void)
{
	return descheduled_case(3);
}

/* uintr_wait() sleeps until a sender on another CPU sends. */
static int t_blocking_wait(void)
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

static int t_wait_timeout(void)
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

/* uintr_wait() returns at once when an interrupt is already pending (UIRR). */
static int t_wait_pending_returns(void)
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

static int t_wait_interrupted_by_signal(void)
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

/* Handshaked sends while the receiver hops between CPUs. */
static int t_receiver_migrates(void)
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

/* The sender hops between CPUs ("TT reads back 0 after migration"). */
static int t_sender_migrates(void)
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
static int t_uif_follows_task(void)
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
static int t_on_never_stuck(void)
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

static int t_two_senders_one_receiver(void)
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

/* 100 000 interrupts between two processes on two CPUs: exact count. */
static int t_stress_100k(void)
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

/* ---------------------------------------------------- receiver goes away */

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

/* A receiver exits while a sender still holds an entry for it: sends are dropped. */
static int t_receiver_exits_sender_sends(void)
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

static int t_unregistered_receiver_drops(void)
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

/* -------------------------------------------------------------- the log */

/* ------------------------------------------ event receivers (uintr_event) */

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

/* Every errno of the two system calls, and uintr_wait() of an event receiver. */
static int t_event_bad_input(void)
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

/* The receiver sleeps in epoll_wait; each SENDUIPI from the other CPU wakes it. */
static int t_event_wakes_epoll(void)
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

/* An event receiver moved between CPUs keeps getting its events (NDST follows). */
static int t_event_follows_task(void)
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

static int t_event_coexists_with_ordinary(void)
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

static int t_event_isolation(void)
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
static int t_event_eventfd_closed(void)
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

static int t_event_receiver_exits(void)
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

/* A sender exits in mid-stream without unregistering; a new one carries on. */
static int t_event_sender_exits(void)
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

/* Stress: 20 000 events between two CPUs, exactly counted. */
static int t_event_stress(void)
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

static int t_kernel_log_clean(void)
{
	static const char *bad[] = { "Oops", "BUG:", "WARNING:", "general protection fault",
				     "Call Trace", "unchecked MSR access", "Kernel panic" };
	int n = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;

	CHECK(n > 0, "klogctl: %s", strerror(errno));
	buf = malloc(n + 1);
	CHECK(buf, "malloc");
	n = klogctl(3, buf, n);		/* SYSLOG_ACTION_READ_ALL */
	CHECK(n >= 0, "klogctl: %s", strerror(errno));
	buf[n] = 0;
	/*
	 * Line by line: a user-mode fault the cases provoke on purpose is
	 * reported as "traps: <comm>[<pid>] general protection fault ..." and
	 * is not a kernel problem.
	 */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "traps: "))
			continue;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i]))
				FAIL("kernel log: %.200s", line);
	}
	return 0;
}

/* ------------------------------------------------ CPU model without UINTR */

static int t_no_cpuid_bit(void)
{
	CHECK(!cpu_has_uintr(), "CPUID.(EAX=7,ECX=0):EDX[5] is set");
	return 0;
}

static int t_no_cpuinfo_flag(void)
{
	int lines, with = cpuinfo_uintr(&lines);

	CHECK(lines > 0, "no flags in /proc/cpuinfo");
	CHECK(with == 0, "'uintr' shown on %d CPUs", with);
	return 0;
}

static int t_no_senduipi(void)
{
	return expect_signal(do_senduipi, (void *)0, SIGILL, "SENDUIPI");
}

static int t_no_uiret(void)
{
	return expect_signal(do_uiret, NULL, SIGILL, "UIRET");
}

static int t_no_testui(void)
{
	return expect_signal(do_testui, NULL, SIGILL, "TESTUI");
}

static int t_no_clui(void)
{
	return expect_signal(do_clui, NULL, SIGILL, "CLUI");
}

static int t_no_stui(void)
{
	return expect_signal(do_stui, NULL, SIGILL, "STUI");
}

static int t_no_syscalls_eopnotsupp(void)
{
	static char stack[4096];

	EXPECT_ERR(uintr_register_handler(uintr_entry, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_unregister_handler(0), EOPNOTSUPP);
	EXPECT_ERR(uintr_vector_fd(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_register_sender(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_unregister_sender(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_wait(0, 0), EOPNOTSUPP);
	EXPECT_ERR(uintr_alt_stack(stack, sizeof(stack), 0), EOPNOTSUPP);
	return 0;
}

/* ============================================================ harness */

struct test {
	const char *name;
	int (*fn)(void);
	int timeout;	/* seconds */
};

#define T(fn, secs) { #fn + 2, fn, secs }

static const struct test uintr_tests[] = {
	T(t_cpuid_bit, 10),
	T(t_cpuinfo_flag, 10),
	T(t_testui_every_cpu, 10),
	T(t_register_handler_bad_flags, 10),
	T(t_register_handler_bad_address, 10),
	T(t_register_handler_twice, 10),
	T(t_unregister_handler_bad, 10),
	T(t_vector_fd_bad, 10),
	T(t_register_sender_bad, 10),
	T(t_register_sender_twice, 10),
	T(t_unregister_sender_bad, 10),
	T(t_wait_bad, 10),
	T(t_alt_stack_bad, 10),
	T(t_register_unregister_handler, 10),
	T(t_vector_fd, 10),
	T(t_register_sender_index, 10),
	T(t_register_sender_full, 30),
	T(t_self_send_delivery, 20),
	T(t_frame_contents, 20),
	T(t_frame_lazy_flags, 20),
	T(t_stack_adjust_redzone, 20),
	T(t_stack_adjust_alt_stack, 20),
	T(t_uif_in_handler, 20),
	T(t_priority_order, 20),
	T(t_clui_holds_stui_delivers, 20),
	T(t_same_vector_coalesces, 20),
	T(t_gcc_interrupt_attribute, 20),
	T(t_senduipi_all_registers, 20),
	T(t_rdpid_still_decodes, 20),
	T(t_vmxon_memory_form, 20),
	T(t_exec_clears_state, 30),
	T(t_fork_child_has_no_state, 30),
	T(t_senduipi_index_beyond_uittsz, 30),
	T(t_senduipi_invalid_entry, 30),
	T(t_senduipi_after_unregister_sender, 30),
	T(t_senduipi_without_uitt, 30),
	T(t_cross_cpu_send, 30),
	T(t_descheduled_delivered_once, 30),
	T(t_suppressed_posts_recorded, 30),
	T(t_blocking_wait, 30),
	T(t_wait_timeout, 30),
	T(t_wait_pending_returns, 30),
	T(t_wait_interrupted_by_signal, 30),
	T(t_receiver_migrates, 60),
	T(t_sender_migrates, 90),
	T(t_uif_follows_task, 60),
	T(t_on_never_stuck, 300),
	T(t_two_senders_one_receiver, 120),
	T(t_receiver_exits_sender_sends, 60),
	T(t_unregistered_receiver_drops, 60),
	T(t_stress_100k, 600),
	T(t_event_bad_input, 10),
	T(t_event_wakes_epoll, 120),
	T(t_event_follows_task, 120),
	T(t_event_coexists_with_ordinary, 180),
	T(t_event_isolation, 120),
	T(t_event_eventfd_closed, 60),
	T(t_event_receiver_exits, 120),
	T(t_event_sender_exits, 120),
	T(t_event_stress, 600),
	T(t_kernel_log_clean, 10),	/* last: sees what the others left */
};

static const struct test no_uintr_tests[] = {
	T(t_no_cpuid_bit, 10),
	T(t_no_cpuinfo_flag, 10),
	T(t_no_senduipi, 10),
	T(t_no_uiret, 10),
	T(t_no_testui, 10),
	T(t_no_clui, 10),
	T(t_no_stui, 10),
	T(t_no_syscalls_eopnotsupp, 10),
	T(t_kernel_log_clean, 10),
};

/* Run one case in its own process group; print its line; 0 if it passed. */
static int run_case(const struct test *t)
{
	char msg[sizeof(why)] = "";
	int p[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(p)) {
		printf("FAIL %s: pipe: %s\n", t->name, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int r;

		setpgid(0, 0);
		close(p[0]);
		result_fd = p[1];
		alarm(t->timeout);
		r = t->fn();
		if (r && write(p[1], why, strlen(why)) < 0)
			r = 1;
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	waitpid(pid, &status, 0);		/* its alarm bounds the wait */
	kill(-pid, SIGKILL);			/* stragglers of the case */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(p[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS %s\n", t->name);
		return 0;
	}
	if (!msg[0])
		snprintf(msg, sizeof(msg), "case %s%s", describe_status(status),
			 WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ?
			 " (its time limit)" : "");
	printf("FAIL %s: %s\n", t->name, msg);
	return 1;
}

int main(int argc, char **argv)
{
	const struct test *tests = uintr_tests;
	size_t count = sizeof(uintr_tests) / sizeof(uintr_tests[0]);
	int passed = 0, failed = 0, list = 0, first = 1;

	if (argc == 3 && !strcmp(argv[1], "--exec-check")) {
		int fd = atoi(argv[2]);

		if (exec_check(fd)) {
			if (write(fd, why, strlen(why)) < 0)
				return 1;
			return 1;
		}
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--no-uintr")) {
			tests = no_uintr_tests;
			count = sizeof(no_uintr_tests) / sizeof(no_uintr_tests[0]);
		} else if (!strcmp(argv[first], "--list")) {
			list = 1;
		} else {
			fprintf(stderr, "usage: %s [--no-uintr] [--list] [case...]\n", argv[0]);
			return 2;
		}
	}
	for (size_t i = 0; i < count; i++) {
		int selected = first == argc;

		for (int a = first; a < argc; a++)
			selected |= !strcmp(argv[a], tests[i].name);
		if (!selected)
			continue;
		if (list) {
			printf("%s\n", tests[i].name);
			continue;
		}
		if (run_case(&tests[i]))
			failed++;
		else
			passed++;
	}
	if (!list)
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
