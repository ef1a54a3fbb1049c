"""End to end: iperf3 TCP and UDP through the tunnel.

iperf3 server in the far namespace behind the LNS, client in a LAC-client
namespace: LAC TUN -> l2tpxd (LAC) -> UDP -> l2tpxd (LNS) -> TUN -> far.
The figures go to the test output (pytest -s, or -rA).
"""
import shutil

import pytest

from lib import pppenv, prereq
from lib.pppenv import PppNet

pytestmark = pytest.mark.needs_l2tpx

# every daemon must stop cleanly; no sanitizer reports
daemons_exit_clean = pppenv.daemons_exit_clean

UDP_RATE = "50M"
MAX_UDP_LOSS_PCT = 3.0


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

    # UDP at a modest rate, 3 s: low loss.
    udp = pppenv.iperf3_client(c.ns, net.far_ip, ["-u", "-b", UDP_RATE, "-t", "3", "-l", "1200"],
                               timeout=20)
    s = udp["end"]["sum"]
    loss = float(s.get("lost_percent", 100.0))
    umbps = s["bits_per_second"] / 1e6
    print(f"iperf3 UDP  up  : {umbps:8.1f} Mbit/s at -b {UDP_RATE}, "
          f"{s.get('lost_packets')}/{s.get('packets')} lost ({loss:.2f} %), "
          f"jitter {s.get('jitter_ms', 0):.3f} ms")
    assert s.get("packets", 0) > 0 and umbps > 0, s
    assert loss <= MAX_UDP_LOSS_PCT, f"UDP loss {loss:.2f} % at {UDP_RATE}: {s}"

    # UDP far -> client (-R) at the same rate.
    udpr = pppenv.iperf3_client(c.ns, net.far_ip,
                                ["-u", "-b", UDP_RATE, "-t", "3", "-l", "1200", "-R"], timeout=20)
    s = udpr["end"]["sum"]
    rloss = float(s.get("lost_percent", 100.0))
    print(f"iperf3 UDP  down: {s['bits_per_second'] / 1e6:8.1f} Mbit/s at -b {UDP_RATE}, "
          f"{s.get('lost_packets')}/{s.get('packets')} lost ({rloss:.2f} %)")
    assert s.get("packets", 0) > 0, s
    assert rloss <= MAX_UDP_LOSS_PCT, f"UDP -R loss {rloss:.2f} % at {UDP_RATE}: {s}"

    # The session counted the traffic (rx = from the peer, i.e. the upload).
    rx1, tx1 = _session_bytes(net, c)
    assert rx1 - rx0 >= recv["bytes"], (rx0, rx1, recv["bytes"])
    assert tx1 - tx0 >= tcpr["end"]["sum_received"]["bytes"], (tx0, tx1)
    st = net.lns_stats()
    print(f"LNS: tun_rx_pkts={st.get('tun_rx_pkts')} tun_tx_pkts={st.get('tun_tx_pkts')} "
          f"udp_rx_pkts={st.get('udp_rx_pkts')} rx_data_dropped={st.get('rx_data_dropped')} "
          f"mss_clamped={st.get('mss_clamped')}")
    srv.stop()
