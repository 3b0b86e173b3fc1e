// SPDX-License-Identifier: MIT
/*
 * Freestanding UINTR test for our QEMU TCG patches.  Boots by multiboot,
 * runs in long mode, identity-mapped with user-accessible 2 MiB pages.
 * One line per case on the serial port; exit code through isa-debug-exit.
 */
#include <stdint.h>
#include <stddef.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint8_t u8;
typedef uint16_t u16;

#define UINV 0xf0
#define KVEC 0xe9
#define APIC_BASE 0xfee00000UL
#define HOLE 0x3fe00000UL

#define MSR_UINTR_RR 0x985
#define MSR_UINTR_HANDLER 0x986
#define MSR_UINTR_STACKADJUST 0x987
#define MSR_UINTR_MISC 0x988
#define MSR_UINTR_PD 0x989
#define MSR_UINTR_TT 0x98a

struct frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vec, err, rip, cs, rflags, rsp, ss;
};

extern char isr_base[];
extern char gdt_tss[];
extern void run_user(void (*fn)(void), u64 rsp);
extern void back_to_kernel(void) __attribute__((noreturn));
extern char uintr_entry[];

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc_(char c)
{
    while (!(inb(0x3fd) & 0x20)) {
    }
    outb(0x3f8, c);
}
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void puthex(u64 v)
{
    char b[19];
    int i;
    b[0] = '0'; b[1] = 'x';
    for (i = 0; i < 16; i++) {
        b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    }
    b[18] = 0;
    puts_(b);
}
static void putdec(u64 v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do { b[--i] = '0' + v % 10; v /= 10; } while (v);
    puts_(&b[i]);
}

static int passed, failed;
static void check(const char *name, int ok, u64 detail)
{
    puts_(ok ? "PASS " : "FAIL ");
    puts_(name);
    if (!ok) { puts_(" detail="); puthex(detail); }
    puts_("\n");
    if (ok) passed++; else failed++;
}

/* ---- low level ---- */
static volatile int fault_vec = -1;
static volatile u64 fault_err, fault_rip, fault_cr2;
static volatile u64 fault_resume;
static volatile int kvec_count, uinv_idt_count, spurious_count;
static volatile int pf_fixup, pf_cpl;
static volatile u64 pf_uirr;

