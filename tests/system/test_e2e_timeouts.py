"""Session life on the LNS: LCP keepalive failure, idle timeout and session
timeout each end the session with a CDN (RFC 2661 §5.7 / §6.14), seen on the
wire, and the LNS forgets the user's route and address.

The client's daemon is frozen with SIGSTOP for the keepalive case: the
network stays up, only the peer stops answering Echo-Requests (RFC 1661
§5.8), which is what a crashed or hung client looks like.
"""
import os
import signal
import time

import pytest

from lib import pppenv
from lib.pppenv import LOCAL_IP, PppNet
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

daemons_exit_clean = pppenv.daemons_exit_clean

USER, PW = "dave", "dave-pw-4444"


def cdns(cap, src):
    return [p for p in cap.control(src=src) if p.msg == "CDN"]


def one_client(env, lns_extra):
    net = PppNet(env, lns_extra=lns_extra, lns_secrets=[(USER, "*", PW, None)])
    c = net.client(USER, PW, lac_extra={"redial": False}, start=False)
    cap = env.capture(net.lns_ns, c.link.a_if, name="timeouts")
    c.daemon.start()
    c.wait_up()
    s = net.lns_session_of(USER)
    assert pppenv.host_route(net.lns_ns, c.addr)
    return net, c, cap, s


def assert_session_gone_on_lns(net, c, s):
    wait_until(lambda: not [x for x in net.lns.sessions()
                            if x.get("tunnel_id") == s["tunnel_id"]
                            and x.get("local_id") == s["local_id"]],
               timeout=10, what="session gone on the LNS")
    wait_until(lambda: not pppenv.host_route(net.lns_ns, c.addr), timeout=5,
               what=f"/32 route of {c.addr} gone on the LNS")
    wait_until(lambda: net.lns_stats().get("pool_used", 0) == 0, timeout=5,
               what="pool address released")


@pytest.mark.deadline(60)
def test_lcp_keepalive_failure_ends_session_with_cdn(env):
    # The LNS sends an Echo-Request every second and gives up after 3
    # unanswered ones; Hello stays slow so the tunnel is not what notices.
    net, c, cap, s = one_client(env, {"lcp echo interval": 1, "lcp echo failure": 3,
                                      "hello interval": 60})
    os.kill(c.daemon.pid, signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        cdn = cap.wait_msg("CDN", src=c.lns_addr, timeout=20)
        took = time.monotonic() - t0
        assert cdn is not None, "no CDN from the LNS after the client stopped answering"
        # RFC 2661 §4.4.2: Result Code 1, loss of carrier, for a dead link.
        assert cdn.result == 1, f"CDN result {cdn.result_codes}, want 1 (lost carrier)"
        assert cdn.session == c.sess["local_id"], cdn
        # RFC 3145 §3.2: PPP Disconnect Cause 8, Echo-Request timeout, LCP.
        assert cdn.ppp_cause is not None and cdn.ppp_cause[:2] == (8, 0xc021), cdn.ppp_cause
        assert 2.0 <= took <= 15.0, f"CDN after {took:.1f} s"
        assert_session_gone_on_lns(net, c, s)
        assert "echo" in net.lns.log().lower()
    finally:
        os.kill(c.daemon.pid, signal.SIGCONT)
    cap.stop()


@pytest.mark.deadline(60)
def test_idle_timeout_ends_session_with_cdn_traffic_keeps_it(env):
    net, c, cap, s = one_client(env, {"idle timeout": 3})
    # Traffic keeps an idle timer from firing: 6 s of pings, one per second.
    for _ in range(6):
        pppenv.assert_ping(c.ns, LOCAL_IP, count=1, what="(keeps the session busy)")
        t_last = time.monotonic()
        time.sleep(1.0)
    assert [x for x in net.lns.sessions() if x.get("local_id") == s["local_id"]], \
        "an active session was dropped as idle"
    assert not cdns(cap, c.lns_addr), "CDN while the session was busy"
    # Then silence: LCP echoes are not user traffic (pppd `idle` counts data).
    cdn = cap.wait_msg("CDN", src=c.lns_addr, timeout=15)
    took = time.monotonic() - t_last
    assert cdn is not None, "no CDN after the session went idle"
    assert cdn.result == 3, f"CDN result {cdn.result_codes}, want 3 (administrative)"
    # RFC 3145 §3.1: cause 1, administrative disconnect, with the reason.
    assert cdn.ppp_cause == (1, 0, 0, "idle timeout"), cdn.ppp_cause
    # ... and the client logs the cause it was given.
    wait_until(lambda: "PPP cause 1 (administrative disconnect)" in c.daemon.log(), timeout=10,
               what="client logs the LNS's PPP cause")
    # 3 s of silence after the last packet; the daemon samples activity
    # every min(idle/4, 1 s) step, so the CDN comes 2..4 s (+ slack) after it.
    assert 2.0 <= took <= 8.0, f"idle CDN {took:.1f} s after the last packet"
    assert_session_gone_on_lns(net, c, s)
    assert "idle timeout" in net.lns.log()
    # The client tears its side down too (no redial configured).
    wait_until(lambda: not c.daemon.sessions(), timeout=10, what="client session gone")
    assert c.iface not in pppenv.link_names(c.ns)
    cap.stop()


@pytest.mark.deadline(60)
def test_session_timeout_ends_busy_session_with_cdn(env):
    net, c, cap, s = one_client(env, {"session timeout": 4})
    t0 = time.monotonic()
    # Busy or not, the session ends when its time is up (pppd maxconnect,
    # RFC 2865 Session-Timeout).
    def busy_until_cdn():
        pppenv.ping(c.ns, LOCAL_IP, count=1, wait=0.5)
        return (cdns(cap, c.lns_addr) or [None])[0]
    cdn = wait_until(busy_until_cdn, timeout=20, interval=0.2, what="CDN at session timeout")
    took = time.monotonic() - t0
    assert cdn.result == 3, f"CDN result {cdn.result_codes}, want 3 (administrative)"
    assert 3.0 <= took <= 12.0, f"session-timeout CDN after {took:.1f} s"
    assert cdn.ppp_cause == (1, 0, 0, "session timeout"), cdn.ppp_cause
    assert_session_gone_on_lns(net, c, s)
    assert "session timeout" in net.lns.log()
    cap.stop()
