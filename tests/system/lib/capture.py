"""tshark capture inside a namespace and analysis of the L2TP exchange."""
import os
import signal
import subprocess
import time

from .l2tpmsg import Msg
from .util import run, wait_until

MSG_NAMES = {
    0: "ZLB", 1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO",
    7: "OCRQ", 8: "OCRP", 9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN",
    14: "CDN", 15: "WEN", 16: "SLI",
}
MSG_IDS = {v: k for k, v in MSG_NAMES.items()}

FIELDS = [
    "frame.number", "frame.time_relative", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "udp.srcport", "udp.dstport", "l2tp.type", "l2tp.version", "l2tp.tunnel", "l2tp.session",
    "l2tp.Ns", "l2tp.Nr", "l2tp.avp.message_type", "l2tp.avp.type", "l2tp.avp.hidden",
    "l2tp.avp.vendor_id", "l2tp.result_code", "l2tp.avp.error_code",
    "l2tp.avp.assigned_tunnel_id", "l2tp.avp.assigned_session_id", "_ws.col.Info",
    "udp.payload",
    # RFC 3145 PPP Disconnect Cause Code (AVP 46), as tshark decodes it
    "l2tp.avp.disconnect_code", "l2tp.avp.control_protocol_number",
    "l2tp.avp.cause_code_direction", "l2tp.avp.cause_code_message",
]


class Packet:
    """One captured L2TP datagram (fields as tshark decoded them)."""

    def __init__(self, row):
        f = dict(zip(FIELDS, row))
        self.raw = f
        self.number = int(f["frame.number"])
        self.time = float(f["frame.time_relative"] or 0)
        self.src = f["ip.src"] or f["ipv6.src"]
        self.dst = f["ip.dst"] or f["ipv6.dst"]
        self.sport = _int(f["udp.srcport"])
        self.dport = _int(f["udp.dstport"])
        t = f["l2tp.type"]
        self.is_control = t not in ("", "0", "False")
        self.tunnel = _int(f["l2tp.tunnel"])
        self.session = _int(f["l2tp.session"])
        self.ns = _int(f["l2tp.Ns"])
        self.nr = _int(f["l2tp.Nr"])
        # tshark omits Type/Vendor of hidden AVPs, so the per-AVP list comes
        # from the datagram itself (our own decoder), one entry per AVP.
        raw = Msg(bytes.fromhex(f["udp.payload"].split("|")[0].replace(":", "")))
        self.avps = raw.avps if raw.ok else []
        self.avp_types = [a[3] for a in self.avps]
        self.avp_hidden = [a[1] for a in self.avps]
        self.avp_vendors = [a[2] for a in self.avps]
        self.result_codes = _ints(f["l2tp.result_code"])
        self.error_codes = _ints(f["l2tp.avp.error_code"])
        self.assigned_tunnel = _int(f["l2tp.avp.assigned_tunnel_id"])
        self.assigned_session = _int(f["l2tp.avp.assigned_session_id"])
        self.info = f["_ws.col.Info"]
        dc = _ints(f["l2tp.avp.disconnect_code"])
        self.ppp_cause = None if not dc else (
            dc[0], (_ints(f["l2tp.avp.control_protocol_number"]) or [None])[0],
            (_ints(f["l2tp.avp.cause_code_direction"]) or [None])[0],
            f["l2tp.avp.cause_code_message"].split("|")[0])
        mt = _ints(f["l2tp.avp.message_type"])
        if self.is_control and not self.avps and not self.raw["l2tp.avp.message_type"]:
            self.msg = "ZLB"
        elif mt:
            self.msg = MSG_NAMES.get(mt[0], f"MSG{mt[0]}")
        elif self.is_control:
            self.msg = "CTRL?"
        else:
            self.msg = "DATA"

    @property
    def result(self):
        return self.result_codes[0] if self.result_codes else None

    @property
    def error(self):
        return self.error_codes[0] if self.error_codes else None

    def has_avp(self, t):
        return t in self.avp_types

    def __repr__(self):
        extra = ""
        if self.result_codes:
            extra = f" result={self.result_codes} error={self.error_codes}"
        return (f"#{self.number} {self.src}:{self.sport}->{self.dst}:{self.dport} "
                f"{self.msg} tid={self.tunnel} sid={self.session} ns={self.ns} nr={self.nr}"
                f" avps={self.avp_types}{extra}")


def _split(s):
    return [x for x in s.split("|") if x != ""] if s else []


