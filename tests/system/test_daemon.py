"""l2tpxd <-> l2tpxd in two namespaces: IPv4 / IPv6, tunnel auth with
hidden AVPs, wrong secret, SIGTERM, config errors, --check, l2tpxctl
disconnects, and replies from the address the request came to."""
import os
import re
import signal
import subprocess

import pytest

from lib.capture import subsequence
from lib.l2tpx import L2TPXD, lac_config, lns_config, render_config
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

SECRET = "daemon-Secret-7"
HANDSHAKE = ["SCCRQ", "SCCRP", "SCCCN", "ICRQ", "ICRP", "ICCN"]
A_CHALLENGE, A_CHAL_RESP, A_RANDOM_VECTOR = 11, 13, 36


def _host(addr):
    """'10.0.0.1:1701' / '[fd00::1]:1701' / bare address -> address."""
    a = str(addr)
    if a.startswith("["):
        return a[1:a.index("]")]
    if a.count(":") == 1:
        return a.split(":")[0]
    return a


def first(cap, msg, src=None):
    return cap.wait_msg(msg, src)


def setup_pair(env, v6=False, auth=False, hidden=False, lns_secret=None, lac_secret=None,
               lac_challenge=None, lns_listen=True, lns_extra=None, lac_target=None,
               extra_a=(), lns_global_extra=None):
    lns_ns, lac_ns = env.ns("lns"), env.ns("lac")
    link = env.link(lns_ns, lac_ns, v6=v6, extra_a=extra_a)
    cap = env.capture(lns_ns, link.a_if)
    lns_ip, lac_ip = link.a_addrs[0], link.b_addrs[0]
    lns = env.l2tpxd(lns_ns, "lns", lns_config(
        listen=lns_ip if lns_listen else None,
        secret=lns_secret if lns_secret is not None else (SECRET if auth else None),
        challenge=auth, hidden=hidden, lns_extra=lns_extra,
        global_extra=lns_global_extra)).start()
    target = lac_target or lns_ip
    lac = env.l2tpxd(lac_ns, "lac", lac_config(
        target, secret=lac_secret if lac_secret is not None else (SECRET if auth else None),
        challenge=auth if lac_challenge is None else lac_challenge, hidden=hidden)).start()
    return lns, lac, cap, lns_ip, lac_ip


def assert_established_pair(lns, lac, lns_ip, lac_ip, auth=False):
    lt = lns.wait_tunnel()[0]
    ct = lac.wait_tunnel()[0]
    assert lt["peer_id"] == ct["local_id"] and ct["peer_id"] == lt["local_id"], (lt, ct)
    assert _host(lt["peer"]) == lac_ip, lt
    assert _host(ct["peer"]) == lns_ip, ct
    assert lt["peer_host_name"] == "l2tpx-lac" and ct["peer_host_name"] == "l2tpx-lns"
    assert bool(lt["authenticated"]) == auth and bool(ct["authenticated"]) == auth, (lt, ct)
    ls = lns.wait_session()[0]
    cs = lac.wait_session()[0]
    assert ls["peer_id"] == cs["local_id"] and cs["peer_id"] == ls["local_id"], (ls, cs)
    assert ls["tunnel_id"] == lt["local_id"] and cs["tunnel_id"] == ct["local_id"]
    assert cs["lac"] and not ls["lac"], (ls, cs)
    return lt, ct, ls, cs


@pytest.mark.deadline(40)
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_lns_lac_pair(env, v6):
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env, v6=v6)
    assert_established_pair(lns, lac, lns_ip, lac_ip)
    st = lns.stats()
    assert st["tunnels"] == 1 and st["sessions"] == 1 and st["halfopen"] == 0, st
    assert lac.stop() == 0, lac.log()[-3000:]
    lns.wait_no_tunnels(timeout=10)
    assert lns.stop() == 0, lns.log()[-3000:]
    cap.stop()
    msgs = cap.messages()
    assert subsequence(HANDSHAKE + ["StopCCN"], msgs), f"{msgs}\n{cap.dump()}"
    assert first(cap, "SCCRQ").src == lac_ip and first(cap, "SCCRP").src == lns_ip
    assert first(cap, "StopCCN").src == lac_ip and first(cap, "StopCCN").result == 6
    cap.assert_no_malformed()


