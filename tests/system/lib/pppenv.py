"""End-to-end PPP helpers: one l2tpxd LNS, LAC-client l2tpxd's each in its
own namespace, and a 'far' host behind the LNS.

    far (10.77.1.2) ---veth--- LNS (10.77.1.1; 10.77.k.1 towards client k)
                                 |  shared TUN l2tpx0, local ip 10.99.0.1
                         client k (10.77.k.2) -- its own TUN, 10.99.0.x

The LNS namespace forwards (ip_forward=1); the far host routes the pool
(10.99.0.0/24) via the LNS; every client routes the far subnet and the pool
through its TUN (`route =` keys), so clients reach the LNS, the far host and
each other through the tunnel.

Owned by the e2e tests (test_e2e_*.py); builds on the harness in lib/ without
changing it.
"""
import ipaddress
import json
import os
import random
import re
import select
import shlex
import socket
import struct
import subprocess
import time

import pytest

from . import l2tpx as l2tpx_mod
from .util import run, wait_until

POOL_NET = "10.99.0.0/24"
LOCAL_IP = "10.99.0.1"
POOL_RANGE = "10.99.0.10-10.99.0.200"
STATIC_IP = "10.99.0.250"          # outside the pool range, inside POOL_NET


def render(sections):
    """INI text from [(title, {key: value})].  A list value becomes one line
    per element (repeatable keys such as `route`); bools -> yes/no."""
    out = []
    for title, d in sections:
        out.append(f"[{title}]")
        for k, v in d.items():
            vals = v if isinstance(v, (list, tuple)) else [v]
            for x in vals:
                if isinstance(x, bool):
                    x = "yes" if x else "no"
                out.append(f"{k} = {x}")
        out.append("")
    return "\n".join(out)


