"""Drive l2tpxd / l2tpxctl (built by the project) inside test namespaces."""
import json
import os
import signal
import subprocess

from .util import wait_until

BUILD_DIR = os.environ.get("L2TPX_BUILD", "/work/main/build")
L2TPXD = os.path.join(BUILD_DIR, "src", "daemon", "l2tpxd")
L2TPXCTL = os.path.join(BUILD_DIR, "src", "ctl", "l2tpxctl")

DROP_COUNTERS = ("rx_bad_header", "rx_bad_version", "rx_bad_avp", "rx_unknown_tunnel",
                 "rx_unknown_session", "rx_halfopen_refused", "rx_tunnel_limit",
                 "rx_auth_failed", "rx_fsm_errors", "rx_data_dropped")


def binaries_present():
    return os.access(L2TPXD, os.X_OK) and os.access(L2TPXCTL, os.X_OK)


def _yn(v):
    return ("yes" if v else "no") if isinstance(v, bool) else str(v)


def render_config(global_=None, lns=None, lacs=None, raw_tail=""):
    """INI text.  global_: dict; lns: {name: dict} or None; lacs: {name: dict}.
    Values may be bool (-> yes/no), lists (-> comma list) or str/int."""
    def section(title, d):
        out = [f"[{title}]"]
        for k, v in d.items():
            if isinstance(v, (list, tuple)):
                v = ", ".join(str(x) for x in v)
            out.append(f"{k} = {_yn(v)}")
        return "\n".join(out) + "\n"

    text = section("global", global_ or {})
    for name, d in (lns or {}).items():
        text += "\n" + section(f"lns {name}", d)
    for name, d in (lacs or {}).items():
        text += "\n" + section(f"lac {name}", d)
    return text + raw_tail


class Ctl:
    def __init__(self, control_path):
        self.control = control_path

    def run(self, *args, json_out=True, timeout=5.0, check=True):
        argv = [L2TPXCTL, "--control", self.control]
        if json_out:
            argv.append("--json")
        argv += [str(a) for a in args]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError(f"l2tpxctl {' '.join(map(str, args))} failed rc={p.returncode}: "
                               f"{p.stderr.strip()} {p.stdout.strip()}")
        if json_out and p.returncode == 0:
            return json.loads(p.stdout)
        return p

    def status(self):
        st = self.run("status")
        assert st.get("ok") is True, st
        return st


class L2tpxd:
    def __init__(self, procs, ns, workdir, name, config_text, debug=True):
        self.procs, self.ns, self.name = procs, ns, name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "l2tpx.conf")
        self.control = os.path.join(self.dir, "ctl.sock")
        self.pidfile = os.path.join(self.dir, "l2tpxd.pid")
        with open(self.conf, "w") as f:
            f.write(config_text)
        self.ctl = Ctl(self.control)
        self.debug = debug
        self.proc = None

    def argv(self, *extra):
        a = [L2TPXD, "-c", self.conf, "--control", self.control, "--pidfile", self.pidfile]
        if self.debug:
            a.append("--debug")
        return self.ns.exec_argv(a + list(extra))

    def start(self, timeout=10.0):
        self.proc = self.procs.start(self.name, self.argv())

        def ready():
            if not self.proc.alive():
                raise AssertionError(f"{self.name} exited rc={self.proc.popen.returncode}:\n"
                                     f"{self.proc.stderr_text()[-4000:]}")
            if not os.path.exists(self.control):
                return False
            try:
                return self.ctl.status()
            except Exception:  # noqa: BLE001 - not ready yet
                return False

        wait_until(ready, timeout=timeout, what=f"{self.name} control socket")
        return self

    def check_config(self, timeout=10.0):
        """Run `l2tpxd --check`; returns CompletedProcess."""
        return subprocess.run(self.argv("--check"), capture_output=True, text=True,
                              timeout=timeout)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def status(self):
        return self.ctl.status()

    def stats(self):
        return self.status()["stats"]

    def tunnels(self):
        return self.status()["tunnels"]

    def sessions(self):
        return self.status()["sessions"]

    def log(self):
        return self.proc.stderr_text() if self.proc else ""

    def wait_tunnel(self, pred=lambda t: t.get("state") == "established", n=1, timeout=10.0,
                    what="established tunnel"):
        def check():
            ts = [t for t in self.tunnels() if pred(t)]
            return ts if len(ts) >= n else None
        try:
            return wait_until(check, timeout=timeout, what=f"{self.name}: {what}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nstatus: {self._safe_status()}\nlog tail:\n"
                                 f"{self.log()[-3000:]}") from None

    def wait_session(self, pred=lambda s: s.get("state") == "established", n=1, timeout=10.0,
                     what="established session"):
        def check():
            ss = [s for s in self.sessions() if pred(s)]
            return ss if len(ss) >= n else None
        try:
            return wait_until(check, timeout=timeout, what=f"{self.name}: {what}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nstatus: {self._safe_status()}\nlog tail:\n"
                                 f"{self.log()[-3000:]}") from None

    def wait_no_tunnels(self, timeout=10.0):
        try:
            wait_until(lambda: not self.tunnels(), timeout=timeout,
                       what=f"{self.name}: all tunnels gone")
        except AssertionError as e:
            raise AssertionError(f"{e}\nstatus: {self._safe_status()}") from None

    def _safe_status(self):
        try:
            return json.dumps(self.status(), indent=1)[:4000]
        except Exception as e:  # noqa: BLE001
            return f"<status failed: {e}>"

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Stop with SIGTERM (StopCCN to every peer) and return exit status."""
        if self.proc is None:
            return None
        return self.procs.stop(self.proc, sig=sig, timeout=timeout)

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
        return None

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))


def drop_total(stats):
    return sum(int(stats.get(k, 0)) for k in DROP_COUNTERS)


def lns_config(listen=None, secret=None, challenge=False, hidden=False, hostname="l2tpx-lns",
               global_extra=None, lns_extra=None, debug=True):
    g = {"port": 1701}
    if listen:
        g["listen-addr"] = listen
    if debug:
        g["debug"] = True
    g.update(global_extra or {})
    lns = {"hostname": hostname, "challenge": challenge, "hidden bit": hidden,
           # PPP: these control-plane tests only need the session to stay up,
           # so the LNS asks for no authentication and hands out addresses.
           "require authentication": False,
           "ip range": "10.250.0.10-10.250.0.250", "local ip": "10.250.0.1"}
    if secret is not None:
        lns["secret"] = secret
    lns.update(lns_extra or {})
    return render_config(g, lns={"default": lns})


def lac_config(lns_addr, secret=None, challenge=False, hidden=False, hostname="l2tpx-lac",
               autodial=True, name="uplink", global_extra=None, lac_extra=None, debug=True,
               listen=None):
    g = {}
    if listen:
        g["listen-addr"] = listen
    if debug:
        g["debug"] = True
    g.update(global_extra or {})
    lac = {"lns": lns_addr, "hostname": hostname, "challenge": challenge, "hidden bit": hidden,
           "autodial": autodial, "redial": False}
    if secret is not None:
        lac["secret"] = secret
    lac.update(lac_extra or {})
    return render_config(g, lacs={name: lac})
