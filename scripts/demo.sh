#!/usr/bin/env bash
# The l2tpx demo, from a fresh Debian 12 machine (as root): installs what is
# needed, builds, then on three network namespaces joined by veth pairs
#
#   lxdemo-lac (10.77.0.2) ==veth== lxdemo-lns (10.77.0.1 | 10.78.0.1) ==veth== lxdemo-srv (10.78.0.2)
#   LAC client: l2tpxd            LNS: l2tpxd, pool 10.79.0.10-50        a server behind the LNS
#
# brings a tunnel and a PPP session up (CHAP, the address from the LNS's
# pool), pings across it, runs iperf3 through it for a few seconds, prints
# `l2tpxctl` status from both ends, and cleans up.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
top=$(pwd)

bash scripts/install-deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build src/daemon/l2tpxd src/ctl/l2tpxctl >/dev/null

tag=$$
ns_lac=lxdemo-lac-$tag
ns_lns=lxdemo-lns-$tag
ns_srv=lxdemo-srv-$tag
tmp=$(mktemp -d /tmp/l2tpx-demo.XXXXXX)
pids=()

cleanup() {
    set +e
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    for ns in "$ns_lac" "$ns_lns" "$ns_srv"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "== three hosts: LAC client, LNS, and a server behind the LNS"
for ns in "$ns_lac" "$ns_lns" "$ns_srv"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # fresh veths: no duplicate address detection delay for IPv6
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
done
ip link add lxd0 netns "$ns_lns" type veth peer name lxd1 netns "$ns_lac"
ip link add lxd2 netns "$ns_lns" type veth peer name lxd3 netns "$ns_srv"
ip -n "$ns_lns" addr add 10.77.0.1/24 dev lxd0
ip -n "$ns_lac" addr add 10.77.0.2/24 dev lxd1
ip -n "$ns_lns" addr add 10.78.0.1/24 dev lxd2
ip -n "$ns_srv" addr add 10.78.0.2/24 dev lxd3
ip -n "$ns_lns" link set lxd0 up
ip -n "$ns_lac" link set lxd1 up
ip -n "$ns_lns" link set lxd2 up
ip -n "$ns_srv" link set lxd3 up
ip -n "$ns_srv" route add 10.79.0.0/24 via 10.78.0.1
ip netns exec "$ns_lns" sysctl -qw net.ipv4.ip_forward=1
# IPv6 too: the server at fd00:78::2, users' /64s from 2001:db8:79::/48.
ip -n "$ns_lns" addr add fd00:78::1/64 dev lxd2 nodad
ip -n "$ns_srv" addr add fd00:78::2/64 dev lxd3 nodad
ip -n "$ns_srv" -6 route add 2001:db8:79::/48 via fd00:78::1
ip netns exec "$ns_lns" sysctl -qw net.ipv6.conf.all.forwarding=1

# The LNS: an xl2tpd-style config, chap-secrets as pppd has them.
cat >"$tmp/chap-secrets" <<'CONF'
# client   server   secret              addresses
alice      *        "alice's password"  *
CONF
cat >"$tmp/lns.conf" <<CONF
[global]
listen-addr = 10.77.0.1

[lns default]
hostname = demo-lns
secret = demo-tunnel-secret
challenge = yes
hidden bit = yes
ip range = 10.79.0.10-10.79.0.50
local ip = 10.79.0.1
require authentication = yes
require chap = yes
name = demo-lns
chap secrets = $tmp/chap-secrets
ms dns = 10.78.0.2
ipv6 prefix = 2001:db8:79::/48
ipv6 dns = fd00:78::2
CONF

# The LAC client: dials the LNS, authenticates as alice, routes the
# server's network through the session.
cat >"$tmp/client.options" <<'CONF'
name alice
password "alice's password"
noauth
CONF
cat >"$tmp/lac.conf" <<CONF
[global]
listen-addr = 10.77.0.2

[lac demo]
lns = 10.77.0.1
hostname = demo-lac
secret = demo-tunnel-secret
challenge = yes
autodial = yes
redial = yes
redial timeout = 2
pppoptfile = $tmp/client.options
route = 10.78.0.0/24
route = fd00:78::/64
interface = l2tpx-demo
CONF

echo "== starting the LNS and the LAC client"
ip netns exec "$ns_lns" "$top/build/src/daemon/l2tpxd" -c "$tmp/lns.conf" \
    --control "$tmp/lns.ctl" 2>"$tmp/lns.log" &
pids+=("$!")
sleep 0.3
ip netns exec "$ns_lac" "$top/build/src/daemon/l2tpxd" -c "$tmp/lac.conf" \
    --control "$tmp/lac.ctl" 2>"$tmp/lac.log" &
pids+=("$!")

ctl() { "$top/build/src/ctl/l2tpxctl" --control "$1" "${@:2}"; }

up=0
for _ in $(seq 150); do
    if ip -n "$ns_lac" -4 addr show dev l2tpx-demo 2>/dev/null | grep -q 'inet 10.79.0'; then
        up=1
        break
    fi
    sleep 0.1
done
if [ "$up" != 1 ]; then
    echo "!! the session did not come up; logs:"
    cat "$tmp/lns.log" "$tmp/lac.log"
    exit 1
fi
addr=$(ip -n "$ns_lac" -4 -o addr show dev l2tpx-demo | awk '{print $4}')
echo "   session up: the LAC client's l2tpx-demo has $addr"

echo
echo "== ping through the session: the LNS end (10.79.0.1) and the server behind it (10.78.0.2)"
ip netns exec "$ns_lac" ping -c 3 -i 0.2 -W 2 10.79.0.1
ip netns exec "$ns_lac" ping -c 3 -i 0.2 -W 2 -s 1372 10.78.0.2

for _ in $(seq 50); do
    ip -n "$ns_lac" -6 addr show dev l2tpx-demo scope global 2>/dev/null | grep -q inet6 && break
    sleep 0.1
done
addr6=$(ip -n "$ns_lac" -6 -o addr show dev l2tpx-demo scope global | awk '{print $4}')
echo
echo "== IPv6: the LNS advertised a /64 of its own to the session; the client took $addr6"
ip netns exec "$ns_lac" ping -6 -c 3 -i 0.2 -W 2 fd00:78::2

echo
echo "== iperf3 TCP through the session for 3 s"
ip netns exec "$ns_srv" iperf3 -s -1 -B 10.78.0.2 >/dev/null 2>&1 &
pids+=("$!")
sleep 0.5
ip netns exec "$ns_lac" iperf3 -c 10.78.0.2 -t 3 -f m | grep -E 'sender|receiver'

echo
echo "== LNS view: l2tpxctl status"
ctl "$tmp/lns.ctl" status
echo
echo "== LAC client view: l2tpxctl status"
ctl "$tmp/lac.ctl" status
echo
echo "== stopping (SIGTERM sends StopCCN to the peer)"
kill -TERM "${pids[1]}"
wait "${pids[1]}" || true
sleep 0.5
ctl "$tmp/lns.ctl" list sessions
echo "demo ok"