def write_secrets(path, entries, mode=0o600):
    """pppd secrets file; entries: (client, server, secret, addresses-or-None)."""
    lines = ["# client\tserver\tsecret\t\t\tIP addresses"]
    for client, server, secret, addrs in entries:
        q = '"' + secret.replace('"', '') + '"'
        lines.append(f"{client}\t{server}\t{q}\t{addrs if addrs else '*'}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, mode)
    return path


# ---------------------------------------------------------------- net probes

def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def ping(ns, addr, count=3, interval=0.1, wait=1.0, src=None, size=56):
    """ICMP echo from namespace ns (a raw socket made there; the image has
    no ping binary).  Returns the number of replies from addr."""
    s = ns.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    got = 0
    try:
        if src:
            s.bind((src, 0))
        ident = random.randrange(1, 0xffff)
        payload = bytes(range(size % 256)) * (size // 256) + bytes(range(size % 256))
        payload = payload[:size]
        for seq in range(count):
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            pkt = struct.pack("!BBHHH", 8, 0, _csum(hdr + payload), ident, seq) + payload
            t0 = time.monotonic()
            try:
                s.sendto(pkt, (addr, 0))
            except OSError:
                time.sleep(wait)
                continue
            while True:
                left = t0 + wait - time.monotonic()
                if left <= 0:
                    break
                r, _, _ = select.select([s], [], [], left)
                if not r:
                    break
                data, frm = s.recvfrom(65535)
                ihl = (data[0] & 0x0f) * 4
                if len(data) < ihl + 8 or frm[0] != addr:
                    continue
                typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
                if typ == 0 and rid == ident and rseq == seq:
                    got += 1
                    break
            left = t0 + interval - time.monotonic()
            if left > 0 and seq + 1 < count:
                time.sleep(left)
    finally:
        s.close()
    return got


def assert_ping(ns, addr, count=3, tries=3, src=None, what=""):
    """Ping must get replies; retried a few times (first packets may race a
    route that is being installed).  Returns the received count."""
    for _ in range(tries):
        n = ping(ns, addr, count=count, src=src)
        if n > 0:
            return n
        time.sleep(0.3)
    raise AssertionError(f"ping {ns.name} -> {addr} {what}: no reply\n"
                         f"routes in {ns.name}:\n{routes_text(ns)}")


def routes_text(ns, family="-4"):
    return ns.ip(family, "route", "show", "table", "all", check=False).stdout


def routes(ns, family="-4"):
    """Route lines of the main table."""
    return [ln.strip() for ln in ns.ip(family, "route", "show", check=False).stdout.splitlines()
            if ln.strip()]


def l2tpx_routes(ns, family="-4"):
    """Routes l2tpxd added (rtm_protocol L2TPXD_RTPROT = 171)."""
    return [ln.strip() for ln in
            ns.ip(family, "route", "show", "proto", "171", check=False).stdout.splitlines()
            if ln.strip()]


def host_route(ns, addr):
    """Main-table routes whose destination is exactly addr/32."""
    return [r for r in routes(ns) if r.split()[0] in (addr, f"{addr}/32")]


def tun_links(ns):
    """Names of the TUN devices in ns."""
    out = ns.ip("-d", "-o", "link", "show", check=False).stdout
    names = []
    for ln in out.splitlines():
        if re.search(r"\btun type (tun|tap)\b", ln):
            m = re.match(r"\d+:\s+([^:@]+)", ln)
            if m:
                names.append(m.group(1))
    return names


def link_names(ns):
    out = ns.ip("-o", "link", "show", check=False).stdout
    return [re.match(r"\d+:\s+([^:@]+)", ln).group(1) for ln in out.splitlines()
            if re.match(r"\d+:\s+([^:@]+)", ln)]


def addrs_on(ns, ifname):
    out = ns.ip("-4", "-o", "addr", "show", "dev", ifname, check=False).stdout
    return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)", out)


# ---------------------------------------------------------------- the network

class Client:
    """One LAC client: its namespace, its link to the LNS, its l2tpxd."""

    def __init__(self, net, idx, user, password, lac_extra=None, wrong_password=None,
                 daemon_name=None, routes=None, start=True, debug=True, sections=1):
        self.net, self.idx, self.user, self.password = net, idx, user, password
        env = net.env
        self.ns = env.ns(f"c{idx}")
        self.link = env.link(net.lns_ns, self.ns)
        self.lns_addr = self.link.a_addrs[0]
        self.my_addr = self.link.b_addrs[0]
        self.dir = os.path.join(env.dir, f"client{idx}")
        os.makedirs(self.dir, exist_ok=True)
        self.chap = os.path.join(self.dir, "chap-secrets")
        self.pap = os.path.join(self.dir, "pap-secrets")
        self.routes = list(routes) if routes is not None else [net.far_net, POOL_NET]
        pw = wrong_password if wrong_password is not None else password
        self.sections = sections
        names = [user] if sections == 1 else [f"{user}{k}" for k in range(sections)]
        self.users = names
        ents = [(n, "*", pw, None) for n in names]
        write_secrets(self.chap, ents)
        write_secrets(self.pap, ents)
        lacs = []
        for k, n in enumerate(names):
            lac = {
                "lns": self.lns_addr,
                "hostname": f"lac-{n}",
                "autodial": True,
                "redial": True,
                "redial timeout": 1,
                "name": n,
                "chap secrets": self.chap,
                "pap secrets": self.pap,
                "hello interval": 1,
                "max retries": 2,
                "lcp echo interval": 1,
                "lcp echo failure": 3,
                "route": self.routes if k == 0 else [],
            }
            lac.update(lac_extra or {})
            if not lac["route"]:
                del lac["route"]
            lacs.append((f"lac {'uplink' if sections == 1 else f'up{k}'}", lac))
        g = {"debug": True} if debug else {}
        self.config = render([("global", g)] + lacs)
        self.daemon = env.l2tpxd(self.ns, daemon_name or f"lac{idx}", self.config, debug=debug)
        if start:
            self.daemon.start()

    # -- state
    def up_sessions(self):
        return [s for s in self.daemon.sessions()
                if s.get("state") == "established" and s.get("ppp_phase") == "network"
                and s.get("ipv4_local") and s.get("interface")]

    def wait_up(self, n=None, timeout=15.0):
        """Waits until n (default: all sections) sessions are in the network
        phase with an address and a TUN, and the TUNs carry that address."""
        n = n or self.sections

        def ok():
            ss = self.up_sessions()
            if len(ss) < n:
                return None
            for s in ss:
                if s["ipv4_local"] not in addrs_on(self.ns, s["interface"]):
                    return None
            return ss
        try:
            ss = wait_until(ok, timeout=timeout, interval=0.1,
                            what=f"{self.daemon.name}: {n} PPP session(s) up")
        except AssertionError as e:
            raise AssertionError(f"{e}\nclient status: {self.daemon._safe_status()}\n"
                                 f"client log:\n{self.daemon.log()[-3000:]}\n"
                                 f"LNS log:\n{self.net.lns.log()[-3000:]}") from None
        if n == 1:
            self.sess = ss[0]
            self.addr = ss[0]["ipv4_local"]
            self.iface = ss[0]["interface"]
        return ss


class PppNet:
    """The LNS, the far host and the clients of one test."""

    def __init__(self, env, lns_extra=None, lns_secrets=None, global_extra=None, debug=True,
                 start=True, pool=POOL_RANGE):
        self.env = env
        self.lns_ns = env.ns("lns")
        self.far_ns = env.ns("far")
        self.far_link = env.link(self.lns_ns, self.far_ns)
        self.far_ip = self.far_link.b_addrs[0]
        self.lns_far_ip = self.far_link.a_addrs[0]
        self.far_net = str(ipaddress.ip_interface(self.far_ip + "/24").network)
        self.far_if = self.far_link.a_if      # the LNS's far-side veth
        self.lns_ns.sysctl("net.ipv4.ip_forward", "1")
        self.far_ns.ip("route", "add", POOL_NET, "via", self.lns_far_ip)
        self.dir = os.path.join(env.dir, "lns-files")
        os.makedirs(self.dir, exist_ok=True)
        self.chap = os.path.join(self.dir, "chap-secrets")
        self.pap = os.path.join(self.dir, "pap-secrets")
        write_secrets(self.chap, lns_secrets or [])
        write_secrets(self.pap, lns_secrets or [])
        g = {"port": 1701}
        if debug:
            g["debug"] = True
        g.update(global_extra or {})
        lns = {
            "hostname": "l2tpx-lns",
            "ip range": pool,
            "local ip": LOCAL_IP,
            "require authentication": True,
            "name": "l2tpx-lns",
            "chap secrets": self.chap,
            "pap secrets": self.pap,
            "hello interval": 2,
            "lcp echo interval": 2,
            "lcp echo failure": 3,
        }
        lns.update(lns_extra or {})
        self.lns_cfg = lns
        self.config = render([("global", g), ("lns default", lns)])
        self.lns = env.l2tpxd(self.lns_ns, "lns", self.config, debug=debug)
        self.clients = []
        self.debug = debug
        if start:
            self.lns.start()

    def client(self, user, password, **kw):
        kw.setdefault("debug", self.debug)
        c = Client(self, len(self.clients) + 1, user, password, **kw)
        self.clients.append(c)
        return c

    # -- LNS views
    def lns_sessions(self, user=None):
        return [s for s in self.lns.sessions()
                if s.get("state") == "established" and s.get("ppp_phase") == "network"
                and s.get("ipv4_peer") and (user is None or s.get("user") == user)]

    def lns_session_of(self, user, timeout=10.0):
        return wait_until(lambda: (self.lns_sessions(user) or [None])[0], timeout=timeout,
                          interval=0.1, what=f"LNS session of {user}")

    def show_session(self, d, s):
        return d.ctl.run("show", "session", s["tunnel_id"], s["local_id"])["session"]

    def lns_stats(self):
        return self.lns.ctl.run("stats")["stats"]

    def restart_lns(self, timeout=10.0):
        """Starts the LNS again (same config, same control path)."""
        try:
            os.unlink(self.lns.control)
        except FileNotFoundError:
            pass
        self.lns.proc = None
        self.lns.start(timeout=timeout)


# ---------------------------------------------------------------- helpers

def tshark_fields(path, display_filter, fields, timeout=60):
    argv = ["tshark", "-n", "-r", path, "-Y", display_filter, "-T", "fields",
            "-E", "separator=\t"]
    for f in fields:
        argv += ["-e", f]
    out = run(argv, timeout=timeout).stdout
    return [ln.split("\t") for ln in out.splitlines() if ln.strip()]


class Iperf3Server:
    """iperf3 -s in a namespace (tracked; killed at teardown)."""

    def __init__(self, env, ns, bind, port=5201):
        self.env, self.ns, self.bind, self.port = env, ns, bind, port
        self.proc = env.procs.start("iperf3-server", ns.exec_argv(
            ["iperf3", "-s", "-B", bind, "-p", str(port)]))

        def listening():
            if not self.proc.alive():
                raise AssertionError(f"iperf3 -s died: {self.proc.stderr_text()}")
            out = ns.run(["ss", "-ltnH", f"sport = :{port}"], check=False).stdout
            return bool(out.strip())
        wait_until(listening, timeout=5, interval=0.05, what="iperf3 server listening")

    def stop(self):
        self.env.procs.stop(self.proc, timeout=3)


def iperf3_client(ns, server, args, timeout):
    """Runs iperf3 -c (bounded) and returns the parsed --json output."""
    argv = ns.exec_argv(["iperf3", "-c", server, "--json", *args])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"iperf3 {' '.join(map(shlex.quote, args))}: rc={p.returncode}\n"
                             f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}") from None
    if "error" in res:
        raise AssertionError(f"iperf3 error: {res['error']}")
    return res


