"""Tunnel secrets per LAC from xl2tpd's auth file (l2tp-secrets).

One [lns] with `challenge = yes` and no `secret`: the auth file names a
secret for each LAC by the Host Name AVP of its SCCRQ ("us them secret",
RFC 2661 §5.1.1 tunnel authentication), as xl2tpd does at tunnel time. Two
LAC clients with different secrets both get their tunnel and session; one
whose host name is unknown (and so has no secret on the LNS) and one with
the wrong secret are refused with StopCCN Result Code 4 (not authorized).
"""
import os

import pytest

from lib import pppenv
from lib.pppenv import PppNet
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

daemons_exit_clean = pppenv.daemons_exit_clean

SECRETS = {"lac-erin": "erin tunnel key", "lac-frank": "frank-tunnel-key"}


@pytest.mark.deadline(90)
def test_tunnel_secret_by_peer_host_name(env):
    auth = os.path.join(env.dir, "l2tp-secrets")
    with open(auth, "w") as f:
        f.write("# us them secret\n")
        for host, sec in SECRETS.items():
            f.write(f"l2tpx-lns {host} {sec}\n")
    os.chmod(auth, 0o600)
    users = [("erin", "erin-pw-5"), ("frank", "frank-pw-6"), ("gina", "gina-pw-7"),
             ("hank", "hank-pw-8")]
    net = PppNet(env, lns_secrets=[(u, "*", p, None) for u, p in users],
                 lns_extra={"challenge": True}, global_extra={"auth file": auth})
    good = [net.client(u, p, lac_extra={"challenge": True, "secret": SECRETS[f"lac-{u}"]})
            for u, p in users[:2]]
    unknown = net.client("gina", "gina-pw-7",
                         lac_extra={"challenge": True, "secret": "whatever", "redial": False})
    wrong = net.client("hank", "hank-pw-8",
                       lac_extra={"challenge": True, "hostname": "lac-erin",
                                  "secret": "not erin's key", "redial": False})
    for c in good:
        c.wait_up()
        pppenv.assert_ping(c.ns, net.far_ip)
    # Both refused with StopCCN Result Code 4 (RFC 2661 §4.4.2: not
    # authorized): the LNS has no secret for lac-gina; hank's LAC, calling
    # itself lac-erin, finds that the LNS's Challenge Response (made with
    # erin's key) is not the one its own secret gives.
    for c, why in ((unknown, "result 4 error 0: authentication required but no secret"),
                   (wrong, "result 4 error 0: wrong challenge response in SCCRP")):
        wait_until(lambda c=c, why=why: why in c.daemon.log(), timeout=15, interval=0.2,
                   what=f"{c.user}: tunnel refused ({why})")
        assert not c.up_sessions(), c.daemon.sessions()
    users_up = sorted(s.get("user") for s in net.lns_sessions())
    assert users_up == ["erin", "frank"], users_up
