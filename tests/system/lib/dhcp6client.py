"""A minimal DHCPv6 client (RFC 8415) for the system tests, run inside a
client namespace: Solicit with Rapid Commit for one IA_PD, Information-
Request, Release. Messages are built and parsed here by hand, independent
of l2tpx's codec, and sent from the interface's link-local address to
All_DHCP_Relay_Agents_and_Servers (ff02::1:2) port 547.

Usage (in the namespace): python3 dhcp6client.py IFACE solicit|info|release [PREFIX/LEN]
Prints one JSON object: {"type": N, "prefixes": [...], "dns": [...], "status": N|null}."""
import ipaddress
import json
import os
import select
import socket
import struct
import sys

SOLICIT, ADVERTISE, REQUEST, REPLY, RELEASE, INFO_REQ = 1, 2, 3, 7, 8, 11
DUID = struct.pack("!HH", 3, 1) + bytes.fromhex("02005e0010aa")  # DUID-LL, Ethernet


def opt(code, data=b""):
    return struct.pack("!HH", code, len(data)) + data


def ia_pd(iaid, prefixes=()):
    sub = b"".join(opt(26, struct.pack("!IIB", 0, 0, p.prefixlen) + p.network_address.packed)
                   for p in prefixes)
    return opt(25, struct.pack("!III", iaid, 0, 0) + sub)


def parse_opts(b):
    out = []
    i = 0
    while i + 4 <= len(b):
        code, ln = struct.unpack_from("!HH", b, i)
        out.append((code, b[i + 4:i + 4 + ln]))
        i += 4 + ln
    return out


def parse(msg):
    res = {"type": msg[0], "xid": int.from_bytes(msg[1:4], "big"), "prefixes": [], "dns": [],
           "status": None, "ia_status": [], "server_id": None, "rapid_commit": False}
    for code, data in parse_opts(msg[4:]):
        if code == 2:
            res["server_id"] = data.hex()
        elif code == 13:
            res["status"] = struct.unpack_from("!H", data)[0]
        elif code == 14:
            res["rapid_commit"] = True
        elif code == 23:
            res["dns"] += [str(ipaddress.IPv6Address(data[k:k + 16]))
                           for k in range(0, len(data), 16)]
        elif code == 25:
            for c2, d2 in parse_opts(data[12:]):
                if c2 == 26:
                    pref, valid, plen = struct.unpack_from("!IIB", d2)
                    net = ipaddress.IPv6Network((d2[9:25], plen))
                    res["prefixes"].append({"prefix": str(net), "preferred": pref,
                                            "valid": valid})
                elif c2 == 13:
                    res["ia_status"].append(struct.unpack_from("!H", d2)[0])
    return res


def exchange(iface, mtype, opts, tries=3, timeout=2.0):
    idx = socket.if_nametoindex(iface)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", 546))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    xid = int.from_bytes(os.urandom(3), "big")
    msg = bytes([mtype]) + xid.to_bytes(3, "big") + opts
    for _ in range(tries):
        s.sendto(msg, ("ff02::1:2", 547, 0, idx))
        r, _, _ = select.select([s], [], [], timeout)
        while r:
            data, _ = s.recvfrom(2048)
            if len(data) >= 4 and int.from_bytes(data[1:4], "big") == xid:
                return parse(data)
            r, _, _ = select.select([s], [], [], 0.2)
    return None


def main():
    iface, what = sys.argv[1], sys.argv[2]
    base = opt(1, DUID) + opt(8, b"\0\0")
    if what == "solicit":
        res = exchange(iface, SOLICIT, base + opt(14) + opt(6, struct.pack("!H", 23)) + ia_pd(1))
    elif what == "info":
        res = exchange(iface, INFO_REQ, base + opt(6, struct.pack("!H", 23)))
    elif what == "release":
        server = bytes.fromhex(sys.argv[4])
        res = exchange(iface, RELEASE, base + opt(2, server) +
                       ia_pd(1, [ipaddress.IPv6Network(sys.argv[3])]))
    else:
        raise SystemExit(f"unknown action {what}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
