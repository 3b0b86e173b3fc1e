// SPDX-License-Identifier: MIT
/*
 * uintr-bench: writer-to-reader notification latency between two processes.
 *
 *   uintr-bench --mechanism eventfd --mode blocking --count 10000 --out samples.csv
 *
 * The measured path is the same for every mechanism and mode; one message is in flight
 * at a time:
 *
 *   writer  t0 = CLOCK_MONOTONIC; store seq in the message word; notify()
 *   reader  ... its wait returns; load the message word (seq); t1 = CLOCK_MONOTONIC
 *
 * notify_ns is the writer's time from t0 until notify() returned. A message not seen
 * within --timeout-ms is a failure (ok = 0), kept and counted. The modes (--mode):
 *
 *   nonblocking    The reader polls (never sleeps in the kernel). It stores t1 in its
 *                  own log, consumes the notification and acknowledges (stores seq in
 *                  the ack word); the writer sends the next message as soon as it sees
 *                  the acknowledgement. latency = t1 - t0; slept = -1.
 *   backtoback     As nonblocking, but the reader waits in its blocking call (epoll_wait,
 *                  FUTEX_WAIT, uintr_wait, sigtimedwait); no idle wait, no verification.
 *                  After t1 and before acknowledging, the reader reads its voluntary
 *                  context switches (getrusage); slept = 1 if they grew since it last
 *                  read them (after the previous message), else 0.
 *   blocking       As backtoback, but before each message the writer verifies that the
 *                  reader sleeps in its wait: the reader announces that it is about to
 *                  wait for seq (with its voluntary context-switch count), the writer
 *                  reads /proc/<reader>/status until the reader is in state S with a
 *                  higher count, waits --idle-us, checks that nothing changed, then
 *                  sends. slept = 1 if the sleep was verified, else 0 (sent anyway).
 *   pingpong       Round trip: the reader answers over a second channel of the same
 *                  mechanism (stores seq in the reply word, notifies); both sides block.
 *                  latency = the writer's t_end - t0, t_end taken when it sees the
 *                  answer; the reader takes no clock. slept = -1.
 *   pingpong-spin  As pingpong, with both sides polling (Intel's configuration).
 *
 * The reader always consumes a notification (drains an fd, ...) before it acknowledges
 * or answers, so the next notification cannot be drained with it. How the writer waits
 * for the acknowledgement, and how every spin loop spins, is the compile-time wait
 * design (wait.h; "wait_design" in the run's JSON). Each control word in shared memory
 * sits on a cache line of its own; the reader's log (t1, slept) is a mapping of its own,
 * which the writer reads only after the last message; the writer's t0s stay in its
 * private memory. Markers (markers.h) tag t0, notify's return, t1 and the reader's wait
 * for an instruction-counting TCG plugin.
 *
 * Output: --out CSV (seq,latency_ns,notify_ns,ok,slept,warmup; one row per message,
 * warm-up first), --meta JSON, and the ipc-bench RESULTS block on stdout. Exit status:
 * 0 all messages ok, 1 usage or setup error, 2 some messages failed, 3 the mechanism
 * cannot run on this machine.
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
#include "markers.h"

enum mode {
	MODE_NONBLOCKING,
	MODE_BLOCKING,
	MODE_PINGPONG,
	MODE_PINGPONG_SPIN,
	MODE_BACKTOBACK,
	MODE_COUNT
};

/* What a mode is made of (the protocols above); --list and --mode read this table. */
static const struct mode_info {
	const char *name;
	bool block;             /* waiters sleep in the kernel (struct chan's block) */
	bool reply;             /* round trip over a second channel */
	bool verify;            /* the writer verifies the reader sleeps before each message */
	bool observe;           /* the reader records whether it slept */
} modes[MODE_COUNT] = {
	[MODE_NONBLOCKING]   = { "nonblocking",   false, false, false, false },
	[MODE_BLOCKING]      = { "blocking",      true,  false, true,  false },
	[MODE_PINGPONG]      = { "pingpong",      true,  true,  false, false },
	[MODE_PINGPONG_SPIN] = { "pingpong-spin", false, true,  false, false },
	[MODE_BACKTOBACK]    = { "backtoback",    true,  false, false, true  },
};

static bool supports(const struct mechanism *m, enum mode md)
{
	return modes[md].block ? m->can_block : m->can_poll;
}

