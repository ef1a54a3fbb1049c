#!/usr/bin/env bash
# The l2tpx demo, from a fresh Debian 12 machine (as root): installs what is
# needed, builds, starts an LNS and a LAC in two network namespaces joined by
# a veth pair, brings a tunnel and a session up, shows their status from
# both ends, and cleans up.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
top=$(pwd)

bash scripts/install-deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build src/daemon/l2tpxd src/ctl/l2tpxctl >/dev/null

ns_lns=lxdemo-lns-$$
ns_lac=lxdemo-lac-$$
tmp=$(mktemp -d /tmp/l2tpx-demo.XXXXXX)
pids=()

cleanup() {
    set +e
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    ip netns del "$ns_lns" 2>/dev/null
    ip netns del "$ns_lac" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "== two hosts: $ns_lns (10.77.0.1) and $ns_lac (10.77.0.2), joined by veth"
ip netns add "$ns_lns"
ip netns add "$ns_lac"
ip link add lxd0 netns "$ns_lns" type veth peer name lxd1 netns "$ns_lac"
ip -n "$ns_lns" addr add 10.77.0.1/24 dev lxd0
ip -n "$ns_lac" addr add 10.77.0.2/24 dev lxd1
for ns in "$ns_lns" "$ns_lac"; do
    ip -n "$ns" link set lo up
done
ip -n "$ns_lns" link set lxd0 up
ip -n "$ns_lac" link set lxd1 up

cat >"$tmp/lns.conf" <<CONF
[global]
listen-addr = 10.77.0.1
port = 1701

[lns default]
hostname = demo-lns
secret = demo-tunnel-secret
challenge = yes
hidden bit = yes
CONF

cat >"$tmp/lac.conf" <<CONF
[global]
listen-addr = 10.77.0.2
port = 1701

[lac demo]
lns = 10.77.0.1
hostname = demo-lac
secret = demo-tunnel-secret
challenge = yes
autodial = yes
redial = yes
CONF

echo "== starting the LNS and the LAC"
ip netns exec "$ns_lns" "$top/build/src/daemon/l2tpxd" -c "$tmp/lns.conf" \
    --control "$tmp/lns.ctl" 2>"$tmp/lns.log" &
pids+=("$!")
sleep 0.3
ip netns exec "$ns_lac" "$top/build/src/daemon/l2tpxd" -c "$tmp/lac.conf" \
    --control "$tmp/lac.ctl" 2>"$tmp/lac.log" &
pids+=("$!")

ctl() { "$top/build/src/ctl/l2tpxctl" --control "$1" "${@:2}"; }

up=0
for _ in $(seq 100); do
    if ctl "$tmp/lac.ctl" --json sessions 2>/dev/null | grep -q '"established"'; then
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

echo
echo "== LNS view (l2tpxctl status)"
ctl "$tmp/lns.ctl" status
echo
echo "== LAC view (l2tpxctl status)"
ctl "$tmp/lac.ctl" status
echo
echo "== stopping (SIGTERM sends StopCCN to the peer)"
kill -TERM "${pids[1]}"
wait "${pids[1]}" || true
sleep 0.5
ctl "$tmp/lns.ctl" status
echo
echo "== LNS log"
cat "$tmp/lns.log"
echo "demo ok"