@pytest.mark.deadline(40)
def test_auth_with_hidden_avps(env):
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env, auth=True, hidden=True)
    assert_established_pair(lns, lac, lns_ip, lac_ip, auth=True)
    cap.stop()
    assert subsequence(HANDSHAKE, cap.messages()), cap.dump()
    sccrq, sccrp = first(cap, "SCCRQ", lac_ip), first(cap, "SCCRP", lns_ip)
    scccn = first(cap, "SCCCN", lac_ip)
    assert sccrq.has_avp(A_CHALLENGE) and sccrp.has_avp(A_CHALLENGE), cap.dump()
    assert sccrp.has_avp(A_CHAL_RESP) and scccn.has_avp(A_CHAL_RESP), cap.dump()
    # Hidden AVPs (§4.3): some AVP carries H, and a Random Vector precedes it.
    hidden_pkts = [p for p in cap.control() if any(p.avp_hidden)]
    assert hidden_pkts, f"no hidden AVP on the wire with 'hidden bit = yes':\n{cap.dump()}"
    for p in hidden_pkts:
        i = p.avp_hidden.index(True)
        assert A_RANDOM_VECTOR in p.avp_types[:i], f"hidden AVP before Random Vector: {p}"
        assert not p.avp_hidden[0], f"Message Type AVP hidden: {p}"
    cap.assert_no_malformed()


@pytest.mark.deadline(40)
@pytest.mark.parametrize("detector", ["lac", "lns"])
def test_wrong_secret_stopccn_4(env, detector):
    """lac: both challenge, the LAC finds the SCCRP's response wrong.
    lns: only the LNS challenges; it finds the SCCCN's response wrong."""
    lns, lac, cap, lns_ip, lac_ip = setup_pair(
        env, auth=True, lns_secret="secret-one", lac_secret="secret-two",
        lac_challenge=(detector == "lac"))
    who = lac if detector == "lac" else lns
    src = lac_ip if detector == "lac" else lns_ip
    wait_until(lambda: any(p.msg == "StopCCN" for p in cap.control(src=src)), timeout=10,
               what=f"StopCCN from the {detector}")
    stop = first(cap, "StopCCN", src)
    assert stop.result == 4, f"StopCCN result {stop.result_codes}, want 4\n{cap.dump()}"
    lns.wait_no_tunnels(timeout=10)
    lac.wait_no_tunnels(timeout=10)
    if detector == "lac":  # the LAC never confirmed the tunnel
        assert "SCCCN" not in cap.messages() and "ICRQ" not in cap.messages(), cap.dump()
    assert "ICRP" not in cap.messages(), cap.dump()
    assert who.stats()["rx_auth_failed"] >= 1, who.stats()
    assert lns.stop() == 0 and lac.stop() == 0
    cap.assert_no_malformed()


@pytest.mark.deadline(40)
@pytest.mark.parametrize("side", ["lns", "lac"])
def test_sigterm_stopccn_6_and_exit_0(env, side):
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env)
    assert_established_pair(lns, lac, lns_ip, lac_ip)
    victim, other = (lns, lac) if side == "lns" else (lac, lns)
    src = lns_ip if side == "lns" else lac_ip
    rc = victim.stop(signal.SIGTERM, timeout=15)
    assert rc == 0, f"exit status {rc}\n{victim.log()[-3000:]}"
    other.wait_no_tunnels(timeout=10)
    assert not other.sessions()
    assert other.alive()
    stop = first(cap, "StopCCN", src)
    assert stop.result == 6, f"StopCCN result {stop.result_codes}, want 6\n{cap.dump()}"
    # The peer acknowledged it, and the victim waited for that before exiting.
    other_ip = lac_ip if side == "lns" else lns_ip
    cap.wait_msg("ZLB", other_ip, pred=lambda p: p.number > stop.number)
    assert other.stop() == 0
    cap.assert_no_malformed()


# ------------------------------------------------------------ configuration

