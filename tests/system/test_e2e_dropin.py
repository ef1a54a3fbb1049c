"""Drop-in: `l2tpxd -c /etc/xl2tpd/xl2tpd.conf` runs an existing xl2tpd +
pppd setup unchanged.

The files are Debian's: xl2tpd's shipped example xl2tpd.conf and
ppp-options.xl2tpd (/usr/share/doc/xl2tpd/examples), Debian's default
/etc/ppp/pap-secrets and /etc/xl2tpd/l2tp-secrets, a chap-secrets in the
sample's style; on the client side the usual xl2tpd [lac] + pppd
options.l2tpd.client with `name` / `password`.  Each l2tpxd runs with exactly
`-c /etc/xl2tpd/xl2tpd.conf` in a private mount namespace where temp dirs are
bind-mounted over /etc/xl2tpd, /etc/ppp and /run (lib/pppenv.DropinL2tpxd):
the real /etc is never touched.
"""
import collections
import ipaddress
import os
import re

import pytest

from lib import pppenv
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

# every daemon must stop cleanly; no sanitizer reports
daemons_exit_clean = pppenv.daemons_exit_clean

# xl2tpd's examples/xl2tpd.conf as shipped (comments trimmed), plus the
# [global] keys people copy from VPN guides.
LNS_XL2TPD_CONF = """\
;
; This is a minimal sample xl2tpd configuration file for use
; with L2TP over IPsec.
;
[global]
port = 1701
; listen-addr = 192.168.1.98
auth file = /etc/xl2tpd/l2tp-secrets
access control = no
ipsec saref = yes
force userspace = yes
;debug avp = yes
;debug network = yes

[lns default]
ip range = 192.168.1.128-192.168.1.254
local ip = 192.168.1.99
require chap = yes
refuse pap = yes
require authentication = yes
name = LinuxVPNserver
ppp debug = yes
pppoptfile = /etc/ppp/options.xl2tpd
length bit = yes
"""

# xl2tpd's examples/ppp-options.xl2tpd, verbatim.
LNS_PPP_OPTIONS = """\
ipcp-accept-local
ipcp-accept-remote
ms-dns  192.168.1.1
ms-dns  192.168.1.3
ms-wins 192.168.1.2
ms-wins 192.168.1.4
noccp
auth
crtscts
idle 1800
mtu 1410
mru 1410
nodefaultroute
debug
lock
proxyarp
connect-delay 5000
"""

LNS_CHAP_SECRETS = """\
# Secrets for authentication using CHAP
# client\tserver\tsecret\t\t\tIP addresses
alice\t\tLinuxVPNserver\t"alice secret"\t*
vpnuser\t\t*\t"vpnpass"\t\t192.168.1.128/25\t# Dynamic IP
sam\t\t*\t"rumpelstiltskin"\t192.168.1.5\t# Static IP
"""

# Debian's default /etc/ppp/pap-secrets (comments trimmed).
DEBIAN_PAP_SECRETS = """\
# /etc/ppp/pap-secrets
#
# This is a pap-secrets file to be used with the AUTO_PPP function of
# mgetty+sendfax.
#
# INBOUND connections

# Every regular user can use PPP and has to use passwords from /etc/passwd
*\thostname\t""\t*

# UserIDs that cannot use PPP at all. Check your /etc/passwd and add any
# other accounts that should not be able to use pppd!
guest\thostname\t"*"\t-
master\thostname\t"*"\t-
root\thostname\t"*"\t-
support\thostname\t"*"\t-
stats\thostname\t"*"\t-

# OUTBOUND connections
"""

DEBIAN_CHAP_SECRETS = """\
# Secrets for authentication using CHAP
# client\tserver\tsecret\t\t\tIP addresses
"""

DEBIAN_L2TP_SECRETS = """\
# Secrets for authenticating l2tp tunnels
# us\tthem\tsecret
# *\t\tmarko blah2
# zeus\t\tmarko\tblah
# *\t*\tinterop
"""

