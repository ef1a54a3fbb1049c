"""IPv6 through a PPP session (RFC 5072): IPv6CP opens on both ends with
interface identifiers, each end puts fe80::<ifid> on its interface, and
IPv6 packets cross the session in both directions. On the LNS the packet for
the user is found on the one shared TUN by its IPv6 destination (the data
plane's address hash), not by an interface per session."""
import subprocess

import pytest

from lib import pppenv
from lib.pppenv import PppNet

pytestmark = pytest.mark.needs_l2tpx

daemons_exit_clean = pppenv.daemons_exit_clean


def ping6(ns, target, iface, count=3):
    argv = ns.exec_argv(["ping", "-6", "-c", str(count), "-i", "0.2", "-W", "2",
                         f"{target}%{iface}"])
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def ll(ifid):
    return "fe80::" + ifid


@pytest.mark.deadline(60)
def test_ipv6_link_local_both_ways(env):
    net = PppNet(env, lns_secrets=[("erin", "*", "erin-pw-5", None),
                                   ("frank", "*", "frank-pw-6", None)])
    clients = [net.client("erin", "erin-pw-5"), net.client("frank", "frank-pw-6")]
    for c in clients:
        c.wait_up()
    for c in clients:
        s = net.lns_session_of(c.user)
        full = net.show_session(net.lns, s)
        assert full.get("ipv6_peer_ifid") and full.get("ipv6_local_ifid"), full
        lns_if = full["interface"]          # the shared TUN, the same for everyone
        cs = net.show_session(c.daemon, c.sess)
        assert cs["ipv6_local_ifid"] == full["ipv6_peer_ifid"], (cs, full)
        # LNS -> user: found on the shared TUN by IPv6 destination.
        p = ping6(net.lns_ns, ll(full["ipv6_peer_ifid"]), lns_if)
        assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
        # user -> LNS over the client's own TUN.
        p = ping6(c.ns, ll(cs["ipv6_peer_ifid"]), c.iface)
        assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
    ifaces = {net.show_session(net.lns, net.lns_session_of(c.user))["interface"]
              for c in clients}
    assert len(ifaces) == 1, f"one TUN for all sessions, got {ifaces}"
