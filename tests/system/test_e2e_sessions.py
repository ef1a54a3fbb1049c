"""End to end: PPP sessions through l2tpxd (LNS) from l2tpxd LAC clients.

Three LAC-client namespaces on one LNS (PAP, CHAP-MD5, MS-CHAPv2, one with a
static address from chap-secrets) exchange traffic with the LNS, with a far
host behind it and with each other; per-session counters; a refused password;
an administrative disconnect (both sides clean, the client redials); the LNS
SIGKILLed and restarted (the clients notice and come back); TCP MSS clamping
seen on the wire.
"""
import signal
import socket
import time

import pytest

from lib import pppenv
from lib.pppenv import LOCAL_IP, POOL_NET, STATIC_IP, PppNet
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

# every daemon must stop cleanly; no sanitizer reports
daemons_exit_clean = pppenv.daemons_exit_clean

USERS = {
    # user: (password, LAC-side refuse-* keys, expected auth on the LNS)
    "alice": ("alice-pw-1", {"refuse chap": True, "refuse mschap": True,
                             "refuse mschap-v2": True}, "pap"),
    "bob": ("bob-pw-22", {"refuse pap": True, "refuse mschap": True,
                          "refuse mschap-v2": True}, "chap-md5"),
    "carol": ("carol-pw-333", {"refuse pap": True, "refuse chap": True,
                               "refuse mschap": True}, "mschap-v2"),
}


def lns_secrets(static_for="carol"):
    return [(u, "*", pw, STATIC_IP if u == static_for else None)
            for u, (pw, _, _) in USERS.items()]


def three_clients(env, lns_extra=None, lac_extra=None):
    net = PppNet(env, lns_extra=lns_extra, lns_secrets=lns_secrets())
    for u, (pw, refuse, _) in USERS.items():
        net.client(u, pw, lac_extra={**refuse, **(lac_extra or {})})
    for c in net.clients:
        c.wait_up()
    return net


def check_client_routes(net, c):
    """The client's TUN carries its address and the configured routes."""
    rs = pppenv.routes(c.ns)
    for pfx in (net.far_net, POOL_NET):
        assert any(r.startswith(pfx + " ") and f"dev {c.iface}" in r for r in rs), \
            f"{c.ns.name}: no route {pfx} dev {c.iface}:\n" + "\n".join(rs)


def all_traffic(net):
    for c in net.clients:
        pppenv.assert_ping(c.ns, LOCAL_IP, what="(LNS local ip)")
        pppenv.assert_ping(c.ns, net.far_ip, what="(far host behind the LNS)")
    for a in net.clients:
        for b in net.clients:
            if a is not b:
                pppenv.assert_ping(a.ns, b.addr, count=2, what=f"({a.user} -> {b.user})")


@pytest.mark.deadline(60)
def test_three_clients_exchange_traffic_through_lns(env):
    net = three_clients(env)
    by_user = {c.user: c for c in net.clients}

    # Addresses: pool for alice and bob, the static chap-secrets one for carol.
    assert by_user["carol"].addr == STATIC_IP, by_user["carol"].sess
    pool_lo, pool_hi = (int(x.rsplit(".", 1)[1]) for x in ("10.99.0.10", "10.99.0.200"))
    for u in ("alice", "bob"):
        a = by_user[u].addr
        assert a.startswith("10.99.0.") and pool_lo <= int(a.rsplit(".", 1)[1]) <= pool_hi, a
    assert len({c.addr for c in net.clients}) == 3

    # Each client authenticated with the method its refuse-* left over.
    for u, (_, _, method) in USERS.items():
        s = net.lns_session_of(u)
        assert s.get("auth") == method, f"{u}: {s}"
        assert s.get("ipv4_peer") == by_user[u].addr, s
        assert s.get("ipv4_local") == LOCAL_IP, s
        cs = by_user[u].sess
        assert cs.get("ipv4_peer") == LOCAL_IP, cs
        assert cs.get("auth") == method, f"client {u}: {cs}"
        # LNS: a /32 route for the user through the shared TUN.
        hr = pppenv.host_route(net.lns_ns, by_user[u].addr)
        assert hr and f"dev {s['interface']}" in hr[0], (hr, s)
        check_client_routes(net, by_user[u])

    before = {u: net.show_session(net.lns, net.lns_session_of(u)) for u in USERS}
    cbefore = {c.user: net.show_session(c.daemon, c.up_sessions()[0]) for c in net.clients}
    all_traffic(net)

    # Per-session counters grew on both sides, for every session.
    for u in USERS:
        after = net.show_session(net.lns, net.lns_session_of(u))
        for k in ("rx_pkts", "tx_pkts", "rx_bytes", "tx_bytes", "ip_rx_pkts", "ip_tx_pkts"):
            # each client sent >= 3+3+2*2 echo requests and got as many replies
            assert after[k] > before[u][k], f"LNS {u}: {k} {before[u][k]} -> {after[k]}"
        assert after["ip_rx_pkts"] - before[u]["ip_rx_pkts"] >= 10, (before[u], after)
        c = by_user[u]
        ca = net.show_session(c.daemon, c.up_sessions()[0])
        for k in ("rx_pkts", "tx_pkts", "ip_rx_pkts", "ip_tx_pkts"):
            assert ca[k] > cbefore[u][k], f"client {u}: {k} {cbefore[u][k]} -> {ca[k]}"
    # The human table shows them too.
    txt = net.lns.ctl.run("list", "sessions", json_out=False).stdout
    for u in USERS:
        assert u in txt, txt


