"""Drive Debian's xl2tpd inside a test namespace, with /usr/sbin/pppd
replaced by tests/system/pppd-stub in a private mount namespace."""
import os
import shlex
import signal
import time

from .util import wait_until

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PPPD_STUB = os.path.join(HERE, "pppd-stub")
XL2TPD = "/usr/sbin/xl2tpd"


def _yn(b):
    return "yes" if b else "no"


class Xl2tpd:
    def __init__(self, procs, ns, workdir, name="xl2tpd", listen=None, port=1701,
                 secret=None, lns=None, lacs=None, debug=True):
        """lns: dict for one [lns default] section or None; lacs: {name: dict}.
        Section dicts take: hostname, challenge, hidden, lns (for lac),
        autodial, redial, extra (dict of raw key -> value)."""
        self.procs, self.ns, self.name = procs, ns, name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "xl2tpd.conf")
        self.secrets = os.path.join(self.dir, "l2tp-secrets")
        self.pidfile = os.path.join(self.dir, "xl2tpd.pid")
        self.control = os.path.join(self.dir, "l2tp-control")
        self.stub_log = os.path.join(self.dir, "pppd-stub.log")
        self.proc = None
        lines = ["[global]", f"port = {port}", f"auth file = {self.secrets}",
                 "access control = no"]
        if listen:
            lines.append(f"listen-addr = {listen}")
        if debug:
            lines += ["debug avp = yes", "debug network = yes", "debug state = yes",
                      "debug tunnel = yes"]
        if lns is not None:
            lines += ["", "[lns default]", "ip range = 10.250.0.2-10.250.0.200",
                      "local ip = 10.250.0.1", f"hostname = {lns.get('hostname', 'xl2tpd-lns')}",
                      f"challenge = {_yn(lns.get('challenge'))}",
                      f"hidden bit = {_yn(lns.get('hidden'))}", "length bit = yes",
                      "require authentication = no", "pass peer = yes"]
            lines += [f"{k} = {v}" for k, v in lns.get("extra", {}).items()]
        for lname, lac in (lacs or {}).items():
            lines += ["", f"[lac {lname}]", f"lns = {lac['lns']}",
                      f"hostname = {lac.get('hostname', 'xl2tpd-lac')}",
                      f"challenge = {_yn(lac.get('challenge'))}",
                      f"hidden bit = {_yn(lac.get('hidden'))}", "length bit = yes",
                      f"autodial = {_yn(lac.get('autodial'))}",
                      f"redial = {_yn(lac.get('redial'))}", "require authentication = no"]
            lines += [f"{k} = {v}" for k, v in lac.get("extra", {}).items()]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(self.secrets, "w") as f:
            if secret is not None:
                # Fields: our host name, their host name, secret; wildcards.
                f.write(f"* * {secret}\n")
        os.chmod(self.secrets, 0o600)

    def start(self, timeout=10.0):
        inner = (f"mount --bind {shlex.quote(PPPD_STUB)} /usr/sbin/pppd && "
                 f"exec {XL2TPD} -D -c {shlex.quote(self.conf)} -p {shlex.quote(self.pidfile)}"
                 f" -C {shlex.quote(self.control)}")
        argv = self.ns.exec_argv(["unshare", "-m", "--propagation", "private",
                                  "sh", "-c", inner])
        env = dict(os.environ, L2TPX_PPPD_STUB_LOG=self.stub_log)
        self.proc = self.procs.start(self.name, argv, env=env)
        wait_until(lambda: os.path.exists(self.control) or not self.proc.alive(),
                   timeout=timeout, what=f"{self.name} control pipe")
        assert self.proc.alive(), f"{self.name} died at start:\n{self.log()}"
        return self

    def log(self):
        return self.proc.stderr_text() + self.proc.stdout_text() if self.proc else ""

    def ctl(self, line, timeout=5.0):
        """Write one command to xl2tpd's control FIFO (bounded: O_NONBLOCK
        open is retried until xl2tpd has the read end open)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(self.control, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def connect(self, lac_name):
        self.ctl(f"c {lac_name}")

    def disconnect(self, lac_name):
        self.ctl(f"d {lac_name}")

    def stub_sessions(self):
        """[(pid, argv-string)] for every pppd stub xl2tpd has started."""
        try:
            with open(self.stub_log) as f:
                out = []
                for ln in f:
                    pid, _, args = ln.rstrip("\n").partition(" ")
                    out.append((int(pid), args))
                return out
        except (OSError, ValueError):
            return []

    def track_stubs(self):
        for pid, _ in self.stub_sessions():
            self.procs.add_pid(pid)

    def stop(self, sig=signal.SIGINT, timeout=10.0):
        """SIGINT makes xl2tpd send StopCCN first; SIGTERM does not."""
        self.track_stubs()
        if self.proc is None:
            return None
        return self.procs.stop(self.proc, sig=sig, timeout=timeout)
