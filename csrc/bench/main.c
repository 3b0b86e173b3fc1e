// SPDX-License-Identifier: MIT
/*
 * uintr-bench: writer-to-reader notification latency between two processes.
 *
 *   uintr-bench --mechanism eventfd --mode blocking --count 10000 --out samples.csv
 *
 * One sample: the writer takes t0 (CLOCK_MONOTONIC), stores the message's sequence
 * number in the shared page and notifies; the reader takes t1 right after it wakes
 * and sees the message; latency = t1 - t0. notify_ns is the writer's time from t0
 * until the notify call returned. In pingpong mode the reader answers over a second
 * channel and latency is the writer's round trip. One message is in flight at a time;
 * a message not seen within --timeout-ms is a failure (ok = 0), kept and counted.
 *
 * In blocking mode the writer verifies before every message that the reader is
 * asleep: the reader announces in shared memory that it is about to wait (with its
 * voluntary context-switch count), the writer reads /proc/<reader>/status until the
 * reader is in state S with a higher count, waits --idle-us, checks that nothing
 * changed, then sends. Each sample records whether the sleep was verified.
 *
 * Output: --out CSV (seq,latency_ns,notify_ns,ok,slept,warmup), --meta JSON, and the
 * ipc-bench RESULTS block on stdout. Exit status: 0 all messages ok, 1 usage or setup
 * error, 2 some messages failed, 3 the mechanism cannot run on this machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static const char *const mode_names[MODE_COUNT] = { "nonblocking", "blocking", "pingpong" };

struct opts {
	const struct mechanism *mech;
	enum mode mode;
	long count, warmup, idle_us, timeout_ms;
	int writer_cpu, reader_cpu;
	const char *out, *meta;
};

/* The shared page(s): control words, then the reader's t1 per message. */
struct shared {
	_Atomic uint32_t word[2];       /* message words: [0] writer->reader, [1] reply */
	_Atomic uint32_t acked;         /* reader: last sequence number it handled */
	_Atomic uint32_t waiting_for;   /* reader (blocking): about to wait for this seq */
	_Atomic long reader_nvcsw;      /* reader's voluntary switches before that wait */
	_Atomic int reader_ready;       /* reader: attached, about to start */
	_Atomic int reader_error;       /* reader: negative errno if it failed */
	int reader_cpu_seen;
	int64_t t1[];                   /* indexed by seq - 1 */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uintr-bench --mechanism NAME --mode nonblocking|blocking|pingpong [options]\n"
		"  --count N        measured messages (default 1000)\n"
		"  --warmup N       extra messages before them, flagged warmup=1 (default 100)\n"
		"  --idle-us U      blocking: wait this long after the reader's sleep was verified (default 1000)\n"
		"  --timeout-ms T   a message not seen within T ms is a failure (default 1000)\n"
		"  --writer-cpu C   pin the writer to CPU C (default 0; -1: no pinning)\n"
		"  --reader-cpu C   pin the reader to CPU C (default 1; -1: no pinning)\n"
		"  --out FILE       per-message samples (CSV)\n"
		"  --meta FILE      run metadata (JSON)\n"
		"  --list           list mechanisms and their modes\n");
}

static void die_usage(const char *param, const char *msg, const char *val)
{
	fprintf(stderr, "uintr-bench: invalid %s '%s': %s\n", param, val ? val : "", msg);
	usage(stderr);
	exit(1);
}

static long parse_long(const char *param, const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		die_usage(param, "not an integer", s);
	if (v < min) {
		char msg[64];

		snprintf(msg, sizeof(msg), "must be >= %ld", min);
		die_usage(param, msg, s);
	}
	return v;
}

