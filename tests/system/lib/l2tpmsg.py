"""A small, deliberately permissive L2TPv2 (RFC 2661) encoder/decoder for
the hostile-input tests, and a scripted raw peer that can bring up a tunnel
and a session.  Every field can be set to a wrong value on purpose."""
import hashlib
import os
import select
import socket
import struct
import time

# Message types (RFC 2661 §3.2)
SCCRQ, SCCRP, SCCCN, STOPCCN, HELLO = 1, 2, 3, 4, 6
OCRQ, OCRP, OCCN, ICRQ, ICRP, ICCN, CDN, WEN, SLI = 7, 8, 9, 10, 11, 12, 14, 15, 16
# AVP types
A_MSG_TYPE, A_RESULT, A_PROTO_VER, A_FRAMING_CAP, A_BEARER_CAP = 0, 1, 2, 3, 4
A_FIRMWARE, A_HOST_NAME, A_VENDOR_NAME, A_TUNNEL_ID, A_RWS = 6, 7, 8, 9, 10
A_CHALLENGE, A_CHAL_RESP, A_SESSION_ID, A_CALL_SERIAL = 11, 13, 14, 15
A_BEARER_TYPE, A_FRAMING_TYPE, A_TX_SPEED, A_RANDOM_VECTOR = 18, 19, 24, 36

T, L, S, O, P = 0x8000, 0x4000, 0x0800, 0x0200, 0x0100
CTRL_FLAGS = T | L | S


def u16(v):
    return struct.pack("!H", v & 0xFFFF)


def u32(v):
    return struct.pack("!I", v & 0xFFFFFFFF)


def avp(type_, value=b"", m=True, h=False, vendor=0, reserved=0, length=None):
    """One AVP. `length` overrides the Length field (to lie); `reserved`
    is OR-ed into bits 2..5 of the first octet pair."""
    if isinstance(value, str):
        value = value.encode()
    ln = 6 + len(value) if length is None else length
    first = (0x8000 if m else 0) | (0x4000 if h else 0) | ((reserved & 0xF) << 10) | (ln & 0x3FF)
    return u16(first) + u16(vendor) + u16(type_) + value


def msg_type(t, m=True, h=False):
    return avp(A_MSG_TYPE, u16(t), m=m, h=h)


def header(tid, sid, ns=0, nr=0, body_len=0, flags=CTRL_FLAGS, ver=2, length=None,
           offset=None):
    """Control-style header by default; any flag combination possible."""
    out = u16(flags | (ver & 0xF))
    hl = 2 + (2 if flags & L else 0) + 4 + (4 if flags & S else 0) + (2 if flags & O else 0)
    if flags & L:
        out += u16(hl + body_len if length is None else length)
    out += u16(tid) + u16(sid)
    if flags & S:
        out += u16(ns) + u16(nr)
    if flags & O:
        out += u16(0 if offset is None else offset)
    return out


def control(tid, sid, ns, nr, avps, **kw):
    body = b"".join(avps)
    return header(tid, sid, ns, nr, len(body), **kw) + body


def hide(type_, value, secret, rv):
    """RFC 2661 §4.3 hidden AVP value: MD5 chain over (orig length | value).
    No padding is added (allowed by §4.3)."""
    if isinstance(secret, str):
        secret = secret.encode()
    at = u16(type_)
    plain = u16(len(value)) + value
    out = b""
    prev = None
    for i in range(0, len(plain), 16):
        if prev is None:
            b = hashlib.md5(at + secret + rv).digest()
        else:
            b = hashlib.md5(secret + prev).digest()
        chunk = plain[i:i + 16]
        c = bytes(x ^ y for x, y in zip(chunk, b))
        out += c
        prev = c
    return out


def chal_response(msg_type_id, secret, challenge):
    """RFC 2661 §4.4.3 / CHAP: MD5(type octet | secret | challenge)."""
    if isinstance(secret, str):
        secret = secret.encode()
    return hashlib.md5(bytes([msg_type_id]) + secret + challenge).digest()