# The client side as VPN client guides have it.
LAC_XL2TPD_CONF = """\
[lac myvpn]
lns = {lns}
ppp debug = yes
pppoptfile = /etc/ppp/options.l2tpd.client
length bit = yes
autodial = yes
redial = yes
redial timeout = 15
"""

LAC_PPP_OPTIONS = """\
ipcp-accept-local
ipcp-accept-remote
refuse-eap
require-chap
noccp
noauth
mtu 1280
mru 1280
noipdefault
defaultroute
usepeerdns
connect-delay 5000
name "vpnuser"
password "vpnpass"
"""

# Keys / options that mean nothing to l2tpx: exactly one warning each.
MEANINGLESS = ("ipsec saref", "force userspace", "crtscts", "lock", "noccp", "connect-delay")
POOL = (ipaddress.ip_address("192.168.1.128"), ipaddress.ip_address("192.168.1.254"))


def lns_files():
    return {"xl2tpd/xl2tpd.conf": LNS_XL2TPD_CONF,
            "xl2tpd/l2tp-secrets": DEBIAN_L2TP_SECRETS,
            "ppp/options.xl2tpd": LNS_PPP_OPTIONS,
            "ppp/chap-secrets": LNS_CHAP_SECRETS,
            "ppp/pap-secrets": DEBIAN_PAP_SECRETS}


def warning_lines(text):
    return [ln for ln in text.splitlines() if re.search(r"\bwarn(ing)?\b", ln, re.I)]


def assert_warned_once_each(log, keys, who):
    warns = warning_lines(log)
    for k in keys:
        hits = [w for w in warns if f"'{k}'" in w or f"\"{k}\"" in w or f" {k} " in w + " "]
        assert len(hits) == 1, f"{who}: {len(hits)} warnings about '{k}' (want 1):\n" + \
            "\n".join(warns)
    dups = [w for w, n in collections.Counter(
        re.sub(r"^\S+\s+", "", w) for w in warns).items() if n > 1]
    assert not dups, f"{who}: repeated warnings:\n" + "\n".join(dups)


def in_pool(a):
    return POOL[0] <= ipaddress.ip_address(a) <= POOL[1]


