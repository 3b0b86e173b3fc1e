// SPDX-License-Identifier: MIT
/* spin: no notification at all; the reader polls the shared word. The floor. */
#include "bench.h"

const struct mechanism mech_spin = {
	.name = "spin",
	.summary = "store to shared memory / the reader polls it (cannot block)",
	.can_block = false,
	.can_poll = true,
	.wait = spin_until_changed,
};