@pytest.mark.deadline(40)
def test_wrong_password_refused_with_cdn_and_nothing_left(env):
    net = PppNet(env, lns_secrets=lns_secrets())
    c = net.client("bob", "bob-pw-22", wrong_password="not-bobs-password",
                   lac_extra={"redial": False, "refuse pap": True}, start=False)
    cap = env.capture(net.lns_ns, c.link.a_if, name="wrongpw")
    c.daemon.start()
    cdn = cap.wait_msg("CDN", src=c.lns_addr, timeout=15)
    assert cdn.result is not None, cdn
    wait_until(lambda: net.lns_stats().get("ppp_auth_failed", 0) >= 1, timeout=5,
               what="LNS counts the failed authentication")
    # Nothing established, nothing left on either side.
    wait_until(lambda: not net.lns.sessions(), timeout=10, what="LNS session gone")
    wait_until(lambda: not c.daemon.sessions(), timeout=10, what="client session gone")
    assert not pppenv.tun_links(c.ns), pppenv.link_names(c.ns)
    assert not pppenv.l2tpx_routes(c.ns), pppenv.routes_text(c.ns)
    assert not [r for r in pppenv.routes(c.ns) if "10.99.0." in r], pppenv.routes_text(c.ns)
    assert not [r for r in pppenv.routes(net.lns_ns) if r.startswith("10.99.0.")
                and "/" not in r.split()[0]], pppenv.routes_text(net.lns_ns)
    st = net.lns_stats()
    assert st.get("pool_used", 0) == 0, st
    assert "not-bobs-password" not in net.lns.log() + c.daemon.log()
    cap.stop()


@pytest.mark.deadline(60)
def test_admin_disconnect_both_sides_then_redial(env):
    net = three_clients(env)
    victim = net.clients[1]
    old_addr, old_if = victim.addr, victim.iface
    s = net.lns_session_of(victim.user)
    assert pppenv.host_route(net.lns_ns, old_addr)
    cap = env.capture(net.lns_ns, victim.link.a_if, name="admin-cdn")
    t0 = time.monotonic()
    net.lns.ctl.run("disconnect", "session", s["tunnel_id"], s["local_id"])

    # LNS: the session and the user's /32 route are gone.
    wait_until(lambda: not [x for x in net.lns.sessions()
                            if x.get("tunnel_id") == s["tunnel_id"]
                            and x.get("local_id") == s["local_id"]],
               timeout=5, what="session gone on the LNS")
    wait_until(lambda: not pppenv.host_route(net.lns_ns, old_addr), timeout=5,
               what=f"/32 route of {old_addr} gone on the LNS")
    # Client: its TUN and its routes are gone (before it redials).
    wait_until(lambda: old_if not in pppenv.link_names(victim.ns)
               and not pppenv.l2tpx_routes(victim.ns), timeout=5, interval=0.02,
               what="client TUN and routes gone")
    gone = time.monotonic() - t0
    # RFC 2661 §4.4.2: the CDN carried Result Code 3 (administrative).
    cdn = cap.wait_msg("CDN", src=victim.lns_addr, timeout=5)
    assert cdn.result == 3, cdn
    # The other clients were not disturbed.
    for c in net.clients:
        if c is not victim:
            pppenv.assert_ping(c.ns, net.far_ip, count=1)

    # The client redials by itself and everything works again.
    victim.wait_up(timeout=20)
    check_client_routes(net, victim)
    assert pppenv.host_route(net.lns_ns, victim.addr)
    pppenv.assert_ping(victim.ns, net.far_ip)
    pppenv.assert_ping(victim.ns, net.clients[0].addr)
    pppenv.assert_ping(net.clients[2].ns, victim.addr)
    print(f"disconnect: state gone after {gone:.2f}s, redialled after "
          f"{time.monotonic() - t0:.2f}s, new address {victim.addr}")


