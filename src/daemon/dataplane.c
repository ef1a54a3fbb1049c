/* l2tpxd's data plane: TUN devices, routes and the IP fast path
 * (contract and data flow: dataplane.h).
 *
 * Network -> user, per TUN wake-up, at most DP_ROUNDS batches of
 * DP_BATCH packets:
 *   - one read(2) per packet (TUN has no batch read) into a preallocated
 *     slot, at DP_HEADROOM octets from its start, so that the L2TP data
 *     header (RFC 2661 §5.4, at most 16 octets) and the PPP header (at most
 *     4: RFC 1662 §3.1 Address/Control + RFC 1661 §2 Protocol) are
 *     prepended in place: no copy of the packet, no allocation;
 *   - destination -> dest through lx_iphash (O(1), IPv6 longest prefix);
 *   - MRU check, MSS clamp (net/mss.c patches the checksum per RFC 1624),
 *     PPP header from the dest, L2TP header from the engine
 *     (l2tp_session_data_header, which also hands out the tunnel's
 *     addresses);
 *   - the batch is sent with one sendmmsg(2) per UDP socket: on the
 *     tunnel's connected socket (ops.tunnel_fd: bound to the tunnel's
 *     local address, connected to the peer) without address or control
 *     data, and the kernel reuses the connected route; otherwise on the
 *     listening socket, each datagram carrying its destination and
 *     IP_PKTINFO / IPV6_PKTINFO with the tunnel's local address so that it
 *     leaves from the address the peer talks to (RFC 2661 §8.1; IPsec
 *     policies are bound to that address pair).
 * User -> network: l2tpxd_dp_to_tun(): anti-spoofing, MSS clamp, write(2).
 *
 * Routes and addresses go through rtnetlink (net/netlink.h); every route
 * is tagged with rtm_protocol L2TPXD_RTPROT so stale ones can be swept. */
#include "daemon/dataplane.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/csum.h"
#include "lib/iphash.h"
#include "lib/log.h"
#include "net/mss.h"
#include "net/netlink.h"
#include "net/tun.h"
#include "net/udp.h"

#define DP_BATCH    32 /* packets per TUN read batch and per sendmmsg */
#define DP_ROUNDS   8  /* batches per wake-up, then let the other fds and timers run */
#define DP_HEADROOM 32 /* >= 16 (longest L2TP data header) + 4 (longest PPP header) */
#define DP_L2TP_MAX 16 /* RFC 2661 §3.1: flags, [Length], ids, [Ns Nr], [Offset Size] */
#define DP_PPP_MAX  4
/* Room for any packet a TUN can hand us (the IPv4/IPv6 length fields are
 * 16 bits); buffers are touched only as far as the packets reach, so the
 * untouched tail costs address space, not memory. The extra 64 octets per
 * slot keep the slot starts from aliasing in the same cache sets. */
#define DP_PKT_MAX   65535u
#define DP_SLOT_SIZE (DP_HEADROOM + DP_PKT_MAX + 1u + 64u)
#define DP_QLEN      1000u /* TUN txqueuelen: the kernel's queue towards us */

/* RFC 1191: at most this many "fragmentation needed" per second. */
#define DP_ICMP_PER_SEC 100u

#define DP_SWEEP_MAX 256 /* stale routes removed per dump pass */

/* One address/prefix registered for a dest through one TUN. */
struct l2tpxd_dp_reg {
    struct l2tpxd_dp_reg *dest_next;           /* dest->dp_reg list */
    struct l2tpxd_dp_reg *tun_prev, *tun_next; /* t->regs list */
    struct l2tpxd_tun *tun;
    struct l2tpxd_dp_dest *dest;
    struct lx_ipkey key;
};

struct l2tpxd_tun {
    struct l2tpxd_dp *dp;
    struct net_tun tun;
    struct l2tpxd_tun_opts o;
    struct l2tpxd_dp_reg *regs;
    struct l2tpxd_tun *prev, *next; /* dp->tuns */
    bool watching;                  /* fd is in the event loop */
};

/* One packet of a batch, ready to send. */
struct dp_out {
    uint8_t *start;               /* L2TP header */
    size_t len;                   /* datagram length */
    const struct l2tp_addr *peer; /* NULL: fd is connected */
    struct l2tpxd_dp_dest *dest;
    size_t ip_len;
    int fd;
    int cmsg; /* index into dp->cm, -1 = none */
};

union dp_cmsg {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
};