/* One line per mechanism: name, modes, and "# unavailable: why" if it cannot run here. */
static void list_mechanisms(void)
{
	for (int i = 0; mechanisms[i]; i++) {
		const struct mechanism *m = mechanisms[i];
		const char *why = NULL;

		printf("%s", m->name);
		for (int md = 0; md < MODE_COUNT; md++)
			if (m->modes & MODE_BIT(md))
				printf(" %s", mode_names[md]);
		if (m->probe && m->probe(&why))
			printf(" # unavailable: %s", why ? why : "unsupported");
		printf("\n");
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_MECH = 1, O_MODE, O_COUNT, O_WARMUP, O_IDLE, O_TIMEOUT, O_WCPU, O_RCPU,
	       O_OUT, O_META, O_LIST, O_HELP };
	static const struct option lo[] = {
		{ "mechanism", required_argument, 0, O_MECH },
		{ "mode", required_argument, 0, O_MODE },
		{ "count", required_argument, 0, O_COUNT },
		{ "warmup", required_argument, 0, O_WARMUP },
		{ "idle-us", required_argument, 0, O_IDLE },
		{ "timeout-ms", required_argument, 0, O_TIMEOUT },
		{ "writer-cpu", required_argument, 0, O_WCPU },
		{ "reader-cpu", required_argument, 0, O_RCPU },
		{ "out", required_argument, 0, O_OUT },
		{ "meta", required_argument, 0, O_META },
		{ "list", no_argument, 0, O_LIST },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	const char *mode = NULL;
	int c;

	*o = (struct opts){ .count = 1000, .warmup = 100, .idle_us = 1000, .timeout_ms = 1000,
			    .writer_cpu = 0, .reader_cpu = 1, .mode = MODE_COUNT };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_MECH:
			o->mech = find_mechanism(optarg);
			if (!o->mech)
				die_usage("--mechanism", "unknown mechanism (see --list)", optarg);
			break;
		case O_MODE:
			mode = optarg;
			for (int m = 0; m < MODE_COUNT; m++)
				if (!strcmp(optarg, mode_names[m]))
					o->mode = m;
			if (o->mode == MODE_COUNT)
				die_usage("--mode", "unknown mode (nonblocking, blocking, pingpong)", optarg);
			break;
		case O_COUNT: o->count = parse_long("--count", optarg, 1); break;
		case O_WARMUP: o->warmup = parse_long("--warmup", optarg, 0); break;
		case O_IDLE: o->idle_us = parse_long("--idle-us", optarg, 0); break;
		case O_TIMEOUT: o->timeout_ms = parse_long("--timeout-ms", optarg, 1); break;
		case O_WCPU: o->writer_cpu = (int)parse_long("--writer-cpu", optarg, -1); break;
		case O_RCPU: o->reader_cpu = (int)parse_long("--reader-cpu", optarg, -1); break;
		case O_OUT: o->out = optarg; break;
		case O_META: o->meta = optarg; break;
		case O_LIST: list_mechanisms(); exit(0);
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	if (optind < argc)
		die_usage("argument", "unexpected", argv[optind]);
	if (!o->mech)
		die_usage("--mechanism", "required", "");
	if (o->mode == MODE_COUNT)
		die_usage("--mode", "required", mode);
	if (!(o->mech->modes & MODE_BIT(o->mode)))
		die_usage("--mode", "not supported by this mechanism", mode_names[o->mode]);
	if (o->count + o->warmup >= (long)SEQ_STOP - 1)
		die_usage("--count", "too large", "");
	if (o->writer_cpu >= 0 && o->writer_cpu == o->reader_cpu)
		die_usage("--reader-cpu", "must differ from --writer-cpu", "");
}

static void pin(int cpu, const char *who)
{
	if (cpu < 0)
		return;
	if (pin_to_cpu(cpu) < 0) {
		fprintf(stderr, "uintr-bench: cannot pin the %s to CPU %d: %s\n", who, cpu, strerror(errno));
		exit(1);
	}
}

/* Cost of one clock read: the smallest mean over 100 batches of 1000 reads. */
static double clock_read_cost_ns(void)
{
	double best = INFINITY;

	for (int b = 0; b < 100; b++) {
		int64_t t0 = now_ns(), t1 = t0;

		for (int i = 0; i < 1000; i++)
			t1 = now_ns();
		if ((t1 - t0) / 1000.0 < best)
			best = (t1 - t0) / 1000.0;
	}
	return best;
}

/* ---------------------------------------------------------------- reader */

static long my_nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

static int reader(const struct opts *o, struct shared *sh, struct chan *in, struct chan *reply)
{
	int block = o->mode != MODE_NONBLOCKING;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pin(o->reader_cpu, "reader");
	sh->reader_cpu_seen = sched_getcpu();
	rc = in->mech->attach_waiter ? in->mech->attach_waiter(in) : 0;
	if (!rc && reply && reply->mech->attach_notifier)
		rc = reply->mech->attach_notifier(reply);
	if (rc) {
		atomic_store(&sh->reader_error, rc);
		return 1;
	}
	atomic_store_explicit(&sh->reader_ready, 1, memory_order_release);

	for (;;) {
		uint32_t v;
		int64_t t1;

		if (o->mode == MODE_BLOCKING) {
			atomic_store_explicit(&sh->reader_nvcsw, my_nvcsw(), memory_order_relaxed);
			atomic_store_explicit(&sh->waiting_for, in->seen + 1, memory_order_release);
		}
		rc = in->mech->wait(in, block, -1);
		if (rc) {
			atomic_store(&sh->reader_error, rc);
			return 1;
		}
		v = atomic_load_explicit(in->word, memory_order_acquire);
		if (v == in->seen)
			continue;       /* spurious wake-up */
		t1 = now_ns();
		if (in->mech->consume)
			in->mech->consume(in);
		if (v == SEQ_STOP)
			return 0;
		in->seen = v;
		sh->t1[v - 1] = t1;
		ack_message(&sh->acked, v);
		if (reply) {
			atomic_store_explicit(reply->word, v, memory_order_release);
			if (reply->mech->notify)
				reply->mech->notify(reply);
		}
	}
}

/* ---------------------------------------------------------------- writer */


/* Read the reader's scheduler state and voluntary context switches from /proc. */
static int read_status(int fd, char *state, long *nvcsw)
{
	char buf[2048];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nState:");
	if (!p)
		return -1;
	*state = p[8] == '\t' || p[8] == ' ' ? p[9] : p[8];
	p = strstr(buf, "\nvoluntary_ctxt_switches:");
	if (!p)
		return -1;
	*nvcsw = strtol(p + 25, NULL, 10);
	return 0;
}

/*
 * Blocking mode, before message seq: wait until the reader announced that it waits
 * for seq and /proc shows it asleep in that wait; idle; check it stayed asleep.
 * Returns 1 if the sleep was verified, 0 if not (the message is sent anyway).
 */
static int verify_asleep(const struct opts *o, struct shared *sh, int statfd, uint32_t seq)
{
	int64_t deadline = now_ns() + o->timeout_ms * 1000000LL;
	long before, n1 = 0, n2 = 0;
	char st = '?';

	if (spin_until(atomic_load_explicit(&sh->waiting_for, memory_order_acquire) == seq,
		       deadline))
		return 0;
	before = atomic_load_explicit(&sh->reader_nvcsw, memory_order_relaxed);
	for (;;) {
		if (read_status(statfd, &st, &n1) < 0)
			return 0;
		if (st == 'S' && n1 > before)
			break;
		if (now_ns() > deadline)
			return 0;
		proc_poll_pause();
	}
	sleep_ns(o->idle_us * 1000LL);
	if (read_status(statfd, &st, &n2) < 0)
		return 0;
	return st == 'S' && n2 == n1;
}

/* Wait until the reader handled seq (one-way) or replied with it (pingpong). */
static int await_reader(const struct opts *o, struct shared *sh, struct chan *reply,
			uint32_t seq, int64_t deadline, int64_t *t_end)
{
	if (reply) {
		int block = o->mode != MODE_NONBLOCKING;

		while (atomic_load_explicit(reply->word, memory_order_acquire) != seq) {
			int rc = reply->mech->wait(reply, block, deadline);

			if (rc)
				return rc;
		}
		*t_end = now_ns();
		reply->seen = seq;
		if (reply->mech->consume)
			reply->mech->consume(reply);
		return 0;
	}
	return await_ack(&sh->acked, seq, deadline);
}

struct sample {
	int64_t latency_ns, notify_ns;
	int8_t ok, slept;
};

static int write_samples(const struct opts *o, const struct sample *s, long n)
{
	FILE *f = fopen(o->out, "w");

	if (!f) {
		fprintf(stderr, "uintr-bench: cannot write %s: %s\n", o->out, strerror(errno));
		return -1;
	}
	fprintf(f, "seq,latency_ns,notify_ns,ok,slept,warmup\n");
	for (long i = 0; i < n; i++)
		fprintf(f, "%ld,%" PRId64 ",%" PRId64 ",%d,%d,%d\n", i, s[i].latency_ns,
			s[i].notify_ns, s[i].ok, s[i].slept, i < o->warmup);
	if (fclose(f)) {
		fprintf(stderr, "uintr-bench: writing %s failed: %s\n", o->out, strerror(errno));
		return -1;
	}
	return 0;
}

/* The ipc-bench RESULTS block over the ok, non-warm-up messages. */
static void print_results(const struct opts *o, const struct sample *s, long n, long *okc)
{
	double sum = 0, sq = 0, mn = INFINITY, mx = 0;
	long k = 0;

	for (long i = o->warmup; i < n; i++) {
		double us;

		if (!s[i].ok)
			continue;
		us = s[i].latency_ns / 1000.0;
		sum += us;
		sq += us * us;
		mn = us < mn ? us : mn;
		mx = us > mx ? us : mx;
		k++;
	}
	*okc = k;
	printf("\n============ RESULTS ================\n");
	printf("Mechanism:          %s (%s)\n", o->mech->name, mode_names[o->mode]);
	printf("Message size:       1\n");
	printf("Message count:      %ld\n", k);
	if (k) {
		double mean = sum / k;

		printf("Total duration:     %.3f\tms\n", sum / 1000.0);
		printf("Average duration:   %.3f\tus\n", mean);
		printf("Minimum duration:   %.3f\tus\n", mn);
		printf("Maximum duration:   %.3f\tus\n", mx);
		printf("Standard deviation: %.3f\tus\n", sqrt(fmax(sq / k - mean * mean, 0)));
		printf("Message rate:       %.0f\tmsg/s\n", k / (sum / 1e6));
	}
	printf("Failed messages:    %ld\n", o->count - k);
	printf("=====================================\n");
}

/* The kernel's current clocksource (empty if sysfs does not say). */
static void read_clocksource(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

static void write_meta(const struct opts *o, struct shared *sh, double clock_ns,
		       int writer_cpu_seen, long failures, long slept_verified, int64_t t_start,
		       int64_t t_end, const char *cs_start)
{
	struct utsname u;
	struct timespec res;
	char cs_end[64];
	FILE *f;

	if (!o->meta)
		return;
	f = fopen(o->meta, "w");
	if (!f) {
		fprintf(stderr, "uintr-bench: cannot write %s: %s\n", o->meta, strerror(errno));
		return;
	}
	uname(&u);
	clock_getres(CLOCK_MONOTONIC, &res);
	fprintf(f, "{\n  \"mechanism\": \"%s\",\n  \"mode\": \"%s\",\n", o->mech->name,
		mode_names[o->mode]);
	fprintf(f, "  \"wait_design\": \"%s\",\n", WAIT_DESIGN_NAME);
	fprintf(f, "  \"count\": %ld,\n  \"warmup\": %ld,\n  \"idle_us\": %ld,\n"
		"  \"timeout_ms\": %ld,\n", o->count, o->warmup, o->idle_us, o->timeout_ms);
	fprintf(f, "  \"writer_cpu\": %d,\n  \"reader_cpu\": %d,\n  \"writer_cpu_seen\": %d,\n"
		"  \"reader_cpu_seen\": %d,\n", o->writer_cpu, o->reader_cpu, writer_cpu_seen,
		sh->reader_cpu_seen);
	read_clocksource(cs_end, sizeof(cs_end));
	fprintf(f, "  \"clock_read_ns\": %.2f,\n  \"clock_res_ns\": %ld,\n", clock_ns, res.tv_nsec);
	fprintf(f, "  \"clocksource_start\": \"%s\",\n  \"clocksource_end\": \"%s\",\n", cs_start,
		cs_end);
	fprintf(f, "  \"failures\": %ld,\n  \"slept_verified\": %ld,\n", failures, slept_verified);
	fprintf(f, "  \"duration_s\": %.3f,\n", (t_end - t_start) / 1e9);
	fprintf(f, "  \"kernel\": \"%s %s\",\n  \"machine\": \"%s\"\n}\n", u.sysname, u.release,
		u.machine);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct chan ch[2] = { { .epfd = -1 }, { .epfd = -1 } };
	struct chan *in = &ch[0], *reply = NULL;
	struct shared *sh;
	struct sample *s;
	const char *why = NULL;
	long n, failures = 0, verified = 0, okc;
	size_t shsize;
	double clock_ns;
	int statfd, status, rc, writer_cpu_seen;
	int64_t t_start;
	pid_t pid;
	char path[64], cs_start[64];

	parse(argc, argv, &o);
	if (o.mech->probe && o.mech->probe(&why)) {
		fprintf(stderr, "uintr-bench: mechanism %s cannot run here: %s\n", o.mech->name,
			why ? why : "unsupported");
		return 3;
	}
	n = o.count + o.warmup;
	shsize = sizeof(*sh) + n * sizeof(int64_t);
	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s = calloc(n, sizeof(*s));
	if (sh == MAP_FAILED || !s) {
		perror("uintr-bench: memory");
		return 1;
	}
	if (o.mode == MODE_PINGPONG)
		reply = &ch[1];
	for (int i = 0; i < (reply ? 2 : 1); i++) {
		ch[i].mech = o.mech;
		ch[i].word = &sh->word[i];
		rc = o.mech->open ? o.mech->open(&ch[i]) : 0;
		if (rc) {
			fprintf(stderr, "uintr-bench: %s: setup failed: %s\n", o.mech->name, strerror(-rc));
			return 1;
		}
	}

	pid = fork();
	if (pid < 0) {
		perror("uintr-bench: fork");
		return 1;
	}
	if (pid == 0)
		_exit(reader(&o, sh, in, reply));

	pin(o.writer_cpu, "writer");
	writer_cpu_seen = sched_getcpu();
	rc = o.mech->attach_notifier ? o.mech->attach_notifier(in) : 0;
	if (!rc && reply && o.mech->attach_waiter)
		rc = o.mech->attach_waiter(reply);
	if (rc) {
		fprintf(stderr, "uintr-bench: %s: attach failed: %s\n", o.mech->name, strerror(-rc));
		kill(pid, SIGKILL);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	statfd = open(path, O_RDONLY | O_CLOEXEC);
	if (statfd < 0) {
		fprintf(stderr, "uintr-bench: cannot open %s: %s\n", path, strerror(errno));
		kill(pid, SIGKILL);
		return 1;
	}
	while (!atomic_load_explicit(&sh->reader_ready, memory_order_acquire)) {
		if (atomic_load(&sh->reader_error) || waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "uintr-bench: reader failed to start: %s\n",
				strerror(-atomic_load(&sh->reader_error)));
			return 1;
		}
		sched_yield();
	}
	clock_ns = clock_read_cost_ns();
	read_clocksource(cs_start, sizeof(cs_start));

	t_start = now_ns();
	for (long i = 0; i < n; i++) {
		uint32_t seq = (uint32_t)i + 1;
		int64_t t0, tn, t_end = 0, deadline;
		struct sample *x = &s[i];

		x->slept = -1;
		if (o.mode == MODE_BLOCKING) {
			x->slept = (int8_t)verify_asleep(&o, sh, statfd, seq);
			verified += i >= o.warmup && x->slept;
		}
		t0 = now_ns();
		atomic_store_explicit(in->word, seq, memory_order_release);
		rc = o.mech->notify ? o.mech->notify(in) : 0;
		tn = now_ns();
		x->notify_ns = tn - t0;
		deadline = tn + o.timeout_ms * 1000000LL;
		if (!rc)
			rc = await_reader(&o, sh, reply, seq, deadline, &t_end);
		if (!rc) {
			x->ok = 1;
			x->latency_ns = reply ? t_end - t0 : sh->t1[i] - t0;
		} else {
			x->latency_ns = -1;
			if (i >= o.warmup)
				failures++;
			if (atomic_load(&sh->reader_error) || waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "uintr-bench: reader died at message %ld (%s)\n", i,
					strerror(-atomic_load(&sh->reader_error)));
				failures += n - i - 1;
				n = i + 1;
				pid = -1;
				break;
			}
		}
	}

	/* Stop the reader; it is killed if it does not answer. */
	if (pid > 0) {
		int64_t deadline = now_ns() + o.timeout_ms * 1000000LL;

		atomic_store_explicit(in->word, SEQ_STOP, memory_order_release);
		if (o.mech->notify)
			o.mech->notify(in);
		while (waitpid(pid, &status, WNOHANG) == 0) {
			if (now_ns() > deadline) {
				fprintf(stderr, "uintr-bench: reader did not stop; killed\n");
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			sleep_ns(100000);
		}
	}
	write_meta(&o, sh, clock_ns, writer_cpu_seen, failures, verified, t_start, now_ns(), cs_start);
	if (o.out && write_samples(&o, s, n))
		return 1;
	print_results(&o, s, n, &okc);
	printf("Wait design:        %s\n", WAIT_DESIGN_NAME);
	if (o.mode == MODE_BLOCKING)
		printf("Sleep verified:     %ld of %ld messages\n", verified, o.count);
	printf("Clock read cost:    %.1f\tns\n", clock_ns);
	return failures ? 2 : 0;
}
