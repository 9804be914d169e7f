// The process entry point of the release binary (scripts/build-release links with `-e contain_entry` on
// x86_64), run ahead of glibc's _start: it asks the kernel to make private, in one
// madvise(MADV_POPULATE_WRITE) per run of pages, the ~150 pages that static-PIE relocation is about to
// write (.data.rel.ro and .data: Swift metadata and witness tables full of absolute pointers). Written one
// by one, each of those pages costs a copy-on-write fault; on this machine that was ~0.6 ms of every
// `contain run` (alternating A/B, 400 rounds each; 190 fewer page faults per run). Making .bss resident the
// same way was measured too and is slower (+0.5 ms): most of it is never touched.
//
// Why C and assembly: this runs before glibc has relocated anything or set up TLS, so it may not call libc,
// touch errno, use the stack protector (its canary lives in TLS) or need a relocation itself; it reaches
// only hidden, linker-defined symbols (__ehdr_start, _DYNAMIC), which the compiler addresses
// PC-relative. The entry stub keeps %rdx (the atexit pointer the kernel passes) for _start, and the stack
// as the kernel left it. A kernel without MADV_POPULATE_WRITE (before 5.14) answers EINVAL and the
// relocation faults as before; nothing else changes. Other architectures keep glibc's entry.
#if defined(__x86_64__)
#include <elf.h>
#include <stddef.h>
#include <stdint.h>

extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));

#ifndef DT_RELR
#define DT_RELRSZ 35
#define DT_RELR 36
#endif

__attribute__((no_stack_protector, used)) static long raw3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

__attribute__((no_stack_protector, used, noinline)) void contain_prefault(void) {
    uintptr_t base = (uintptr_t)&__ehdr_start;
    uintptr_t relr = 0, relrsz = 0;
    for (Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_RELR) relr = d->d_un.d_ptr;
        else if (d->d_tag == DT_RELRSZ) relrsz = d->d_un.d_val;
    }
    if (!relr || !relrsz) return;
    const uint64_t *e = (const uint64_t *)(base + relr);
    size_t n = relrsz / 8;
    uintptr_t run_start = 0, run_end = 0; // pages [run_start, run_end)
    uintptr_t where = 0;
    for (size_t i = 0; i < n; i++) {
        uintptr_t lo, hi;
        if ((e[i] & 1) == 0) {
            where = base + e[i];
            lo = where;
            hi = where + 8;
            where += 8;
        } else {
            uint64_t bits = e[i] >> 1;
            lo = hi = 0;
            for (int k = 0; bits; k++, bits >>= 1) {
                if (bits & 1) {
                    uintptr_t a = where + (uintptr_t)k * 8;
                    if (!lo) lo = a;
                    hi = a + 8;
                }
            }
            where += 63 * 8;
            if (!lo) continue;
        }
        uintptr_t plo = lo & ~(uintptr_t)4095, phi = (hi + 4095) & ~(uintptr_t)4095;
        if (run_end && plo <= run_end) {
            if (phi > run_end) run_end = phi;
        } else {
            if (run_end) raw3(28 /* madvise */, (long)run_start, (long)(run_end - run_start), 23 /* MADV_POPULATE_WRITE */);
            run_start = plo;
            run_end = phi;
        }
    }
    if (run_end) raw3(28, (long)run_start, (long)(run_end - run_start), 23);
}

__asm__(".text\n.globl contain_entry\n.type contain_entry,@function\ncontain_entry:\n"
        "  endbr64\n"
        "  mov %rdx, %r12\n"
        "  call contain_prefault\n"
        "  mov %r12, %rdx\n"
        "  jmp _start\n");
#endif
