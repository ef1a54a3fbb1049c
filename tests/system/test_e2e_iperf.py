"""End to end: iperf3 TCP and UDP through the tunnel.

iperf3 server in the far namespace behind the LNS, client in a LAC-client
namespace: LAC TUN -> l2tpxd (LAC) -> UDP -> l2tpxd (LNS) -> TUN -> far.
The figures go to the test output (pytest -s, or -rA).
"""
import json
import shutil

import pytest

from lib import pppenv, prereq
from lib.pppenv import PppNet

pytestmark = pytest.mark.needs_l2tpx

# every daemon must stop cleanly; no sanitizer reports
daemons_exit_clean = pppenv.daemons_exit_clean

UDP_RATE = "50M"
MAX_UDP_LOSS_PCT = 3.0
# iperf3's receiving socket gets a large buffer (-w): with the default
# 208 KiB it holds ~90 datagrams, which a few ms of vCPU steal overflows.
UDP_SOCKBUF = "4M"


def _ns_counters(ns):
    """Udp counters from the namespace's /proc/net/snmp and every link's
    packet/drop counters, flattened to {name: int}."""
    out = {}
    t = ns.run(["cat", "/proc/net/snmp"]).stdout
    t = t.decode() if isinstance(t, bytes) else t
    rows = [line.split() for line in t.splitlines() if line.startswith("Udp:")]
    out.update({f"udp.{k}": int(v) for k, v in zip(rows[0][1:], rows[1][1:])})
    links = ns.run(["ip", "-s", "-j", "link"]).stdout
    for link in json.loads(links):
        st = link.get("stats64", {})
        for d in ("rx", "tx"):
            for k in ("packets", "dropped"):
                out[f"{link['ifname']}.{d}.{k}"] = int(st.get(d, {}).get(k, 0))
    return out


def _snapshot(net, c):
    return {"lac_ns": _ns_counters(c.ns), "lns_ns": _ns_counters(net.lns_ns),
            "far_ns": _ns_counters(net.far_ns),
            "lac": c.daemon.ctl.run("stats")["stats"], "lns": net.lns_stats()}


def _delta(a, b):
    return {part: {k: v - a[part].get(k, 0) for k, v in b[part].items() if isinstance(v, int)}
            for part in b}


def udp_run(c, net, reverse):
    """One 3 s UDP run.  Returns (iperf3 summary, iperf3's loss %, the
    tunnel's own loss %, the per-hop account as text).

    The tunnel's loss is counted at its two TUN ends, independent of the
    iperf3 endpoints: what the sending side's kernel dropped because l2tpxd
    did not read its TUN fast enough, plus what l2tpxd read there but the
    other l2tpxd never wrote to its TUN (our UDP send, the wire, our UDP
    receive, decapsulation).  Drops in the receiving iperf3's socket or on the
    far veth are the test host's, and shown apart."""
    dev = c.iface
    s0 = _snapshot(net, c)
    args = ["-u", "-b", UDP_RATE, "-t", "3", "-l", "1200", "-w", UDP_SOCKBUF]
    r = pppenv.iperf3_client(c.ns, net.far_ip, args + (["-R"] if reverse else []), timeout=20)
    d = _delta(s0, _snapshot(net, c))
    src, dst = ("lns", "lac") if reverse else ("lac", "lns")
    src_ns, rx_ns = ("lns_ns", "lac_ns") if reverse else ("lac_ns", "far_ns")
    src_dev = "l2tpx0" if reverse else dev
    tun_dropped = d[src_ns].get(f"{src_dev}.tx.dropped", 0)
    read = d[src]["tun_rx_pkts"]
    written = d[dst]["tun_tx_pkts"]
    tunnel_lost = tun_dropped + max(read - written, 0)
    s = r["end"]["sum"]
    n = max(int(s.get("packets", 0)), 1)
    lost = int(s.get("lost_packets", n))
    loss, tunnel_loss = 100.0 * lost / n, 100.0 * tunnel_lost / n
    account = (f"{src} TUN: kernel dropped {tun_dropped} (not read in time), l2tpxd read {read}, "
               f"sent {d[src]['dp_udp_tx_pkts']} (errors {d[src].get('dp_udp_tx_errors', 0)}); "
               f"{dst}: UDP received {d[dst]['udp_rx_pkts']}, TUN written {written} "
               f"(errors {d[dst].get('tun_tx_errors', 0)}); {dst} netns Udp RcvbufErrors "
               f"{d['lac_ns' if reverse else 'lns_ns']['udp.RcvbufErrors']}; receiving iperf3's "
               f"netns Udp RcvbufErrors {d[rx_ns]['udp.RcvbufErrors']}")
    print(f"iperf3 UDP  {'down' if reverse else 'up  '}: {s['bits_per_second'] / 1e6:8.1f} Mbit/s "
          f"at -b {UDP_RATE}, {lost}/{n} lost end to end ({loss:.2f} %), tunnel lost "
          f"{tunnel_lost} ({tunnel_loss:.2f} %)\n    {account}")
    assert s.get("packets", 0) > 0, s
    return s, loss, tunnel_loss, account


