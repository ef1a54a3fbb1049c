"""IPv6 through a PPP session (RFC 5072): IPv6CP opens on both ends with
interface identifiers, each end puts fe80::<ifid> on its interface, and
IPv6 packets cross the session in both directions. On the LNS the packet for
the user is found on the one shared TUN by its IPv6 destination (the data
plane's address hash), not by an interface per session.

With `ipv6 prefix` the LNS also gives each user a global /64 by router
advertisement over the session (RFC 4861 / RFC 4862 SLAAC / RFC 8106), and
routes it to that session."""
import ipaddress
import json
import os
import shutil
import subprocess

import pytest

from lib import pppenv, prereq
from lib.pppenv import PppNet
from lib.util import wait_until

pytestmark = pytest.mark.needs_l2tpx

daemons_exit_clean = pppenv.daemons_exit_clean


def ping6(ns, target, iface, count=3):
    argv = ns.exec_argv(["ping", "-6", "-c", str(count), "-i", "0.2", "-W", "2",
                         f"{target}%{iface}"])
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def ll(ifid):
    return "fe80::" + ifid


def link_locals(ns, iface):
    """The link-local addresses on iface."""
    out = ns.ip("-6", "-o", "addr", "show", "dev", iface, "scope", "link").stdout
    out = out.decode() if isinstance(out, bytes) else out
    return [ipaddress.ip_interface(f.split()[3]).ip for f in out.splitlines() if " inet6 " in f]


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
    # RFC 5072 §5: each end's one link-local address is fe80::<its IPv6CP
    # interface identifier>; the kernel adds none of its own to a TUN.
    for c in clients:
        cs = net.show_session(c.daemon, c.sess)
        assert link_locals(c.ns, c.iface) == [ipaddress.ip_address(ll(cs["ipv6_local_ifid"]))], \
            (link_locals(c.ns, c.iface), cs["ipv6_local_ifid"])
    lns_ifid = net.show_session(net.lns, net.lns_session_of(clients[0].user))["ipv6_local_ifid"]
    assert link_locals(net.lns_ns, ifaces.pop()) == [ipaddress.ip_address(ll(lns_ifid))]


V6_BLOCK = "2001:db8:100::/60"      # the LNS's `ipv6 prefix`: 16 /64s
V6_DNS = "2001:db8::53"
FAR6_NET = "fd00:99::/64"
FAR6_LNS, FAR6_HOST = "fd00:99::1", "fd00:99::2"


def v6_net(addr, plen=64):
    return ipaddress.ip_network(f"{addr}/{plen}", strict=False)


def lns_route6(net, prefix):
    out = net.lns_ns.ip("-6", "route", "show", prefix).stdout
    return out.decode() if isinstance(out, bytes) else out


def wait_global(c, timeout=15.0):
    """The client's session once the LNS's router advertisement gave it a
    global address (l2tpxctl show: ipv6_address)."""
    def ok():
        s = c.net.show_session(c.daemon, c.sess)
        return s if s.get("ipv6_address") else None
    return wait_until(ok, timeout=timeout, interval=0.1,
                      what=f"{c.user}: IPv6 address from router advertisement")


