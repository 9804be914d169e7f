"""Which syscalls the kernel answers without running contain's seccomp program.

Since Linux 5.11 seccomp keeps a per-architecture bitmap of syscalls that a filter allows whatever their arguments;
for those the BPF program is not run at all (kernel/seccomp.c, seccomp_cache_prepare / seccomp_is_const_allow). A
syscall that misses the cache runs the program on every call. This replays the kernel's own emulation over an
exported program (`contain check --export-bpf FILE PROFILE`) for every x86_64 syscall number.

Usage: cache_check.py FILTER.bpf            prints JSON: counts and the hot syscalls that miss the cache
       (imported by tests/integration/test_seccomp_cache.py)"""
import json
import re
import struct
import sys

AUDIT_ARCH_X86_64 = 0xC000003E
SECCOMP_RET_ALLOW = 0x7FFF0000
# What a busy stdio server does in its loop: I/O on fds it holds, waiting, time, memory, signals.
HOT = ["read", "write", "readv", "writev", "pread64", "pwrite64", "close", "futex", "epoll_wait", "epoll_pwait",
       "poll", "ppoll", "select", "pselect6", "clock_gettime", "clock_nanosleep", "nanosleep", "getpid", "getppid",
       "gettid", "mmap", "munmap", "brk", "madvise", "mprotect", "fstat", "newfstatat", "lseek", "sched_yield",
       "getrandom", "rt_sigprocmask", "rt_sigreturn", "recvfrom", "recvmsg", "sendmsg", "sendto"]


def load(path):
    data = open(path, "rb").read()
    if len(data) % 8:
        raise ValueError(f"{path}: not a BPF program (size {len(data)} is not a multiple of 8)")
    return [struct.unpack("<HBBI", data[i:i + 8]) for i in range(0, len(data), 8)]


def const_allow(prog, nr, arch=AUDIT_ARCH_X86_64):
    """The kernel's seccomp_is_const_allow: True only if every path the program takes for (arch, nr) reads
    nothing but nr/arch and ends in RET ALLOW."""
    reg, pc = 0, 0
    while pc < len(prog):
        code, jt, jf, k = prog[pc]
        if code == 0x20:  # BPF_LD|BPF_W|BPF_ABS
            if k == 0:
                reg = nr
            elif k == 4:
                reg = arch
            else:
                return False  # loads an argument or the instruction pointer
        elif code == 0x06:  # BPF_RET|BPF_K
            return k == SECCOMP_RET_ALLOW
        elif code == 0x05:  # BPF_JMP|BPF_JA
            pc += k
        elif code in (0x15, 0x35, 0x25, 0x45):  # JEQ, JGE, JGT, JSET with K
            taken = {0x15: reg == k, 0x35: reg >= k, 0x25: reg > k, 0x45: bool(reg & k)}[code]
            pc += jt if taken else jf
        elif code == 0x54:  # BPF_ALU|BPF_AND|BPF_K
            reg &= k
        else:
            return False
        pc += 1
    return False


def syscall_numbers():
    for header in ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"):
        try:
            text = open(header).read()
        except OSError:
            continue
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"#define __NR_(\w+) (\d+)", text)}
    raise SystemExit("no asm/unistd_64.h (apt-get install linux-libc-dev)")


def report(path):
    prog, nums = load(path), syscall_numbers()
    cached = sorted(name for name, nr in nums.items() if const_allow(prog, nr))
    return {"filter": path, "instructions": len(prog), "syscalls": len(nums), "cached_allow": len(cached),
            "hot_missing_cache": [n for n in HOT if n in nums and n not in cached]}


if __name__ == "__main__":
    print(json.dumps(report(sys.argv[1]), indent=1))
