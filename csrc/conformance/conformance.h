/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UINTR_CONFORMANCE_H
#define UINTR_CONFORMANCE_H

struct attr_record {
	unsigned long long vector, rip, rflags, rsp, count;
};

extern volatile struct attr_record attr_record;
struct __uintr_frame;
void attr_handler(struct __uintr_frame *frame, unsigned long long vector);

#endif
