"""Interoperability with Debian's xl2tpd (RFC 2661 on the wire, checked in a
tshark capture), plus the harness self-test xl2tpd <-> xl2tpd."""
import signal

import pytest

from lib.capture import subsequence
from lib.util import wait_until

SECRET = "interop-Secret-42"
HANDSHAKE = ["SCCRQ", "SCCRP", "SCCCN", "ICRQ", "ICRP", "ICCN"]
A_CHALLENGE, A_CHAL_RESP = 11, 13


def pair(env, v6=False):
    lns_ns, lac_ns = env.ns("lns"), env.ns("lac")
    link = env.link(lns_ns, lac_ns, v6=v6)
    cap = env.capture(lns_ns, link.a_if)
    return lns_ns, lac_ns, link, cap


def first(cap, msg, src=None):
    return cap.wait_msg(msg, src)


def check_handshake(cap, lac_ip, lns_ip, auth):
    """The capture holds the whole tunnel+session establishment, in order,
    each message from the right side, with tunnel auth AVPs iff auth."""
    msgs = cap.messages()
    assert subsequence(HANDSHAKE, msgs), f"handshake incomplete: {msgs}\n{cap.dump()}"
    sccrq, sccrp = first(cap, "SCCRQ", lac_ip), first(cap, "SCCRP", lns_ip)
    scccn = first(cap, "SCCCN", lac_ip)
    first(cap, "ICRQ", lac_ip), first(cap, "ICRP", lns_ip), first(cap, "ICCN", lac_ip)
    assert sccrq.tunnel == 0, sccrq
    if auth:
        assert sccrp.has_avp(A_CHAL_RESP) or scccn.has_avp(A_CHAL_RESP), cap.dump()
        # Both ends challenge (challenge = yes on both): each answers.
        assert sccrq.has_avp(A_CHALLENGE) or sccrp.has_avp(A_CHALLENGE), cap.dump()
        if sccrq.has_avp(A_CHALLENGE):
            assert sccrp.has_avp(A_CHAL_RESP), f"SCCRP lacks Challenge Response: {sccrp}"
        if sccrp.has_avp(A_CHALLENGE):
            assert scccn.has_avp(A_CHAL_RESP), f"SCCCN lacks Challenge Response: {scccn}"
    else:
        for p in (sccrq, sccrp, scccn):
            assert not p.has_avp(A_CHALLENGE) and not p.has_avp(A_CHAL_RESP), p
    assert "StopCCN" not in msgs[:msgs.index("ICCN")], cap.dump()
    cap.assert_no_malformed()


# ------------------------------------------------------------ harness self-test

@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(40)
@pytest.mark.parametrize("auth", [False, True], ids=["noauth", "auth"])
def test_harness_xl2tpd_pair(env, auth):
    """xl2tpd LAC <-> xl2tpd LNS with the pppd stub: validates namespaces,
    the stub, capture parsing and the expert check."""
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    lns = env.xl2tpd(lns_ns, "xl-lns", listen=lns_ip, secret=SECRET if auth else None,
                     lns={"challenge": auth, "hostname": "xl-lns"}).start()
    lac = env.xl2tpd(lac_ns, "xl-lac", secret=SECRET if auth else None,
                     lacs={"up": {"lns": lns_ip, "challenge": auth, "hostname": "xl-lac"}}).start()
    lac.connect("up")
    wait_until(lambda: lns.stub_sessions() and lac.stub_sessions(), timeout=10,
               what="pppd stubs on both sides")
    stub_pid, stub_args = lns.stub_sessions()[0]
    assert "passive" in stub_args and lac_ip in stub_args, stub_args
    # The stub must still be running: the session stays up.
    lns.track_stubs()
    lac.track_stubs()
    assert open(f"/proc/{stub_pid}/cmdline", "rb").read(), "stub vanished"
    # SIGINT: xl2tpd clears its tunnels with StopCCN before exiting.
    lac.stop(signal.SIGINT)
    cap.stop(settle=1.0)
    check_handshake(cap, lac_ip, lns_ip, auth)
    stop = first(cap, "StopCCN", lac_ip)
    assert stop.result is not None, stop


