#!/usr/bin/env bash
# run_bench.sh - l2tpxd's data plane against the reference relay of
# ../shared/bench (tun_relay, mmsg mode), in the same run, same topology,
# same CPU pinning as ../shared/bench/run_limits.sh.
#
#   lxb_gen (10.201.0.1) ==veth g0/d0== lxb_dut (10.201.0.2) ==veth d1/f1== lxb_far (10.203.0.2)
#     "LAC": udp_blast/udp_sink,         LNS: l2tpxd (CPU1)          "network": udp_blast/
#     l2tpxd LAC client, iperf3 -c       reference: tun_relay (CPU1)  udp_sink, iperf3 -s
#     (CPU0)                             subscriber 10.202.0.2 routed
#                                        into l2tpxd's TUN
#
# Cases (bytes = UDP payload on the g0/d0 link, as in run_limits):
#   fwd  UDP->TUN  gen udp_blast -E sends header + inner IPv4/UDP 10.202.0.2 -> 10.203.0.2:9
#                  to the relay / the LNS, which writes it into its TUN; the kernel
#                  forwards it out d1.  Counted: d1 tx_packets.
#   rev  TUN->UDP  far udp_blast sends plain UDP to the subscriber (10.202.0.2 for
#                  l2tpxd, 10.202.0.3 for the reference: both TUNs coexist, the
#                  LNS routes only the session's /32); the relay / LNS reads it from
#                  its TUN and sends it to 10.201.0.1:1701 (a non-reading udp_sink -H).
#                  Counted: d0 tx_packets.
#   tcp            iperf3 from gen through a live l2tpxd LAC client session to far.
# The reference relay listens on 10.201.0.2:1702 (l2tpxd has :1701); it sends
# from :1702 to 10.201.0.1:1701 like l2tpxd does from :1701.
#
# l2tpxd setup: LNS in lxb_dut (chap-secrets gives user "bench" the static
# address 10.202.0.2; hello and LCP echo off), LAC client in lxb_gen; once
# the session is up and iperf3 has run, the LAC client is SIGKILLed (the LNS
# keeps the session) and udp_blast impersonates it: -T <LNS tunnel>:<LNS
# session> from 10.201.0.1:1701.
#
# Every case: start the receiving side and the measured side, start the
# generator (CPU0), wait WARM s, snapshot counters and CPU times, wait WIN s,
# snapshot again.  us/pkt = CPU time of the measured process (tun_relay or
# the LNS l2tpxd) per delivered packet.  Each (dir, size) runs the
# reference and l2tpxd alternately, REPS times each, so both see the same
# machine noise; the summary gives the medians.
#
# Knobs: WIN (2) REPS (3) WARM (0.5) SIZES ("64 1400") DIRS ("fwd rev") IPERF_T (4)
#        TCP (1) BUILD (<repo>/build-bench) REF (<repo>/../shared/bench)
#        KEEP_NS (0) PERF (0; 1 = perf record the measured process in the 64-byte cases)
#        NICE (0; e.g. -10 runs the measured side, tun_relay and the LNS alike,
#        above the machine's other tenants so that pps reflects capacity
#        rather than the scheduler's share on a shared machine)
# Usage: sudo bench/run_bench.sh       (about 80 s; prints the table)
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
REF=${REF:-$(cd "$REPO/../shared/bench" 2>/dev/null && pwd)}
BUILD=${BUILD:-$REPO/build-bench}
WIN=${WIN:-2}
REPS=${REPS:-3}
WARM=${WARM:-0.5}
SIZES=${SIZES-"64 1400"}
DIRS=${DIRS-"fwd rev"}
IPERF_T=${IPERF_T:-4}
TCP=${TCP:-1}
KEEP_NS=${KEEP_NS:-0}
PERF=${PERF:-0}
NICE=${NICE:-0}
GEN_CPU=0
DUT_CPU=1
NS_GEN=lxb_gen NS_DUT=lxb_dut NS_FAR=lxb_far
RUN_ID=$(date +%Y%m%d-%H%M%S)
LOG=$BUILD/bench-logs/$RUN_ID
OUT=${OUT:-$BUILD/bench-results/bench-$RUN_ID.tsv}
REFBIN=$BUILD/refbench