static inline u64 rdmsr(u32 m) { u32 lo, hi; asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m)); return lo | ((u64)hi << 32); }
static inline void wrmsr(u32 m, u64 v) { asm volatile("wrmsr" :: "c"(m), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }
static inline u64 rdcr4(void) { u64 v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline u32 apic_rd(u32 off) { return *(volatile u32 *)(APIC_BASE + off); }
static inline void apic_wr(u32 off, u32 v) { *(volatile u32 *)(APIC_BASE + off) = v; }

/* Run an instruction sequence that may fault; returns the fault vector or -1. */
#define TRY(asm_body, ...) ({                                           \
    fault_vec = -1;                                                     \
    asm volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, fault_resume(%%rip)\n\t" \
                 asm_body "\n1:" : __VA_ARGS__);                        \
    fault_vec; })

static int try_wrmsr(u32 m, u64 v)
{
    return TRY("wrmsr", : "c"(m), "a"((u32)v), "d"((u32)(v >> 32)) : "r11", "memory");
}
static int try_rdmsr(u32 m, u64 *v)
{
    u32 lo = 0, hi = 0;
    int r = TRY("rdmsr", "+a"(lo), "+d"(hi) : "c"(m) : "r11", "memory");
    *v = lo | ((u64)hi << 32);
    return r;
}
static int try_wrcr4(u64 v)
{
    return TRY("mov %0, %%cr4", : "r"(v) : "r11", "memory");
}
static int try_senduipi(u64 idx)
{
    return TRY("senduipi %0", : "r"(idx) : "r11", "memory");
}

void isr_c(struct frame *f)
{
    if (f->vec == 0x80) {
        back_to_kernel();
    }
    if (f->vec == KVEC) {
        kvec_count++;
        apic_wr(0xb0, 0);
        return;
    }
    if (f->vec == UINV) {
        uinv_idt_count++;
        apic_wr(0xb0, 0);
        return;
    }
    if (f->vec == 0xff) {
        spurious_count++;
        return;
    }
    if (f->vec == 14 && pf_fixup) {
        u64 cr2;
        asm volatile("mov %%cr2, %0" : "=r"(cr2));
        fault_vec = 14;
        fault_err = f->err;
        fault_cr2 = cr2;
        pf_uirr = rdmsr(MSR_UINTR_RR);
        pf_cpl = f->cs & 3;
        wrmsr(MSR_UINTR_STACKADJUST, 128);
        pf_fixup = 0;
        return;
    }
    if (f->vec < 32 && fault_resume) {
        fault_vec = f->vec;
        fault_err = f->err;
        fault_rip = f->rip;
        if (f->vec == 14) {
            u64 cr2;
            asm volatile("mov %%cr2, %0" : "=r"(cr2));
            fault_cr2 = cr2;
        }
        f->rip = fault_resume;
        fault_resume = 0;
        return;
    }
    puts_("UNEXPECTED exception/interrupt vec=");
    puthex(f->vec);
    puts_(" err=");
    puthex(f->err);
    puts_(" rip=");
    puthex(f->rip);
    puts_("\n");
    outl(0xf4, 0x7f);
    for (;;) {
        asm volatile("cli; hlt");
    }
}

/* ---- descriptor tables ---- */
struct idt_entry { u16 off0, sel; u8 ist, attr; u16 off1; u32 off2, rsvd; } __attribute__((packed));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static u8 tss[104] __attribute__((aligned(16)));
static u8 kstack[16384] __attribute__((aligned(16)));
static struct { u16 limit; u64 base; } __attribute__((packed)) idtr;

static void setup_tables(void)
{
    int i;
    u64 base = (u64)tss;
    u64 *d = (u64 *)gdt_tss;
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (u64)idt;

    for (i = 0; i < 256; i++) {
        u64 a = (u64)isr_base + 16 * i;
        idt[i].off0 = a; idt[i].sel = 8; idt[i].ist = 0;
        idt[i].attr = (i == 0x80) ? 0xee : 0x8e;
        idt[i].off1 = a >> 16; idt[i].off2 = a >> 32; idt[i].rsvd = 0;
    }
    *(u64 *)(tss + 4) = (u64)(kstack + sizeof(kstack)); /* RSP0 */
    d[0] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) | (0x89ULL << 40) | (((base >> 24) & 0xff) << 56);
    d[1] = base >> 32;
    asm volatile("lidt %0" :: "m"(idtr));
    asm volatile("ltr %w0" :: "r"(0x28));
}

/* ---- UINTR structures ---- */
struct upid { volatile u64 lo, pir; } __attribute__((aligned(64)));
struct uitte { u64 lo, upid; };
static struct upid upid __attribute__((aligned(64)));
static struct upid upid2 __attribute__((aligned(64)));
static struct uitte uitt[8] __attribute__((aligned(16)));
static u8 ustack[65536] __attribute__((aligned(16)));
static u8 altstack[8192] __attribute__((aligned(16)));
#define USTACK_TOP ((u64)(ustack + sizeof(ustack)))

static u32 my_apic_id;
static int smp_wanted;
/* 'quick' on the command line: a tenth of the race iterations (make test; the full counts
 * run under make check-stress) */
static u64 stress_div = 1;

/* Log written by the user-mode handler */
#define LOGN 32
static volatile int nlog;
static volatile u64 log_vec[LOGN], log_rip[LOGN], log_rflags[LOGN], log_rsp[LOGN], log_frame[LOGN];
static volatile int handler_testui_cf = -1;

void uintr_handler_c(u64 *frame)
{
    u8 cf;
    if (nlog < LOGN) {
        log_vec[nlog] = frame[0];
        log_rip[nlog] = frame[1];
        log_rflags[nlog] = frame[2];
        log_rsp[nlog] = frame[3];
        log_frame[nlog] = (u64)frame;
    }
    nlog++;
    asm volatile("testui; setc %0" : "=r"(cf));
    handler_testui_cf = cf;
}

static u64 upid_lo(u32 nv, u32 apic_id)
{
    return ((u64)nv << 16) | ((u64)(apic_id << 8) << 32);
}

static void setup_uintr(u64 stackadjust)
{
    int i;
    for (i = 0; i < 8; i++) {
        uitt[i].lo = 0;
        uitt[i].upid = 0;
    }
    upid.lo = upid_lo(UINV, my_apic_id);
    upid.pir = 0;
    uitt[0].lo = 1 | (3 << 8);
    uitt[0].upid = (u64)&upid;
    uitt[1].lo = 1 | (10 << 8);
    uitt[1].upid = (u64)&upid;
    uitt[2].lo = 1 | (5 << 8);
    uitt[2].upid = (u64)&upid;
    uitt[3].lo = 1 | (63 << 8);
    uitt[3].upid = (u64)&upid;
    uitt[4].lo = 0 | (7 << 8);        /* invalid: V=0 */
    uitt[4].upid = (u64)&upid;
    uitt[5].lo = 1 | (64 << 8);       /* UV >= 64 */
    uitt[5].upid = (u64)&upid;
    uitt[6].lo = 1 | (2 << 8);
    uitt[6].upid = (u64)&upid + 8;    /* misaligned */
    uitt[7].lo = 1 | (4 << 8);
    uitt[7].upid = (u64)&upid2;
    upid2.lo = upid_lo(KVEC, my_apic_id);
    upid2.pir = 0;
    wrmsr(MSR_UINTR_HANDLER, (u64)uintr_entry);
    wrmsr(MSR_UINTR_STACKADJUST, stackadjust);
    wrmsr(MSR_UINTR_MISC, ((u64)UINV << 32) | 7);
    wrmsr(MSR_UINTR_PD, (u64)&upid);
    wrmsr(MSR_UINTR_TT, (u64)uitt | 1);
    wrmsr(MSR_UINTR_RR, 0);
    nlog = 0;
}

/* ---- user-mode test bodies: each ends with int $0x80 ---- */
#define USER_EXIT() asm volatile("int $0x80")

static volatile u64 u_rip_after, u_rsp_before, u_flags_after, u_expected_rip;
static volatile u8 u_cf_after, u_zf_after;

/* self-send with lazy flags: cmp leaves CF=1,SF=1,ZF=0 lazily computed */
static void user_selfsend(void)
{
    u64 rsp;
    u8 cf, zf;
    asm volatile("stui");
    asm volatile("mov %%rsp, %0" : "=r"(rsp));
    u_rsp_before = rsp;
    {
        u64 exp;
        asm volatile("lea 2f(%%rip), %2\n\t"
                     "xor %%eax, %%eax\n\t"
                     "cmp $1, %%eax\n\t"
                     "senduipi %3\n"
                     "2:\n\t"
                     "setc %0\n\t"
                     "sete %1"
                     : "=&r"(cf), "=&r"(zf), "=&r"(exp) : "r"((u64)0) : "rax", "memory", "cc");
        u_expected_rip = exp;
    }
    u_cf_after = cf;
    u_zf_after = zf;
    USER_EXIT();
}

static void user_multi(void)
{
    asm volatile("clui");
    asm volatile("senduipi %0" :: "r"((u64)0) : "memory");
    asm volatile("senduipi %0" :: "r"((u64)1) : "memory");
    asm volatile("senduipi %0" :: "r"((u64)2) : "memory");
    asm volatile("senduipi %0" :: "r"((u64)3) : "memory");
    /* notification processing happened although UIF=0: ON clear, PIR empty */
    u_flags_after = upid.lo & 3;
    u_rip_after = upid.pir;
    asm volatile("stui" ::: "memory");
    USER_EXIT();
}

static void user_wait_uif0(void)
{
    asm volatile("clui");
    asm volatile("senduipi %0" :: "r"((u64)0) : "memory");
    USER_EXIT();
}

static void user_stui_only(void)
{
    asm volatile("stui" ::: "memory");
    asm volatile("nop");
    USER_EXIT();
}

static void user_clui_only(void)
{
    asm volatile("clui" ::: "memory");
    USER_EXIT();
}

static void user_send_kvec(void)
{
    asm volatile("senduipi %0" :: "r"((u64)7) : "memory");
    asm volatile("nop; nop");
    USER_EXIT();
}

static void user_send_r12(void)
{
    asm volatile("stui\n\tmov $2, %%r12\n\tsenduipi %%r12" ::: "r12", "memory");
    USER_EXIT();
}

static void user_nop(void)
{
    asm volatile("nop");
    USER_EXIT();
}

static void user_uiret_badrip(void)
{
    /* a frame with a non-canonical RIP: UIRET must #GP */
    static u64 frame[3] __attribute__((aligned(16)));
    frame[0] = 0x0000800000000000ULL;
    frame[1] = 0x202;
    frame[2] = 0;
    fault_vec = -1;
    asm volatile("lea 1f(%%rip), %%r11\n\t"
                 "mov %%r11, fault_resume(%%rip)\n\t"
                 "mov %%rsp, %%r10\n\t"
                 "mov %0, %%rsp\n\t"
                 "uiret\n"
                 "1:\n\t"
                 "mov %%r10, %%rsp"
                 :: "r"(frame) : "r10", "r11", "memory");
    USER_EXIT();
}

#define SEND_VIA(reg) "push %%" reg "\n\tmov $1, %%" reg "\n\tsenduipi %%" reg "\n\tpop %%" reg "\n\t"
static volatile int u_rsp_index_fault;
static void user_all_regs(void)
{
    asm volatile("stui\n\t"
                 SEND_VIA("rax") SEND_VIA("rcx") SEND_VIA("rdx") SEND_VIA("rbx")
                 SEND_VIA("rbp") SEND_VIA("rsi") SEND_VIA("rdi")
                 SEND_VIA("r8") SEND_VIA("r9") SEND_VIA("r10") SEND_VIA("r11")
                 SEND_VIA("r12") SEND_VIA("r13") SEND_VIA("r14") SEND_VIA("r15")
                 ::: "memory");
    /* RSP as index: a huge index, so #GP */
    u_rsp_index_fault = TRY("senduipi %%rsp", : : "r11", "memory");
    USER_EXIT();
}

static volatile int u_gp_index, u_gp_invalid, u_gp_uv, u_gp_misaligned, u_gp_reserved, u_ud_tt;
static void user_senduipi_faults(void)
{
    u_gp_index = try_senduipi(8);
    u_gp_invalid = try_senduipi(4);
    u_gp_uv = try_senduipi(5);
    u_gp_misaligned = try_senduipi(6);
    USER_EXIT();
}

static void user_senduipi_reserved_upid(void)
{
    u_gp_reserved = try_senduipi(0);
    USER_EXIT();
}

static void user_senduipi_tt_disabled(void)
{
    u_ud_tt = try_senduipi(0);
    USER_EXIT();
}

/* uiret restoring flags: handler-free test of UIRET itself at CPL3 */
static volatile u64 uiret_landed_rsp, uiret_landed_flags;
static void user_uiret_direct(void)
{
    u64 rsp, fl;
    asm volatile(
        "mov %%rsp, %%r10\n\t"
        "lea -64(%%rsp), %%rsp\n\t"
        "and $-16, %%rsp\n\t"
        "lea 1f(%%rip), %%rax\n\t"
        "mov %%rax, 0(%%rsp)\n\t"
        "movq $0x8d5, 8(%%rsp)\n\t"      /* CF PF AF ZF SF OF (0x8d5) */
        "mov %%r10, 16(%%rsp)\n\t"
        "uiret\n"
        "1:\n\t"
        "pushf\n\t"
        "pop %1\n\t"
        "mov %%rsp, %0\n\t"
        : "=r"(rsp), "=r"(fl) :: "rax", "r10", "memory", "cc");
    uiret_landed_rsp = rsp;
    uiret_landed_flags = fl;
    USER_EXIT();
}

static void kernel_send_self_ipi(u32 vec)
{
    apic_wr(0x310, my_apic_id << 24);
    apic_wr(0x300, vec); /* fixed, physical, no shorthand */
}

static void wrcr4_bits(u64 bits)
{
    u64 v = rdcr4() | bits;
    asm volatile("mov %0, %%cr4" :: "r"(v) : "memory");
}

static int has_uintr(void)
{
    u32 a = 7, b, c = 0, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return (d >> 5) & 1;
}

static void tests_without_uintr(void)
{
    u64 v;
    check("nouintr: CPUID.7.0:EDX[5] clear", !has_uintr(), 0);
    check("nouintr: CR4.UINTR write #GP", try_wrcr4(rdcr4() | (1UL << 25)) == 13, fault_vec);
    check("nouintr: rdmsr UINTR_RR #GP", try_rdmsr(MSR_UINTR_RR, &v) == 13, fault_vec);
    check("nouintr: wrmsr UINTR_TT #GP", try_wrmsr(MSR_UINTR_TT, 0) == 13, fault_vec);
    check("nouintr: CLUI #UD", TRY("clui", : : "r11", "memory") == 6, fault_vec);
    check("nouintr: STUI #UD", TRY("stui", : : "r11", "memory") == 6, fault_vec);
    check("nouintr: TESTUI #UD", TRY("testui", : : "r11", "memory") == 6, fault_vec);
    check("nouintr: UIRET #UD", TRY("uiret", : : "r11", "memory") == 6, fault_vec);
    check("nouintr: SENDUIPI #UD", try_senduipi(0) == 6, fault_vec);
    {
        u32 val = 0;
        int r = TRY("rdpkru", "+a"(val) : "c"(0) : "rdx", "r11", "memory");
        check("nouintr: RDPKRU still decodes (#UD only if PKU off)", r == -1 || r == 6, r);
    }
}

static void tests_with_uintr(void)
{
    u64 v, cr4;
    int r;

    check("CPUID.7.0:EDX[5] set", has_uintr(), 0);

    /* CR4.UINTR clear: instructions #UD */
    check("CR4.UINTR=0: CLUI #UD", TRY("clui", : : "r11", "memory") == 6, fault_vec);
    check("CR4.UINTR=0: TESTUI #UD", TRY("testui", : : "r11", "memory") == 6, fault_vec);
    check("CR4.UINTR=0: STUI #UD", TRY("stui", : : "r11", "memory") == 6, fault_vec);
    check("CR4.UINTR=0: UIRET #UD", TRY("uiret", : : "r11", "memory") == 6, fault_vec);
    check("CR4.UINTR=0: SENDUIPI #UD", try_senduipi(0) == 6, fault_vec);

    cr4 = rdcr4() | (1UL << 25);
    check("CR4.UINTR settable", try_wrcr4(cr4) == -1 && (rdcr4() & (1UL << 25)), rdcr4());

    /* MSRs */
    check("MSR RR roundtrip", try_wrmsr(MSR_UINTR_RR, 0x8000000000000001ULL) == -1 &&
          rdmsr(MSR_UINTR_RR) == 0x8000000000000001ULL, rdmsr(MSR_UINTR_RR));
    wrmsr(MSR_UINTR_RR, 0);
    check("MSR HANDLER non-canonical #GP", try_wrmsr(MSR_UINTR_HANDLER, 0x0001000000000000ULL << 8) == 13, fault_vec);
    check("MSR HANDLER canonical ok", try_wrmsr(MSR_UINTR_HANDLER, 0xffff800000001000ULL) == -1 &&
          rdmsr(MSR_UINTR_HANDLER) == 0xffff800000001000ULL, 0);
    check("MSR STACKADJUST non-canonical #GP", try_wrmsr(MSR_UINTR_STACKADJUST, 0x8000000000000000ULL) == 13, fault_vec);
    check("MSR MISC reserved #GP", try_wrmsr(MSR_UINTR_MISC, 1ULL << 40) == 13, fault_vec);
    check("MSR MISC ok", try_wrmsr(MSR_UINTR_MISC, 0xff000000ffULL) == -1 && rdmsr(MSR_UINTR_MISC) == 0xff000000ffULL, 0);
    check("MSR PD reserved #GP", try_wrmsr(MSR_UINTR_PD, 0x1008) == 13, fault_vec);
    check("MSR PD non-canonical #GP", try_wrmsr(MSR_UINTR_PD, 0x4000000000000000ULL) == 13, fault_vec);
    check("MSR TT reserved #GP", try_wrmsr(MSR_UINTR_TT, 0x1002) == 13, fault_vec);
    check("MSR TT ok", try_wrmsr(MSR_UINTR_TT, 0x1001) == -1 && rdmsr(MSR_UINTR_TT) == 0x1001, 0);
    check("rdmsr PD ok", try_rdmsr(MSR_UINTR_PD, &v) == -1, fault_vec);

    /* TESTUI / CLUI / STUI at CPL0, lazy flags replaced */
    {
        u8 cf, zf, sf;
        asm volatile("clui\n\txor %%eax,%%eax\n\tcmp $1,%%eax\n\ttestui\n\tsetc %0\n\tsetz %1\n\tsets %2"
                     : "=r"(cf), "=r"(zf), "=r"(sf) :: "rax", "cc");
        check("TESTUI after CLUI: CF=0 SF=0", cf == 0 && sf == 0 && zf == 0, cf | (sf << 8));
        asm volatile("stui\n\txor %%eax,%%eax\n\ttestui\n\tsetc %0\n\tsetz %1\n\tsets %2"
                     : "=r"(cf), "=r"(zf), "=r"(sf) :: "rax", "cc");
        check("TESTUI after STUI: CF=1 ZF=0", cf == 1 && zf == 0 && sf == 0, cf | (zf << 8));
        asm volatile("clui");
    }

    /* Self-send at CPL3, lazy flags, frame contents */
    setup_uintr(128);
    asm volatile("sti");
    run_user(user_selfsend, USTACK_TOP);
    check("self-send delivered once", nlog == 1, nlog);
    check("self-send vector 3", log_vec[0] == 3, log_vec[0]);
    check("frame RFLAGS has CF,SF from lazy cmp", (log_rflags[0] & 0x81) == 0x81 && (log_rflags[0] & 0x200), log_rflags[0]);
    check("flags intact after UIRET (CF=1 ZF=0)", u_cf_after == 1 && u_zf_after == 0, u_cf_after);
    check("frame RSP is the interrupted RSP", log_rsp[0] == u_rsp_before || (log_rsp[0] < u_rsp_before && u_rsp_before - log_rsp[0] < 256), log_rsp[0]);
    check("frame at (RSP-128)&~15 - 32", log_frame[0] == ((log_rsp[0] - 128) & ~15ULL) - 32, log_frame[0]);
    check("frame RIP is the next instruction", log_rip[0] == u_expected_rip, log_rip[0]);
    check("UIF=0 inside handler (TESTUI CF=0)", handler_testui_cf == 0, handler_testui_cf);
    check("ON cleared, PIR empty after delivery", (upid.lo & 1) == 0 && upid.pir == 0, upid.lo);
    check("UIRR empty", rdmsr(MSR_UINTR_RR) == 0, rdmsr(MSR_UINTR_RR));
    check("UINV not delivered through IDT", uinv_idt_count == 0, uinv_idt_count);

    /* Stack adjust, absolute form */
    setup_uintr((u64)(altstack + sizeof(altstack) - 40) | 1);
    run_user(user_send_r12, USTACK_TOP);
    check("absolute STACKADJUST: delivered vector 5 via r12", nlog == 1 && log_vec[0] == 5, log_vec[0]);
    check("absolute STACKADJUST: frame on alt stack", log_frame[0] == (((u64)(altstack + sizeof(altstack) - 40) | 1) & ~15ULL) - 32, log_frame[0]);

    /* Several pending while UIF=0: notification still processed, then highest first */
    setup_uintr(256);
    run_user(user_multi, USTACK_TOP);
    check("UIF=0: ON cleared by notification", u_flags_after == 0, u_flags_after);
    check("UIF=0: PIR moved to UIRR", u_rip_after == 0, u_rip_after);
    check("STUI delivers 4 pending", nlog == 4, nlog);
    check("highest first: 63,10,5,3", log_vec[0] == 63 && log_vec[1] == 10 && log_vec[2] == 5 && log_vec[3] == 3,
          (log_vec[0] << 24) | (log_vec[1] << 16) | (log_vec[2] << 8) | log_vec[3]);

    /* Pending at kernel exit: UIF=0 in user, then return with STUI in a later run */
    setup_uintr(128);
    run_user(user_wait_uif0, USTACK_TOP);
    check("pending kept in UIRR while UIF=0", nlog == 0 && rdmsr(MSR_UINTR_RR) == (1 << 3), rdmsr(MSR_UINTR_RR));
    run_user(user_stui_only, USTACK_TOP);
    check("STUI delivers pending at once", nlog == 1 && log_vec[0] == 3, nlog);

    /* Kernel sets UIRR via WRMSR, UIF=1 (set at CPL0): delivered on return to user (iret) */
    setup_uintr(128);
    asm volatile("stui");
    wrmsr(MSR_UINTR_RR, 1ULL << 42);
    run_user(user_nop, USTACK_TOP);
    check("delivery on return to CPL3", nlog == 1 && log_vec[0] == 42, nlog);
    asm volatile("clui");

    /* Notification processing at CPL0 */
    setup_uintr(128);
    upid.pir = 1ULL << 17;
    upid.lo |= 1;
    kernel_send_self_ipi(UINV);
    asm volatile("sti; nop; nop; nop");
    check("CPL0 notification: ON cleared", (upid.lo & 1) == 0, upid.lo);
    check("CPL0 notification: PIR -> UIRR", upid.pir == 0 && rdmsr(MSR_UINTR_RR) == (1ULL << 17), rdmsr(MSR_UINTR_RR));
    check("CPL0 notification: not via IDT", uinv_idt_count == 0, uinv_idt_count);
    check("CPL0 notification: APIC ISR clear (EOI done)", (apic_rd(0x100 + 0x10 * (UINV / 32)) & (1u << (UINV % 32))) == 0, apic_rd(0x170));
    run_user(user_stui_only, USTACK_TOP);
    check("CPL0 notification: delivered after STUI at CPL3", nlog == 1 && log_vec[0] == 17, nlog);

    /* UIRR ORed, not overwritten */
    setup_uintr(128);
    wrmsr(MSR_UINTR_RR, 1ULL << 20);
    upid.pir = 1ULL << 21;
    upid.lo |= 1;
    kernel_send_self_ipi(UINV);
    asm volatile("sti; nop; nop");
    check("UIRR |= PIR", rdmsr(MSR_UINTR_RR) == ((1ULL << 20) | (1ULL << 21)), rdmsr(MSR_UINTR_RR));
    wrmsr(MSR_UINTR_RR, 0);

    /* SN suppresses the notification, PIR still records */
    setup_uintr(128);
    upid.lo |= 2;
    run_user(user_stui_only, USTACK_TOP);
    run_user(user_send_r12, USTACK_TOP);
    check("SN: no notification, no delivery", nlog == 0 && (upid.lo & 1) == 0, nlog);
    check("SN: PIR recorded", upid.pir == (1ULL << 5), upid.pir);
    run_user(user_clui_only, USTACK_TOP);

    /* ON already set: no IPI */
    setup_uintr(128);
    upid.lo |= 1;
    run_user(user_send_r12, USTACK_TOP);
    check("ON set: no IPI, PIR recorded", nlog == 0 && upid.pir == (1ULL << 5), upid.pir);
    run_user(user_clui_only, USTACK_TOP);

    /* NV = kernel vector: ordinary interrupt through the IDT, ON stays set */
    setup_uintr(128);
    kvec_count = 0;
    run_user(user_send_kvec, USTACK_TOP);
    check("NV=0xe9: IDT handler ran", kvec_count == 1, kvec_count);
    check("NV=0xe9: ON stays set, PIR kept", (upid2.lo & 1) == 1 && upid2.pir == (1ULL << 4), upid2.lo);

    /* SENDUIPI faults */
    setup_uintr(128);
    run_user(user_senduipi_faults, USTACK_TOP);
    check("SENDUIPI index > UITTSZ #GP", u_gp_index == 13, u_gp_index);
    check("SENDUIPI invalid entry #GP", u_gp_invalid == 13, u_gp_invalid);
    check("SENDUIPI UV >= 64 #GP", u_gp_uv == 13, u_gp_uv);
    check("SENDUIPI misaligned UPID #GP", u_gp_misaligned == 13, u_gp_misaligned);
    upid.lo |= 1ULL << 8;
    run_user(user_senduipi_reserved_upid, USTACK_TOP);
    check("SENDUIPI UPID reserved bits #GP", u_gp_reserved == 13 && upid.pir == 0, u_gp_reserved);
    setup_uintr(128);
    wrmsr(MSR_UINTR_TT, (u64)uitt);
    run_user(user_senduipi_tt_disabled, USTACK_TOP);
    check("SENDUIPI with TT[0]=0 #UD", u_ud_tt == 6, u_ud_tt);

    /* UIRET */
    setup_uintr(128);
    run_user(user_uiret_badrip, USTACK_TOP);
    check("UIRET non-canonical RIP #GP", fault_vec == 13, fault_vec);
    run_user(user_uiret_direct, USTACK_TOP);
    check("UIRET loads arithmetic flags", (uiret_landed_flags & 0x8d5) == 0x8d5 && (uiret_landed_flags & 0x200), uiret_landed_flags);
    run_user(user_clui_only, USTACK_TOP);

    /* #PF during delivery: frame pushed into the unmapped hole */
    setup_uintr((HOLE + 0x1000) | 1);
    wrmsr(MSR_UINTR_RR, 1ULL << 9);
    asm volatile("stui");
    fault_vec = -1;
    pf_fixup = 1;
    run_user(user_nop, USTACK_TOP);
    check("#PF on delivery raised from CPL3", fault_vec == 14 && pf_cpl == 3 && fault_cr2 >= HOLE && fault_cr2 < HOLE + 0x200000, fault_cr2);
    check("#PF error code: user write", (fault_err & 6) == 6, fault_err);
    check("#PF: UIRR kept at fault time", pf_uirr == (1ULL << 9), pf_uirr);
    check("delivery retried after #PF handler returned", nlog == 1 && log_vec[0] == 9, nlog);
    asm volatile("clui");

    /* all 16 registers as SENDUIPI operand */
    setup_uintr(128);
    run_user(user_all_regs, USTACK_TOP);
    check("SENDUIPI via 15 GPRs delivers 15 times", nlog == 15 && log_vec[0] == 10 && log_vec[14] == 10, nlog);
    check("SENDUIPI %rsp index #GP", u_rsp_index_fault == 13, u_rsp_index_fault);
    run_user(user_clui_only, USTACK_TOP);

    /* neighbouring encodings keep their meaning */
    {
        u32 pkru = 0x55, a = 7, b, c = 0, d;
        u8 cf;
        asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        if (!(c & 8)) {
            pkru = 0;                           /* no PKU: expect #UD */
        } else {
            wrcr4_bits(1UL << 22); /* PKE */
        }
        asm volatile("stui");
        r = TRY("rdpkru", "+a"(pkru) : "c"(0) : "rdx", "r11", "memory");
        asm volatile("testui; setc %0" : "=r"(cf));
        check("0F 01 EE without F3 is RDPKRU, not CLUI", (r == -1 || (!(c & 8) && r == 6)) && pkru == 0 && cf == 1, r);
        asm volatile("clui");
        check("F3 0F C7 /6 memory form (VMXON) #UD", TRY(".byte 0xf3, 0x0f, 0xc7, 0x30", : "a"(&upid) : "r11", "memory") == 6, fault_vec);
        check("F3 0F C7 /7 register form (RDPID) not SENDUIPI", TRY(".byte 0xf3, 0x0f, 0xc7, 0xf8", : : "rax", "r11", "memory") == 6 && (upid.lo & 1) == 0, fault_vec);
    }

    /* CR4.UINTR cleared again: #UD */
    cr4 = rdcr4() & ~(1UL << 25);
    r = try_wrcr4(cr4);
    check("CR4.UINTR clearable; then TESTUI #UD", r == -1 && TRY("testui", : : "r11", "memory") == 6, fault_vec);
}


/* ---------------- SMP: one AP as a CPL0 sender ---------------- */
extern char ap_tramp_start[], ap_tramp_end[], tramp_cr3[], tramp_gdtr[], tramp_jmp[], ap_entry64[];
u64 ap_stack_top;
static u8 ap_stack[16384] __attribute__((aligned(16)));
static volatile int ap_ready, ap_cmd, ap_done;
static volatile u64 ap_result, ap_arg;
static struct uitte ap_uitt[64] __attribute__((aligned(16)));
static struct upid upid3 __attribute__((aligned(64)));
static struct upid upid4 __attribute__((aligned(64)));
static volatile u64 sent3[64], got3[64];

static void delay(int n)
{
    volatile int i;
    for (i = 0; i < n; i++) {
    }
}

static void ap_senduipi(u64 idx)
{
    asm volatile("senduipi %0" :: "r"(idx) : "memory");
}

void ap_main(void)
{
    asm volatile("lidt %0" :: "m"(idtr));
    apic_wr(0xf0, 0x1ff);
    wrcr4_bits(1UL << 25);
    ap_ready = 1;
    for (;;) {
        int cmd;
        while ((cmd = ap_cmd) == 0) {
            asm volatile("pause");
        }
        if (cmd == 1) {
            /* handshake sends: wait for each delivery to the BSP's user handler */
            u64 i, n = ap_arg, spins;
            wrmsr(MSR_UINTR_MISC, 0);
            wrmsr(MSR_UINTR_TT, (u64)ap_uitt | 1);
            ap_result = 0;
            for (i = 0; i < n; i++) {
                ap_senduipi(0);
                spins = 0;
                while ((u64)nlog <= i) {
                    if (++spins > 200000000ULL) {
                        ap_result = 0xdead0000 | i;
                        break;
                    }
                }
                if (ap_result) {
                    break;
                }
            }
        }
        if (cmd == 2) {
            /* stress: one bit at a time per vector, racing with the BSP's locked RMWs */
            u64 k, n = ap_arg;
            wrmsr(MSR_UINTR_MISC, 63);
            wrmsr(MSR_UINTR_TT, (u64)ap_uitt | 1);
            for (k = 0; k < n; k++) {
                u64 v = k & 63;
                while (upid3.pir & (1ULL << v)) {
                }
                ap_senduipi(v);
            }
        } else if (cmd == 3) {
            /* notification stress: each vector re-sent only once the BSP has counted it */
            u64 k, n = ap_arg, spins;
            wrmsr(MSR_UINTR_MISC, 63);
            wrmsr(MSR_UINTR_TT, (u64)ap_uitt | 1);
            ap_result = 0;
            for (k = 0; k < n && !ap_result; k++) {
                u64 v = k & 63;
                spins = 0;
                while (got3[v] != sent3[v]) {
                    if (++spins > 500000000ULL) {
                        ap_result = 0xdead0000 | k;
                        break;
                    }
                }
                sent3[v]++;
                ap_senduipi(v);
            }
        }
        ap_cmd = 0;
        ap_done = 1;
    }
}

static int start_ap(u32 apic_id)
{
    struct { u16 limit; u64 base; } __attribute__((packed)) g;
    u8 *dst = (u8 *)0x8000;
    u64 cr3;
    long i, n = ap_tramp_end - ap_tramp_start;

    for (i = 0; i < n; i++) {
        dst[i] = ap_tramp_start[i];
    }
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    asm volatile("sgdt %0" : "=m"(g));
    *(u32 *)(dst + (tramp_cr3 - ap_tramp_start)) = cr3;
    *(u16 *)(dst + (tramp_gdtr - ap_tramp_start)) = g.limit;
    *(u32 *)(dst + (tramp_gdtr - ap_tramp_start) + 2) = g.base;
    *(u32 *)(dst + (tramp_jmp - ap_tramp_start)) = (u32)(u64)ap_entry64;
    ap_stack_top = (u64)(ap_stack + sizeof(ap_stack));
    apic_wr(0x310, apic_id << 24);
    apic_wr(0x300, 0x4500);
    delay(1000000);
    apic_wr(0x310, apic_id << 24);
    apic_wr(0x300, 0x4608);
    delay(1000000);
    apic_wr(0x310, apic_id << 24);
    apic_wr(0x300, 0x4608);
    for (i = 0; i < 2000000000L && !ap_ready; i++) {
    }
    return ap_ready;
}

static volatile u64 spin_target;
static void user_spin(void)
{
    asm volatile("stui");
    while ((u64)nlog < spin_target) {
        asm volatile("pause");
    }
    USER_EXIT();
}

static void run_ap(int cmd, u64 arg)
{
    ap_done = 0;
    ap_arg = arg;
    ap_cmd = cmd;
}

static void smp_tests(void)
{
    u64 n, total = 0, toggles = 0, k;
    int i;

    if (!start_ap(1)) {
        check("AP started", 0, 0);
        return;
    }
    check("AP started", 1, 0);

    /* cross-CPU: AP (CPL0) sends to the BSP's user-mode receiver */
    setup_uintr(128);
    ap_uitt[0].lo = 1 | (7 << 8);
    ap_uitt[0].upid = (u64)&upid;
    n = 2000 / stress_div;
    spin_target = n;
    run_ap(1, n);
    run_user(user_spin, USTACK_TOP);
    while (!ap_done) {
    }
    check("cross-CPU: every send delivered exactly once", nlog == (int)n && ap_result == 0, ((u64)nlog << 32) | ap_result);
    check("cross-CPU: vector 7", log_vec[0] == 7 && log_vec[31] == 7, log_vec[0]);
    check("cross-CPU: ON clear at the end", (upid.lo & 1) == 0 && upid.pir == 0, upid.lo);
    run_user(user_clui_only, USTACK_TOP);

    /* atomicity stress: SENDUIPI on the AP vs locked XCHG/XOR/AND on the BSP */
    upid3.lo = upid_lo(KVEC, my_apic_id);
    upid3.pir = 0;
    for (i = 0; i < 64; i++) {
        ap_uitt[i].lo = 1 | ((u64)i << 8);
        ap_uitt[i].upid = (u64)&upid3;
    }
    n = 300000 / stress_div;
    kvec_count = 0;
    asm volatile("cli");
    run_ap(2, n);
    while (!ap_done || upid3.pir) {
        u64 x = __atomic_exchange_n(&upid3.pir, 0, __ATOMIC_SEQ_CST);
        while (x) { x &= x - 1; total++; }
        __atomic_fetch_xor(&upid3.lo, 2, __ATOMIC_SEQ_CST);
        toggles++;
        __atomic_fetch_and(&upid3.lo, ~1ULL, __ATOMIC_SEQ_CST);
    }
    check("stress: posted == collected (atomic UPID update)", total == n, total);
    check("stress: SN toggles not lost", ((upid3.lo >> 1) & 1) == (toggles & 1), upid3.lo);
    check("stress: NV/NDST intact", (upid3.lo & ~3ULL) == upid_lo(KVEC, my_apic_id), upid3.lo);
    asm volatile("sti; nop; nop");
    for (k = 0; k < 1000000 && kvec_count == 0; k++) {
    }

    /* notification processing (BSP, CPL0) racing with SENDUIPI (AP) */
    upid4.lo = upid_lo(UINV, my_apic_id);
    upid4.pir = 0;
    for (i = 0; i < 64; i++) {
        ap_uitt[i].upid = (u64)&upid4;
        sent3[i] = got3[i] = 0;
    }
    wrmsr(MSR_UINTR_PD, (u64)&upid4);
    wrmsr(MSR_UINTR_MISC, (u64)UINV << 32);
    wrmsr(MSR_UINTR_RR, 0);
    n = 100000 / stress_div;
    total = 0;
    run_ap(3, n);
    while (!ap_done || total < n) {
        u64 x;
        asm volatile("cli");
        x = rdmsr(MSR_UINTR_RR);
        wrmsr(MSR_UINTR_RR, 0);
        asm volatile("sti; nop");
        while (x) {
            int v = __builtin_ctzll(x);
            x &= x - 1;
            got3[v]++;
            total++;
        }
        if (ap_done && ap_result) {
            break;
        }
    }
    check("notification stress: every post counted once", total == n && ap_result == 0, (total << 32) | ap_result);
    check("notification stress: ON clear, PIR empty", (upid4.lo & 1) == 0 && upid4.pir == 0, upid4.lo);
    check("notification stress: never through the IDT", uinv_idt_count == 0, uinv_idt_count);

    /* bad input under MTTCG: UPIDs outside RAM must not crash QEMU */
    {
        u64 bad = 0x30000000; /* above the 256 MiB of RAM: unassigned */
        int r;
        wrmsr(MSR_UINTR_PD, bad);
        wrmsr(MSR_UINTR_MISC, (u64)UINV << 32 | 63);
        kernel_send_self_ipi(UINV);
        asm volatile("sti; nop; nop; nop");
        check("notification with UPID outside RAM: survived", 1, 0);
        ap_uitt[0].upid = bad;
        wrmsr(MSR_UINTR_TT, (u64)ap_uitt | 1);
        r = try_senduipi(0);
        check("SENDUIPI to UPID outside RAM: no fault, survived", r == -1, r);
        ap_uitt[0].upid = APIC_BASE; /* a UPID on the local APIC page */
        r = try_senduipi(0);
        check("SENDUIPI to UPID on the APIC page: survived", r == -1 || r == 13, r);
        wrmsr(MSR_UINTR_PD, (u64)&upid4);
    }
}

extern u64 mb_info_ptr;

static int cmdline_has(const char *w)
{
    u32 *mbi = (u32 *)mb_info_ptr;
    const char *c, *p, *q;

    if (!mbi || !(mbi[0] & 4)) {
        return 0;
    }
    c = (const char *)(u64)mbi[4];
    for (p = c; *p; p++) {
        for (q = w; *q && p[q - w] == *q; q++) {
        }
        if (!*q) {
            return 1;
        }
    }
    return 0;
}

void kmain(void)
{
    setup_tables();
    outb(0x21, 0xff); /* mask the 8259s: the BIOS left the PIT on IRQ0 */
    outb(0xa1, 0xff);
    smp_wanted = cmdline_has("smp");
    if (cmdline_has("quick")) {
        stress_div = 10;
    }
    /* enable the local APIC (xAPIC), spurious vector 0xff */
    apic_wr(0xf0, 0x1ff);
    apic_wr(0x80, 0);
    my_apic_id = apic_rd(0x20) >> 24;
    puts_("uintr-test: start, APIC ID ");
    putdec(my_apic_id);
    puts_("\n");
    if (has_uintr()) {
        tests_with_uintr();
        if (smp_wanted) {
            wrcr4_bits(1UL << 25);
            smp_tests();
        }
    } else {
        tests_without_uintr();
    }
    puts_("uintr-test: ");
    putdec(passed);
    puts_(" passed, ");
    putdec(failed);
    puts_(" failed\n");
    outl(0xf4, failed ? 1 : 0);
    for (;;) {
        asm volatile("cli; hlt");
    }
}
