"""Each established tunnel gets a UDP socket connected to its peer
(src/daemon/daemon.c, net_udp_open_connected): the data plane sends the
tunnel's TUN -> UDP traffic on it without a destination or IP_PKTINFO, the
daemon reads the peer's datagrams from it, and it goes with the tunnel.

l2tpxd LNS <-> l2tpxd LAC client, IPv4 and IPv6, the LNS listening on its
address or on the wildcard: `ss -u -a -n` in the LNS's namespace shows the
socket bound to the dialled address and port 1701 and connected to the
peer; pings from the LNS to the client's PPP address go out on it
(dp_udp_tx_connected); when the client stops, the socket and its fd go
(udp_connected_sockets 0, open_fds back to the baseline); a new tunnel from
the same address and port gets a new one; SIGTERM still completes the
StopCCN exchange and exits 0.
"""
import re

import pytest

from lib import pppenv
from lib.l2tpx import lac_config, lns_config
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx


def _ep(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def udp_sockets(ns):
    """(state, local, peer) of every UDP socket in ns."""
    out = ns.run(["ss", "-u", "-a", "-n", "-H"]).stdout
    rows = []
    for ln in out.splitlines():
        f = ln.split()
        if len(f) >= 5:
            rows.append((f[0], f[3], f[4]))
    return rows


def connected_to(ns, local, peer):
    return [r for r in udp_sockets(ns) if r[1] == local and r[2] == peer]


def lns_fds(lns):
    return lns.stats()["open_fds"]


@pytest.mark.deadline(60)
@pytest.mark.parametrize("listen", ["addr", "wildcard"])
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_connected_socket_follows_the_tunnel(env, v6, listen):
    lns_ns, lac_ns = env.ns("lns"), env.ns("lac")
    link = env.link(lns_ns, lac_ns, v6=v6)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    lns = env.l2tpxd(lns_ns, "lns", lns_config(
        listen=lns_ip if listen == "addr" else None)).start()
    st = lns.stats()
    fds0 = st["open_fds"]
    assert st["udp_connected_sockets"] == 0, st
    local, peer = _ep(lns_ip, 1701), _ep(lac_ip, 1701)

    def client():
        return env.l2tpxd(lac_ns, "lac", lac_config(lns_ip, listen=lac_ip)).start()

    lac = client()
    lns.wait_tunnel()
    # The session is set up after the tunnel (ICRQ/ICRP/ICCN and PPP): the
    # peer's datagrams then arrive on the connected socket and get read.
    ls = lns.wait_session(pred=lambda s: s.get("state") == "established"
                          and s.get("ppp_phase") == "network" and s.get("ipv4_peer"),
                          timeout=15, what="session with PPP up")[0]
    rows = connected_to(lns_ns, local, peer)
    assert len(rows) == 1 and rows[0][0] == "ESTAB", udp_sockets(lns_ns)
    st = lns.stats()
    assert st["udp_connected_sockets"] == 1 and st["udp_connected_failed"] == 0, st
    assert st["open_fds"] == fds0 + 1, (fds0, st)

    # Pings from the LNS to the client's PPP address: TUN -> data plane ->
    # the tunnel's connected socket (no destination, no pktinfo).
    before = st["dp_udp_tx_connected"]
    pppenv.assert_ping(lns_ns, ls["ipv4_peer"], count=5)
    st = lns.stats()
    assert st["dp_udp_tx_connected"] >= before + 5, st
    assert st["dp_udp_tx_connected"] == st["dp_udp_tx_pkts"], st
    assert st["udp_rx_errors"] == 0, st

    # The client goes (StopCCN): the socket and its fd go with the tunnel.
    assert lac.stop() == 0, lac.log()[-3000:]
    lns.wait_no_tunnels(timeout=10)
    wait_until(lambda: lns.stats()["udp_connected_sockets"] == 0, timeout=5,
               what="connected socket closed")
    assert not connected_to(lns_ns, local, peer), udp_sockets(lns_ns)
    assert lns_fds(lns) == fds0
    # Only the listening sockets are left.
    assert all(r[2].endswith(":*") for r in udp_sockets(lns_ns)), udp_sockets(lns_ns)

    # Same peer address and port again: a new tunnel, a new socket.
    lac = client()
    lns.wait_tunnel()
    lns.wait_session()
    wait_until(lambda: len(connected_to(lns_ns, local, peer)) == 1, timeout=5,
               what="connected socket for the second tunnel")
    assert lns.stats()["udp_connected_sockets"] == 1

    # SIGTERM: StopCCN to the client, its acknowledgement arrives (on the
    # connected socket or, once that is closed, the listening one), exit 0.
    assert lns.stop(timeout=15) == 0, lns.log()[-3000:]
    lac.wait_no_tunnels(timeout=10)
    assert not re.search(r"Sanitizer|runtime error", lns.log()), lns.log()[-6000:]
    assert lac.stop() == 0