@pytest.mark.deadline(90)
def test_ipv6_global_prefix_by_router_advertisement(env):
    """`ipv6 prefix` on the LNS: each user gets its own /64 by router
    advertisement over its session (RFC 4861, RFC 4862 SLAAC, RFC 8106
    RDNSS); the LAC client takes <prefix>::<its IPv6CP ifid>, adds ::/0
    (`defaultroute6`) and reaches a host behind the LNS; the LNS routes
    each /64 to its session through the one shared TUN, and takes the
    route back when the session goes."""
    net = PppNet(env, lns_secrets=[("erin", "*", "erin-pw-5", None),
                                   ("frank", "*", "frank-pw-6", None)],
                 lns_extra={"ipv6 prefix": V6_BLOCK, "ipv6 dns": V6_DNS, "ra interval": 30})
    net.lns_ns.sysctl("net.ipv6.conf.all.forwarding", "1")
    # An IPv6 host behind the LNS.
    net.lns_ns.ip("addr", "add", f"{FAR6_LNS}/64", "dev", net.far_if, "nodad")
    far_if = [n for n in pppenv.link_names(net.far_ns) if n != "lo"][0]
    net.far_ns.ip("addr", "add", f"{FAR6_HOST}/64", "dev", far_if, "nodad")
    net.far_ns.ip("-6", "route", "add", V6_BLOCK, "via", FAR6_LNS)

    clients = [net.client(u, p, lac_extra={"defaultroute6": True})
               for u, p in (("erin", "erin-pw-5"), ("frank", "frank-pw-6"))]
    prefixes = set()
    for c in clients:
        c.wait_up()
        cs = wait_global(c)
        ls = net.show_session(net.lns, net.lns_session_of(c.user))
        pfx = v6_net(ls["ipv6_prefix"].split("/")[0])
        assert ls["ipv6_prefix"].endswith("/64") and pfx.subnet_of(v6_net("2001:db8:100::", 60)), ls
        prefixes.add(pfx)
        # The address is the advertised /64 + the IPv6CP interface identifier.
        addr = ipaddress.ip_address(cs["ipv6_address"])
        assert addr in pfx, (cs, ls)
        ifid = int("".join(g.zfill(4) for g in cs["ipv6_local_ifid"].split(":")), 16)
        assert int(addr) == int(pfx.network_address) | ifid, (cs, ls)
        assert cs["ipv6_dns"] == [V6_DNS] and cs["ipv6_default_route"] is True, cs
        assert ls["ra_tx"] >= 1 and cs["ra_rx"] >= 1 and cs["rs_tx"] >= 1, (ls, cs)
        # On the client: the address on its TUN, ::/0 through it.
        a6 = c.ns.ip("-6", "-o", "addr", "show", "dev", c.iface, "scope", "global").stdout
        a6 = a6.decode() if isinstance(a6, bytes) else a6
        assert f"inet6 {addr}/64" in a6, a6
        r6 = c.ns.ip("-6", "route", "show", "default").stdout
        r6 = r6.decode() if isinstance(r6, bytes) else r6
        assert f"dev {c.iface}" in r6, r6
        # On the LNS: the /64 routed through the shared TUN.
        lr = lns_route6(net, str(pfx))
        assert f"dev {ls['interface']}" in lr, lr
        # Traffic both ways with global addresses.
        p = subprocess.run(c.ns.exec_argv(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                                           FAR6_HOST]), capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
        p = subprocess.run(net.far_ns.exec_argv(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                                                 str(addr)]), capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
    assert len(prefixes) == 2, f"each user its own /64: {prefixes}"

    # The session goes: its /64 leaves the LNS's routing table.
    c = clients[0]
    ls = net.show_session(net.lns, net.lns_session_of(c.user))
    net.lns.ctl.run("disconnect", "session", ls["tunnel_id"], ls["local_id"])
    wait_until(lambda: not lns_route6(net, ls["ipv6_prefix"]).strip(),
               timeout=10, interval=0.1, what="the /64 route removed")
    # The client redials and gets a /64 again (the pool had it back).
    c.wait_up(timeout=20)
    cs = wait_global(c, timeout=20)
    assert ipaddress.ip_address(cs["ipv6_address"]) in v6_net("2001:db8:100::", 60), cs


PD_BLOCK = "2001:db8:200::/48"          # `ipv6 pd prefix`, delegated as /56s
DHCP6_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "dhcp6client.py")


def dhcp6(c, *args):
    """Runs the test's DHCPv6 client on the client's interface; its JSON answer."""
    p = subprocess.run(c.ns.exec_argv(["/usr/bin/python3", DHCP6_CLIENT, c.iface, *args]),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout)


