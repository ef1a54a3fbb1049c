"""Test environment: temp dir + namespaces + tracked processes, torn down
together whatever happens."""
import contextlib
import os
import shutil
import tempfile

from . import l2tpx as l2tpx_mod
from . import netns as netns_mod
from .capture import Capture
from .procs import ProcTracker
from .xl2tpd import Xl2tpd


class Env:
    """Everything one test (or one module) creates, torn down together."""

    def __init__(self, label):
        self.dir = tempfile.mkdtemp(prefix=f"lxt-{label[:40]}-")
        self.netns = netns_mod.NetnsFactory()
        self.procs = ProcTracker(self.dir)
        self.daemons = []

    def ns(self, label="ns"):
        return self.netns.ns(label)

    def link(self, a, b, **kw):
        return self.netns.link(a, b, **kw)

    def capture(self, ns, iface, name="cap", bpf="udp port 1701"):
        return Capture(self.procs, ns, iface, os.path.join(self.dir, name + ".pcap"),
                       bpf=bpf).start()

    def xl2tpd(self, ns, name, **kw):
        x = Xl2tpd(self.procs, ns, self.dir, name, **kw)
        self.daemons.append(x)
        return x

    def l2tpxd(self, ns, name, config_text, **kw):
        d = l2tpx_mod.L2tpxd(self.procs, ns, self.dir, name, config_text, **kw)
        self.daemons.append(d)
        return d

    def diagnostics(self):
        out = [f"--- logs in {self.dir}"]
        for p in self.procs.procs:
            out.append(f"--- {p!r} stderr (tail)")
            out.append(p.stderr_text()[-2500:])
            so = p.stdout_text()
            if so.strip():
                out.append(f"--- {p!r} stdout (tail)")
                out.append(so[-1500:])
        return "\n".join(out)

    def cleanup(self):
        for d in self.daemons:
            if isinstance(d, Xl2tpd):
                d.track_stubs()
        try:
            self.procs.cleanup()
        finally:
            self.netns.cleanup()
            if not os.environ.get("L2TPX_KEEP_LOGS"):
                shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def make_env(label):
    env = Env(label)
    try:
        yield env
    finally:
        env.cleanup()