struct l2tpxd_dp {
    struct lx_ev *ev;
    struct l2tpxd_dp_ops ops;
    void *ctx;
    struct lx_iphash hash;
    struct net_nl *nl;
    struct l2tpxd_tun *tuns;
    struct l2tpxd_dp_stats st;
    int icmp_fd; /* raw ICMP socket for "fragmentation needed", -1 = none/failed */
    bool icmp_tried;
    lx_ms_t icmp_window;
    unsigned icmp_count;

    /* Fast-path state, preallocated once. */
    uint8_t *slab; /* DP_BATCH slots of DP_SLOT_SIZE */
    struct net_tun_buf tb[DP_BATCH];
    struct dp_out out[DP_BATCH];
    struct mmsghdr msgs[DP_BATCH];
    struct iovec iov[DP_BATCH];
    unsigned idx[DP_BATCH];
    union dp_cmsg cm[DP_BATCH]; /* one per distinct tunnel address in a batch */
    size_t cmlen[DP_BATCH];
};

/* ------------------------------------------------------------ helpers */

static bool addr_is_any(const struct l2tp_addr *a)
{
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_addr.s_addr == htonl(INADDR_ANY);
    if (a->sa.sa_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr);
    return true;
}

/* IP_PKTINFO / IPV6_PKTINFO naming `local` as the source (ip(7): with
 * ipi_spec_dst set and ipi_ifindex 0 the kernel routes normally but sends
 * from that address). Returns the control length, 0 for none. */
static size_t build_pktinfo(union dp_cmsg *c, const struct l2tp_addr *local)
{
    memset(c, 0, sizeof *c);
    struct cmsghdr *cm = &c->align;
    if (local->sa.sa_family == AF_INET) {
        struct in_pktinfo pi;
        memset(&pi, 0, sizeof pi);
        pi.ipi_spec_dst = local->in4.sin_addr;
        cm->cmsg_level = IPPROTO_IP;
        cm->cmsg_type = IP_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(cm), &pi, sizeof pi);
        return CMSG_SPACE(sizeof pi);
    }
    struct in6_pktinfo pi6;
    memset(&pi6, 0, sizeof pi6);
    pi6.ipi6_addr = local->in6.sin6_addr;
    cm->cmsg_level = IPPROTO_IPV6;
    cm->cmsg_type = IPV6_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof pi6);
    memcpy(CMSG_DATA(cm), &pi6, sizeof pi6);
    return CMSG_SPACE(sizeof pi6);
}

/* ------------------------------------------------- ICMP "too big" (v4) */

/* A raw ICMP socket used only to send: ICMP_FILTER blocks every type so
 * the kernel does not queue copies of the host's incoming ICMP to it. */
static int icmp_socket(struct l2tpxd_dp *dp)
{
    if (dp->icmp_tried)
        return dp->icmp_fd;
    dp->icmp_tried = true;
    int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0) {
        lx_info("data plane: no raw ICMP socket (%s): oversized packets are dropped silently",
                strerror(errno));
        return -1;
    }
    uint32_t filter = ~0u; /* ICMP_FILTER: bit set = type blocked */
    (void)setsockopt(fd, SOL_RAW, 1 /* ICMP_FILTER */, &filter, sizeof filter);
    int zero = 0;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof zero);
    dp->icmp_fd = fd;
    return fd;
}

/* RFC 1191 §4 / RFC 792: Destination Unreachable, code 4 "fragmentation
 * needed and DF set", Next-Hop MTU = the session's MRU, carrying the
 * offending IP header and the first 8 octets of its data. Sent from the
 * host (the kernel picks the source address), never in answer to an ICMP
 * error, a non-first fragment or an unusable source (RFC 1122 §3.2.2). */
