// SPDX-License-Identifier: MIT
/* spin: no notification at all; the reader polls the shared word. The floor. */
#include "bench.h"

static int spin_wait(struct chan *c, int block, int64_t deadline_ns)
{
	(void)block;
	return spin_until_changed(c, deadline_ns);
}

const struct mechanism mech_spin = {
	.name = "spin",
	.summary = "store to shared memory / the reader polls it (no blocking mode)",
	.modes = MODE_BIT(MODE_NONBLOCKING) | MODE_BIT(MODE_PINGPONG),
	.wait = spin_wait,
};
