/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-interrupt entry for the conformance suite.
 *
 * On delivery the CPU has pushed, on a 16-byte aligned stack: the
 * interrupted RSP, RFLAGS and RIP, then the user vector (lowest address).
 * We save every register the C ABI lets a callee clobber, plus the x87/SSE
 * state, call uintr_c_handler(frame) with frame pointing at the vector,
 * restore, drop the vector and return with UIRET.  UIRET is spelled as
 * bytes so that the file assembles without UINTR-aware binutils.
 */
	.text
	.globl	uintr_entry
	.type	uintr_entry, @function
	.p2align 4
uintr_entry:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbp
	movq	%rsp, %rbp
	leaq	80(%rsp), %rdi		/* &vector: 10 registers pushed above it */
	subq	$512, %rsp
	andq	$-64, %rsp
	fxsave64 (%rsp)
	cld
	call	uintr_c_handler
	fxrstor64 (%rsp)
	movq	%rbp, %rsp
	popq	%rbp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp		/* the vector */
	.byte	0xf3, 0x0f, 0x01, 0xec	/* uiret */
	.size	uintr_entry, . - uintr_entry

	.section .note.GNU-stack, "", @progbits