static void icmp_too_big(struct l2tpxd_dp *dp, const uint8_t *pkt, size_t len, unsigned mru)
{
    if (len < 20 || (pkt[6] & 0x40) == 0 || (((pkt[6] & 0x1f) << 8) | pkt[7]) != 0)
        return;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    if (ihl < 20 || ihl + 8 > len)
        return;
    if (pkt[9] == IPPROTO_ICMP) {
        uint8_t type = pkt[ihl];
        if (type != 0 && type != 8 && type != 13 && type != 14) /* not echo/timestamp */
            return;
    }
    uint32_t src =
        (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
    if (src == 0 || (src >> 28) >= 0xe || (src >> 24) == 127 || src == 0xffffffffu)
        return;
    lx_ms_t now = lx_ev_now(dp->ev);
    if (now - dp->icmp_window >= 1000) {
        dp->icmp_window = now;
        dp->icmp_count = 0;
    }
    if (dp->icmp_count >= DP_ICMP_PER_SEC)
        return;
    int fd = icmp_socket(dp);
    if (fd < 0)
        return;
    dp->icmp_count++;
    uint8_t m[8 + 60 + 8];
    size_t n = 8 + ihl + 8;
    memset(m, 0, 8);
    m[0] = 3; /* Destination Unreachable */
    m[1] = 4; /* Fragmentation Needed and DF set */
    m[6] = (uint8_t)(mru >> 8);
    m[7] = (uint8_t)mru;
    memcpy(m + 8, pkt, ihl + 8);
    uint16_t c = (uint16_t)~lx_csum_fold(lx_csum_add(0, m, n));
    m[2] = (uint8_t)(c >> 8);
    m[3] = (uint8_t)c;
    struct sockaddr_in to = {.sin_family = AF_INET};
    memcpy(&to.sin_addr, pkt + 12, 4);
    if (sendto(fd, m, n, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)n)
        dp->st.icmp_too_big++;
}

/* ------------------------------------------------------------ fast path */

/* Sends out[idx[0..m)] (all on fd) with as few sendmmsg calls as the
 * socket allows; what the socket refuses is dropped and counted. */
static void flush_group(struct l2tpxd_dp *dp, int fd, unsigned m)
{
    for (unsigned k = 0; k < m; k++) {
        struct dp_out *o = &dp->out[dp->idx[k]];
        struct msghdr *h = &dp->msgs[k].msg_hdr;
        dp->iov[k].iov_base = o->start;
        dp->iov[k].iov_len = o->len;
        h->msg_name = o->peer ? (void *)&o->peer->sa : NULL;
        h->msg_namelen = o->peer ? o->peer->len : 0;
        h->msg_iov = &dp->iov[k];
        h->msg_iovlen = 1;
        if (o->cmsg >= 0) {
            h->msg_control = dp->cm[o->cmsg].buf;
            h->msg_controllen = dp->cmlen[o->cmsg];
        } else {
            h->msg_control = NULL;
            h->msg_controllen = 0;
        }
        h->msg_flags = 0;
    }
    unsigned off = 0, icmp_retry_at = ~0u;
    while (off < m) {
        int r = sendmmsg(fd, dp->msgs + off, m - off, 0);
        if (r < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            /* A connected socket reports an earlier ICMP error from the
             * peer (port unreachable...) once, instead of sending: the
             * datagram was not sent, the socket is fine; retry it once. */
            if (net_udp_icmp_errno(e) && icmp_retry_at != off) {
                icmp_retry_at = off;
                continue;
            }
            /* The failing datagram is dropped; on a full socket buffer
             * (EAGAIN/ENOBUFS) the rest of the group too: retrying now
             * would only spin. */
            unsigned drop = (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) ? m - off : 1;
            for (unsigned k = off; k < off + drop; k++) {
                struct dp_out *o = &dp->out[dp->idx[k]];
                o->dest->to_user_dropped++;
            }
            dp->st.udp_tx_errors += drop;
            LX_LOG_RL(LX_LOG_WARN, "data plane: sendmmsg: %s (%u datagram(s) dropped)", strerror(e),
                      drop);
            off += drop;
            continue;
        }
        dp->st.udp_tx_batches++;
        if (dp->out[dp->idx[off]].peer == NULL) /* a group shares its fd */
            dp->st.udp_tx_connected += (unsigned)r;
        for (unsigned k = off; k < off + (unsigned)r; k++) {
            struct dp_out *o = &dp->out[dp->idx[k]];
            o->dest->to_user_pkts++;
            o->dest->to_user_bytes += o->ip_len;
        }
        dp->st.udp_tx_pkts += (unsigned)r;
        off += (unsigned)r;
    }
}

/* Turns the n packets read into tb[] into L2TP datagrams and sends them. */
static void tx_batch(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, unsigned n)
{
    unsigned nq = 0, ncm = 0;
    const struct l2tp_addr *last_peer = NULL;
    int last_fd = -1, last_cm = -1;
    bool last_conn = false;
    struct l2tpxd_dp_stats *st = &dp->st;

    for (unsigned i = 0; i < n; i++) {
        uint8_t *pkt = dp->tb[i].data;
        size_t len = dp->tb[i].len;
        st->tun_rx_pkts++;
        st->tun_rx_bytes += len;

        struct l2tpxd_dp_dest *d =
            t->o.single_dest ? t->o.dest : lx_iphash_lookup_dst(&dp->hash, pkt, len);
        if (d == NULL) {
            st->tun_rx_no_dest++;
            continue;
        }
        const uint8_t *ph;
        unsigned pl;
        unsigned ver = pkt[0] >> 4;
        if (ver == 4 && len >= 20) {
            ph = d->ppp_hdr;
            pl = d->ppp_hdr_len;
        } else if (ver == 6 && len >= 40) {
            ph = d->ppp_hdr6;
            pl = d->ppp_hdr6_len;
        } else {
            st->tun_rx_no_dest++; /* single_dest TUN: not IP */
            continue;
        }
        if (pl == 0 || pl > DP_PPP_MAX || d->ls == NULL) {
            /* RFC 1661 §3.7: no network-layer packets before the NCP is up. */
            st->tun_rx_no_session++;
            d->to_user_dropped++;
            continue;
        }
        if (d->peer_mru != 0 && len > d->peer_mru) {
            st->tun_rx_too_big++;
            d->to_user_dropped++;
            if (ver == 4)
                icmp_too_big(dp, pkt, len, d->peer_mru);
            continue;
        }
        if (d->mss_clamp != 0) {
            uint16_t lim = d->mss_clamp;
            if (ver == 6)
                lim = lim > 20 + 1 ? (uint16_t)(lim - 20) : 1;
            if (net_mss_clamp(pkt, len, lim) == NET_MSS_CLAMPED)
                st->mss_clamped++;
        }
        uint8_t h[DP_L2TP_MAX];
        const struct l2tp_addr *local = NULL, *peer = NULL;
        size_t hl = l2tp_session_data_header(d->ls, h, sizeof h, pl + len, &local, &peer);
        if (hl == 0 || hl > DP_L2TP_MAX || local == NULL || peer == NULL) {
            st->tun_rx_no_session++;
            d->to_user_dropped++;
            continue;
        }
        /* Same tunnel as the previous packet (the engine hands out the
         * tunnel's own address objects): same socket and pktinfo. */
        if (peer != last_peer) {
            last_peer = peer;
            last_cm = -1;
            last_fd = dp->ops.tunnel_fd ? dp->ops.tunnel_fd(dp->ctx, local, peer) : -1;
            last_conn = last_fd >= 0;
            if (!last_conn) {
                last_fd = dp->ops.sock_fd(dp->ctx, local);
                if (last_fd >= 0 && !addr_is_any(local)) {
                    dp->cmlen[ncm] = build_pktinfo(&dp->cm[ncm], local);
                    last_cm = (int)ncm++;
                }
            }
        }
        if (last_fd < 0) {
            st->tun_rx_no_session++;
            st->udp_tx_errors++;
            d->to_user_dropped++;
            LX_LOG_RL(LX_LOG_WARN, "data plane: no UDP socket for a tunnel's local address");
            continue;
        }
        uint8_t *start = pkt - pl - hl;
        memcpy(start, h, hl);
        memcpy(start + hl, ph, pl);
        struct dp_out *o = &dp->out[nq++];
        o->start = start;
        o->len = hl + pl + len;
        o->peer = last_conn ? NULL : peer;
        o->dest = d;
        o->ip_len = len;
        o->fd = last_fd;
        o->cmsg = last_cm;
    }
    if (nq == 0)
        return;

    /* One sendmmsg per socket, in order of first appearance; a batch
     * nearly always goes to one socket. */
    uint32_t done = 0;
    for (unsigned i = 0; i < nq; i++) {
        if (done & (1u << i))
            continue;
        int fd = dp->out[i].fd;
        unsigned m = 0;
        for (unsigned j = i; j < nq; j++) {
            if (!(done & (1u << j)) && dp->out[j].fd == fd) {
                done |= 1u << j;
                dp->idx[m++] = j;
            }
        }
        flush_group(dp, fd, m);
    }
}

static void tun_stop_watching(struct l2tpxd_tun *t)
{
    if (t->watching) {
        lx_ev_del_fd(t->dp->ev, t->tun.fd);
        t->watching = false;
    }
}

static void tun_readable(void *arg, int fd, unsigned events)
{
    struct l2tpxd_tun *t = arg;
    struct l2tpxd_dp *dp = t->dp;
    for (int round = 0; round < DP_ROUNDS; round++) {
        int n = net_tun_read_multi(&t->tun, dp->tb, DP_BATCH);
        if (n < 0) {
            dp->st.tun_rx_errors++;
            if (n == -EBADFD || n == -EIO || n == -ENXIO || n == -ENODEV) {
                /* The device was deleted under us: stop polling a dead fd
                 * (level-triggered epoll would spin on it). */
                lx_err("data plane: %s: %s; no longer reading it", t->tun.name, strerror(-n));
                tun_stop_watching(t);
            } else {
                LX_LOG_RL(LX_LOG_WARN, "data plane: read %s: %s", t->tun.name, strerror(-n));
            }
            return;
        }
        if (n == 0)
            break;
        dp->st.tun_rx_batches++;
        tx_batch(dp, t, (unsigned)n);
        if (n < DP_BATCH)
            break;
    }
    (void)fd;
    (void)events;
}

/* -------------------------------------------------------------- user -> TUN */

static bool v6_link_local_src(const uint8_t *pkt, size_t len)
{
    return len >= 40 && pkt[8] == 0xfe && (pkt[9] & 0xc0) == 0x80;
}

int l2tpxd_dp_to_tun(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest,
                     uint8_t *pkt, size_t len)
{
    if (dp == NULL || t == NULL || dest == NULL || pkt == NULL || len == 0)
        return -EINVAL;
    unsigned ver = pkt[0] >> 4;
    if (!t->o.single_dest && !dest->any_src && lx_iphash_lookup_src(&dp->hash, pkt, len) != dest &&
        !(ver == 6 && v6_link_local_src(pkt, len))) {
        /* BCP 38 / RFC 3704: a user sends only from their own addresses. */
        dp->st.tun_tx_spoofed++;
        dest->from_user_dropped++;
        LX_LOG_RL(LX_LOG_INFO, "data plane: dropped a packet with a foreign source address");
        return -EPERM;
    }
    if (dest->mss_clamp != 0 && (ver == 4 || ver == 6)) {
        uint16_t lim = dest->mss_clamp;
        if (ver == 6)
            lim = lim > 20 + 1 ? (uint16_t)(lim - 20) : 1;
        if (net_mss_clamp(pkt, len, lim) == NET_MSS_CLAMPED)
            dp->st.mss_clamped++;
    }
    int rc = net_tun_write(&t->tun, pkt, len);
    if (rc < 0) {
        dp->st.tun_tx_errors++;
        dest->from_user_dropped++;
        if (rc != -EAGAIN)
            LX_LOG_RL(LX_LOG_WARN, "data plane: write %s: %s", t->tun.name, strerror(-rc));
        return rc;
    }
    dp->st.tun_tx_pkts++;
    dp->st.tun_tx_bytes += len;
    dest->from_user_pkts++;
    dest->from_user_bytes += len;
    return 0;
}

/* ------------------------------------------------------------ routes */

struct sweep_ctx {
    int ifindex;
    struct net_nl_route found[DP_SWEEP_MAX];
    unsigned n;
};

static int sweep_cb(const struct net_nl_route *r, void *arg)
{
    struct sweep_ctx *c = arg;
    if (r->protocol == L2TPXD_RTPROT && r->oif == c->ifindex && c->n < DP_SWEEP_MAX)
        c->found[c->n++] = *r;
    return 0;
}

/* Removes routes tagged L2TPXD_RTPROT through ifindex: left by an earlier
 * l2tpxd on a persistent device, they would send users' traffic to
 * sessions that no longer exist. */
static void sweep_routes(struct l2tpxd_dp *dp, int ifindex)
{
    static const int fams[2] = {AF_INET, AF_INET6};
    struct sweep_ctx *c = malloc(sizeof *c);
    if (c == NULL)
        return;
    unsigned total = 0;
    for (int f = 0; f < 2; f++) {
        for (int pass = 0; pass < 64; pass++) {
            c->ifindex = ifindex;
            c->n = 0;
            if (net_nl_route_dump(dp->nl, fams[f], 0, sweep_cb, c) < 0 || c->n == 0)
                break;
            unsigned deleted = 0;
            for (unsigned i = 0; i < c->n; i++)
                if (net_nl_route_del(dp->nl, &c->found[i]) == 0)
                    deleted++;
            total += deleted;
            if (deleted == 0 || c->n < DP_SWEEP_MAX)
                break;
        }
    }
    free(c);
    if (total)
        lx_notice("data plane: removed %u stale route(s) through ifindex %d", total, ifindex);
}

static void fill_route(struct net_nl_route *r, const struct l2tpxd_tun *t, int family,
                       const uint8_t *addr, unsigned plen)
{
    memset(r, 0, sizeof *r);
    r->family = family;
    memcpy(r->dst, addr, family == AF_INET ? 4 : 16);
    r->plen = (uint8_t)plen;
    r->oif = t->tun.ifindex;
    r->protocol = L2TPXD_RTPROT;
    if (family == AF_INET && t->o.local_ip4 != 0) {
        /* Locally generated packets towards users leave with the TUN's
         * address, which the users can reach back. */
        uint32_t a = htonl(t->o.local_ip4);
        r->has_prefsrc = true;
        memcpy(r->prefsrc, &a, 4);
    }
}

static int make_key(struct lx_ipkey *k, int family, const uint8_t *addr, unsigned plen)
{
    if (addr == NULL)
        return -EINVAL;
    if (family == AF_INET) {
        if (plen != 32) /* lx_iphash holds IPv4 /32 only */
            return -EINVAL;
        lx_ipkey4(k, addr);
        return 0;
    }
    if (family == AF_INET6) {
        if (plen < 1 || plen > 128)
            return -EINVAL;
        lx_ipkey6(k, addr, plen);
        return 0;
    }
    return -EAFNOSUPPORT;
}

static bool key_eq(const struct lx_ipkey *a, const struct lx_ipkey *b)
{
    return a->family == b->family && a->plen == b->plen && memcmp(a->a, b->a, sizeof a->a) == 0;
}

/* Unlinks reg from its TUN and its dest and frees it (hash and kernel
 * route are the caller's business). */
static void reg_unlink(struct l2tpxd_dp_reg *g)
{
    struct l2tpxd_tun *t = g->tun;
    if (g->tun_prev)
        g->tun_prev->tun_next = g->tun_next;
    else
        t->regs = g->tun_next;
    if (g->tun_next)
        g->tun_next->tun_prev = g->tun_prev;
    struct l2tpxd_dp_reg **pp = &g->dest->dp_reg;
    while (*pp && *pp != g)
        pp = &(*pp)->dest_next;
    if (*pp)
        *pp = g->dest_next;
    free(g);
}

static void reg_route_del(struct l2tpxd_dp *dp, struct l2tpxd_dp_reg *g)
{
    struct net_nl_route r;
    fill_route(&r, g->tun, g->key.family, g->key.a, g->key.plen);
    r.has_prefsrc = false;
    int rc = net_nl_route_del(dp->nl, &r);
    if (rc < 0 && rc != -ESRCH && rc != -ENODEV)
        LX_LOG_RL(LX_LOG_WARN, "data plane: removing a route on %s: %s", g->tun->tun.name,
                  strerror(-rc));
}

int l2tpxd_dp_route_add(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family, const uint8_t *addr,
                        unsigned plen, struct l2tpxd_dp_dest *dest)
{
    if (dp == NULL || t == NULL || dest == NULL)
        return -EINVAL;
    struct lx_ipkey k;
    int rc = make_key(&k, family, addr, plen);
    if (rc < 0)
        return rc;
    struct l2tpxd_dp_reg *g = calloc(1, sizeof *g);
    if (g == NULL)
        return -ENOMEM;
    rc = lx_iphash_insert(&dp->hash, &k, dest);
    if (rc < 0) {
        free(g);
        return rc;
    }
    struct net_nl_route r;
    fill_route(&r, t, family, k.a, plen);
    rc = net_nl_route_add(dp->nl, &r, true);
    if (rc < 0) {
        char ab[INET6_ADDRSTRLEN];
        inet_ntop(family, k.a, ab, sizeof ab);
        lx_warn("data plane: route %s/%u via %s: %s%s%s", ab, plen, t->tun.name, strerror(-rc),
                dp->nl->ext_msg[0] ? ": " : "", dp->nl->ext_msg);
        lx_iphash_remove(&dp->hash, &k);
        free(g);
        return rc;
    }
    g->tun = t;
    g->dest = dest;
    g->key = k;
    g->tun_next = t->regs;
    if (t->regs)
        t->regs->tun_prev = g;
    t->regs = g;
    g->dest_next = dest->dp_reg;
    dest->dp_reg = g;
    return 0;
}

void l2tpxd_dp_route_del(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                         const uint8_t *addr, unsigned plen)
{
    if (dp == NULL || t == NULL)
        return;
    struct lx_ipkey k;
    if (make_key(&k, family, addr, plen) < 0)
        return;
    for (struct l2tpxd_dp_reg *g = t->regs; g; g = g->tun_next) {
        if (key_eq(&g->key, &k)) {
            lx_iphash_remove(&dp->hash, &k);
            reg_route_del(dp, g);
            reg_unlink(g);
            return;
        }
    }
}

int l2tpxd_dp_route_plain(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                          const uint8_t *addr, unsigned plen, unsigned metric, bool add)
{
    if (dp == NULL || t == NULL || addr == NULL)
        return -EINVAL;
    if ((family != AF_INET && family != AF_INET6) || plen > (family == AF_INET ? 32u : 128u))
        return -EINVAL;
    struct net_nl_route r;
    fill_route(&r, t, family, addr, plen);
    r.metric = metric;
    if (!add)
        r.has_prefsrc = false;
    int rc = add ? net_nl_route_add(dp->nl, &r, false) : net_nl_route_del(dp->nl, &r);
    if (rc < 0 && !(add && rc == -EEXIST) && !(!add && rc == -ESRCH)) {
        char ab[INET6_ADDRSTRLEN];
        inet_ntop(family, r.dst, ab, sizeof ab);
        lx_warn("data plane: %s route %s/%u via %s: %s%s%s", add ? "adding" : "removing", ab, plen,
                t->tun.name, strerror(-rc), dp->nl->ext_msg[0] ? ": " : "", dp->nl->ext_msg);
    }
    return rc;
}

void l2tpxd_dp_forget(struct l2tpxd_dp *dp, struct l2tpxd_dp_dest *dest)
{
    if (dp == NULL || dest == NULL)
        return;
    while (dest->dp_reg) {
        struct l2tpxd_dp_reg *g = dest->dp_reg;
        lx_iphash_remove(&dp->hash, &g->key);
        reg_route_del(dp, g);
        reg_unlink(g);
    }
    for (struct l2tpxd_tun *t = dp->tuns; t; t = t->next)
        if (t->o.dest == dest)
            t->o.dest = NULL;
}

/* -------------------------------------------------------------- TUN devices */

static void put_ifid(uint8_t a[16], uint64_t ifid)
{
    memset(a, 0, 16);
    a[0] = 0xfe;
    a[1] = 0x80;
    for (int i = 0; i < 8; i++)
        a[8 + i] = (uint8_t)(ifid >> (56 - 8 * i));
}

static int tun_addresses(struct l2tpxd_dp *dp, struct l2tpxd_tun *t)
{
    const struct l2tpxd_tun_opts *o = &t->o;
    if (o->local_ip4) {
        struct net_nl_addr a = {.family = AF_INET, .ifindex = t->tun.ifindex, .plen = 32};
        uint32_t l = htonl(o->local_ip4);
        memcpy(a.local, &l, 4);
        if (o->peer_ip4) {
            uint32_t p = htonl(o->peer_ip4);
            memcpy(a.peer, &p, 4);
            a.has_peer = true;
        }
        int rc = net_nl_addr_add(dp->nl, &a);
        if (rc < 0 && rc != -EEXIST) {
            lx_err("data plane: %s: IPv4 address: %s%s%s", t->tun.name, strerror(-rc),
                   dp->nl->ext_msg[0] ? ": " : "", dp->nl->ext_msg);
            return rc;
        }
    }
    if (o->local_ifid) {
        /* RFC 5072 §4.1: the link-local address built from the interface
         * identifier IPV6CP negotiated; no DAD on a point-to-point link
         * whose identifiers were already checked to differ. */
        struct net_nl_addr a = {.family = AF_INET6,
                                .ifindex = t->tun.ifindex,
                                .plen = 64,
                                .scope = RT_SCOPE_LINK,
                                .flags = IFA_F_NODAD};
        put_ifid(a.local, o->local_ifid);
        if (o->peer_ifid) {
            put_ifid(a.peer, o->peer_ifid);
            a.has_peer = true;
            a.plen = 128;
        }
        int rc = net_nl_addr_add(dp->nl, &a);
        if (rc < 0 && rc != -EEXIST)
            /* IPv6 may be disabled on this host: IPv4 still works. */
            lx_warn("data plane: %s: IPv6 link-local address: %s", t->tun.name, strerror(-rc));
    }
    return 0;
}

struct l2tpxd_tun *l2tpxd_dp_tun_open(struct l2tpxd_dp *dp, const struct l2tpxd_tun_opts *o)
{
    if (dp == NULL || o == NULL)
        return NULL;
    struct l2tpxd_tun *t = calloc(1, sizeof *t);
    if (t == NULL) {
        lx_err("data plane: out of memory");
        return NULL;
    }
    t->dp = dp;
    t->o = *o;
    t->o.name[sizeof t->o.name - 1] = '\0';
    t->tun.fd = -1;
    struct net_tun_opts to = {
        .name = t->o.name[0] ? t->o.name : "l2tpx%d",
        .mtu = o->mtu ? o->mtu : 1500,
        .txqueuelen = DP_QLEN,
        .up = false, /* after the IPv6 address generation mode below */
    };
    int rc = net_tun_open(&t->tun, &to);
    if (rc < 0) {
        lx_err("data plane: cannot create TUN device '%s': %s", to.name, strerror(-rc));
        free(t);
        return NULL;
    }
    if (t->tun.ifindex <= 0) {
        rc = net_nl_ifindex(dp->nl, t->tun.name);
        t->tun.ifindex = rc > 0 ? rc : 0;
    }
    /* RFC 5072 §5: the link-local address comes from the interface
     * identifier IPv6CP negotiated (put on below), not from one the kernel
     * makes up for a device without a link-layer address. Refused where
     * IPv6 is off: not fatal. */
    rc = net_nl_link_set_addr_gen_mode(dp->nl, t->tun.ifindex, IN6_ADDR_GEN_MODE_NONE);
    if (rc < 0)
        lx_debug("data plane: %s: no IPv6 address generation mode: %s", t->tun.name, strerror(-rc));
    rc = net_tun_set_up(&t->tun, true);
    if (rc < 0) {
        lx_err("data plane: cannot bring %s up: %s", t->tun.name, strerror(-rc));
        goto fail;
    }
    sweep_routes(dp, t->tun.ifindex);
    if (tun_addresses(dp, t) < 0)
        goto fail;
    rc = lx_ev_add_fd(dp->ev, t->tun.fd, LX_EV_READ, tun_readable, t);
    if (rc < 0) {
        lx_err("data plane: event loop: %s", strerror(-rc));
        goto fail;
    }
    t->watching = true;
    t->next = dp->tuns;
    if (dp->tuns)
        dp->tuns->prev = t;
    dp->tuns = t;
    lx_info("data plane: %s up (ifindex %d, MTU %u)", t->tun.name, t->tun.ifindex, to.mtu);
    return t;
fail:
    net_tun_close(&t->tun);
    free(t);
    return NULL;
}

void l2tpxd_dp_tun_close(struct l2tpxd_dp *dp, struct l2tpxd_tun *t)
{
    if (dp == NULL || t == NULL)
        return;
    while (t->regs) {
        struct l2tpxd_dp_reg *g = t->regs;
        lx_iphash_remove(&dp->hash, &g->key);
        if (t->tun.persist) /* otherwise the routes go with the device */
            reg_route_del(dp, g);
        reg_unlink(g);
    }
    tun_stop_watching(t);
    if (t->prev)
        t->prev->next = t->next;
    else
        dp->tuns = t->next;
    if (t->next)
        t->next->prev = t->prev;
    net_tun_close(&t->tun);
    free(t);
}

const char *l2tpxd_dp_tun_name(const struct l2tpxd_tun *t)
{
    return t ? t->tun.name : "";
}

unsigned l2tpxd_dp_tun_ifindex(const struct l2tpxd_tun *t)
{
    return t && t->tun.ifindex > 0 ? (unsigned)t->tun.ifindex : 0;
}

void l2tpxd_dp_tun_set_dest(struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest)
{
    if (t)
        t->o.dest = dest;
}

/* -------------------------------------------------------------- life cycle */

struct l2tpxd_dp *l2tpxd_dp_new(struct lx_ev *ev, const struct l2tpxd_dp_ops *ops, void *ctx)
{
    if (ev == NULL || ops == NULL || ops->sock_fd == NULL)
        return NULL;
    struct l2tpxd_dp *dp = calloc(1, sizeof *dp);
    if (dp == NULL)
        return NULL;
    dp->ev = ev;
    dp->ops = *ops;
    dp->ctx = ctx;
    dp->icmp_fd = -1;
    dp->nl = calloc(1, sizeof *dp->nl);
    dp->slab = malloc((size_t)DP_BATCH * DP_SLOT_SIZE);
    if (dp->nl == NULL || dp->slab == NULL || lx_iphash_init(&dp->hash, 64) < 0) {
        lx_err("data plane: out of memory");
        goto fail;
    }
    int rc = net_nl_open(dp->nl);
    if (rc < 0) {
        lx_err("data plane: rtnetlink: %s", strerror(-rc));
        free(dp->nl);
        dp->nl = NULL;
        goto fail;
    }
    for (unsigned i = 0; i < DP_BATCH; i++) {
        dp->tb[i].data = dp->slab + (size_t)i * DP_SLOT_SIZE + DP_HEADROOM;
        dp->tb[i].cap = DP_PKT_MAX;
    }
    return dp;
fail:
    l2tpxd_dp_free(dp);
    return NULL;
}

void l2tpxd_dp_free(struct l2tpxd_dp *dp)
{
    if (dp == NULL)
        return;
    while (dp->tuns)
        l2tpxd_dp_tun_close(dp, dp->tuns);
    if (dp->icmp_fd >= 0)
        close(dp->icmp_fd);
    if (dp->nl) {
        net_nl_close(dp->nl);
        free(dp->nl);
    }
    lx_iphash_free(&dp->hash);
    free(dp->slab);
    free(dp);
}

void l2tpxd_dp_get_stats(const struct l2tpxd_dp *dp, struct l2tpxd_dp_stats *st)
{
    if (dp)
        *st = dp->st;
    else
        memset(st, 0, sizeof *st);
}