@pytest.mark.deadline(90)
def test_dhcpv6_prefix_delegation_and_information_request(env):
    """`ipv6 pd prefix`: a CPE behind the session asks for a prefix by DHCPv6
    (RFC 8415 Solicit with Rapid Commit, IA_PD) and gets a /56 from the
    pool, bound to its session and routed to it through the shared TUN; a
    host behind the LNS reaches an address inside it. Information-Request
    gives the DNS servers (RFC 3646). Release hands the /56 back and the
    route goes."""
    net = PppNet(env, lns_secrets=[("erin", "*", "erin-pw-5", None)],
                 lns_extra={"ipv6 prefix": V6_BLOCK, "ipv6 dns": V6_DNS,
                            "ipv6 pd prefix": PD_BLOCK, "ipv6 pd length": 56})
    net.lns_ns.sysctl("net.ipv6.conf.all.forwarding", "1")
    net.lns_ns.ip("addr", "add", f"{FAR6_LNS}/64", "dev", net.far_if, "nodad")
    far_if = [n for n in pppenv.link_names(net.far_ns) if n != "lo"][0]
    net.far_ns.ip("addr", "add", f"{FAR6_HOST}/64", "dev", far_if, "nodad")
    net.far_ns.ip("-6", "route", "add", PD_BLOCK, "via", FAR6_LNS)
    c = net.client("erin", "erin-pw-5", lac_extra={"defaultroute6": True})
    c.wait_up()
    wait_global(c)

    # Solicit + Rapid Commit: a Reply straight away with the /56.
    r = dhcp6(c, "solicit")
    assert r is not None and r["type"] == 7 and r["rapid_commit"], r
    assert len(r["prefixes"]) == 1, r
    pd = ipaddress.ip_network(r["prefixes"][0]["prefix"])
    assert pd.prefixlen == 56 and pd.subnet_of(ipaddress.ip_network(PD_BLOCK)), r
    assert r["prefixes"][0]["valid"] > 0 and r["dns"] == [V6_DNS], r
    ls = net.show_session(net.lns, net.lns_session_of(c.user))
    assert ls["ipv6_delegated_prefix"] == str(pd), ls
    assert f"dev {ls['interface']}" in lns_route6(net, str(pd)), lns_route6(net, str(pd))
    # Asking again gives the same binding.
    r2 = dhcp6(c, "solicit")
    assert [p["prefix"] for p in r2["prefixes"]] == [str(pd)], r2

    # The CPE numbers its LAN from the /56; the far host reaches it.
    lan = str(pd.network_address + 1)
    c.ns.ip("addr", "add", f"{lan}/128", "dev", "lo")
    p = subprocess.run(net.far_ns.exec_argv(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                                             lan]), capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr

    # Stateless DHCPv6: DNS servers by Information-Request.
    info = dhcp6(c, "info")
    assert info is not None and info["type"] == 7 and info["dns"] == [V6_DNS], info

    # Release: the /56 goes back, its route leaves the LNS.
    rel = dhcp6(c, "release", str(pd), r["server_id"])
    assert rel is not None and rel["type"] == 7 and rel["status"] == 0, rel
    wait_until(lambda: not lns_route6(net, str(pd)).strip(), timeout=5, interval=0.1,
               what="delegated route removed")
    ls = net.show_session(net.lns, net.lns_session_of(c.user))
    assert "ipv6_delegated_prefix" not in ls and ls["dhcp6_rx"] >= 4, ls


def lo_addrs6(ns):
    out = ns.ip("-6", "-o", "addr", "show", "dev", "lo", "scope", "global").stdout
    out = out.decode() if isinstance(out, bytes) else out
    return [ipaddress.ip_interface(f.split()[3]) for f in out.splitlines() if " inet6 " in f]