struct opts {
	const struct mechanism *mech;
	enum mode mode;
	long count, warmup, idle_us, timeout_ms, drop_ack;
	int writer_cpu, reader_cpu;
	const char *out, *meta;
};

/* Shared control words, each on a cache line of its own. */
struct shared {
	_Alignas(CACHE_LINE) _Atomic uint32_t msg;      /* writer: the message word (channel 0) */
	_Alignas(CACHE_LINE) _Atomic uint32_t reply;    /* reader: the reply word (channel 1) */
	_Alignas(CACHE_LINE) _Atomic uint32_t acked;    /* reader, one-way: last seq handled */
	_Alignas(CACHE_LINE) struct {                   /* reader, blocking: */
		_Atomic long nvcsw;                     /* its voluntary switches so far */
		_Atomic uint32_t seq;                   /* it is about to wait for seq */
	} announce;
	_Alignas(CACHE_LINE) struct {                   /* reader, before the first message: */
		_Atomic int ready;                      /* attached, about to start */
		_Atomic int error;                      /* negative errno if it failed */
		int cpu_seen;
	} reader;
};

/* The reader's log, per message (index seq - 1), -1 where it has nothing to say. */
struct reader_rec {
	int64_t t1;
	int8_t slept;
};

/* The writer's record of one message. */
struct sample {
	int64_t t0, latency_ns, notify_ns;
	int8_t ok, slept;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: uintr-bench --mechanism NAME --mode MODE [options]\n  MODE:");
	for (int m = 0; m < MODE_COUNT; m++)
		fprintf(f, " %s", modes[m].name);
	fprintf(f, "\n"
		"  --count N        measured messages (default 1000)\n"
		"  --warmup N       extra messages before them, flagged warmup=1 (default 100)\n"
		"  --idle-us U      blocking: wait this long after the reader's sleep was verified\n"
		"                   (default 1000)\n"
		"  --timeout-ms T   a message not seen within T ms is a failure (default 1000)\n"
		"  --writer-cpu C   pin the writer to CPU C (default 0; -1: no pinning)\n"
		"  --reader-cpu C   pin the reader to CPU C (default 1; -1: no pinning)\n"
		"  --out FILE       per-message samples (CSV)\n"
		"  --meta FILE      run metadata (JSON)\n"
		"  --drop-ack S     testing: the reader never acknowledges or answers message S\n"
		"                   (0-based, as the samples' seq), which must then fail\n"
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

/* The modes mechanism @m supports, space-separated, into @buf. */
static const char *mode_list(const struct mechanism *m, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = 0;
	for (int md = 0; md < MODE_COUNT; md++)
		if (supports(m, md) && k < len)
			k += snprintf(buf + k, len - k, "%s%s", k ? " " : "", modes[md].name);
	return buf;
}

/* One line per mechanism: name, modes, and "# unavailable: why" if it cannot run here. */
static void list_mechanisms(void)
{
	char buf[128];

	for (int i = 0; mechanisms[i]; i++) {
		const struct mechanism *m = mechanisms[i];
		const char *why = NULL;

		printf("%s %s", m->name, mode_list(m, buf, sizeof(buf)));
		if (m->probe && m->probe(&why))
			printf(" # unavailable: %s", why ? why : "unsupported");
		printf("\n");
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_MECH = 1, O_MODE, O_COUNT, O_WARMUP, O_IDLE, O_TIMEOUT, O_WCPU, O_RCPU,
	       O_OUT, O_META, O_DROP, O_LIST, O_HELP };
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
		{ "drop-ack", required_argument, 0, O_DROP },
		{ "list", no_argument, 0, O_LIST },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	char msg[192], buf[128];
	const char *mode = NULL;
	int c;

	*o = (struct opts){ .count = 1000, .warmup = 100, .idle_us = 1000, .timeout_ms = 1000,
			    .drop_ack = -1, .writer_cpu = 0, .reader_cpu = 1, .mode = MODE_COUNT };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_MECH:
			o->mech = find_mechanism(optarg);
			if (!o->mech)
				die_usage("--mechanism", "unknown mechanism (see --list)", optarg);
			break;
		case O_MODE:
			mode = optarg;
			o->mode = MODE_COUNT;
			for (int m = 0; m < MODE_COUNT; m++)
				if (!strcmp(optarg, modes[m].name))
					o->mode = m;
			if (o->mode == MODE_COUNT) {
				size_t k = snprintf(msg, sizeof(msg), "unknown mode (one of:");

				for (int m = 0; m < MODE_COUNT; m++)
					k += snprintf(msg + k, sizeof(msg) - k, " %s",
						      modes[m].name);
				snprintf(msg + k, sizeof(msg) - k, ")");
				die_usage("--mode", msg, optarg);
			}
			break;
		case O_COUNT:
			o->count = parse_long("--count", optarg, 1);
			break;
		case O_WARMUP:
			o->warmup = parse_long("--warmup", optarg, 0);
			break;
		case O_IDLE:
			o->idle_us = parse_long("--idle-us", optarg, 0);
			break;
		case O_TIMEOUT:
			o->timeout_ms = parse_long("--timeout-ms", optarg, 1);
			break;
		case O_WCPU:
			o->writer_cpu = (int)parse_long("--writer-cpu", optarg, -1);
			break;
		case O_RCPU:
			o->reader_cpu = (int)parse_long("--reader-cpu", optarg, -1);
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_META:
			o->meta = optarg;
			break;
		case O_DROP:
			o->drop_ack = parse_long("--drop-ack", optarg, 0);
			break;
		case O_LIST:
			list_mechanisms();
			exit(0);
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc)
		die_usage("argument", "unexpected", argv[optind]);
	if (!o->mech)
		die_usage("--mechanism", "required", "");
	if (o->mode == MODE_COUNT)
		die_usage("--mode", "required", mode);
	if (!supports(o->mech, o->mode)) {
		snprintf(msg, sizeof(msg),
			 "its waiters must %s, and mechanism %s cannot (its modes: %s)",
			 modes[o->mode].block ? "block" : "poll", o->mech->name,
			 mode_list(o->mech, buf, sizeof(buf)));
		die_usage("--mode", msg, modes[o->mode].name);
	}
	if (o->count + o->warmup >= (long)SEQ_STOP - 1)
		die_usage("--count", "too large", "");
	if (o->drop_ack >= o->count + o->warmup)
		die_usage("--drop-ack", "beyond the last message", "");
	if (o->writer_cpu >= 0 && o->writer_cpu == o->reader_cpu)
		die_usage("--reader-cpu", "must differ from --writer-cpu", "");
}

static void pin(int cpu, const char *who)
{
	if (cpu < 0)
		return;
	if (pin_to_cpu(cpu) < 0) {
		fprintf(stderr, "uintr-bench: cannot pin the %s to CPU %d: %s\n", who, cpu,
			strerror(errno));
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

static int reader_fail(struct shared *sh, int rc)
{
	atomic_store(&sh->reader.error, rc);
	return 1;
}

static int reader(const struct opts *o, struct shared *sh, struct reader_rec *rec, long n,
		  struct chan *in, struct chan *reply)
{
	const struct mode_info *mi = &modes[o->mode];
	long nvcsw;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pin(o->reader_cpu, "reader");
	sh->reader.cpu_seen = sched_getcpu();
	/* every field -1, and every page of the log faulted in before the first message */
	memset(rec, 0xff, n * sizeof(*rec));
	rc = in->mech->attach_waiter ? in->mech->attach_waiter(in) : 0;
	if (!rc && reply && reply->mech->attach_notifier)
		rc = reply->mech->attach_notifier(reply);
	if (rc)
		return reader_fail(sh, rc);
	nvcsw = my_nvcsw();
	atomic_store_explicit(&sh->reader.ready, 1, memory_order_release);

	for (;;) {
		int64_t t1 = -1;
		uint32_t v;

		if (mi->verify) {
			long sw = my_nvcsw();

			atomic_store_explicit(&sh->announce.nvcsw, sw, memory_order_relaxed);
			atomic_store_explicit(&sh->announce.seq, in->seen + 1,
					      memory_order_release);
		}
		bench_mark(BENCH_MARK_WAIT);
		do {
			rc = in->mech->wait(in, -1);
			if (rc)
				return reader_fail(sh, rc);
			v = atomic_load_explicit(in->word, memory_order_acquire);
		} while (v == in->seen);        /* a spurious return */
		if (v == SEQ_STOP)
			return 0;
		if (!reply)
			t1 = now_ns();
		bench_mark(BENCH_MARK_T1);
		if (!reply)
			rec[v - 1].t1 = t1;
		in->seen = v;
		if (in->mech->consume)
			in->mech->consume(in);
		if (mi->observe) {
			long now = my_nvcsw();

			rec[v - 1].slept = now > nvcsw;
			nvcsw = now;
		}
		if ((long)v - 1 == o->drop_ack)
			continue;
		if (!reply) {
			ack_message(&sh->acked, v);
			continue;
		}
		atomic_store_explicit(reply->word, v, memory_order_release);
		if (reply->mech->notify)
			reply->mech->notify(reply);
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

	if (spin_until(atomic_load_explicit(&sh->announce.seq, memory_order_acquire) == seq,
		       deadline))
		return 0;
	before = atomic_load_explicit(&sh->announce.nvcsw, memory_order_relaxed);
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

/* Round trip: wait for the reader's answer seq; t_end when it is seen. */
static int await_reply(struct chan *reply, uint32_t seq, int64_t deadline, int64_t *t_end)
{
	for (;;) {
		int rc = reply->mech->wait(reply, deadline);
		uint32_t v;

		if (rc)
			return rc;
		v = atomic_load_explicit(reply->word, memory_order_acquire);
		if (v == seq)
			break;
		reply->seen = v;        /* a late answer to an earlier message */
	}
	*t_end = now_ns();
	reply->seen = seq;
	if (reply->mech->consume)
		reply->mech->consume(reply);
	return 0;
}

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
static void print_results(const struct opts *o, const struct sample *s, long n)
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
	printf("\n============ RESULTS ================\n");
	printf("Mechanism:          %s (%s)\n", o->mech->name, modes[o->mode].name);
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
		modes[o->mode].name);
	fprintf(f, "  \"wait_design\": \"%s\",\n", WAIT_DESIGN_NAME);
	fprintf(f, "  \"count\": %ld,\n  \"warmup\": %ld,\n  \"idle_us\": %ld,\n"
		"  \"timeout_ms\": %ld,\n", o->count, o->warmup, o->idle_us, o->timeout_ms);
	if (o->drop_ack >= 0)
		fprintf(f, "  \"drop_ack\": %ld,\n", o->drop_ack);
	fprintf(f, "  \"writer_cpu\": %d,\n  \"reader_cpu\": %d,\n  \"writer_cpu_seen\": %d,\n"
		"  \"reader_cpu_seen\": %d,\n", o->writer_cpu, o->reader_cpu, writer_cpu_seen,
		sh->reader.cpu_seen);
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

static bool reader_gone(struct shared *sh, pid_t pid)
{
	int status;

	return atomic_load(&sh->reader.error) || waitpid(pid, &status, WNOHANG) == pid;
}

/* Stop the reader; it is killed if it does not stop within the timeout. */
static void stop_reader(const struct opts *o, struct chan *in, pid_t pid)
{
	int64_t deadline = now_ns() + o->timeout_ms * 1000000LL;
	int status;

	atomic_store_explicit(in->word, SEQ_STOP, memory_order_release);
	if (in->mech->notify)
		in->mech->notify(in);
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

int main(int argc, char **argv)
{
	struct opts o;
	struct chan ch[2] = { { .epfd = -1 }, { .epfd = -1 } };
	struct chan *in = &ch[0], *reply = NULL;
	const struct mode_info *mi;
	struct reader_rec *rlog;
	struct shared *sh;
	struct sample *s;
	const char *why = NULL;
	long n, failures = 0, slept = 0;
	double clock_ns;
	int statfd, rc, writer_cpu_seen;
	int64_t t_start;
	pid_t pid;
	char path[64], cs_start[64];

	parse(argc, argv, &o);
	mi = &modes[o.mode];
	if (o.mech->probe && o.mech->probe(&why)) {
		fprintf(stderr, "uintr-bench: mechanism %s cannot run here: %s\n", o.mech->name,
			why ? why : "unsupported");
		return 3;
	}
	n = o.count + o.warmup;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rlog = mmap(NULL, n * sizeof(*rlog), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	s = calloc(n, sizeof(*s));
	if (sh == MAP_FAILED || rlog == MAP_FAILED || !s) {
		perror("uintr-bench: memory");
		return 1;
	}
	/* fault the writer's samples in now, not between two messages */
	memset(s, 0, n * sizeof(*s));
	if (mi->reply)
		reply = &ch[1];
	for (int i = 0; i < (reply ? 2 : 1); i++) {
		ch[i].mech = o.mech;
		ch[i].word = i ? &sh->reply : &sh->msg;
		ch[i].block = mi->block;
		rc = o.mech->open ? o.mech->open(&ch[i]) : 0;
		if (rc) {
			fprintf(stderr, "uintr-bench: %s: setup failed: %s\n", o.mech->name,
				strerror(-rc));
			return 1;
		}
	}

	pid = fork();
	if (pid < 0) {
		perror("uintr-bench: fork");
		return 1;
	}
	if (pid == 0)
		_exit(reader(&o, sh, rlog, n, in, reply));

	pin(o.writer_cpu, "writer");
	writer_cpu_seen = sched_getcpu();
	rc = o.mech->attach_notifier ? o.mech->attach_notifier(in) : 0;
	if (!rc && reply && o.mech->attach_waiter)
		rc = o.mech->attach_waiter(reply);
	if (rc) {
		fprintf(stderr, "uintr-bench: %s: attach failed: %s\n", o.mech->name,
			strerror(-rc));
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
	while (!atomic_load_explicit(&sh->reader.ready, memory_order_acquire)) {
		if (reader_gone(sh, pid)) {
			fprintf(stderr, "uintr-bench: reader failed to start: %s\n",
				strerror(-atomic_load(&sh->reader.error)));
			return 1;
		}
		sched_yield();
	}
	clock_ns = clock_read_cost_ns();
	read_clocksource(cs_start, sizeof(cs_start));

	t_start = now_ns();
	for (long i = 0; i < n; i++) {
		uint32_t seq = (uint32_t)i + 1;
		int64_t t0, tn, t_end = 0;
		struct sample *x = &s[i];

		x->slept = -1;
		if (mi->verify)
			x->slept = (int8_t)verify_asleep(&o, sh, statfd, seq);
		t0 = now_ns();
		bench_mark(BENCH_MARK_T0);
		atomic_store_explicit(in->word, seq, memory_order_release);
		rc = o.mech->notify ? o.mech->notify(in) : 0;
		bench_mark(BENCH_MARK_NOTIFIED);
		tn = now_ns();
		x->t0 = t0;
		x->notify_ns = tn - t0;
		if (!rc && reply)
			rc = await_reply(reply, seq, tn + o.timeout_ms * 1000000LL, &t_end);
		else if (!rc)
			rc = await_ack(&sh->acked, seq, tn + o.timeout_ms * 1000000LL);
		x->latency_ns = -1;
		if (!rc) {
			x->ok = 1;
			if (reply)      /* one-way: from the reader's log, below */
				x->latency_ns = t_end - t0;
			continue;
		}
		if (reader_gone(sh, pid)) {
			fprintf(stderr, "uintr-bench: reader died at message %ld (%s)\n", i,
				strerror(-atomic_load(&sh->reader.error)));
			for (long j = i + 1; j < n; j++)        /* never sent: failed, kept */
				s[j] = (struct sample){ .latency_ns = -1, .notify_ns = -1,
							.slept = -1 };
			pid = -1;
			break;
		}
	}
	if (pid > 0)
		stop_reader(&o, in, pid);

	/* The reader's log, now that it has stopped. */
	for (long i = 0; i < n; i++) {
		struct sample *x = &s[i];

		if (!reply && x->ok)
			x->latency_ns = rlog[i].t1 - x->t0;
		if (mi->observe)
			x->slept = rlog[i].slept;
		if (i >= o.warmup) {
			failures += !x->ok;
			slept += x->slept == 1;
		}
	}
	write_meta(&o, sh, clock_ns, writer_cpu_seen, failures, mi->verify ? slept : 0, t_start,
		   now_ns(), cs_start);
	if (o.out && write_samples(&o, s, n))
		return 1;
	print_results(&o, s, n);
	printf("Wait design:        %s\n", WAIT_DESIGN_NAME);
	if (mi->verify)
		printf("Sleep verified:     %ld of %ld messages\n", slept, o.count);
	if (mi->observe)
		printf("Reader slept:       %ld of %ld messages\n", slept, o.count);
	printf("Clock read cost:    %.1f\tns\n", clock_ns);
	return failures ? 2 : 0;
}
