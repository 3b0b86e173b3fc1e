/* SPDX-License-Identifier: MIT */
	.text
	.code64
isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call isr_c
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

	.align 16
	.globl isr_base
isr_base:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec+1
	.endr

/* Enter user mode: run_user(fn, user_rsp).  Returns when user code does int $0x80. */
	.globl run_user
run_user:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_ctx_rsp(%rip)
	pushq $0x1b		/* SS */
	push %rsi		/* RSP */
	pushq $0x202		/* RFLAGS: IF */
	pushq $0x23		/* CS */
	push %rdi		/* RIP */
	iretq

	.globl back_to_kernel
back_to_kernel:
	mov kernel_ctx_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* User-interrupt handler: [rsp]=vector, +8 RIP, +16 RFLAGS, +24 RSP */
	.globl uintr_entry
uintr_entry:
	push %rbx
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	lea 80(%rsp), %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call uintr_handler_c
	mov %rbx, %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pop %rbx
	add $8, %rsp
	uiret

	.data
	.align 8
	.globl kernel_ctx_rsp
kernel_ctx_rsp: .quad 0

	.section .note.GNU-stack,"",@progbits
