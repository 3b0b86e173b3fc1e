/* SPDX-License-Identifier: MIT */
/* Multiboot (a.out kludge) entry: 32-bit protected mode -> long mode. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010000
	.section .multiboot, "a"
	.code32
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long _start_load	/* load_addr */
	.long _end_load		/* load_end_addr */
	.long _end_bss		/* bss_end_addr */
	.long start32		/* entry_addr */

	.text
	.code32
	.globl start32
start32:
	cli
	mov $boot_stack_top, %esp
	mov %ebx, mb_info_ptr
	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; PDs: 2 MiB pages, U/S=1 */
	mov $pdpt, %eax
	or $7, %eax
	mov %eax, pml4
	mov $pd, %eax
	or $7, %eax
	mov %eax, pdpt
	add $4096, %eax
	mov %eax, pdpt + 8
	add $4096, %eax
	mov %eax, pdpt + 16
	add $4096, %eax
	mov %eax, pdpt + 24
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x87, %eax		/* P, RW, US, PS */
	mov %eax, pd(,%ecx,8)
	movl $0, pd+4(,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b
	/* unmapped hole at 0x3fe00000 (for #PF tests) */
	movl $0, pd + 511*8
	mov %cr4, %eax
	or $0x20, %eax		/* PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax		/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax	/* PG, WP, PE */
	mov %eax, %cr0
	lgdt gdt_desc
	ljmp $0x08, $start64

	.code64
start64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	call kmain
2:	hlt
	jmp 2b

	.data
	.globl mb_info_ptr
	.align 8
mb_info_ptr: .quad 0
	.align 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08 kernel code64 */
	.quad 0x00cf93000000ffff	/* 0x10 kernel data */
	.quad 0x00cff3000000ffff	/* 0x18 user data (DPL3) */
	.quad 0x00affb000000ffff	/* 0x20 user code64 (DPL3) */
	.globl gdt_tss
gdt_tss:
	.quad 0, 0			/* 0x28 TSS, filled by kmain */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
	.globl gdt_desc

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096*4
	.align 16
	.skip 16384
boot_stack_top:

/* AP trampoline, copied to 0x8000; SIPI vector 0x08.  Real mode straight to long mode. */
	.text
	.code16
	.globl ap_tramp_start, ap_tramp_end, tramp_cr3, tramp_gdtr, tramp_jmp
ap_tramp_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	movl (tramp_cr3 - ap_tramp_start), %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	lgdtl (tramp_gdtr - ap_tramp_start)
	mov %cr0, %eax
	or $0x80010001, %eax
	mov %eax, %cr0
	ljmpl *(tramp_jmp - ap_tramp_start)
	.align 4
tramp_cr3:	.long 0
tramp_gdtr:	.word 0
		.long 0
tramp_jmp:	.long 0
		.word 0x08
ap_tramp_end:

	.code64
	.globl ap_entry64
ap_entry64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov ap_stack_top(%rip), %rsp
	call ap_main
3:	cli
	hlt
	jmp 3b

	.section .note.GNU-stack,"",@progbits
