"""Take network access away from a query worker (Linux seccomp), and tie its life to the web process.

pyoxigraph's SERVICE opens HTTP connections and no Python switch turns that
off. The lexical guard refuses SERVICE before evaluation; this is the second
wall: after ``no_sockets()`` the process cannot create a socket of any kind,
so no query can reach the network or a local service, whatever the parser
made of it. A worker talks to the web process over pipes only.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import signal

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
X32_SYSCALL_BIT = 0x40000000
BPF_RET_K = 0x06  # BPF_RET | BPF_K
OFFSET_NR, OFFSET_ARCH = 0, 4  # in struct seccomp_data

# audit architecture, and the numbers of socket(2) and socketpair(2)
ARCHITECTURES = {
    "x86_64": (0xC000003E, 41, 53),
    "aarch64": (0xC00000B7, 198, 199),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def no_sockets() -> None:
    """Make socket(2) and socketpair(2) fail with EACCES in this process from now on. Raises OSError if impossible."""
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        raise OSError(errno.ENOSYS, f"no seccomp filter for {machine}")
    arch, socket_nr, socketpair_nr = ARCHITECTURES[machine]
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    program = [
        (BPF_LD_W_ABS, 0, 0, OFFSET_ARCH),
        (BPF_JEQ_K, 1, 0, arch),
        (BPF_RET_K, 0, 0, deny),  # another ABI (e.g. x32 or i386 calls): refuse everything there
        (BPF_LD_W_ABS, 0, 0, OFFSET_NR),
        (BPF_JGE_K, 3, 0, X32_SYSCALL_BIT),  # x32 calls share the x86_64 architecture value: refuse them all
        (BPF_JEQ_K, 2, 0, socket_nr),
        (BPF_JEQ_K, 1, 0, socketpair_nr),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, deny),
    ]
    filters = (_Filter * len(program))(*[_Filter(*instruction) for instruction in program])
    prog = _Program(len(program), filters)
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when the thread that started it ends (the web process's spawner thread lives as long
    as the web process); exit now if the parent is already gone."""
    if platform.system() == "Linux":
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