@pytest.fixture
def tunnel(env):
    if not shutil.which("iperf3"):
        prereq.missing("iperf3 not installed")
    net = PppNet(env, lns_secrets=[("dave", "*", "dave-pw", None)], debug=False)
    c = net.client("dave", "dave-pw", lac_extra={"refuse pap": True})
    c.wait_up()
    pppenv.assert_ping(c.ns, net.far_ip)
    srv = pppenv.Iperf3Server(env, net.far_ns, net.far_ip)
    return net, c, srv


def _session_bytes(net, c):
    s = net.show_session(net.lns, net.lns_session_of(c.user))
    return s["rx_bytes"], s["tx_bytes"]


@pytest.mark.deadline(50)
def test_iperf3_tcp_and_udp_through_the_tunnel(env, tunnel):
    net, c, srv = tunnel
    rx0, tx0 = _session_bytes(net, c)

    # TCP, client -> far (upload through the tunnel), 3 s.
    tcp = pppenv.iperf3_client(c.ns, net.far_ip, ["-t", "3", "-O", "0"], timeout=20)
    sent = tcp["end"]["sum_sent"]
    recv = tcp["end"]["sum_received"]
    tcp_mbps = recv["bits_per_second"] / 1e6
    retr = sent.get("retransmits", 0)
    print(f"\niperf3 TCP  up  : {tcp_mbps:8.1f} Mbit/s received, {sent['bytes']} B sent, "
          f"{retr} retransmits")
    assert recv["bytes"] > 0 and tcp_mbps > 1.0, tcp["end"]

    # TCP, far -> client (download, -R), 3 s.
    tcpr = pppenv.iperf3_client(c.ns, net.far_ip, ["-t", "3", "-O", "0", "-R"], timeout=20)
    rmbps = tcpr["end"]["sum_received"]["bits_per_second"] / 1e6
    print(f"iperf3 TCP  down: {rmbps:8.1f} Mbit/s received")
    assert rmbps > 1.0, tcpr["end"]

    # UDP at a modest rate, 3 s each way: the tunnel itself loses (next to)
    # nothing; drops in the receiving iperf3's socket are counted apart.
    for reverse in (False, True):
        s, loss, tunnel_loss, account = udp_run(c, net, reverse)
        assert tunnel_loss <= MAX_UDP_LOSS_PCT, \
            f"UDP{' -R' if reverse else ''} tunnel loss {tunnel_loss:.2f} % at {UDP_RATE}: " \
            f"{account}; iperf3: {s}"

    # The session counted the traffic (rx = from the peer, i.e. the upload).
    rx1, tx1 = _session_bytes(net, c)
    assert rx1 - rx0 >= recv["bytes"], (rx0, rx1, recv["bytes"])
    assert tx1 - tx0 >= tcpr["end"]["sum_received"]["bytes"], (tx0, tx1)
    st = net.lns_stats()
    print(f"LNS: tun_rx_pkts={st.get('tun_rx_pkts')} tun_tx_pkts={st.get('tun_tx_pkts')} "
          f"udp_rx_pkts={st.get('udp_rx_pkts')} rx_data_dropped={st.get('rx_data_dropped')} "
          f"mss_clamped={st.get('mss_clamped')}")
    srv.stop()
