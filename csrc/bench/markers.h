/* SPDX-License-Identifier: MIT */
/*
 * Instruction markers: the points of one message that a QEMU TCG plugin can recognise
 * when it translates the harness's code, so that it can count the instructions each
 * vCPU executes between them. This header is the one definition of the markers; the
 * plugin reads the same values.
 *
 * A marker is the 8-byte multi-byte NOP "nopl disp32(%rax,%rax,1)",
 *
 *	0f 1f 84 00 d0 d1 d2 d3		(d0..d3: the displacement, little-endian)
 *
 * architecturally a NOP (it reads no memory, writes nothing, sets no flags), which
 * costs nothing measurable natively. Compilers emit the same encoding as padding, but
 * only with displacement 0; ours spell "UIM0".."UIM3" in the displacement bytes:
 *
 *	BENCH_MARK_T0		0f 1f 84 00 55 49 4d 30	writer, right after it took t0
 *	BENCH_MARK_NOTIFIED	0f 1f 84 00 55 49 4d 31	writer, right after notify() returned
 *	BENCH_MARK_T1		0f 1f 84 00 55 49 4d 32	reader, right after it took t1 (in the
 *							pingpong modes, which take no t1: right
 *							after it saw the message)
 *	BENCH_MARK_WAIT		0f 1f 84 00 55 49 4d 33	reader, about to wait for the next message
 *
 * Order (messages are matched by order; warm-up messages are marked like the others and
 * come first, the run's JSON gives "warmup" and "count"): per message the reader passes
 * BENCH_MARK_WAIT once (however often its wait returns spuriously), the writer
 * BENCH_MARK_T0 and then BENCH_MARK_NOTIFIED once, and the reader BENCH_MARK_T1 once
 * when it sees the message. A failed message (the run's JSON: "failures") has a
 * BENCH_MARK_T1 only if the reader saw it late or was told not to answer (--drop-ack).
 * After the last message the reader passes BENCH_MARK_WAIT once more before it is
 * stopped; the stop request itself carries no marker.
 */
#ifndef UINTR_BENCH_MARKERS_H
#define UINTR_BENCH_MARKERS_H

/* the opcode bytes before the displacement, and the lengths (the plugin matches them) */
#define BENCH_MARK_PREFIX	0x0f, 0x1f, 0x84, 0x00
#define BENCH_MARK_PREFIX_LEN	4
#define BENCH_MARK_LEN		8

#define BENCH_MARK_T0		0x304d4955
#define BENCH_MARK_NOTIFIED	0x314d4955
#define BENCH_MARK_T1		0x324d4955
#define BENCH_MARK_WAIT		0x334d4955

#define BENCH_MARK_STR_(...)	#__VA_ARGS__
#define BENCH_MARK_STR(...)	BENCH_MARK_STR_(__VA_ARGS__)

/*
 * Execute marker @disp (one of the above). The bytes are spelled out rather than left to
 * the assembler's choice of encoding. The memory clobber keeps the marker in its place
 * among the stores and calls around it.
 */
#define bench_mark(disp)								\
	do {										\
		asm volatile(".byte " BENCH_MARK_STR(BENCH_MARK_PREFIX) "\n\t"		\
			     ".long " BENCH_MARK_STR(disp) ::: "memory");		\
	} while (0)

#endif