# ---------------------------------------------------------------- drop-in

class DropinL2tpxd(l2tpx_mod.L2tpxd):
    """l2tpxd started with exactly `-c /etc/xl2tpd/xl2tpd.conf` (no other
    argument) in a private mount namespace where temp dirs are bind-mounted
    over /etc/xl2tpd, /etc/ppp and /run (so the default control socket
    /run/l2tpx/l2tpxd.ctl lands in the temp dir).  The real /etc is never
    touched; the mounts die with the process.

    files: {"xl2tpd/xl2tpd.conf": text, "ppp/options.xl2tpd": text, ...}
    relative to the fake /etc."""

    MOUNTS = ("/etc/xl2tpd", "/etc/ppp", "/run")

    def __init__(self, procs, ns, workdir, name, files, conf="/etc/xl2tpd/xl2tpd.conf"):
        super().__init__(procs, ns, workdir, name, "", debug=False)
        self.root = os.path.join(self.dir, "root")
        for sub in ("etc/xl2tpd", "etc/ppp", "run/l2tpx"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        for rel, text in files.items():
            p = os.path.join(self.root, "etc", rel)
            with open(p, "w") as f:
                f.write(text)
            if "secrets" in rel:
                os.chmod(p, 0o600)
        self.etc_conf = conf
        self.control = os.path.join(self.root, "run", "l2tpx", "l2tpxd.ctl")
        self.ctl = l2tpx_mod.Ctl(self.control)

    def host_path(self, path):
        """Where a path of the fake tree (/etc/ppp/..., /run/...) is on the host."""
        return os.path.join(self.root, path.lstrip("/"))

    def argv(self, *extra):
        for m in self.MOUNTS:
            if not os.path.isdir(m):
                raise RuntimeError(f"{m} does not exist on this host: no mount point for the "
                                   f"drop-in test")
        binds = " && ".join(
            f"mount --bind {shlex.quote(os.path.join(self.root, m.lstrip('/')))} {m}"
            for m in self.MOUNTS)
        cmd = " ".join(shlex.quote(x) for x in (l2tpx_mod.L2TPXD, "-c", self.etc_conf, *extra))
        return self.ns.exec_argv(["unshare", "-m", "--propagation", "private", "sh", "-c",
                                  f"{binds} && exec {cmd}"])


def dropin(env, ns, name, files):
    d = DropinL2tpxd(env.procs, ns, env.dir, name, files)
    env.daemons.append(d)
    return d


# ---------------------------------------------------------------- teardown check

@pytest.fixture(autouse=True)
def daemons_exit_clean(env):
    """Import into a test module to use (autouse there): after the test,
    every l2tpxd still running is stopped with SIGTERM and must exit 0, and
    no daemon log may carry a sanitizer report (ASan/UBSan/LSan builds)."""
    yield
    problems = []
    for d in list(env.daemons):
        if not isinstance(d, l2tpx_mod.L2tpxd) or d.proc is None:
            continue
        if d.alive():
            try:
                rc = d.stop(timeout=10)
            except Exception as e:  # noqa: BLE001 - reported below
                rc = repr(e)
            if rc != 0:
                problems.append(f"{d.name}: exit status {rc} after SIGTERM\n{d.log()[-2000:]}")
        bad = [ln for ln in d.log().splitlines()
               if "Sanitizer" in ln or "runtime error:" in ln]
        if bad:
            problems.append(f"{d.name}: sanitizer report:\n{d.log()[-6000:]}")
    assert not problems, "\n".join(problems)
