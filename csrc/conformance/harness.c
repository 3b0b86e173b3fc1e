// SPDX-License-Identifier: GPL-2.0
/*
 * uintr-conformance: the UINTR conformance suite, run inside the guest.
 *
 * Every case runs in its own process (and process group); it prints one line
 *   PASS <name>            or            FAIL <name>: <why>
 * and the run ends with "N passed, M failed".  The exit status is 0 when
 * nothing failed, 1 otherwise.
 *
 *   uintr-conformance              the full suite (CPU with UINTR expected)
 *   uintr-conformance --no-uintr   the suite for a CPU model without UINTR
 *   uintr-conformance --list       list the cases of the selected suite
 *                                  (name, topic, summary; tab-separated)
 *   uintr-conformance NAME...      run only the named cases
 *
 * The cases register themselves (CASE() in harness.h, one file per topic);
 * this file orders them, runs them and is the suite's main().  Listing runs no
 * case and executes no UINTR instruction, so it works on any x86-64 host.
 *
 * Built static with gcc -muintr; the system call numbers, flags and limits
 * come from the kernel patch series' <linux/uintr.h>.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

char why[WHY_LEN];
int result_fd = -1;

/* The title of each topic, as --list prints it (and the READMEs show it). */
static const char *const topic_titles[TOPIC_COUNT] = {
	[TOPIC_ENUMERATION] = "Enumeration",
	[TOPIC_ERRNO] = "Bad input: every errno of the table in Documentation/x86/uintr.rst",
	[TOPIC_LIFECYCLE] = "Life cycle",
	[TOPIC_DELIVERY] = "Delivery on one CPU",
	[TOPIC_EXEC_FORK] = "After exec and fork",
	[TOPIC_FAULTS] = "Faults",
	[TOPIC_CROSS_CPU] = "Two processes on two CPUs, and uintr_wait()",
	[TOPIC_MIGRATION] = "Migration, and the study's three symptoms",
	[TOPIC_SENDERS] = "Several senders, receivers that go away, stress",
	[TOPIC_EVENTS] = "Event receivers (uintr_register_event)",
	[TOPIC_NO_UINTR] = "CPU model without UINTR",
	[TOPIC_KERNEL_LOG] = "Last: the kernel log",
};

#define MAX_CASES 256

static struct conf_case *cases[MAX_CASES];
static size_t ncases;

static void bad_case(const struct conf_case *c, const char *what)
{
	fprintf(stderr, "uintr-conformance: case '%s' (%s:%d): %s\n", c->name, c->file, c->line,
		what);
	exit(2);
}

/* Called by each CASE()'s constructor, before main(). */
void case_register(struct conf_case *c)
{
	if (ncases == MAX_CASES)
		bad_case(c, "too many cases (raise MAX_CASES in harness.c)");
	if ((unsigned int)c->topic >= TOPIC_COUNT || !topic_titles[c->topic])
		bad_case(c, "no such topic (enum topic in harness.h, its title in harness.c)");
	if (!c->suites || c->suites & ~(SUITE_UINTR | SUITE_NO_UINTR))
		bad_case(c, "suites must be SUITE_UINTR and/or SUITE_NO_UINTR");
	if (!c->timeout)
		bad_case(c, "a time limit of 0 s");
	if (!c->summary || !c->summary[0] || strpbrk(c->summary, "\t\n"))
		bad_case(c, "the summary must be one non-empty line without tabs");
	cases[ncases++] = c;
}

/* Topic order, then the order in the file (a topic's cases live in one file). */
static int case_order(const void *a, const void *b)
{
	const struct conf_case *x = *(struct conf_case *const *)a;
	const struct conf_case *y = *(struct conf_case *const *)b;
	int r;

	if (x->topic != y->topic)
		return x->topic < y->topic ? -1 : 1;
	r = strcmp(x->file, y->file);
	if (r)
		return r;
	return (x->line > y->line) - (x->line < y->line);
}

static void sort_cases(void)
{
	qsort(cases, ncases, sizeof(cases[0]), case_order);
	for (size_t i = 0; i < ncases; i++)
		for (size_t j = i + 1; j < ncases; j++)
			if (!strcmp(cases[i]->name, cases[j]->name))
				bad_case(cases[j], "a second case of that name");
}

/* Run one case in its own process group; print its line; 0 if it passed. */
static int run_case(const struct conf_case *t)
{
	char msg[sizeof(why)] = "";
	int p[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(p)) {
		printf("FAIL %s: pipe: %s\n", t->name, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int r;

		setpgid(0, 0);
		close(p[0]);
		result_fd = p[1];
		alarm(t->timeout);
		r = t->fn();
		if (r && write(p[1], why, strlen(why)) < 0)
			r = 1;
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	waitpid(pid, &status, 0);		/* its alarm bounds the wait */
	kill(-pid, SIGKILL);			/* stragglers of the case */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(p[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS %s\n", t->name);
		return 0;
	}
	if (!msg[0])
		snprintf(msg, sizeof(msg), "case %s%s", describe_status(status),
			 WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ?
			 " (its time limit)" : "");
	printf("FAIL %s: %s\n", t->name, msg);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int suite = SUITE_UINTR;
	int passed = 0, failed = 0, list = 0, first = 1;

	if (argc == 3 && !strcmp(argv[1], "--exec-check")) {
		int fd = atoi(argv[2]);

		if (exec_check(fd)) {
			if (write(fd, why, strlen(why)) < 0)
				return 1;
			return 1;
		}
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--no-uintr")) {
			suite = SUITE_NO_UINTR;
		} else if (!strcmp(argv[first], "--list")) {
			list = 1;
		} else {
			fprintf(stderr, "usage: %s [--no-uintr] [--list] [case...]\n", argv[0]);
			return 2;
		}
	}
	sort_cases();
	for (size_t i = 0; i < ncases; i++) {
		const struct conf_case *t = cases[i];
		int selected = first == argc;

		if (!(t->suites & suite))
			continue;
		for (int a = first; a < argc; a++)
			selected |= !strcmp(argv[a], t->name);
		if (!selected)
			continue;
		if (list) {
			printf("%s\t%s\t%s\n", t->name, topic_titles[t->topic], t->summary);
			continue;
		}
		if (run_case(t))
			failed++;
		else
			passed++;
	}
	if (!list)
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