@pytest.mark.deadline(60)
def test_dropin_xl2tpd_setup_runs_unchanged(env):
    lns_ns = env.ns("lns")
    lns_ns.sysctl("net.ipv4.ip_forward", "1")
    c1_ns, c2_ns = env.ns("c1"), env.ns("c2")
    l1, l2 = env.link(lns_ns, c1_ns), env.link(lns_ns, c2_ns)

    lns = pppenv.dropin(env, lns_ns, "lns", lns_files())
    # --check: exit 0, the meaningless keys warned about.
    chk = lns.check_config()
    assert chk.returncode == 0, f"--check rc={chk.returncode}:\n{chk.stdout}{chk.stderr}"
    assert_warned_once_each(chk.stderr, MEANINGLESS, "l2tpxd --check")
    assert "vpnpass" not in chk.stderr + chk.stdout
    assert lns.argv()[-1].endswith("-c /etc/xl2tpd/xl2tpd.conf")
    lns.start()

    # Client 1: an l2tpx LAC client (l2tpx-style config), CHAP.
    c1_dir = env.dir + "/c1"
    os.makedirs(c1_dir, exist_ok=True)
    sec = pppenv.write_secrets(c1_dir + "/chap-secrets",
                               [("alice", "*", "alice secret", None)])
    c1_conf = pppenv.render([("global", {"debug": True}), ("lac office", {
        "lns": l1.a_addrs[0], "autodial": True, "redial": True, "redial timeout": 1,
        "name": "alice", "refuse pap": True, "chap secrets": sec, "pap secrets": sec,
        "route": "192.168.1.0/24"})])
    c1 = env.l2tpxd(c1_ns, "lac-l2tpx", c1_conf).start()

    # Client 2: an xl2tpd [lac] + pppd options file, run unchanged (drop-in).
    c2 = pppenv.dropin(env, c2_ns, "lac-xl2tpd", {
        "xl2tpd/xl2tpd.conf": LAC_XL2TPD_CONF.format(lns=l2.a_addrs[0]),
        "xl2tpd/l2tp-secrets": DEBIAN_L2TP_SECRETS,
        "ppp/options.l2tpd.client": LAC_PPP_OPTIONS,
        "ppp/chap-secrets": DEBIAN_CHAP_SECRETS,
        "ppp/pap-secrets": DEBIAN_PAP_SECRETS})
    chk2 = c2.check_config()
    assert chk2.returncode == 0, f"LAC --check rc={chk2.returncode}:\n{chk2.stderr}"
    c2.start()

    def up(d):
        ss = [s for s in d.sessions() if s.get("ppp_phase") == "network"
              and s.get("ipv4_local") and s.get("interface")]
        return ss[0] if ss else None

    try:
        s1 = wait_until(lambda: up(c1), timeout=15, what="l2tpx LAC client up")
        s2 = wait_until(lambda: up(c2), timeout=15, what="xl2tpd-style LAC client up")
    except AssertionError as e:
        raise AssertionError(f"{e}\nLNS log:\n{lns.log()[-4000:]}\nc1 log:\n"
                             f"{c1.log()[-2500:]}\nc2 log:\n{c2.log()[-2500:]}") from None

    # Addresses from `ip range`, LNS end = `local ip`.
    for s in (s1, s2):
        assert in_pool(s["ipv4_local"]), s
        assert s["ipv4_peer"] == "192.168.1.99", s
    # The LNS: CHAP-MD5 (require chap), settings of options.xl2tpd in force.
    lss = {s["user"]: s for s in lns.sessions() if s.get("ppp_phase") == "network"}
    assert set(lss) == {"alice", "vpnuser"}, lss
    for u, s in lss.items():
        assert s["auth"] == "chap-md5", s
        full = lns.ctl.run("show", "session", s["tunnel_id"], s["local_id"])["session"]
        assert full.get("dns") == ["192.168.1.1", "192.168.1.3"], full   # ms-dns
        assert full.get("mru") == 1410, full                              # mru 1410
        assert full.get("idle_timeout_s") == 1800, full                   # idle 1800
    # The xl2tpd-style client: name/password from the options file, DNS
    # taken (usepeerdns), MTU 1280, default route through its TUN.
    assert s2.get("auth") == "chap-md5", s2
    assert s2.get("dns") == ["192.168.1.1", "192.168.1.3"], s2
    mtu = int(c2_ns.ip("-o", "link", "show", "dev", s2["interface"]).stdout
              .split(" mtu ")[1].split()[0])
    assert mtu <= 1280, mtu
    assert any(r.startswith("default ") and f"dev {s2['interface']}" in r
               for r in pppenv.routes(c2_ns)), pppenv.routes_text(c2_ns)

    # Traffic: each client to the LNS's local ip, and to each other.
    pppenv.assert_ping(c1_ns, "192.168.1.99")
    pppenv.assert_ping(c2_ns, "192.168.1.99")
    pppenv.assert_ping(c1_ns, s2["ipv4_local"])
    pppenv.assert_ping(c2_ns, s1["ipv4_local"])

    # Warnings: once each, also after sessions ran (no per-call repeats).
    assert_warned_once_each(lns.log(), MEANINGLESS, "LNS log")
    assert_warned_once_each(c2.log(), ("connect-delay", "noccp"), "LAC log")
    for d in (lns, c1, c2):
        assert "vpnpass" not in d.log() and "alice secret" not in d.log()

    # Nothing of this reached the real /etc or /run.
    assert not os.path.exists("/run/l2tpx/l2tpxd.ctl") or \
        os.stat("/run/l2tpx/l2tpxd.ctl").st_ino != os.stat(lns.control).st_ino
    with open("/proc/self/mountinfo") as f:
        mi = f.read()
    assert lns.root not in mi and c2.root not in mi, "bind mounts leaked to the host"

    # SIGTERM: clean stop of everything.
    assert c2.stop() == 0 and c1.stop() == 0
    wait_until(lambda: not lns.sessions(), timeout=10, what="LNS sessions gone")
    assert lns.stop() == 0