BAD_CONFIGS = [
    # (id, text, line number of the error, word that must be named)
    ("unknown-key-global", "[global]\nport = 1701\nfrobnicate = yes\n", 3, "frobnicate"),
    ("unknown-key-lns", "[global]\n[lns default]\nhostname = a\nwarp drive = on\n", 4,
     "warp drive"),
    ("bad-port", "[global]\nport = 70000\n", 2, "port"),
    ("bad-port-text", "[global]\nport = seventeen\n", 2, "port"),
    ("bad-bool", "[global]\n[lns default]\nchallenge = maybe\n", 3, "challenge"),
    ("bad-listen-addr", "[global]\nlisten-addr = 10.1.2.300\n", 2, "listen-addr"),
    ("bad-max-tunnels", "[global]\nmax tunnels = -5\n", 2, "max tunnels"),
    ("bad-rws", "[global]\n[lns default]\ntunnel rws = 0\n", 3, "tunnel rws"),
    ("bad-hello", "[global]\n[lns default]\nhello interval = 1h\n", 3, "hello interval"),
    ("bad-lac-lns", "[global]\n[lac up]\nlns = not an address!\n", 3, "lns"),
    ("bad-lac-ranges", "[global]\n[lns default]\nlac = 10.0.0.1 - banana\n", 3, "lac"),
    ("unknown-section", "[global]\nport = 1701\n\n[bogus thing]\nhostname = x\n", 4, "bogus"),
    ("lns-key-in-lac", "[global]\n[lac up]\nlns = 10.0.0.1\nexclusive = yes\n", 4, "exclusive"),
]