def sccrq_avps(assigned_tid, host="raw-peer", framing=3, proto=b"\x01\x00", rws=4,
               drop=(), extra=(), mt=None):
    """Mandatory SCCRQ AVPs (minus types in `drop`) plus `extra`."""
    parts = [(A_MSG_TYPE, mt if mt is not None else msg_type(SCCRQ)),
             (A_PROTO_VER, avp(A_PROTO_VER, proto)),
             (A_HOST_NAME, avp(A_HOST_NAME, host)),
             (A_FRAMING_CAP, avp(A_FRAMING_CAP, u32(framing))),
             (A_TUNNEL_ID, avp(A_TUNNEL_ID, u16(assigned_tid))),
             (A_RWS, avp(A_RWS, u16(rws), m=False))]
    return [a for t, a in parts if t not in drop] + list(extra)


class Msg:
    """A decoded datagram (permissive; never raises)."""

    def __init__(self, data, addr=None):
        self.data, self.addr = data, addr
        self.ok = False
        self.avps = []  # (m, h, vendor, type, value)
        self.type = None
        if len(data) < 6:
            return
        fv = struct.unpack("!H", data[:2])[0]
        self.flags, self.ver = fv & 0xFFF0, fv & 0xF
        self.is_control = bool(fv & T)
        off = 2
        if fv & L:
            off += 2
        if len(data) < off + 4:
            return
        self.tid, self.sid = struct.unpack("!HH", data[off:off + 4])
        off += 4
        self.ns = self.nr = None
        if fv & S:
            if len(data) < off + 4:
                return
            self.ns, self.nr = struct.unpack("!HH", data[off:off + 4])
            off += 4
        if fv & O:
            off += 2 + struct.unpack("!H", data[off:off + 2])[0]
        self.ok = True
        if not self.is_control:
            return
        while off + 6 <= len(data):
            first, vendor, typ = struct.unpack("!HHH", data[off:off + 6])
            ln = first & 0x3FF
            if ln < 6 or off + ln > len(data):
                break
            self.avps.append((bool(first & 0x8000), bool(first & 0x4000), vendor, typ,
                              data[off + 6:off + ln]))
            off += ln
        if self.avps and self.avps[0][3] == A_MSG_TYPE and len(self.avps[0][4]) == 2:
            self.type = struct.unpack("!H", self.avps[0][4])[0]
        elif not self.avps:
            self.type = 0  # ZLB

    def get(self, typ, vendor=0):
        for m, h, v, t, val in self.avps:
            if t == typ and v == vendor:
                return val
        return None

    def get_u16(self, typ):
        v = self.get(typ)
        return struct.unpack("!H", v[:2])[0] if v and len(v) >= 2 else None

    @property
    def result(self):
        """(result code, error code or None) from a Result Code AVP."""
        v = self.get(A_RESULT)
        if v is None or len(v) < 2:
            return None
        rc = struct.unpack("!H", v[:2])[0]
        ec = struct.unpack("!H", v[2:4])[0] if len(v) >= 4 else None
        return rc, ec

    @property
    def name(self):
        names = {0: "ZLB", 1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO",
                 10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI"}
        if not self.ok:
            return "?"
        if not self.is_control:
            return "DATA"
        return names.get(self.type, f"MSG{self.type}")

    def __repr__(self):
        return (f"<{self.name} tid={getattr(self, 'tid', None)} sid={getattr(self, 'sid', None)}"
                f" ns={getattr(self, 'ns', None)} nr={getattr(self, 'nr', None)}"
                f" result={self.result}>")


class RawPeer:
    """A scripted LAC-side peer on one UDP socket (created inside a netns)."""

    def __init__(self, sock, server, port=1701):
        self.sock = sock
        self.server = (server, port)
        self.local_tid = None   # our Assigned Tunnel ID
        self.peer_tid = None    # the daemon's tunnel ID (goes into headers)
        self.ns = 0             # next Ns we send
        self.nr = 0             # next Ns we expect from the daemon
        self.received = []

    def send_raw(self, data):
        self.sock.sendto(data, self.server)

    def send_ctrl(self, avps, tid=None, sid=0, ns=None, nr=None, advance=True):
        pkt = control(self.peer_tid if tid is None else tid, sid,
                      self.ns if ns is None else ns, self.nr if nr is None else nr, avps)
        self.sock.sendto(pkt, self.server)
        if advance and ns is None and avps:
            self.ns = (self.ns + 1) & 0xFFFF
        return pkt

    def ack(self):
        """ZLB acknowledging everything received so far."""
        if self.peer_tid is not None:
            self.sock.sendto(control(self.peer_tid, 0, self.ns, self.nr, []), self.server)

    def recv(self, timeout=1.0, want=None, sid_filter=None):
        """Collect datagrams until one of message type `want` (a set of
        names) arrives or timeout.  Updates Nr for in-order control messages
        of our tunnel.  Returns the list received during the call."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            try:
                data, addr = self.sock.recvfrom(70000)
            except BlockingIOError:
                continue
            m = Msg(data, addr)
            got.append(m)
            self.received.append(m)
            if m.ok and m.is_control and m.type not in (0, None) and m.ns == self.nr \
                    and (self.local_tid is None or m.tid == self.local_tid):
                self.nr = (self.nr + 1) & 0xFFFF
            if want and m.name in want:
                break
        return got

    def drain(self, timeout=0.3):
        return self.recv(timeout=timeout)

    def establish_tunnel(self, assigned_tid, host="raw-peer", timeout=3.0, secret=None,
                         challenge=None, extra=()):
        """SCCRQ -> SCCRP -> SCCCN.  With `secret`, answers the daemon's
        Challenge and (if `challenge` bytes are given) checks its response.
        Returns the SCCRP."""
        self.local_tid = assigned_tid
        self.ns, self.nr = 0, 0
        more = list(extra)
        if challenge is not None:
            more.append(avp(A_CHALLENGE, challenge))
        self.send_ctrl(sccrq_avps(assigned_tid, host=host, extra=more), tid=0)
        got = self.recv(timeout, want={"SCCRP", "StopCCN"})
        sccrp = [x for x in got if x.name == "SCCRP"]
        if not sccrp:
            raise AssertionError(f"no SCCRP for raw SCCRQ, got {got}")
        r = sccrp[0]
        self.peer_tid = r.get_u16(A_TUNNEL_ID)
        if challenge is not None:
            want = chal_response(SCCRP, secret, challenge)
            if r.get(A_CHAL_RESP) != want:
                raise AssertionError(f"bad Challenge Response in SCCRP: {r.get(A_CHAL_RESP)!r}")
        scccn = [msg_type(SCCCN)]
        if r.get(A_CHALLENGE) is not None and secret is not None:
            scccn.append(avp(A_CHAL_RESP, chal_response(SCCCN, secret, r.get(A_CHALLENGE))))
        self.send_ctrl(scccn)
        self.recv(0.3)  # ZLB ack, if the daemon sends one now
        return r

    def establish_session(self, assigned_sid, serial=1, timeout=3.0):
        """ICRQ -> ICRP -> ICCN.  Returns the daemon's session id."""
        self.send_ctrl([msg_type(ICRQ), avp(A_SESSION_ID, u16(assigned_sid)),
                        avp(A_CALL_SERIAL, u32(serial))])
        got = self.recv(timeout, want={"ICRP", "CDN", "StopCCN"})
        icrp = [m for m in got if m.name == "ICRP"]
        if not icrp:
            raise AssertionError(f"no ICRP for raw ICRQ, got {got}")
        peer_sid = icrp[0].get_u16(A_SESSION_ID)
        self.send_ctrl([msg_type(ICCN), avp(A_TX_SPEED, u32(10000000)),
                        avp(A_FRAMING_TYPE, u32(1))], sid=peer_sid)
        self.recv(0.3)
        return peer_sid

    def stop(self, result=1):
        if self.peer_tid is None:
            return
        self.send_ctrl([msg_type(STOPCCN), avp(A_TUNNEL_ID, u16(self.local_tid)),
                        avp(A_RESULT, u16(result))])
        self.recv(0.3)


def new_tid():
    return 1 + int.from_bytes(os.urandom(2), "big") % 65534


def udp_socket_in(ns, family=socket.AF_INET):
    s = ns.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.bind(("0.0.0.0" if family == socket.AF_INET else "::", 0))
    return s
