// SPDX-License-Identifier: MIT
/* The registry of mechanisms: add a plug-in here and in the Makefile. */
#include <stddef.h>
#include <string.h>

#include "bench.h"

extern const struct mechanism mech_eventfd, mech_pipe, mech_futex, mech_spin, mech_signal,
	mech_unix, mech_uintr_event, mech_uintr;

const struct mechanism *const mechanisms[] = {
	&mech_eventfd,
	&mech_pipe,
	&mech_futex,
	&mech_spin,
	&mech_signal,
	&mech_unix,
	&mech_uintr_event,
	&mech_uintr,
	NULL,
};

const struct mechanism *find_mechanism(const char *name)
{
	for (size_t i = 0; mechanisms[i]; i++)
		if (!strcmp(mechanisms[i]->name, name))
			return mechanisms[i];
	return NULL;
}
