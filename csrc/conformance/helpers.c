// SPDX-License-Identifier: GPL-2.0
/*
 * What the conformance cases share (declared in harness.h): the user-interrupt
 * handler's record of deliveries, shared memory, child processes, one-instruction
 * wrappers, and a sending process.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86gprintrin.h>

#include "harness.h"

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

struct shared *sh;

volatile struct delivery last;
volatile int order[32];
volatile int norder;
volatile uint64_t delivered;

long long irq_count(const char *name)
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

int cpuinfo_uintr(int *lines)
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

struct shared *shared_new(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

uint64_t ld(volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

bool spin_until(volatile uint64_t *p, uint64_t want, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);

	while (ld(p) < want) {
		if (now_ns() > end)
			return false;
		__builtin_ia32_pause();
	}
	return true;
}

bool yield_until(volatile uint64_t *p, uint64_t want, double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);

	while (ld(p) < want) {
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

void settle(void)
{
	int64_t end = now_ns() + 20 * 1000000;

	while (now_ns() < end)
		getppid();
}

int become_receiver(void)
{
	if (uintr_register_handler(uintr_entry, 0) < 0)
		FAIL("uintr_register_handler: %s", strerror(errno));
	_stui();
	return 0;
}

int self_sender(int vector, int *index)
{
	int fd;

	EXPECT_OK(fd, uintr_vector_fd(vector, 0));
	EXPECT_OK(*index, uintr_register_sender(fd, 0));
	close(fd);
	return 0;
}

pid_t spawn(int cpu, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (cpu >= 0 && pin_to_cpu(cpu))
			_exit(99);
		_exit(fn(arg));
	}
	return pid;
}

int reap(pid_t pid, double seconds)
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

const char *describe_status(int status)
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

int expect_signal(int (*fn)(void *), void *arg, int sig, const char *what)
{
	pid_t pid = spawn(-1, fn, arg);
	int status = reap(pid, 20);

	if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != sig)
		FAIL("%s: child %s, expected %s", what, describe_status(status),
		     strsignal(sig));
	return 0;
}

int do_senduipi(void *arg)
{
	_senduipi((unsigned long long)(uintptr_t)arg);
	return 0;
}

int do_stui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xef" ::: "memory");
	return 0;
}

int do_clui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xee" ::: "memory");
	return 0;
}

int do_testui(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xed" ::: "cc");
	return 0;
}

int do_uiret(void *arg)
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

int sender_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
	va_end(ap);
	return 1;
}

int sender_main(void *p)
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

int receiver_setup(int vector, int cpu, long *fd)
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

int finish_sender(pid_t pid, double seconds)
{
	int status = reap(pid, seconds);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sh->stop = 1;
		FAIL("sender %s%s%s", describe_status(status), sh->msg[0] ? ": " : "", sh->msg);
	}
	return 0;
}
