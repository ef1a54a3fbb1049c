"""Network namespaces for the tests: uniquely named (lxt-<pid>-<n>), joined
by veth pairs, always deleted at teardown."""
import contextlib
import ctypes
import ipaddress
import os
import socket
import subprocess

from .util import run

PREFIX = f"lxt-{os.getpid()}-"
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_counter = [0]


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Netns:
    def __init__(self, label):
        _counter[0] += 1
        self.name = f"{PREFIX}{_counter[0]}{label[:3]}"
        run(["ip", "netns", "add", self.name])
        self.deleted = False
        # lo up, no DAD delays, no surprise router solicitations.
        self.ip("link", "set", "lo", "up")
        for key, val in (("net.ipv6.conf.all.accept_dad", "0"),
                         ("net.ipv6.conf.default.accept_dad", "0"),
                         ("net.ipv6.conf.default.router_solicitations", "0")):
            self.sysctl(key, val)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name, *args], check=check)

    def sysctl(self, key, val):
        return run(["ip", "netns", "exec", self.name, "sysctl", "-q", "-w", f"{key}={val}"],
                   check=False)

    def exec_argv(self, argv):
        """argv to run a command inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv, timeout=10.0, check=True):
        return run(self.exec_argv(argv), timeout=timeout, check=check)

    @contextlib.contextmanager
    def entered(self):
        """Switch the calling thread into this namespace (for creating
        sockets there); switches back on exit.  Sockets keep their netns."""
        here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        there = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        try:
            _setns(there)
            try:
                yield self
            finally:
                _setns(here)
        finally:
            os.close(here)
            os.close(there)

    def socket(self, family=socket.AF_INET, type_=socket.SOCK_DGRAM, proto=0):
        with self.entered():
            return socket.socket(family, type_, proto)

    def delete(self):
        if not self.deleted:
            run(["ip", "netns", "delete", self.name], check=False)
            self.deleted = True

    def __repr__(self):
        return f"<Netns {self.name}>"


class Link:
    """A veth pair between two namespaces with addresses on both ends."""

    def __init__(self, a, b, a_if, b_if, a_addrs, b_addrs):
        self.a, self.b, self.a_if, self.b_if = a, b, a_if, b_if
        run(["ip", "link", "add", a_if, "netns", a.name, "type", "veth",
             "peer", "name", b_if, "netns", b.name])
        for ns, ifname, addrs in ((a, a_if, a_addrs), (b, b_if, b_addrs)):
            for addr in addrs:
                extra = ["nodad"] if ":" in addr else []
                ns.ip("addr", "add", addr, "dev", ifname, *extra)
            ns.ip("link", "set", ifname, "up")
        self.a_addrs = [str(ipaddress.ip_interface(x).ip) for x in a_addrs]
        self.b_addrs = [str(ipaddress.ip_interface(x).ip) for x in b_addrs]


class NetnsFactory:
    """Per-test factory; remembers everything it created for teardown."""

    def __init__(self):
        self.namespaces = []
        self._subnet = 0

    def ns(self, label="ns"):
        n = Netns(label)
        self.namespaces.append(n)
        return n

    def next_subnet(self):
        self._subnet += 1
        return self._subnet

    def link(self, a, b, v6=False, extra_a=()):
        """Join a and b; returns Link with .a_addrs/.b_addrs (first = primary).
        IPv4 10.77.<k>.1/.2 or, with v6=True, ULA fd00:77:<k>::1/::2."""
        k = self.next_subnet()
        a_if = f"v{k}a"
        b_if = f"v{k}b"
        if v6:
            a_addrs = [f"fd00:77:{k}::1/64", *extra_a]
            b_addrs = [f"fd00:77:{k}::2/64"]
        else:
            a_addrs = [f"10.77.{k}.1/24", *extra_a]
            b_addrs = [f"10.77.{k}.2/24"]
        return Link(a, b, a_if, b_if, a_addrs, b_addrs)

    def cleanup(self):
        for n in reversed(self.namespaces):
            n.delete()
        self.namespaces.clear()


def sweep_stale():
    """Delete namespaces left by earlier runs of this suite whose pytest
    process is gone (never touches a live run's namespaces)."""
    try:
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith("lxt-"):
            continue
        try:
            pid = int(name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            run(["ip", "netns", "delete", name], check=False)