@pytest.mark.deadline(60)
@pytest.mark.parametrize("cid,text,line,word", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_config_error(env, cid, text, line, word):
    ns = env.ns("cfg")
    path = os.path.join(env.dir, f"{cid}.conf")
    with open(path, "w") as f:
        f.write(text)
    ctl = os.path.join(env.dir, "ctl.sock")
    for extra in ([], ["--check"]):
        try:
            p = subprocess.run(ns.exec_argv([L2TPXD, "-c", path, "--control", ctl, *extra]),
                               capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"l2tpxd {' '.join(extra)} kept running with a bad config ({cid})")
        assert p.returncode == 1, f"{extra}: rc={p.returncode} stderr={p.stderr!r}"
        assert f"{path}:{line}:" in p.stderr, f"{extra}: want '{path}:{line}:' in {p.stderr!r}"
        assert word in p.stderr, f"{extra}: want {word!r} named in {p.stderr!r}"
        if cid.startswith("unknown-key") or cid.startswith("bad-") or cid == "lns-key-in-lac":
            assert re.search(rf"key '{re.escape(word)}'", p.stderr), p.stderr
        assert not os.path.exists(ctl), "a control socket was created despite the bad config"


@pytest.mark.deadline(30)
def test_check_valid_config_does_not_start(env):
    ns = env.ns("chk")
    path = os.path.join(env.dir, "ok.conf")
    with open(path, "w") as f:
        f.write(lns_config(listen="10.77.99.1", secret="x", challenge=True, hidden=True))
    ctl = os.path.join(env.dir, "ctl.sock")
    p = subprocess.run(ns.exec_argv([L2TPXD, "-c", path, "--control", ctl, "--check"]),
                       capture_output=True, text=True, timeout=10)
    # --check validates only: it must not need the address to exist, bind or serve.
    assert p.returncode == 0, p.stderr
    assert not os.path.exists(ctl)
    # A file that does not exist is an error too.
    p = subprocess.run(ns.exec_argv([L2TPXD, "-c", path + ".missing", "--check"]),
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "missing" in p.stderr, (p.returncode, p.stderr)


@pytest.mark.deadline(30)
@pytest.mark.parametrize("value", ["10.0.0.1-10.0.0.5", "10.0.0.1 - 10.0.0.5", "10.0.0.0/24",
                                   "10.0.0.7", "10.0.0.1 - 10.0.0.5, 10.1.0.0/16"])
def test_config_accepts_xl2tpd_range_syntax(env, value):
    """xl2tpd.conf(5): ranges are written 'IP - IP' (example '1.1.1.1 -
    1.1.1.10'); l2tpx reads xl2tpd-style configs, so that form must parse."""
    ns = env.ns("chk")
    path = os.path.join(env.dir, "ranges.conf")
    with open(path, "w") as f:
        f.write(render_config({"access control": True}, lns={"default": {"lac": value}}))
    p = subprocess.run(ns.exec_argv([L2TPXD, "-c", path, "--check"]),
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, f"lac = {value!r} rejected: {p.stderr}"


# ------------------------------------------------------------ l2tpxctl disconnects

@pytest.mark.deadline(40)
def test_disconnect_session_then_tunnel(env):
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env)
    lt, ct, ls, cs = assert_established_pair(lns, lac, lns_ip, lac_ip)
    lns.ctl.run("disconnect-session", lt["local_id"], ls["local_id"])
    wait_until(lambda: any(p.msg == "CDN" for p in cap.control(src=lns_ip)), timeout=5,
               what="CDN from the LNS")
    cdn = first(cap, "CDN", lns_ip)
    assert cdn.session == cs["local_id"], cdn  # addressed to the LAC's session id
    assert cdn.result == 3, f"CDN result {cdn.result_codes}, want 3 (administrative)"
    wait_until(lambda: not lns.sessions() and not lac.sessions(), timeout=5,
               what="session gone on both sides")
    # The LAC client placed that one call; with the call gone (and no
    # redial) it closes its now empty tunnel: StopCCN result 1.
    wait_until(lambda: any(p.msg == "StopCCN" for p in cap.control(src=lac_ip)), timeout=5,
               what="StopCCN from the LAC client for its empty tunnel")
    assert first(cap, "StopCCN", lac_ip).result == 1
    lns.wait_no_tunnels(timeout=10)
    lac.wait_no_tunnels(timeout=10)
    # A fresh tunnel (the client restarted), then disconnect-tunnel on the LNS.
    assert lac.stop() == 0
    lac.start()
    lt, ct, ls, cs = assert_established_pair(lns, lac, lns_ip, lac_ip)
    n_stop_before = sum(1 for p in cap.control(src=lns_ip) if p.msg == "StopCCN")
    lns.ctl.run("disconnect-tunnel", lt["local_id"])
    wait_until(lambda: sum(1 for p in cap.control(src=lns_ip) if p.msg == "StopCCN")
               > n_stop_before, timeout=5, what="StopCCN from the LNS")
    stop = [p for p in cap.control(src=lns_ip) if p.msg == "StopCCN"][n_stop_before]
    assert stop.tunnel == ct["local_id"], stop
    assert stop.result == 1, f"StopCCN result {stop.result_codes}, want 1 (general request)"
    lns.wait_no_tunnels(timeout=10)
    lac.wait_no_tunnels(timeout=10)
    # Unknown ids are refused, not crashed on.
    p = lns.ctl.run("disconnect-tunnel", 4242, check=False, json_out=False)
    assert p.returncode != 0, p.stdout
    p = lns.ctl.run("disconnect-session", 4242, 1, check=False, json_out=False)
    assert p.returncode != 0, p.stdout
    assert lns.alive()
    assert lns.stop() == 0 and lac.stop() == 0
    cap.assert_no_malformed()


@pytest.mark.deadline(40)
def test_lac_disconnect_session_from_lac_side(env):
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env)
    lt, ct, ls, cs = assert_established_pair(lns, lac, lns_ip, lac_ip)
    lac.ctl.run("disconnect-session", ct["local_id"], cs["local_id"])
    wait_until(lambda: any(p.msg == "CDN" for p in cap.control(src=lac_ip)), timeout=5,
               what="CDN from the LAC")
    assert first(cap, "CDN", lac_ip).session == ls["local_id"]
    wait_until(lambda: not lns.sessions(), timeout=5, what="LNS drops the session")
    assert lns.stop() == 0 and lac.stop() == 0


# ------------------------------------------------------------ source address

@pytest.mark.deadline(40)
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_replies_from_dialled_secondary_address(env, v6):
    """The LNS listens on the wildcard address and has two addresses on its
    interface; the LAC dials the secondary one.  Every reply must leave from
    that address (IP_PKTINFO / IPV6_PKTINFO), or the LAC would drop it."""
    secondary = "fd00:77:1::11/64" if v6 else "10.77.1.11/24"
    sec_ip = secondary.split("/")[0]
    lns, lac, cap, lns_ip, lac_ip = setup_pair(env, v6=v6, lns_listen=False,
                                               extra_a=(secondary,), lac_target=sec_ip)
    assert lns_ip != sec_ip
    lt, ct, ls, cs = assert_established_pair(lns, lac, sec_ip, lac_ip)
    cap.stop()
    from_lns = [p for p in cap.control() if p.dst == lac_ip]
    assert from_lns, cap.dump()
    wrong = [p for p in from_lns if p.src != sec_ip]
    assert not wrong, f"replies not from the dialled address {sec_ip}: {wrong}"
    assert all(p.sport == 1701 for p in from_lns), from_lns
    assert lns.stop() == 0 and lac.stop() == 0


@pytest.mark.deadline(45)
def test_sigterm_stopccn_6_to_every_peer(env):
    """An LNS with tunnels to two LACs sends StopCCN 6 to each on SIGTERM,
    waits for both acknowledgements and exits 0."""
    lns_ns = env.ns("lns")
    lacs, caps = [], []
    links = []
    for i in range(2):
        ns = env.ns(f"la{i}")
        links.append(env.link(lns_ns, ns))
        caps.append(env.capture(lns_ns, links[-1].a_if, name=f"cap{i}"))
    lns = env.l2tpxd(lns_ns, "lns", lns_config()).start()  # wildcard listen
    for i, link in enumerate(links):
        lacs.append(env.l2tpxd(link.b, f"lac{i}", lac_config(link.a_addrs[0])).start())
    lns.wait_tunnel(n=2)
    lns.wait_session(n=2)
    rc = lns.stop(signal.SIGTERM, timeout=15)
    assert rc == 0, f"exit status {rc}\n{lns.log()[-3000:]}"
    for link, cap, lac in zip(links, caps, lacs):
        stop = cap.wait_msg("StopCCN", link.a_addrs[0])
        assert stop.result == 6, f"{stop}\n{cap.dump()}"
        cap.wait_msg("ZLB", link.b_addrs[0], pred=lambda p, s=stop: p.number > s.number)
        lac.wait_no_tunnels(timeout=10)
        assert lac.stop() == 0
    for cap in caps:
        cap.stop()
        cap.assert_no_malformed()


@pytest.mark.deadline(40)
@pytest.mark.parametrize("allowed", [True, False], ids=["listed", "unlisted"])
def test_access_control_lac_ranges(env, allowed):
    """access control = yes: only peers in an [lns] 'lac' range get a
    tunnel; others get StopCCN Result Code 4 (not authorized)."""
    rng = "10.77.1.2-10.77.1.9" if allowed else "10.99.0.1-10.99.0.9, 10.77.2.0/24"
    lns, lac, cap, lns_ip, lac_ip = setup_pair(
        env, lns_global_extra={"access control": True}, lns_extra={"lac": rng})
    if allowed:
        assert_established_pair(lns, lac, lns_ip, lac_ip)
    else:
        stop = cap.wait_msg("StopCCN", lns_ip)
        assert stop.result == 4, f"{stop}\n{cap.dump()}"
        assert "SCCRP" not in cap.messages(), cap.dump()
        # The LAC never saw an SCCRP: it learns the LNS's tunnel id from the
        # StopCCN's Assigned Tunnel ID AVP (RFC 2661 §6.4) and must address
        # its acknowledgement there, or the LNS retransmits until it gives up.
        zlb = cap.wait_msg("ZLB", lac_ip, pred=lambda p: p.number > stop.number)
        assert zlb.tunnel == stop.assigned_tunnel, (
            f"ZLB acking the StopCCN went to tunnel {zlb.tunnel}, not to the StopCCN's "
            f"Assigned Tunnel ID {stop.assigned_tunnel}\n{cap.dump()}")
        lns.wait_no_tunnels(timeout=10)
        lac.wait_no_tunnels(timeout=10)
    assert lns.stop() == 0 and lac.stop() == 0
