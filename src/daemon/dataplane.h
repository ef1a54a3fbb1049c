/* l2tpxd's data plane: TUN devices and the IP fast path.
 *
 *   user -> network:  UDP (recvmmsg) -> engine -> PPP link -> l2tpxd_dp_to_tun()
 *                     -> MSS clamp -> write(TUN)
 *   network -> user:  TUN readable -> read a batch -> find the session by
 *                     destination address (lx_iphash, O(1)) -> MSS clamp ->
 *                     [L2TP data header][PPP header][IP packet] built in place
 *                     (headroom, no copy, no malloc) -> sendmmsg per socket.
 *
 * One shared TUN device carries every LNS session (never one per session);
 * each LAC-client session has its own TUN. Addresses, routes and links are
 * set through netlink (src/net/netlink.h), never by running `ip`. */
#ifndef L2TPX_DAEMON_DATAPLANE_H
#define L2TPX_DAEMON_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/engine.h"
#include "lib/evloop.h"

struct l2tpxd_dp;
struct l2tpxd_tun;
struct l2tpxd_dp_reg;

/* Where packets for one user go: owned by the session glue (sess.c),
 * registered with the data plane while the session's NCPs are up. */
struct l2tpxd_dp_dest {
    struct l2tp_session *ls; /* engine session (for l2tp_session_data_header) */
    uint8_t ppp_hdr[4];      /* PPP address/control + protocol for IPv4, as negotiated */
    uint8_t ppp_hdr_len;     /* e.g. ff 03 00 21 (4) or 00 21 (2) or 21 (1) */
    uint8_t ppp_hdr6[4];     /* same for IPv6 (protocol 0x0057) */
    uint8_t ppp_hdr6_len;
    uint16_t mss_clamp; /* 0 = off; else clamp TCP MSS on SYNs to this (the IPv4
                           figure, MRU - 40; IPv6 SYNs get mss_clamp - 20 since the
                           IPv6 header is 20 octets longer: RFC 6691 §2, docs/MTU.md) */
    uint16_t peer_mru;  /* larger IP packets are dropped (counted); 0 = no limit.
                           IPv4 ones with DF get ICMP "fragmentation needed"
                           (RFC 1191; raw socket, at most 100/s) */
    /* IP counters, user's point of view is the session glue's job; these
     * count what the data plane moved for this destination. */
    uint64_t to_user_pkts, to_user_bytes, to_user_dropped;
    uint64_t from_user_pkts, from_user_bytes, from_user_dropped;
    void *owner; /* the session glue's object */
    /* ppp_hdr_len / ppp_hdr6_len 0 = that protocol is not up: packets of
     * that family are dropped (counted). ls NULL = session not up. */
    bool any_src; /* skip anti-spoofing on the shared TUN (the user routes
                     a subnet whose addresses are not in the hash) */
    /* Data plane private: the routes registered for this dest. Must be
     * zero (NULL) before the dest is first handed over (calloc or a
     * designated initializer); do not touch afterwards. */
    struct l2tpxd_dp_reg *dp_reg;
};

struct l2tpxd_dp_ops {
    /* The UDP socket fd to send from for a tunnel whose local address is
     * `local` (the daemon's pick-socket rule); -1 if none. */
    int (*sock_fd)(void *ctx, const struct l2tp_addr *local);
    /* Optional (NULL = not used): a UDP socket *connected* to `peer` and
     * bound to `local` for this tunnel, or -1 to fall back to sock_fd.
     * Datagrams on a connected socket go without a destination address or
     * pktinfo, which spares the kernel a route lookup per datagram
     * (docs/BENCHMARKS.md: ~0.3 us of ~3.5 us per packet). The daemon
     * must read such sockets itself: the kernel delivers the peer's
     * datagrams to the connected socket, not to the listening one. */
    int (*tunnel_fd)(void *ctx, const struct l2tp_addr *local, const struct l2tp_addr *peer);
    /* No callback for packets read from a TUN: on a LAC-client TUN
     * (l2tpxd_tun_opts.single_dest) every packet goes to its one dest
     * without a hash lookup, on the shared TUN to the dest found by
     * destination address. Activity (idle timers) shows in the dest's
     * counters. */
};