die() { echo "run_bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, TUN)"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs"
[ -n "$REF" ] && [ -f "$REF/tun_relay.c" ] || die "reference bench not found (set REF=.../shared/bench)"

exec 9>/tmp/lxb_bench.lock
flock -n 9 || die "another run_bench.sh is running"

# ---------------------------------------------------------------- build
mkdir -p "$LOG" "$(dirname "$OUT")"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$REPO" --buildtype=release >"$LOG/meson.log" 2>&1 ||
        die "meson setup failed (see $LOG/meson.log)"
fi
ninja -C "$BUILD" src/daemon/l2tpxd src/ctl/l2tpxctl >"$LOG/ninja.log" 2>&1 ||
    die "build failed (see $LOG/ninja.log)"
L2TPXD=$BUILD/src/daemon/l2tpxd
L2TPXCTL=$BUILD/src/ctl/l2tpxctl
# The reference tools, built from their own Makefile into our build dir.
make -s -C "$REF" BIN="$REFBIN" "$REFBIN/udp_blast" "$REFBIN/udp_sink" "$REFBIN/tun_relay" \
    >"$LOG/make-ref.log" 2>&1 || die "building the reference tools failed (see $LOG/make-ref.log)"

# ---------------------------------------------------------------- processes
ALL_PIDS=()
LAST_PID=
# start_bg NS CPU LOGFILE CMD... (ip netns exec and taskset exec: $! is CMD)
start_bg() {
    local ns=$1 cpu=$2 log=$3 pre=()
    shift 3
    # The measured side (CPU1) optionally at a higher priority than the
    # machine's other tenants: both implementations alike.
    [ "$cpu" = "$DUT_CPU" ] && [ "$NICE" != 0 ] && pre=(nice -n "$NICE")
    ip netns exec "$ns" "${pre[@]}" taskset -c "$cpu" "$@" >"$log" 2>&1 &
    LAST_PID=$!
    ALL_PIDS+=("$LAST_PID")
}
# stop_pid PID [SIG...]: the given signals (default TERM), then KILL after 2 s.
stop_pid() {
    local p=$1 s i
    shift
    [ $# -eq 0 ] && set -- TERM
    for s in "$@"; do kill -"$s" "$p" 2>/dev/null; sleep 0.05; done
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
}
cleanup() {
    local p
    for p in "${ALL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && stop_pid "$p" TERM TERM; done
    if [ "$KEEP_NS" != 1 ]; then
        for ns in $NS_GEN $NS_DUT $NS_FAR; do ip netns del "$ns" 2>/dev/null; done
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- topology
setup_netns() {
    local ns
    for ns in $NS_GEN $NS_DUT $NS_FAR; do
        ip netns del "$ns" 2>/dev/null # left over from an aborted run of this script
        ip netns add "$ns" || die "ip netns add $ns"
        ip -n "$ns" link set lo up
    done
    ip link add g0 netns $NS_GEN type veth peer name d0 netns $NS_DUT || die "veth g0/d0"
    ip link add d1 netns $NS_DUT type veth peer name f1 netns $NS_FAR || die "veth d1/f1"
    ip -n $NS_GEN addr add 10.201.0.1/24 dev g0
    ip -n $NS_DUT addr add 10.201.0.2/24 dev d0
    ip -n $NS_DUT addr add 10.203.0.1/24 dev d1
    ip -n $NS_FAR addr add 10.203.0.2/24 dev f1
    # The reference relay's TUN, as run_limits makes it.
    ip -n $NS_DUT tuntap add dev tun0 mode tun || die "tuntap"
    ip -n $NS_DUT addr add 10.202.0.1/24 dev tun0
    ip -n $NS_GEN link set g0 up
    ip -n $NS_DUT link set d0 up
    ip -n $NS_DUT link set d1 up
    ip -n $NS_DUT link set tun0 up
    ip -n $NS_FAR link set f1 up
    ip netns exec $NS_DUT sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
        net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tun0.rp_filter=0
    ip netns exec $NS_GEN sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    ip -n $NS_FAR route add 10.202.0.0/24 via 10.203.0.1
    ip -n $NS_FAR route add 10.201.0.0/24 via 10.203.0.1
    # Neighbours resolved before anything is measured.
    ip netns exec $NS_GEN "$REFBIN/udp_blast" -d 10.201.0.2:9 -n 1 -t 1 >/dev/null
    ip netns exec $NS_FAR "$REFBIN/udp_blast" -d 10.203.0.1:9 -n 1 -t 1 >/dev/null
    ip netns exec $NS_DUT "$REFBIN/udp_blast" -d 10.203.0.2:9 -n 1 -t 1 >/dev/null
    ip netns exec $NS_DUT "$REFBIN/udp_blast" -d 10.201.0.1:9 -n 1 -t 1 >/dev/null
}

# ---------------------------------------------------------------- l2tpxd
CONF=$LOG/conf
LNS_PID="" LAC_PID="" LNS_TID="" LNS_SID=""
lns_ctl() { "$L2TPXCTL" --control "$CONF/lns.sock" --json "$@"; }

write_configs() {
    mkdir -p "$CONF"
    # pppd chap-secrets: client server secret [addresses]
    printf 'bench * benchpass 10.202.0.2\n' >"$CONF/lns-chap-secrets"
    printf 'bench * benchpass\n' >"$CONF/lac-chap-secrets"
    chmod 600 "$CONF"/*-chap-secrets
    cat >"$CONF/lns.conf" <<EOF
[global]
listen-addr = 10.201.0.2
port = 1701

[lns default]
hostname = lxb-lns
ip range = 10.202.0.2-10.202.0.250
local ip = 10.202.0.1
interface = lxbtun0
require chap = yes
chap secrets = $CONF/lns-chap-secrets
hello interval = 86400
lcp echo interval = 0
EOF
    cat >"$CONF/lac.conf" <<EOF
[global]
listen-addr = 10.201.0.1
port = 1701

[lac bench]
lns = 10.201.0.2
hostname = lxb-lac
autodial = yes
redial = no
name = bench
chap secrets = $CONF/lac-chap-secrets
hello interval = 86400
lcp echo interval = 0
interface = lxbtun1
route = 10.203.0.0/24
EOF
}

# Brings a session up; sets LNS_PID LAC_PID LNS_TID LNS_SID. 0 or 1.
start_session() {
    write_configs
    start_bg $NS_DUT $DUT_CPU "$LOG/lns.log" "$L2TPXD" -c "$CONF/lns.conf" --control "$CONF/lns.sock"
    LNS_PID=$LAST_PID

    for _ in $(seq 50); do [ -S "$CONF/lns.sock" ] && break; sleep 0.1; done
    start_bg $NS_GEN $GEN_CPU "$LOG/lac.log" "$L2TPXD" -c "$CONF/lac.conf" --control "$CONF/lac.sock"
    LAC_PID=$LAST_PID
    local js=
    for _ in $(seq 100); do
        js=$(lns_ctl status 2>/dev/null) &&
            echo "$js" | jq -e '[.sessions[] | select(.state == "established" and .ipv4_peer == "10.202.0.2")] | length > 0' \
                >/dev/null 2>&1 &&
            ip -n $NS_GEN -4 addr show 2>/dev/null | grep -q 'inet 10.202.0.2' && break
        js=
        sleep 0.1
    done
    if [ -z "$js" ]; then
        echo "  l2tpxd session did not come up within 10 s (logs: $LOG/lns.log, $LOG/lac.log)"
        lns_ctl status >"$LOG/lns-status.json" 2>&1
        return 1
    fi
    echo "$js" >"$LOG/lns-status.json"
    LNS_TID=$(echo "$js" | jq -r '[.sessions[] | select(.ipv4_peer == "10.202.0.2")][0].tunnel_id')
    LNS_SID=$(echo "$js" | jq -r '[.sessions[] | select(.ipv4_peer == "10.202.0.2")][0].local_id')
    echo "  session up: LNS tunnel $LNS_TID session $LNS_SID, LNS pid $LNS_PID, LAC pid $LAC_PID"
    return 0
}

# ---------------------------------------------------------------- measuring
HZ=$(getconf CLK_TCK)
# ctr PID IFACE FIELD: an interface counter in PID's namespace
ctr() {
    awk -v ifc="$2" -v f="$3" '{ sub(/^ +/, ""); sub(/:/, " ") }
        $1 == ifc { print (f == "tx_packets") ? $11 : $3 }' "/proc/$1/net/dev"
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_busy() { # "busy total" ticks of CPU $1
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
# snap FILE: time, delivered, offered, CPU ticks of the measured side and
# the generator, busy ticks of both CPUs.
snap() {
    echo "$EPOCHREALTIME $(ctr "$DUT_PID" "$OUT_IF" tx_packets) $(ctr "$GEN_PID" "$OFF_IF" tx_packets)" \
        "$(ticks "$DUT_PID") $(ticks "$GEN_PID") $(cpu_busy $GEN_CPU) $(cpu_busy $DUT_CPU)" >"$1"
}
# -> pps offered loss% dut_cpu% us/pkt cpu0% cpu1%
compute() {
    awk -v hz="$HZ" 'FNR == 1 && NR == 1 { split($0, a) } NR == 2 { split($0, b) }
        END {
            dt = b[1] - a[1]; pps = (b[2] - a[2]) / dt; off = (b[3] - a[3]) / dt
            loss = off > 0 ? 100 * (off - pps) / off : 0; if (loss < 0) loss = 0
            dcpu = 100 * (b[4] - a[4]) / hz / dt
            us = pps > 0 ? dcpu / 100 / pps * 1e6 : 0
            c0 = (b[7] - a[7]) > 0 ? 100 * (b[6] - a[6]) / (b[7] - a[7]) : 0
            c1 = (b[9] - a[9]) > 0 ? 100 * (b[8] - a[8]) / (b[9] - a[9]) : 0
            printf "%.0f %.0f %.1f %.0f %.2f %.0f %.0f\n", pps, off, loss, dcpu, us, c0, c1
        }' "$1" "$2"
}

LIFE=$(echo "$WARM + $WIN + 4" | bc)
GEN_T=$(echo "$WARM + $WIN + 0.3" | bc)

# measure IMPL DIR SIZE: one case; sets RES (compute() fields).
measure() {
    local impl=$1 dir=$2 size=$3 tag="$2-$3-$1" aux_pid="" dut_pid gen_pid perf_pid=""
    local relay=("$REFBIN/tun_relay" -i tun0 -l 10.201.0.2:1702 -r 10.201.0.1:1701 -m mmsg -t "$LIFE")
    if [ "$dir" = fwd ]; then
        start_bg $NS_FAR $GEN_CPU "$LOG/$tag.aux" "$REFBIN/udp_sink" -H -l 10.203.0.2:9 -t "$LIFE"
        aux_pid=$LAST_PID
        if [ "$impl" = ref ]; then
            start_bg $NS_DUT $DUT_CPU "$LOG/$tag.dut" "${relay[@]}" -D fwd
            dut_pid=$LAST_PID
            sleep 0.2
            start_bg $NS_GEN $GEN_CPU "$LOG/$tag.gen" "$REFBIN/udp_blast" -s 10.201.0.1:1701 \
                -d 10.201.0.2:1702 -l "$size" -b 32 -t "$GEN_T" -E 10.202.0.2:5000,10.203.0.2:9
        else
            dut_pid=$LNS_PID
            start_bg $NS_GEN $GEN_CPU "$LOG/$tag.gen" "$REFBIN/udp_blast" -s 10.201.0.1:1701 \
                -d 10.201.0.2:1701 -l "$size" -b 32 -t "$GEN_T" -E 10.202.0.2:5000,10.203.0.2:9 \
                -T "$LNS_TID:$LNS_SID"
        fi
        gen_pid=$LAST_PID
        OUT_IF=d1 OFF_IF=g0
    else
        start_bg $NS_GEN $GEN_CPU "$LOG/$tag.aux" "$REFBIN/udp_sink" -H -l 10.201.0.1:1701 -t "$LIFE"
        aux_pid=$LAST_PID
        local dst=10.202.0.2
        if [ "$impl" = ref ]; then
            start_bg $NS_DUT $DUT_CPU "$LOG/$tag.dut" "${relay[@]}" -D rev
            dut_pid=$LAST_PID
            dst=10.202.0.3
            sleep 0.2
        else
            dut_pid=$LNS_PID
        fi
        start_bg $NS_FAR $GEN_CPU "$LOG/$tag.gen" "$REFBIN/udp_blast" -d $dst:9 \
            -l $((size - 36)) -b 32 -t "$GEN_T"
        gen_pid=$LAST_PID
        OUT_IF=d0 OFF_IF=f1
    fi
    DUT_PID=$dut_pid GEN_PID=$gen_pid
    sleep "$WARM"
    if [ "$PERF" = 1 ] && [ "$size" = 64 ]; then
        perf record -q -g -p "$dut_pid" -o "$LOG/perf-$tag.data" -- sleep "$WIN" \
            >"$LOG/perf-$tag.log" 2>&1 &
        perf_pid=$!
    fi
    snap "$LOG/$tag.snapA"
    sleep "$WIN"
    snap "$LOG/$tag.snapB"
    [ -n "$perf_pid" ] && wait "$perf_pid"
    wait "$gen_pid" 2>/dev/null
    [ "$impl" = ref ] && stop_pid "$dut_pid"
    stop_pid "$aux_pid"
    RES=$(compute "$LOG/$tag.snapA" "$LOG/$tag.snapB")
}

# ---------------------------------------------------------------- main
echo "run_bench $RUN_ID: kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), WIN=${WIN}s REPS=$REPS NICE=$NICE"
echo "logs -> $LOG   results -> $OUT"
T0=$(date +%s)
setup_netns
printf '#run\t%s\tkernel=%s\twin=%s\twarm=%s\tload=%s\n' "$RUN_ID" "$(uname -r)" "$WIN" "$WARM" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"
printf '#kind\trun\tdir\tsize\timpl\tpps\toffered\tloss_pct\tdut_cpu_pct\tus_per_pkt\tcpu0\tcpu1\n' >>"$OUT"

SESSION_OK=0
echo "l2tpxd session (LNS in $NS_DUT on CPU$DUT_CPU, LAC client in $NS_GEN on CPU$GEN_CPU):"
start_session && SESSION_OK=1

TCP_RES="-"
if [ "$SESSION_OK" = 1 ] && [ "$TCP" = 1 ]; then
    # Reachability first (no ping(8) on every host): one small UDP datagram
    # through the session must reach the far side.
    start_bg $NS_FAR $GEN_CPU "$LOG/reach.sink" "$REFBIN/udp_sink" -l 10.203.0.2:5001 -n 1 -t 3
    reach=$LAST_PID
    sleep 0.2
    ip netns exec $NS_GEN "$REFBIN/udp_blast" -d 10.203.0.2:5001 -n 3 -t 1 >/dev/null 2>&1
    wait "$reach" 2>/dev/null
    if grep -q 'pkts=[1-9]' "$LOG/reach.sink"; then
        start_bg $NS_FAR $GEN_CPU "$LOG/iperf-server.log" timeout $((IPERF_T + 10)) \
            iperf3 -s -1 -B 10.203.0.2
        srv=$LAST_PID
        sleep 0.3
        t_lns0=$(ticks "$LNS_PID")
        ip netns exec $NS_GEN taskset -c $GEN_CPU timeout $((IPERF_T + 10)) \
            iperf3 -c 10.203.0.2 -t "$IPERF_T" -J >"$LOG/iperf-client.json" 2>"$LOG/iperf-client.err"
        t_lns1=$(ticks "$LNS_PID")
        stop_pid "$srv"
        TCP_RES=$(jq -r '"\(.end.sum_sent.bits_per_second / 1e6 | floor) \(.end.sum_received.bits_per_second / 1e6 | floor) \(.end.sum_sent.retransmits)"' \
            "$LOG/iperf-client.json" 2>/dev/null) || TCP_RES="-"
        lns_cpu=$(echo "scale=1; 100 * ($t_lns1 - $t_lns0) / $HZ / $IPERF_T" | bc)
        echo "  tcp: iperf3 through the session: sent/received Mbit/s, retransmits: ${TCP_RES:--}; LNS CPU ${lns_cpu}%"
        printf 'TCP\t%s\t%s\tlns_cpu_pct=%s\n' "$RUN_ID" "$TCP_RES" "$lns_cpu" >>"$OUT"
    else
        echo "  tcp: nothing gets through the session (see $LOG); skipped"
    fi
fi
if [ "$SESSION_OK" = 1 ]; then
    # The LAC client dies without a word; the LNS keeps the session (hello and
    # LCP echo are off) and udp_blast takes the LAC's address and port.
    { stop_pid "$LAC_PID" KILL; sleep 0.3; } 2>/dev/null
fi

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
    else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A PPS US
echo "throughput (generator CPU$GEN_CPU -> measured side CPU$DUT_CPU), ${WIN}s windows, $REPS x ref/l2tpx alternating:"
for dir in $DIRS; do
    for size in $SIZES; do
        for _ in $(seq "$REPS"); do
            for impl in ref lx; do
                [ "$impl" = lx ] && [ "$SESSION_OK" != 1 ] && continue
                measure $impl "$dir" "$size"
                set -- $RES
                PPS[$impl,$dir,$size]+=" $1"
                US[$impl,$dir,$size]+=" $5"
                printf '  %-3s %-4s %4s B  %8s pps  offered %8s  loss %5s%%  dut cpu %3s%%  %5s us/pkt  cpu0 %3s%% cpu1 %3s%%\n' \
                    "$dir" "$impl" "$size" "$1" "$2" "$3" "$4" "$5" "$6" "$7"
                printf 'T\t%s\t%s\t%s\t%s\t%s\n' "$RUN_ID" "$dir" "$size" "$impl" \
                    "$(echo "$RES" | tr ' ' '\t')" >>"$OUT"
            done
        done
    done
done
if [ "$SESSION_OK" = 1 ]; then
    lns_ctl status >"$LOG/lns-status-end.json" 2>&1
    stop_pid "$LNS_PID" TERM TERM
fi

echo
echo "summary ($RUN_ID, medians of $REPS x ${WIN}s; ratio = l2tpx / reference tun_relay mmsg):"
printf '%-16s %8s %10s %7s %10s %10s %8s\n' case "ref pps" "l2tpx pps" ratio "ref us/pk" "lx us/pk" "us ratio"
for dir in $DIRS; do
    for size in $SIZES; do
        rp=$(median ${PPS[ref,$dir,$size]:-}) ru=$(median ${US[ref,$dir,$size]:-})
        lp=$(median ${PPS[lx,$dir,$size]:-}) lu=$(median ${US[lx,$dir,$size]:-})
        [ "$dir" = fwd ] && name="fwd UDP>TUN $size" || name="rev TUN>UDP $size"
        printf 'S\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$RUN_ID" "$dir" "$size" "$rp" "$lp" "$ru" "$lu" >>"$OUT"
        printf '%-16s %8s %10s %7s %10s %10s %8s\n' "$name" "$rp" "$lp" \
            "$(awk -v a="$lp" -v b="$rp" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }')" "$ru" "$lu" \
            "$(awk -v a="$lu" -v b="$ru" 'BEGIN { printf (b > 0 && a > 0 ? "%.2f" : "-"), a / b }')"
    done
done
if [ "$TCP_RES" != "-" ]; then
    set -- $TCP_RES
    echo "tcp iperf3 through a session: $1 Mbit/s sent, $2 Mbit/s received, $3 retransmits"
fi
echo "done in $(($(date +%s) - T0)) s"
exit 0
