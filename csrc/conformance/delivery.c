// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance cases: delivery on one CPU: the frame, STACKADJUST, UIF, priority, decoding.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <x86gprintrin.h>

#include "harness.h"

#define TOPIC TOPIC_DELIVERY

CASE(self_send_delivery, SUITE_UINTR, 20,
     "SENDUIPI to this process: one delivery of the right vector")
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

CASE(frame_contents, SUITE_UINTR, 20, "the frame: vector, RIP right after STUI, RFLAGS, RSP")
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

CASE(frame_lazy_flags, SUITE_UINTR, 20, "RFLAGS in the frame after a cmp (TCG's lazy flags)")
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

CASE(stack_adjust_redzone, SUITE_UINTR, 20,
     "STACKADJUST, subtract form: 128 below RSP, aligned down to 16, 4 pushes")
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

CASE(stack_adjust_alt_stack, SUITE_UINTR, 20,
     "STACKADJUST, load form, through uintr_alt_stack(); and back to the default")
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

CASE(uif_in_handler, SUITE_UINTR, 20, "UIF is 0 in the handler and 1 after UIRET")
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

CASE(priority_order, SUITE_UINTR, 20,
     "five posted vectors are delivered highest first once STUI allows")
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

CASE(clui_holds_stui_delivers, SUITE_UINTR, 20,
     "CLUI holds a posted interrupt; STUI delivers it at once")
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

CASE(same_vector_coalesces, SUITE_UINTR, 20,
     "the same vector posted three times while held: one delivery")
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

CASE(gcc_interrupt_attribute, SUITE_UINTR, 20,
     "a handler made by GCC's interrupt attribute (-muintr: returns with UIRET)")
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

CASE(senduipi_all_registers, SUITE_UINTR, 20,
     "SENDUIPI takes its index from any of 15 general registers (REX.B for r8-r15)")
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

CASE(rdpid_still_decodes, SUITE_UINTR, 20,
     "RDPID shares F3 0F C7 with SENDUIPI (/7 vs /6): it still works")
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

CASE(vmxon_memory_form, SUITE_UINTR, 20,
     "the memory form of F3 0F C7 /6 is VMXON: SIGILL in user mode, not a SENDUIPI")
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