# ------------------------------------------------------------ l2tpx <-> xl2tpd

def _l2tpx_lns(env, ns, ip, auth, secret=SECRET, challenge=None):
    from lib.l2tpx import lns_config
    return env.l2tpxd(ns, "l2tpx-lns", lns_config(
        listen=ip, secret=secret if (auth or challenge) else None,
        challenge=auth if challenge is None else challenge)).start()


def _l2tpx_lac(env, ns, lns_ip, auth, secret=SECRET):
    from lib.l2tpx import lac_config
    return env.l2tpxd(ns, "l2tpx-lac", lac_config(
        lns_ip, secret=secret if auth else None, challenge=auth)).start()


def _assert_up(d, peer_ip, peer_host, auth):
    t = d.wait_tunnel()[0]
    assert t["peer"].split(":")[0].strip("[]") == peer_ip or peer_ip in t["peer"], t
    assert t["peer_host_name"] == peer_host, t
    assert bool(t["authenticated"]) == auth, t
    s = d.wait_session()[0]
    assert s["tunnel_id"] == t["local_id"], (s, t)
    assert t["n_sessions"] >= 1, t
    return t, s


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
@pytest.mark.parametrize("auth", [False, True], ids=["noauth", "auth"])
def test_l2tpx_lns_accepts_xl2tpd_lac(env, auth):
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    d = _l2tpx_lns(env, lns_ns, lns_ip, auth)
    x = env.xl2tpd(lac_ns, "xl-lac", secret=SECRET if auth else None,
                   lacs={"up": {"lns": lns_ip, "challenge": auth, "hostname": "xl-lac"}}).start()
    x.connect("up")
    t, s = _assert_up(d, lac_ip, "xl-lac", auth)
    assert s["incoming"] is True or s["incoming"] in (1, "yes"), s
    wait_until(x.stub_sessions, timeout=10, what="xl2tpd LAC started its pppd (call up)")
    assert d.stop() == 0, d.log()[-3000:]
    cap.stop()
    check_handshake(cap, lac_ip, lns_ip, auth)


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
@pytest.mark.parametrize("auth", [False, True], ids=["noauth", "auth"])
def test_l2tpx_lac_dials_xl2tpd_lns(env, auth):
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    x = env.xl2tpd(lns_ns, "xl-lns", listen=lns_ip, secret=SECRET if auth else None,
                   lns={"challenge": auth, "hostname": "xl-lns"}).start()
    d = _l2tpx_lac(env, lac_ns, lns_ip, auth)
    t, s = _assert_up(d, lns_ip, "xl-lns", auth)
    wait_until(x.stub_sessions, timeout=10, what="xl2tpd LNS started its pppd (call up)")
    pid, args = x.stub_sessions()[0]
    assert lac_ip in args, args  # xl2tpd passes the peer as ipparam
    assert d.stop() == 0, d.log()[-3000:]
    cap.stop()
    check_handshake(cap, lac_ip, lns_ip, auth)


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
def test_wrong_secret_l2tpx_lac_vs_xl2tpd_lns(env):
    """xl2tpd's SCCRP answers our challenge with the wrong secret: l2tpx must
    send StopCCN Result Code 4 (not authorized) and keep no tunnel."""
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    x = env.xl2tpd(lns_ns, "xl-lns", listen=lns_ip, secret="the-other-secret",
                   lns={"challenge": True, "hostname": "xl-lns"}).start()
    d = _l2tpx_lac(env, lac_ns, lns_ip, True)
    wait_until(lambda: any(p.msg == "StopCCN" for p in cap.control(src=lac_ip)), timeout=10,
               what="StopCCN from l2tpx")
    stop = first(cap, "StopCCN", lac_ip)
    assert stop.result == 4, f"StopCCN result {stop.result_codes}, want 4\n{cap.dump()}"
    d.wait_no_tunnels(timeout=10)
    assert not d.sessions()
    assert "ICRQ" not in cap.messages(), cap.dump()
    assert not x.stub_sessions()
    assert d.stats()["rx_auth_failed"] >= 1, d.stats()
    assert d.stop() == 0
    cap.stop()
    cap.assert_no_malformed()


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
def test_wrong_secret_xl2tpd_lac_vs_l2tpx_lns(env):
    """l2tpx LNS challenges; xl2tpd (challenge = no, but a wrong secret in
    its secrets file) answers in SCCCN: l2tpx sends StopCCN Result Code 4."""
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    d = _l2tpx_lns(env, lns_ns, lns_ip, True)
    x = env.xl2tpd(lac_ns, "xl-lac", secret="the-other-secret",
                   lacs={"up": {"lns": lns_ip, "challenge": False, "hostname": "xl-lac"}}).start()
    x.connect("up")
    wait_until(lambda: any(p.msg == "StopCCN" for p in cap.control(src=lns_ip)), timeout=10,
               what="StopCCN from l2tpx")
    sccrp = first(cap, "SCCRP", lns_ip)
    assert sccrp.has_avp(A_CHALLENGE), sccrp
    assert first(cap, "SCCCN", lac_ip).has_avp(A_CHAL_RESP)
    stop = first(cap, "StopCCN", lns_ip)
    assert stop.result == 4, f"StopCCN result {stop.result_codes}, want 4\n{cap.dump()}"
    d.wait_no_tunnels(timeout=10)
    assert d.stats()["rx_auth_failed"] >= 1, d.stats()
    # xl2tpd notices: it never places the call (pppd never runs).
    assert not x.stub_sessions()
    assert d.stop() == 0
    cap.stop()
    cap.assert_no_malformed()


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
def test_sigterm_l2tpxd_sends_stopccn_6_to_xl2tpd(env):
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    d = _l2tpx_lns(env, lns_ns, lns_ip, False)
    x = env.xl2tpd(lac_ns, "xl-lac", lacs={"up": {"lns": lns_ip, "hostname": "xl-lac"}}).start()
    x.connect("up")
    _assert_up(d, lac_ip, "xl-lac", False)
    wait_until(x.stub_sessions, timeout=10, what="xl2tpd call up")
    stub_pid = x.stub_sessions()[0][0]
    x.track_stubs()
    rc = d.stop(signal.SIGTERM, timeout=15)
    assert rc == 0, f"l2tpxd exit status {rc}\n{d.log()[-3000:]}"
    stop = first(cap, "StopCCN", lns_ip)
    assert stop.result == 6, f"StopCCN result {stop.result_codes}, want 6\n{cap.dump()}"
    # The StopCCN was acknowledged by xl2tpd (a ZLB back to l2tpx).
    cap.wait_msg("ZLB", lac_ip, pred=lambda p: p.number > stop.number)
    # xl2tpd noticed: logged the reason and ended the call (its pppd).
    wait_until(lambda: "reason 6" in x.log(), timeout=5, what="xl2tpd logs StopCCN reason 6")
    wait_until(lambda: not _alive(stub_pid), timeout=5, what="xl2tpd stops the call's pppd")
    cap.stop()
    cap.assert_no_malformed()


