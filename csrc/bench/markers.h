/* SPDX-License-Identifier: MIT */
/*
 * Instruction markers of the benchmark harness: the points of a message that the
 * path-length plugin (env/qemu/plugins/pathlen.c, which includes this header) recognises
 * in the code it translates. This header is the only definition of their bytes.
 *
 * A marker is the 8-byte NOP "nopl disp32(%rax,%rax,1)": the opcode bytes
 * BENCH_MARK_PREFIX followed by a 32-bit displacement, little-endian. It touches no
 * memory, register or flag. Compilers pad with the same instruction but displacement 0;
 * ours spell "UIM0".."UIM3":
 *
 *   BENCH_MARK_T0        writer, right after it took t0
 *   BENCH_MARK_NOTIFIED  writer, right after its notify call returned
 *   BENCH_MARK_T1        reader, right after it took t1 (or saw the message, when it
 *                        takes no clock)
 *   BENCH_MARK_WAIT      reader, about to wait for the next message
 *
 * Order per message: the reader passes WAIT once (however often its wait returns
 * spuriously), the writer T0 then NOTIFIED, the reader T1 when it sees the message.
 * After the last message the reader passes WAIT once more and is then stopped.
 * Warm-up messages are marked like the others and come first.
 */
#ifndef UINTR_BENCH_MARKERS_H
#define UINTR_BENCH_MARKERS_H

#define BENCH_MARK_PREFIX	0x0f, 0x1f, 0x84, 0x00	/* nopl disp32(%rax,%rax,1) */
#define BENCH_MARK_PREFIX_LEN	4
#define BENCH_MARK_LEN		8			/* prefix + disp32 */

#define BENCH_MARK_T0		0x304d4955		/* "UIM0" */
#define BENCH_MARK_NOTIFIED	0x314d4955		/* "UIM1" */
#define BENCH_MARK_T1		0x324d4955		/* "UIM2" */
#define BENCH_MARK_WAIT		0x334d4955		/* "UIM3" */

#define BENCH_MARK_STR_(...)	#__VA_ARGS__
#define BENCH_MARK_STR(...)	BENCH_MARK_STR_(__VA_ARGS__)

/*
 * Execute marker @disp. The bytes are written out so that no assembler picks another
 * encoding; the memory clobber keeps the marker in its place among the stores and calls
 * around it.
 */
#define bench_mark(disp) \
	asm volatile(".byte " BENCH_MARK_STR(BENCH_MARK_PREFIX) "\n\t.long " \
		     BENCH_MARK_STR(disp) ::: "memory")

#endif