struct l2tpxd_dp_stats {
    uint64_t tun_rx_pkts, tun_rx_bytes, tun_rx_no_dest, tun_rx_too_big, tun_rx_errors;
    uint64_t tun_tx_pkts, tun_tx_bytes, tun_tx_errors;
    uint64_t udp_tx_pkts, udp_tx_batches, udp_tx_errors;
    uint64_t mss_clamped;
    /* added by the data plane implementation */
    uint64_t tun_rx_no_session; /* dest found, but session/NCP not up or no socket */
    uint64_t tun_tx_spoofed;    /* from a user with a source address not theirs */
    uint64_t icmp_too_big;      /* ICMP "fragmentation needed" sent for tun_rx_too_big */
    uint64_t tun_rx_batches;    /* TUN read batches that returned >= 1 packet */
    uint64_t udp_tx_connected;  /* of udp_tx_pkts: sent on a tunnel's connected
                                   socket (ops.tunnel_fd) */
};

/* rtm_protocol of every route the data plane adds, so that stale ones can
 * be found and swept (at TUN open) without touching anyone else's. Not an
 * IANA/iproute2 value; `echo "171 l2tpx" > /etc/iproute2/rt_protos.d/l2tpx.conf`
 * lets `ip route show proto l2tpx` name it. */
#define L2TPXD_RTPROT 171

struct l2tpxd_dp *l2tpxd_dp_new(struct lx_ev *ev, const struct l2tpxd_dp_ops *ops, void *ctx);
void l2tpxd_dp_free(struct l2tpxd_dp *dp);

struct l2tpxd_tun_opts {
    char name[16];       /* "" = kernel chooses ("l2tpx%d") */
    uint16_t mtu;        /* 0 = 1500 */
    uint32_t local_ip4;  /* host order; address put on the device (0 = none) */
    uint32_t peer_ip4;   /* point-to-point peer (LAC client), 0 = none */
    uint64_t local_ifid; /* IPv6 link-local fe80::ifid/64 on the device (0 = none) */
    uint64_t peer_ifid;
    bool single_dest;            /* LAC client: every packet read goes to `dest` */
    struct l2tpxd_dp_dest *dest; /* with single_dest */
};

/* Creates the TUN device, sets MTU/addresses via netlink, brings it up and
 * watches it in the event loop. NULL on error (logged). */
struct l2tpxd_tun *l2tpxd_dp_tun_open(struct l2tpxd_dp *dp, const struct l2tpxd_tun_opts *o);
void l2tpxd_dp_tun_close(struct l2tpxd_dp *dp, struct l2tpxd_tun *t);
const char *l2tpxd_dp_tun_name(const struct l2tpxd_tun *t);
unsigned l2tpxd_dp_tun_ifindex(const struct l2tpxd_tun *t);
/* single_dest TUN: changes (or with NULL clears) the dest every packet
 * goes to, e.g. when a LAC client's session is re-established. */
void l2tpxd_dp_tun_set_dest(struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest);

/* Registers dest for addr/plen (family AF_INET or AF_INET6; addr in network
 * byte order) on a shared TUN: inserts it in the address hash and adds a
 * route through the TUN (RTPROT tagged so stale ones can be swept at
 * start). Returns 0 or -errno (-EEXIST if the address is taken). IPv4
 * keys are /32 only (lx_iphash), IPv6 any prefix (longest match first). An
 * existing kernel route for the same prefix is replaced (NLM_F_REPLACE).
 * IPv4 routes carry the TUN's local_ip4 as preferred source. */
int l2tpxd_dp_route_add(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family, const uint8_t *addr,
                        unsigned plen, struct l2tpxd_dp_dest *dest);
void l2tpxd_dp_route_del(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                         const uint8_t *addr, unsigned plen);
/* Adds a route through a TUN that does not map to a destination in the
 * hash (LAC client: the routes it was told to add, a default route).
 * Tagged L2TPXD_RTPROT; -EEXIST if the same route exists (add) or -ESRCH
 * if it does not (delete). */
int l2tpxd_dp_route_plain(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                          const uint8_t *addr, unsigned plen, unsigned metric, bool add);

/* An IPv4/IPv6 packet from the user (PPP decapsulated) -> the TUN, after
 * MSS clamping. Counted on dest. Returns 0 or -errno. On the shared TUN
 * (not single_dest) the source address must map to dest in the hash
 * (anti-spoofing; IPv6 link-local sources pass; dest->any_src turns the
 * check off): -EPERM otherwise. */
int l2tpxd_dp_to_tun(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest,
                     uint8_t *pkt, size_t len);

/* Removes every trace of dest (hash entries) before the session glue frees
 * it; safe to call for a dest that was never registered. */
void l2tpxd_dp_forget(struct l2tpxd_dp *dp, struct l2tpxd_dp_dest *dest);

void l2tpxd_dp_get_stats(const struct l2tpxd_dp *dp, struct l2tpxd_dp_stats *st);

#endif