@pytest.mark.deadline(90)
def test_dhcpcd_gets_a_delegated_prefix(env):
    """Interop with a real DHCPv6 client, Debian's dhcpcd 9, on the LAC
    client's interface: it solicits an IA_PD, takes the LNS's Advertise,
    Requests, gets the /56, numbers its "LAN" (lo) from it; a host behind
    the LNS reaches that address; when dhcpcd stops it Releases the prefix
    and the LNS takes the route back. dhcpcd runs in a private mount
    namespace with its state directories on tmpfs, so nothing of it stays."""
    if not shutil.which("dhcpcd"):
        prereq.missing("dhcpcd not installed (Debian package dhcpcd-base)")
    net = PppNet(env, lns_secrets=[("erin", "*", "erin-pw-5", None)],
                 lns_extra={"ipv6 prefix": V6_BLOCK, "ipv6 dns": V6_DNS,
                            "ipv6 pd prefix": PD_BLOCK, "ipv6 pd length": 56})
    net.lns_ns.sysctl("net.ipv6.conf.all.forwarding", "1")
    net.lns_ns.ip("addr", "add", f"{FAR6_LNS}/64", "dev", net.far_if, "nodad")
    far_if = [n for n in pppenv.link_names(net.far_ns) if n != "lo"][0]
    net.far_ns.ip("addr", "add", f"{FAR6_HOST}/64", "dev", far_if, "nodad")
    net.far_ns.ip("-6", "route", "add", PD_BLOCK, "via", FAR6_LNS)
    c = net.client("erin", "erin-pw-5", lac_extra={"defaultroute6": True})
    c.wait_up()
    wait_global(c)

    conf = os.path.join(env.dir, "dhcpcd.conf")
    with open(conf, "w") as f:
        # DHCPv6 only (l2tpxd does the RA part), a /56 for "lo", release on stop.
        f.write("ipv6only\nnoipv6rs\nduid\nrelease\nnohook resolv.conf\n"
                "ia_pd 1 lo/0/64\n")
    script = ("mkdir -p /var/lib/dhcpcd /run/dhcpcd && mount -t tmpfs tmpfs /var/lib/dhcpcd && "
              "mount -t tmpfs tmpfs /run/dhcpcd && "
              f"exec dhcpcd -B -6 -d -f {conf} -c /bin/true {c.iface}")
    d = env.procs.start("dhcpcd", c.ns.exec_argv(["unshare", "-m", "--propagation", "private",
                                                  "sh", "-c", script]))

    def delegated():
        s = net.show_session(net.lns, net.lns_session_of(c.user))
        pd = s.get("ipv6_delegated_prefix")
        if not pd:
            return None
        net6 = ipaddress.ip_network(pd)
        lan = [a for a in lo_addrs6(c.ns) if a.ip in net6]
        return (net6, lan[0].ip) if lan else None
    try:
        pd, lan = wait_until(delegated, timeout=30, interval=0.2,
                             what="dhcpcd got a delegated prefix and numbered lo from it")
    except AssertionError as e:
        raise AssertionError(f"{e}\ndhcpcd:\n{d.stdout_text()[-3000:]}{d.stderr_text()[-3000:]}")
    assert pd.prefixlen == 56 and pd.subnet_of(ipaddress.ip_network(PD_BLOCK)), pd
    assert f"dev {net.show_session(net.lns, net.lns_session_of(c.user))['interface']}" in \
        lns_route6(net, str(pd))
    p = subprocess.run(net.far_ns.exec_argv(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                                             str(lan)]), capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr

    # dhcpcd stops: it Releases (RFC 8415 §18.2.7), the LNS drops the route.
    env.procs.stop(d)
    wait_until(lambda: not lns_route6(net, str(pd)).strip(), timeout=10, interval=0.1,
               what="delegated route removed after dhcpcd's Release")
    log = d.stdout_text() + d.stderr_text()
    assert "REPLY6 received" in log and "delegated prefix" in log, log[-3000:]