@pytest.mark.needs_l2tpx
@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(45)
def test_sigint_xl2tpd_stopccn_to_l2tpx(env):
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    d = _l2tpx_lns(env, lns_ns, lns_ip, False)
    x = env.xl2tpd(lac_ns, "xl-lac", lacs={"up": {"lns": lns_ip, "hostname": "xl-lac"}}).start()
    x.connect("up")
    _assert_up(d, lac_ip, "xl-lac", False)
    x.stop(signal.SIGINT)
    wait_until(lambda: any(p.msg == "StopCCN" for p in cap.control(src=lac_ip)), timeout=5,
               what="StopCCN from xl2tpd")
    d.wait_no_tunnels(timeout=10)
    assert not d.sessions(), d.sessions()
    # l2tpx acknowledged the StopCCN.
    stop = first(cap, "StopCCN", lac_ip)
    cap.wait_msg("ZLB", lns_ip, pred=lambda p: p.number > stop.number)
    assert d.alive()
    assert d.stop() == 0
    cap.stop()
    cap.assert_no_malformed()


def _alive(pid):
    from lib.procs import pid_alive
    return pid_alive(pid)


@pytest.mark.needs_xl2tpd
@pytest.mark.deadline(40)
def test_harness_raw_peer_vs_xl2tpd(env):
    """Validates the hostile suite's own L2TP encoder against xl2tpd: a
    tunnel with mutual challenge/response, a hidden Calling Number AVP (§4.3),
    a session, then StopCCN Result Code 6."""
    import os
    from lib import l2tpmsg as m
    lns_ns, lac_ns, link, cap = pair(env)
    lns_ip = link.a_addrs[0]
    x = env.xl2tpd(lns_ns, "xl-lns", listen=lns_ip, secret=SECRET,
                   lns={"challenge": True, "hostname": "xl-lns"}).start()
    sock = m.udp_socket_in(lac_ns)
    try:
        peer = m.RawPeer(sock, lns_ip)
        peer.local_tid = m.new_tid()
        peer.send_ctrl(m.sccrq_avps(peer.local_tid,
                                    extra=[m.avp(m.A_CHALLENGE, b"0123456789abcdef")]), tid=0)
        got = peer.recv(3, want={"SCCRP"})
        sccrp = [g for g in got if g.name == "SCCRP"]
        assert sccrp, got
        assert sccrp[0].get(m.A_CHAL_RESP) == m.chal_response(m.SCCRP, SECRET,
                                                              b"0123456789abcdef")
        peer.peer_tid = sccrp[0].get_u16(m.A_TUNNEL_ID)
        peer.send_ctrl([m.msg_type(m.SCCCN), m.avp(m.A_CHAL_RESP, m.chal_response(
            m.SCCCN, SECRET, sccrp[0].get(m.A_CHALLENGE)))])
        peer.recv(0.3)
        wait_until(lambda: "Connection established" in x.log(), timeout=5,
                   what="xl2tpd accepts the raw tunnel")
        # ICRQ with a hidden Calling Number (xl2tpd hands it to pppd as
        # CALLER_ID).  Not in the SCCRQ: xl2tpd only knows the secret once
        # the tunnel's challenge has been handled.
        rv = os.urandom(16)
        number = b"hidden-0123456789-number"
        peer.send_ctrl([m.msg_type(m.ICRQ), m.avp(m.A_SESSION_ID, m.u16(4321)),
                        m.avp(m.A_CALL_SERIAL, m.u32(1)), m.avp(m.A_RANDOM_VECTOR, rv),
                        m.avp(22, m.hide(22, number, SECRET, rv), h=True)])
        got = peer.recv(3, want={"ICRP", "CDN", "StopCCN"})
        icrp = [g for g in got if g.name == "ICRP"]
        assert icrp, f"{got}\n{x.log()[-2000:]}"
        sid = icrp[0].get_u16(m.A_SESSION_ID)
        peer.send_ctrl([m.msg_type(m.ICCN), m.avp(m.A_TX_SPEED, m.u32(10000000)),
                        m.avp(m.A_FRAMING_TYPE, m.u32(1))], sid=sid)
        wait_until(x.stub_sessions, timeout=5, what="xl2tpd starts pppd for the raw session")
        assert "CALLER_ID=" + number.decode() in x.stub_sessions()[0][1], \
            f"xl2tpd did not decode our hidden AVP: {x.stub_sessions()}\n{x.log()[-2000:]}"
        peer.send_ctrl([m.msg_type(m.STOPCCN), m.avp(m.A_TUNNEL_ID, m.u16(peer.local_tid)),
                        m.avp(m.A_RESULT, m.u16(6))])
        wait_until(lambda: "reason 6" in x.log(), timeout=5, what="xl2tpd sees StopCCN 6")
    finally:
        sock.close()
    cap.stop()
    assert subsequence(HANDSHAKE + ["StopCCN"], cap.messages()), cap.dump()
    cap.assert_no_malformed()
