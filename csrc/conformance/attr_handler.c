// SPDX-License-Identifier: GPL-2.0
/*
 * A user-interrupt handler written the way GCC documents it: with -muintr,
 * __attribute__((interrupt)) on a function taking (struct __uintr_frame *,
 * unsigned long long vector) returns with UIRET.  This file is compiled
 * with -mgeneral-regs-only, which GCC requires for interrupt handlers.
 */
#include <x86gprintrin.h>

#include "harness.h"

volatile struct attr_record attr_record;

void __attribute__((interrupt))
attr_handler(struct __uintr_frame *frame, unsigned long long vector)
{
	attr_record.vector = vector;
	attr_record.rip = frame->rip;
	attr_record.rflags = frame->rflags;
	attr_record.rsp = frame->rsp;
	attr_record.count++;
}