@pytest.mark.deadline(90)
def test_lns_killed_and_restarted_clients_come_back(env):
    net = three_clients(env)
    all_traffic(net)
    old_pid = net.lns.pid
    old_tunnels = {c.user: c.sess["tunnel_id"] for c in net.clients}
    net.lns.stop(sig=signal.SIGKILL, timeout=5)
    assert not net.lns.alive()
    t0 = time.monotonic()
    net.restart_lns()
    assert net.lns.pid != old_pid
    # The clients notice (Hello / LCP echo) and redial; all three come back.
    try:
        wait_until(lambda: len(net.lns_sessions()) == 3, timeout=45, interval=0.2,
                   what="3 sessions on the restarted LNS")
    except AssertionError as e:
        raise AssertionError(f"{e}\nLNS: {net.lns._safe_status()}\n" + "\n".join(
            f"{c.user}: {c.daemon._safe_status()}" for c in net.clients)) from None
    back = time.monotonic() - t0
    for c in net.clients:
        c.wait_up(timeout=10)
        assert c.sess["tunnel_id"] != old_tunnels[c.user], "client kept its dead tunnel"
    assert net.clients[2].addr == STATIC_IP
    all_traffic(net)
    for c in net.clients:
        check_client_routes(net, c)
        assert len(pppenv.tun_links(c.ns)) == 1, pppenv.link_names(c.ns)
    print(f"LNS restart: all clients back after {back:.1f}s")


@pytest.mark.deadline(45)
def test_tcp_syn_mss_clamped_on_the_wire(env):
    clamp = 1200
    net = PppNet(env, lns_secrets=lns_secrets(), lns_extra={"mss clamp": clamp})
    pw, refuse, _ = USERS["bob"]
    c = net.client("bob", pw, lac_extra=refuse)
    c.wait_up()
    mtu = int(c.ns.ip("-o", "link", "show", "dev", c.iface).stdout.split(" mtu ")[1].split()[0])
    assert mtu - 40 > clamp, f"client TUN MTU {mtu}: nothing to clamp"
    far_cap = env.capture(net.lns_ns, net.far_if, name="far-syn", bpf="tcp")
    tun_cap = env.capture(c.ns, c.iface, name="tun-syn", bpf="tcp")
    # A listener in the far namespace; connect from the client through the tunnel.
    srv = net.far_ns.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((net.far_ip, 5555))
    srv.listen(4)
    cli = c.ns.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        cli.settimeout(5)
        cli.connect((net.far_ip, 5555))
        srv.settimeout(5)
        conn, _ = srv.accept()
        conn.close()
    finally:
        cli.close()
        srv.close()
    time.sleep(0.3)
    far_cap.stop()
    tun_cap.stop()
    syn = "tcp.flags.syn == 1 && tcp.flags.ack == 0"
    synack = "tcp.flags.syn == 1 && tcp.flags.ack == 1"
    fields = ["ip.src", "ip.dst", "tcp.options.mss_val"]
    far_syn = pppenv.tshark_fields(far_cap.path, syn, fields)
    tun_syn = pppenv.tshark_fields(tun_cap.path, syn, fields)
    far_synack = pppenv.tshark_fields(far_cap.path, synack, fields)
    tun_synack = pppenv.tshark_fields(tun_cap.path, synack, fields)
    assert far_syn and tun_syn and far_synack and tun_synack, (far_syn, tun_syn, far_synack,
                                                              tun_synack)
    # The client sent MTU-40; behind the LNS the SYN carries the clamp.
    assert int(tun_syn[0][2]) == mtu - 40, tun_syn
    assert far_syn[0][0] == c.addr and int(far_syn[0][2]) == clamp, far_syn
    # The far host's SYN-ACK offers 1460; the client receives the clamp.
    assert int(far_synack[0][2]) == 1460, far_synack
    assert int(tun_synack[0][2]) <= clamp, tun_synack
    assert net.lns_stats().get("mss_clamped", 0) >= 2
    print(f"MSS: client SYN {tun_syn[0][2]} -> far side {far_syn[0][2]}; "
          f"far SYN-ACK {far_synack[0][2]} -> client {tun_synack[0][2]}")