def _int(s):
    if s in (None, ""):
        return None
    s = s.split("|")[0]
    try:
        return int(s, 0)
    except ValueError:
        return None


def _ints(s):
    out = []
    for x in _split(s):
        try:
            out.append(int(x, 0))
        except ValueError:
            pass
    return out


class Capture:
    """tshark -i IF -w FILE inside namespace `ns`."""

    def __init__(self, procs, ns, iface, path, bpf="udp port 1701"):
        self.procs, self.ns, self.iface, self.path, self.bpf = procs, ns, iface, path, bpf
        self.proc = None
        self._packets = None

    def start(self, timeout=10.0):
        argv = self.ns.exec_argv(
            ["tshark", "-n", "-q", "-i", self.iface, "-f", self.bpf, "-w", self.path])
        self.proc = self.procs.start(f"tshark-{self.iface}", argv)
        wait_until(lambda: "Capturing on" in self.proc.stderr_text() or not self.proc.alive(),
                   timeout=timeout, what=f"tshark on {self.iface} to start")
        if not self.proc.alive():
            raise RuntimeError(f"tshark failed: {self.proc.stderr_text()}")
        # dumpcap reports "Capturing on" just before the first read; give the
        # socket a moment so the very first packets are not lost.
        time.sleep(0.2)
        return self

    def stop(self, settle=0.3):
        if self.proc is None:
            return self
        time.sleep(settle)
        self.procs.stop(self.proc, sig=signal.SIGINT, timeout=10)
        self.proc = None
        self._packets = None
        return self

    def packets(self, display_filter="l2tp"):
        """Decoded L2TP packets.  While the capture runs this reads the file
        dumpcap is writing (a live snapshot; a packet being written may be
        missing); after stop() it is complete."""
        if not os.path.exists(self.path):
            return []
        argv = ["tshark", "-n", "-r", self.path, "-Y", display_filter, "-T", "fields",
                "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
        for f in FIELDS:
            argv += ["-e", f]
        # A live file may end mid-packet: tshark then complains and exits 2.
        out = run(argv, timeout=60, check=self.proc is None).stdout
        pkts = []
        for line in out.splitlines():
            row = line.split("\t")
            row += [""] * (len(FIELDS) - len(row))
            pkts.append(Packet(row))
        return pkts

    def control(self, src=None, dst=None):
        """Control messages (ZLBs included) optionally filtered by address."""
        return [p for p in self.packets() if p.is_control
                and (src is None or p.src == src) and (dst is None or p.dst == dst)]

    def wait_msg(self, msg, src=None, timeout=6.0, pred=None):
        """First control message named `msg` (from `src`), waiting for it to
        reach the capture file while the capture runs."""
        def find():
            for p in self.control(src=src):
                if p.msg == msg and (pred is None or pred(p)):
                    return p
            return None
        if self.proc is None:
            p = find()
        else:
            try:
                p = wait_until(find, timeout=timeout, interval=0.1,
                               what=f"{msg} from {src or 'anyone'} in the capture")
            except AssertionError:
                p = None
        assert p is not None, f"no {msg} from {src or 'anyone'} in capture:\n{self.dump()}"
        return p

    def messages(self, src=None, dst=None, zlb=False):
        """Names of control messages in capture order."""
        return [p.msg for p in self.control(src, dst) if zlb or p.msg != "ZLB"]

    def expert(self, display_filter=None):
        """Lines of tshark's expert info (Errors/Warnings/...)."""
        if self.proc is not None:
            self.stop()
        z = "expert" if not display_filter else f"expert,{display_filter}"
        return run(["tshark", "-n", "-r", self.path, "-q", "-z", z], timeout=60).stdout

    def assert_no_malformed(self, display_filter=None):
        txt = self.expert(display_filter)
        bad = [ln for ln in txt.splitlines()
               if "Malformed" in ln or ln.strip().startswith("Errors")
               or "Error/Malformed" in ln]
        assert not bad, f"tshark expert info reports problems:\n{txt}"

    def dump(self):
        """Human-readable summary for assertion messages."""
        try:
            return "\n".join(repr(p) for p in self.packets())
        except Exception as e:  # noqa: BLE001
            return f"<capture unreadable: {e}>"


def subsequence(needle, haystack):
    """True if `needle` appears in order (not necessarily contiguous)."""
    it = iter(haystack)
    return all(any(x == y for y in it) for x in needle)
