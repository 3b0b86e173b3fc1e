// SPDX-License-Identifier: MIT
/*
 * The benchmark's user-interrupt handler: count the delivery. With -muintr GCC ends
 * an __attribute__((interrupt)) function taking a struct __uintr_frame with UIRET;
 * GCC wants such handlers compiled with -mgeneral-regs-only (this file alone is).
 */
#include <stdint.h>
#include <x86gprintrin.h>

volatile uint64_t uintr_bench_hits;

void __attribute__((interrupt))
uintr_bench_handler(struct __uintr_frame *frame, unsigned long long vector);

void __attribute__((interrupt))
uintr_bench_handler(struct __uintr_frame *frame, unsigned long long vector)
{
	(void)frame;
	(void)vector;
	uintr_bench_hits++;
}