@pytest.mark.deadline(30)
@pytest.mark.parametrize("lns_keys,method", [
    ({"require pap": True}, "pap"),
    ({"require chap": True}, "chap-md5"),
    ({"require mschap-v2": True}, "mschap-v2"),
], ids=["require-pap", "require-chap", "require-mschap-v2"])
def test_lns_require_method(env, lns_keys, method):
    """The LNS side decides: with one require-* the client (accepting every
    method) authenticates with exactly that one; a client refusing it is
    refused."""
    net = PppNet(env, lns_secrets=lns_secrets(), lns_extra=lns_keys)
    ok = net.client("alice", USERS["alice"][0])
    refuse_key = {"pap": "refuse pap", "chap-md5": "refuse chap",
                  "mschap-v2": "refuse mschap-v2"}[method]
    bad = net.client("bob", USERS["bob"][0], lac_extra={refuse_key: True, "redial": False})
    ok.wait_up()
    assert net.lns_session_of("alice")["auth"] == method
    assert ok.sess["auth"] == method
    pppenv.assert_ping(ok.ns, LOCAL_IP, count=1)
    # bob refuses the only method the LNS offers: no session, nothing left.
    wait_until(lambda: net.lns_stats().get("ppp_sessions_closed", 0) >= 1, timeout=10,
               what="bob's attempt ended on the LNS")
    time.sleep(0.3)
    assert not net.lns_sessions("bob")
    assert not bad.up_sessions() and not pppenv.tun_links(bad.ns), bad.daemon._safe_status()
    assert not pppenv.l2tpx_routes(bad.ns), pppenv.routes_text(bad.ns)


@pytest.mark.deadline(40)
def test_client_side_disconnect_cleans_both_sides(env):
    """`l2tpxctl disconnect session` on the LAC client: its TUN and routes
    go, and the LNS drops the session, the /32 route and the address."""
    net = PppNet(env, lns_secrets=lns_secrets())
    pw, refuse, _ = USERS["bob"]
    c = net.client("bob", pw, lac_extra={**refuse, "redial timeout": 3})
    c.wait_up()
    addr, iface = c.addr, c.iface
    s = c.up_sessions()[0]
    c.daemon.ctl.run("disconnect", "session", s["tunnel_id"], s["local_id"])
    wait_until(lambda: iface not in pppenv.link_names(c.ns) and not pppenv.l2tpx_routes(c.ns),
               timeout=2.5, interval=0.02, what="client TUN and routes gone")
    wait_until(lambda: not net.lns.sessions() and not pppenv.host_route(net.lns_ns, addr)
               and net.lns_stats().get("pool_used", 0) == 0, timeout=2.5, interval=0.02,
               what="LNS session, /32 route and address gone")


@pytest.mark.deadline(40)
def test_static_address_claims_and_pool_exhaustion(env):
    """A static chap-secrets address inside the pool is not handed out to
    anyone else; an exhausted pool and a static address already in use are
    refused cleanly (CDN), without a route or TUN left over."""
    secrets = [("carol", "*", "pw-c", "10.99.0.10"), ("alice", "*", "pw-a", None),
               ("bob", "*", "pw-b", None), ("dup", "*", "pw-d", "10.99.0.77")]
    net = PppNet(env, lns_secrets=secrets, pool="10.99.0.10-10.99.0.11")
    carol = net.client("carol", "pw-c")
    carol.wait_up()
    assert carol.addr == "10.99.0.10"
    alice = net.client("alice", "pw-a")
    alice.wait_up()
    assert alice.addr == "10.99.0.11", "the pool handed out carol's static address"
    bob = net.client("bob", "pw-b", lac_extra={"redial": False})
    wait_until(lambda: net.lns_stats().get("pool_exhausted", 0) >= 1, timeout=10,
               what="bob refused: pool exhausted")
    d1 = net.client("dup", "pw-d")
    d1.wait_up()
    assert d1.addr == "10.99.0.77"
    d2 = net.client("dup", "pw-d", lac_extra={"redial": False})
    wait_until(lambda: net.lns_stats().get("ppp_sessions_closed", 0) >= 2, timeout=10,
               what="second 'dup' refused: static address in use")
    time.sleep(0.3)
    got = sorted((s["user"], s["ipv4_peer"]) for s in net.lns_sessions())
    assert got == [("alice", "10.99.0.11"), ("carol", "10.99.0.10"), ("dup", "10.99.0.77")], got
    for c in (bob, d2):
        assert not c.up_sessions() and not pppenv.tun_links(c.ns), c.daemon._safe_status()
    assert sorted(r.split()[0] for r in pppenv.l2tpx_routes(net.lns_ns)) == \
        ["10.99.0.10", "10.99.0.11", "10.99.0.77"], pppenv.routes_text(net.lns_ns)
    # The first 'dup' is unaffected by the refused second one.
    pppenv.assert_ping(d1.ns, LOCAL_IP, count=2)
    pppenv.assert_ping(carol.ns, alice.addr, count=2)
