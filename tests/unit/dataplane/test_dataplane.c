/* The data plane (src/daemon/dataplane.c) against the real kernel, as root
 * inside a private network namespace (main() forks, the child unshares
 * CLONE_NEWNET): a TUN device, UDP sockets on loopback, and fake engine
 * sessions (l2tp_session_data_header is defined here, so the test does not
 * depend on the engine's state machines).
 *
 * Packets are sent by ordinary sockets to users' addresses, routed by the
 * kernel into the TUN through the routes the data plane added, and must
 * come out of the UDP sockets as L2TP data messages (RFC 2661 §5.4) with
 * the right header, PPP header and source address. Skipped when not root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/dataplane.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "net/netlink.h"
#include "net/tun.h"

/* ------------------------------------------------ fake engine session */

struct l2tp_session {
    uint16_t peer_tid, peer_sid;
    bool up;
    bool lbit;
    struct l2tp_addr local, peer;
    unsigned calls;
    size_t last_payload;
};

/* RFC 2661 §3.1 / §5.4: flags/version (T=0, L optional, ver 2), [Length],
 * Tunnel ID, Session ID. */
size_t l2tp_session_data_header(struct l2tp_session *s, uint8_t *hdr, size_t cap,
                                size_t payload_len, const struct l2tp_addr **local,
                                const struct l2tp_addr **peer)
{
    if (!s->up)
        return 0;
    size_t hl = s->lbit ? 8 : 6;
    if (cap < hl)
        return 0;
    uint16_t flags = 0x0002 | (s->lbit ? 0x4000 : 0);
    uint8_t *p = hdr;
    *p++ = (uint8_t)(flags >> 8);
    *p++ = (uint8_t)flags;
    if (s->lbit) {
        *p++ = (uint8_t)((hl + payload_len) >> 8);
        *p++ = (uint8_t)(hl + payload_len);
    }
    *p++ = (uint8_t)(s->peer_tid >> 8);
    *p++ = (uint8_t)s->peer_tid;
    *p++ = (uint8_t)(s->peer_sid >> 8);
    *p++ = (uint8_t)s->peer_sid;
    s->calls++;
    s->last_payload = payload_len;
    *local = &s->local;
    *peer = &s->peer;
    return hl;
}

/* ------------------------------------------------------------ fixture */

static bool netns_ok;

#define SKIP_UNLESS_NETNS() \
    do {                    \
        if (!netns_ok)      \
            skip();         \
    } while (0)

#define PORT_A    17010 /* wildcard socket (like the daemon's default) */
#define PORT_B    17011 /* socket bound to 127.0.0.6 */
#define PORT_SINK 17020 /* the "LAC": 127.0.0.9 */

struct fx {
    struct lx_ev *ev;
    struct l2tpxd_dp *dp;
    struct l2tpxd_tun *tun;
    int sock_a, sock_a6, sock_b, sink, sink6;
    struct net_nl nl;
};

static struct fx F;

static void addr4(struct l2tp_addr *a, const char *ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->in4.sin_family = AF_INET;
    a->in4.sin_port = htons(port);
    assert_int_equal(inet_pton(AF_INET, ip, &a->in4.sin_addr), 1);
    a->len = sizeof a->in4;
}

static void addr6(struct l2tp_addr *a, const char *ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->in6.sin6_family = AF_INET6;
    a->in6.sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, ip, &a->in6.sin6_addr), 1);
    a->len = sizeof a->in6;
}

static int udp_bound(int family, const char *ip, uint16_t port)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct l2tp_addr a;
    if (family == AF_INET) {
        addr4(&a, ip, port);
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    } else {
        addr6(&a, ip, port);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
    assert_int_equal(bind(fd, &a.sa, a.len), 0);
    return fd;
}

/* ops->sock_fd: the daemon's rule (exact address, else the wildcard). */
static int fx_sock_fd(void *ctx, const struct l2tp_addr *local)
{
    struct fx *f = ctx;
    if (local->sa.sa_family == AF_INET6)
        return f->sock_a6;
    if (local->in4.sin_addr.s_addr == inet_addr("127.0.0.6"))
        return f->sock_b;
    return f->sock_a;
}

static const struct l2tpxd_dp_ops fx_ops = {.sock_fd = fx_sock_fd};

/* ops->tunnel_fd: a connected socket for tunnels whose local port is
 * PORT_C only. */
#define PORT_C 17012
static int conn_fd = -1;
static unsigned conn_calls;

static int fx_tunnel_fd(void *ctx, const struct l2tp_addr *local, const struct l2tp_addr *peer)
{
    (void)ctx;
    conn_calls++;
    if (local->sa.sa_family != AF_INET || ntohs(local->in4.sin_port) != PORT_C)
        return -1;
    if (conn_fd < 0) {
        conn_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_true(conn_fd >= 0);
        assert_int_equal(bind(conn_fd, &local->sa, local->len), 0);
        assert_int_equal(connect(conn_fd, &peer->sa, peer->len), 0);
    }
    return conn_fd;
}

static const struct l2tpxd_dp_ops fx_ops_conn = {.sock_fd = fx_sock_fd, .tunnel_fd = fx_tunnel_fd};

static void session_init(struct l2tp_session *s, uint16_t tid, uint16_t sid, const char *local)
{
    memset(s, 0, sizeof *s);
    s->peer_tid = tid;
    s->peer_sid = sid;
    s->up = true;
    addr4(&s->local, local, strcmp(local, "127.0.0.6") == 0 ? PORT_B : PORT_A);
    addr4(&s->peer, "127.0.0.9", PORT_SINK);
}

static void net_port(struct l2tp_addr *a, uint16_t port)
{
    a->in4.sin_port = htons(port);
}

static void dest_init(struct l2tpxd_dp_dest *d, struct l2tp_session *s)
{
    memset(d, 0, sizeof *d);
    d->ls = s;
    memcpy(d->ppp_hdr, "\xff\x03\x00\x21", 4);
    d->ppp_hdr_len = 4;
    memcpy(d->ppp_hdr6, "\x00\x57", 2);
    d->ppp_hdr6_len = 2;
    d->peer_mru = 1400;
}

static void ip4(uint8_t *out, const char *s)
{
    assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void ip6(uint8_t *out, const char *s)
{
    assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static int setup(void **state)
{
    (void)state;
    if (!netns_ok)
        return 0;
    memset(&F, 0, sizeof F);
    assert_int_equal(net_nl_open(&F.nl), 0);
    F.ev = lx_ev_new();
    assert_non_null(F.ev);
    F.sock_a = udp_bound(AF_INET, "0.0.0.0", PORT_A);
    F.sock_a6 = udp_bound(AF_INET6, "::", PORT_A);
    F.sock_b = udp_bound(AF_INET, "127.0.0.6", PORT_B);
    F.sink = udp_bound(AF_INET, "127.0.0.9", PORT_SINK);
    F.sink6 = udp_bound(AF_INET6, "::1", PORT_SINK);
    F.dp = l2tpxd_dp_new(F.ev, &fx_ops, &F);
    assert_non_null(F.dp);
    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    strcpy(o.name, "lxdp0");
    o.mtu = 1400;
    o.local_ip4 = 0x0a630001; /* 10.99.0.1 */
    o.local_ifid = 0x1;
    F.tun = l2tpxd_dp_tun_open(F.dp, &o);
    assert_non_null(F.tun);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!netns_ok)
        return 0;
    l2tpxd_dp_free(F.dp); /* closes the TUNs */
    close(F.sock_a);
    close(F.sock_a6);
    close(F.sock_b);
    close(F.sink);
    close(F.sink6);
    lx_ev_free(F.ev);
    net_nl_close(&F.nl);
    return 0;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Runs the event loop until fd has a datagram (or ~1 s); returns its
 * length (-1 if none) and the sender in *from. */
static ssize_t pump_recv(int fd, uint8_t *buf, size_t cap, struct l2tp_addr *from)
{
    for (int i = 0; i < 100; i++) {
        struct l2tp_addr a;
        a.len = sizeof a.in6;
        ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, &a.sa, &a.len);
        if (n >= 0) {
            if (from)
                *from = a;
            return n;
        }
        lx_ev_run_once(F.ev, 10);
    }
    return -1;
}

/* Same, skipping the IPv6 the kernel sends on its own (router
 * solicitations, MLD): a single-dest TUN forwards those too. Expects the
 * PPP header ff 03 00 21 after a 6-octet L2TP header. */
static ssize_t pump_recv_v4(int fd, uint8_t *buf, size_t cap)
{
    for (int i = 0; i < 10; i++) {
        ssize_t n = pump_recv(fd, buf, cap, NULL);
        if (n < 10 || get16(buf + 8) == 0x0021)
            return n;
    }
    return -1;
}

/* Lets the data plane drain whatever is queued. */
static void pump(int rounds)
{
    for (int i = 0; i < rounds; i++)
        lx_ev_run_once(F.ev, 10);
}

static void drain(int fd)
{
    uint8_t b[2048];
    while (recv(fd, b, sizeof b, MSG_DONTWAIT) >= 0) {
    }
}

static void send_udp4(const char *dst, uint16_t port, size_t len, bool df)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    if (df) {
        int v = IP_PMTUDISC_PROBE; /* DF, ignore the cached PMTU */
        setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
    }
    struct l2tp_addr a;
    addr4(&a, dst, port);
    uint8_t payload[2000];
    memset(payload, 0x5a, sizeof payload);
    assert_int_equal(sendto(fd, payload, len, 0, &a.sa, a.len), (ssize_t)len);
    close(fd);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* TCP checksum over the IPv4 pseudo-header: a correct segment sums to 0xffff. */
static bool tcp4_csum_ok(const uint8_t *ip, size_t len)
{
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t tl = get16(ip + 2) - ihl;
    uint32_t s = csum_add(0, ip + 12, 8);
    s += IPPROTO_TCP + (uint32_t)tl;
    s = csum_add(s, ip + ihl, tl);
    (void)len;
    return csum_fold(s) == 0xffff;
}

static unsigned tcp_mss(const uint8_t *tcp)
{
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    for (size_t i = 20; i + 1 < doff;) {
        uint8_t kind = tcp[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (kind == 2)
            return get16(tcp + i + 2);
        i += tcp[i + 1] ? tcp[i + 1] : 1;
    }
    return 0;
}

/* ------------------------------------------------------------- tests */

/* UDP from the network side to the user's address -> one L2TP datagram
 * from the tunnel's local address with the session's header. */
static void test_encap_ipv4(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 0x1234, 0x5678, "127.0.0.5");
    dest_init(&d, &s);
    uint8_t user[4];
    ip4(user, "10.99.0.2");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), 0);
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), -EEXIST);
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 24, &d), -EINVAL);
    drain(F.sink);

    send_udp4("10.99.0.2", 9, 100, false);
    uint8_t b[2048];
    struct l2tp_addr from;
    ssize_t n = pump_recv(F.sink, b, sizeof b, &from);
    assert_int_equal(n, 6 + 4 + 20 + 8 + 100);
    /* RFC 2661 §5.4 header, then PPP ff 03 00 21 (RFC 1662 §3.1, RFC 1332). */
    assert_int_equal(get16(b), 0x0002);
    assert_int_equal(get16(b + 2), 0x1234);
    assert_int_equal(get16(b + 4), 0x5678);
    assert_memory_equal(b + 6, "\xff\x03\x00\x21", 4);
    const uint8_t *ip = b + 10;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get16(ip + 2), 128);
    assert_memory_equal(ip + 16, user, 4);
    uint8_t tunaddr[4];
    ip4(tunaddr, "10.99.0.1");
    assert_memory_equal(ip + 12, tunaddr, 4); /* route's preferred source */
    /* Source = the tunnel's local address (pktinfo), port of the socket. */
    assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("127.0.0.5"));
    assert_int_equal(ntohs(from.in4.sin_port), PORT_A);
    assert_int_equal(s.last_payload, 4 + 128);
    assert_int_equal(d.to_user_pkts, 1);
    assert_int_equal(d.to_user_bytes, 128);

    /* L bit: the Length field covers the whole message. */
    s.lbit = true;
    send_udp4("10.99.0.2", 9, 10, false);
    n = pump_recv(F.sink, b, sizeof b, NULL);
    assert_int_equal(n, 8 + 4 + 38);
    assert_int_equal(get16(b), 0x4002);
    assert_int_equal(get16(b + 2), 8 + 4 + 38);
    assert_int_equal(get16(b + 4), 0x1234);

    /* Session not up: dropped and counted on the dest. */
    struct l2tpxd_dp_stats st0, st1;
    l2tpxd_dp_get_stats(F.dp, &st0);
    s.up = false;
    send_udp4("10.99.0.2", 9, 10, false);
    pump(5);
    assert_int_equal(pump_recv(F.sink, b, sizeof b, NULL), -1);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(st1.tun_rx_no_session - st0.tun_rx_no_session, 1);
    assert_int_equal(d.to_user_dropped, 1);

    /* IPv4 NCP down (no PPP header): dropped too. */
    s.up = true;
    d.ppp_hdr_len = 0;
    send_udp4("10.99.0.2", 9, 10, false);
    pump(5);
    assert_int_equal(pump_recv(F.sink, b, sizeof b, NULL), -1);
    assert_int_equal(d.to_user_dropped, 2);

    /* PFC + ACFC: a one-octet protocol field. */
    d.ppp_hdr[0] = 0x21;
    d.ppp_hdr_len = 1;
    s.lbit = false;
    send_udp4("10.99.0.2", 9, 10, false);
    n = pump_recv(F.sink, b, sizeof b, NULL);
    assert_int_equal(n, 6 + 1 + 38);
    assert_int_equal(b[6], 0x21);
    assert_int_equal(b[7], 0x45);

    l2tpxd_dp_forget(F.dp, &d);
    assert_null(d.dp_reg);
    /* The route went with the registration: the kernel has no route now. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct l2tp_addr a;
    addr4(&a, "10.99.0.2", 9);
    assert_true(sendto(fd, "x", 1, 0, &a.sa, a.len) < 0);
    assert_int_equal(errno, ENETUNREACH);
    close(fd);
}

/* No destination, too big, MRU + DF -> ICMP "fragmentation needed". */
static void test_drops(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 1, 2, "127.0.0.5");
    dest_init(&d, &s);
    d.peer_mru = 300;
    uint8_t user[4], net[4];
    ip4(user, "10.99.0.2");
    ip4(net, "10.99.0.0");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), 0);
    /* A plain route for the rest of the /24: no dest in the hash. */
    assert_int_equal(l2tpxd_dp_route_plain(F.dp, F.tun, AF_INET, net, 24, 0, true), 0);
    assert_int_equal(l2tpxd_dp_route_plain(F.dp, F.tun, AF_INET, net, 24, 0, true), -EEXIST);
    drain(F.sink);
    pump(3);

    struct l2tpxd_dp_stats st0, st1;
    l2tpxd_dp_get_stats(F.dp, &st0);
    send_udp4("10.99.0.3", 9, 50, false);
    pump(5);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_true(st1.tun_rx_no_dest - st0.tun_rx_no_dest >= 1);
    uint8_t b[2048];
    assert_int_equal(pump_recv(F.sink, b, sizeof b, NULL), -1);

    /* 500 > MRU 300, DF set: dropped, and the sender learns the MTU. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int v = IP_PMTUDISC_PROBE, one = 1;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
    struct l2tp_addr a;
    addr4(&a, "10.99.0.2", 9);
    memset(b, 0, 500);
    assert_int_equal(sendto(fd, b, 500, 0, &a.sa, a.len), 500);
    l2tpxd_dp_get_stats(F.dp, &st0);
    pump(5);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(st1.tun_rx_too_big - st0.tun_rx_too_big, 1);
    assert_int_equal(d.to_user_dropped, 1);
    assert_int_equal(st1.icmp_too_big - st0.icmp_too_big, 1);
    assert_int_equal(pump_recv(F.sink, b, sizeof b, NULL), -1);
    /* The ICMP error reaches the sending socket (RFC 1191 next-hop MTU). */
    bool got = false;
    for (int i = 0; i < 100 && !got; i++) {
        char cbuf[512];
        uint8_t db[600];
        struct iovec iov = {db, sizeof db};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            usleep(10000);
            continue;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) {
                struct sock_extended_err ee;
                memcpy(&ee, CMSG_DATA(c), sizeof ee);
                assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ICMP);
                assert_int_equal(ee.ee_type, 3);
                assert_int_equal(ee.ee_code, 4);
                assert_int_equal(ee.ee_info, 300);
                got = true;
            }
        }
    }
    assert_true(got);
    close(fd);

    /* Without DF: dropped, no ICMP. */
    l2tpxd_dp_get_stats(F.dp, &st0);
    send_udp4("10.99.0.2", 9, 400, false);
    pump(5);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(st1.tun_rx_too_big - st0.tun_rx_too_big, 1);
    assert_int_equal(st1.icmp_too_big - st0.icmp_too_big, 0);

    assert_int_equal(l2tpxd_dp_route_plain(F.dp, F.tun, AF_INET, net, 24, 0, false), 0);
    assert_int_equal(l2tpxd_dp_route_plain(F.dp, F.tun, AF_INET, net, 24, 0, false), -ESRCH);
    l2tpxd_dp_route_del(F.dp, F.tun, AF_INET, user, 32);
    assert_null(d.dp_reg);
    l2tpxd_dp_forget(F.dp, &d); /* nothing left: harmless */
}

/* A TCP SYN towards the user gets its MSS lowered, checksum still valid. */
static void test_mss_clamp(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 7, 8, "127.0.0.5");
    dest_init(&d, &s);
    d.mss_clamp = 1000;
    uint8_t user[4];
    ip4(user, "10.99.0.2");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), 0);
    drain(F.sink);

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct l2tp_addr a;
    addr4(&a, "10.99.0.2", 80);
    assert_int_equal(connect(fd, &a.sa, a.len), -1);
    assert_int_equal(errno, EINPROGRESS);
    uint8_t b[2048];
    ssize_t n = pump_recv(F.sink, b, sizeof b, NULL);
    assert_true(n > 10 + 40);
    const uint8_t *ip = b + 10;
    assert_int_equal(ip[9], IPPROTO_TCP);
    const uint8_t *tcp = ip + (ip[0] & 0xf) * 4;
    assert_true(tcp[13] & 0x02); /* SYN */
    assert_int_equal(tcp_mss(tcp), 1000);
    assert_true(tcp4_csum_ok(ip, (size_t)n - 10));
    struct l2tpxd_dp_stats st;
    l2tpxd_dp_get_stats(F.dp, &st);
    assert_true(st.mss_clamped >= 1);
    close(fd);
    l2tpxd_dp_forget(F.dp, &d);
}

struct addr_find {
    uint8_t want[16];
    int ifindex;
    bool found;
};

static int addr_find_cb(const struct net_nl_addr *x, void *ctx)
{
    struct addr_find *q = ctx;
    if (memcmp(x->local, q->want, 16) == 0)
        q->found = true;
    return 0;
}

/* IPv6: longest prefix (/64 for the user's prefix), PPP protocol 0x0057. */
static void test_encap_ipv6(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 0x0a0a, 0x0b0b, "127.0.0.5");
    dest_init(&d, &s);
    uint8_t pfx[16], src[16];
    ip6(pfx, "fd00:99::");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET6, pfx, 64, &d), 0);
    /* A source address for the sender (the TUN has only a link-local). */
    struct net_nl_addr la = {.family = AF_INET6, .ifindex = 1, .plen = 128, .flags = 0x02};
    ip6(la.local, "fd00:1::1");
    int rc = net_nl_addr_add(&F.nl, &la);
    assert_true(rc == 0 || rc == -EEXIST);
    ip6(src, "fd00:1::1");
    drain(F.sink);

    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct l2tp_addr a;
    addr6(&a, "fd00:1::1", 0);
    assert_int_equal(bind(fd, &a.sa, a.len), 0);
    addr6(&a, "fd00:99::5", 9);
    assert_int_equal(sendto(fd, "hello", 5, 0, &a.sa, a.len), 5);
    close(fd);
    uint8_t b[2048];
    ssize_t n = pump_recv(F.sink, b, sizeof b, NULL);
    assert_int_equal(n, 6 + 2 + 40 + 8 + 5);
    assert_int_equal(get16(b + 2), 0x0a0a);
    assert_int_equal(get16(b + 6), 0x0057);
    assert_int_equal(b[8] >> 4, 6);
    assert_memory_equal(b + 8 + 8, src, 16);

    /* The TUN carries our IPv6 link-local fe80::1. */
    struct addr_find q = {.ifindex = (int)l2tpxd_dp_tun_ifindex(F.tun)};
    ip6(q.want, "fe80::1");
    assert_int_equal(net_nl_addr_dump(&F.nl, AF_INET6, q.ifindex, addr_find_cb, &q), 0);
    assert_true(q.found);
    l2tpxd_dp_forget(F.dp, &d);
}

/* Two tunnels on two sockets in one batch: one sendmmsg per socket, each
 * datagram from its tunnel's address. */
static void test_batch_groups(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session sa, sb;
    struct l2tpxd_dp_dest da, db;
    session_init(&sa, 100, 1, "127.0.0.5");
    session_init(&sb, 200, 2, "127.0.0.6");
    dest_init(&da, &sa);
    dest_init(&db, &sb);
    uint8_t ua[4], ub[4];
    ip4(ua, "10.99.0.10");
    ip4(ub, "10.99.0.11");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, ua, 32, &da), 0);
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, ub, 32, &db), 0);
    drain(F.sink);
    pump(3);

    struct l2tpxd_dp_stats st0, st1;
    l2tpxd_dp_get_stats(F.dp, &st0);
    for (int i = 0; i < 6; i++)
        send_udp4(i % 2 ? "10.99.0.11" : "10.99.0.10", 9, 20, false);
    /* Everything is queued on the TUN already: one wake-up, one batch. */
    lx_ev_run_once(F.ev, 100);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(st1.tun_rx_pkts - st0.tun_rx_pkts, 6);
    assert_int_equal(st1.tun_rx_batches - st0.tun_rx_batches, 1);
    assert_int_equal(st1.udp_tx_pkts - st0.udp_tx_pkts, 6);
    assert_int_equal(st1.udp_tx_batches - st0.udp_tx_batches, 2);
    unsigned from_a = 0, from_b = 0;
    for (int i = 0; i < 6; i++) {
        uint8_t b[2048];
        struct l2tp_addr from;
        assert_true(pump_recv(F.sink, b, sizeof b, &from) > 0);
        if (get16(b + 2) == 100) {
            assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("127.0.0.5"));
            assert_int_equal(ntohs(from.in4.sin_port), PORT_A);
            from_a++;
        } else {
            assert_int_equal(get16(b + 2), 200);
            assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("127.0.0.6"));
            assert_int_equal(ntohs(from.in4.sin_port), PORT_B);
            from_b++;
        }
    }
    assert_int_equal(from_a, 3);
    assert_int_equal(from_b, 3);
    assert_int_equal(da.to_user_pkts, 3);
    assert_int_equal(db.to_user_pkts, 3);
    l2tpxd_dp_forget(F.dp, &da);
    l2tpxd_dp_forget(F.dp, &db);
}

/* ops->tunnel_fd: a tunnel with its own connected socket sends on it
 * (no address per datagram); the others still go through sock_fd. */
static void test_tunnel_fd(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tpxd_dp *dp2 = l2tpxd_dp_new(F.ev, &fx_ops_conn, &F);
    assert_non_null(dp2);
    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    strcpy(o.name, "lxdp7");
    o.local_ip4 = 0x0a5e0001; /* 10.94.0.1 */
    struct l2tpxd_tun *t = l2tpxd_dp_tun_open(dp2, &o);
    assert_non_null(t);
    struct l2tp_session sc, sa;
    struct l2tpxd_dp_dest dc, da;
    session_init(&sc, 300, 3, "127.0.0.7");
    net_port(&sc.local, PORT_C);
    session_init(&sa, 100, 1, "127.0.0.5");
    dest_init(&dc, &sc);
    dest_init(&da, &sa);
    uint8_t uc[4], ua[4];
    ip4(uc, "10.94.0.2");
    ip4(ua, "10.94.0.3");
    assert_int_equal(l2tpxd_dp_route_add(dp2, t, AF_INET, uc, 32, &dc), 0);
    assert_int_equal(l2tpxd_dp_route_add(dp2, t, AF_INET, ua, 32, &da), 0);
    drain(F.sink);
    conn_calls = 0;
    send_udp4("10.94.0.2", 9, 20, false);
    send_udp4("10.94.0.3", 9, 20, false);
    send_udp4("10.94.0.2", 9, 20, false);
    unsigned from_c = 0, from_a = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t b[2048];
        struct l2tp_addr from;
        assert_true(pump_recv(F.sink, b, sizeof b, &from) > 0);
        if (get16(b + 2) == 300) {
            assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("127.0.0.7"));
            assert_int_equal(ntohs(from.in4.sin_port), PORT_C);
            from_c++;
        } else {
            assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("127.0.0.5"));
            from_a++;
        }
    }
    assert_int_equal(from_c, 2);
    assert_int_equal(from_a, 1);
    assert_true(conn_calls >= 2);
    assert_int_equal(dc.to_user_pkts, 2);
    struct l2tpxd_dp_stats st;
    l2tpxd_dp_get_stats(dp2, &st);
    assert_int_equal(st.udp_tx_connected, 2); /* tunnel 300's, not tunnel 100's */
    assert_int_equal(st.udp_tx_pkts, 3);
    l2tpxd_dp_free(dp2);
    close(conn_fd);
    conn_fd = -1;
}

/* A tunnel over IPv6: IPV6_PKTINFO source, IPv6 peer. */
static void test_ipv6_transport(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 5, 6, "127.0.0.5");
    addr6(&s.local, "::1", PORT_A);
    addr6(&s.peer, "::1", PORT_SINK);
    dest_init(&d, &s);
    uint8_t user[4];
    ip4(user, "10.99.0.20");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), 0);
    drain(F.sink6);
    send_udp4("10.99.0.20", 9, 30, false);
    uint8_t b[2048];
    struct l2tp_addr from;
    ssize_t n = pump_recv(F.sink6, b, sizeof b, &from);
    assert_int_equal(n, 6 + 4 + 58);
    assert_int_equal(from.sa.sa_family, AF_INET6);
    assert_int_equal(ntohs(from.in6.sin6_port), PORT_A);
    assert_int_equal(get16(b + 2), 5);
    l2tpxd_dp_forget(F.dp, &d);
}

static size_t build_ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
                        const uint8_t *l4, size_t l4len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)((20 + l4len) >> 8);
    p[3] = (uint8_t)(20 + l4len);
    p[6] = 0x40;
    p[8] = 64;
    p[9] = proto;
    ip4(p + 12, src);
    ip4(p + 16, dst);
    uint16_t c = (uint16_t)~csum_fold(csum_add(0, p, 20));
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    memcpy(p + 20, l4, l4len);
    return 20 + l4len;
}

/* User -> network: the packet is injected, spoofed sources are refused,
 * SYNs are clamped. */
static void test_to_tun(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 1, 1, "127.0.0.5");
    dest_init(&d, &s);
    d.mss_clamp = 1200;
    uint8_t user[4];
    ip4(user, "10.99.0.2");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, user, 32, &d), 0);

    /* A server on the TUN's own address receives the user's datagram. */
    int srv = udp_bound(AF_INET, "10.99.0.1", 7777);
    uint8_t udp[8 + 4] = {0x15, 0xb3, 0x1e, 0x61, 0, 12, 0, 0, 'p', 'i', 'n', 'g'};
    uint8_t pkt[256];
    size_t len = build_ip4(pkt, "10.99.0.2", "10.99.0.1", IPPROTO_UDP, udp, sizeof udp);
    assert_int_equal(l2tpxd_dp_to_tun(F.dp, F.tun, &d, pkt, len), 0);
    uint8_t b[64];
    struct l2tp_addr from;
    struct pollfd p = {.fd = srv, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 1000), 1);
    from.len = sizeof from.in6;
    assert_int_equal(recvfrom(srv, b, sizeof b, 0, &from.sa, &from.len), 4);
    assert_memory_equal(b, "ping", 4);
    assert_int_equal(from.in4.sin_addr.s_addr, inet_addr("10.99.0.2"));
    assert_int_equal(ntohs(from.in4.sin_port), 0x15b3);
    assert_int_equal(d.from_user_pkts, 1);
    assert_int_equal(d.from_user_bytes, len);

    /* Someone else's source address: refused (BCP 38). */
    len = build_ip4(pkt, "10.99.0.77", "10.99.0.1", IPPROTO_UDP, udp, sizeof udp);
    struct l2tpxd_dp_stats st0, st1;
    l2tpxd_dp_get_stats(F.dp, &st0);
    assert_int_equal(l2tpxd_dp_to_tun(F.dp, F.tun, &d, pkt, len), -EPERM);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(st1.tun_tx_spoofed - st0.tun_tx_spoofed, 1);
    assert_int_equal(d.from_user_dropped, 1);
    d.any_src = true;
    assert_int_equal(l2tpxd_dp_to_tun(F.dp, F.tun, &d, pkt, len), 0);
    d.any_src = false;

    /* A SYN with MSS 1460 goes in with 1200 and a valid checksum. */
    uint8_t tcp[24] = {0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0,    0,
                       0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 0x05, 0xb4};
    len = build_ip4(pkt, "10.99.0.2", "10.99.0.1", IPPROTO_TCP, tcp, sizeof tcp);
    uint32_t sum = csum_add(0, pkt + 12, 8) + IPPROTO_TCP + sizeof tcp;
    sum = csum_add(sum, pkt + 20, sizeof tcp);
    uint16_t c = (uint16_t)~csum_fold(sum);
    pkt[20 + 16] = (uint8_t)(c >> 8);
    pkt[20 + 17] = (uint8_t)c;
    assert_true(tcp4_csum_ok(pkt, len));
    l2tpxd_dp_get_stats(F.dp, &st0);
    assert_int_equal(l2tpxd_dp_to_tun(F.dp, F.tun, &d, pkt, len), 0);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_int_equal(tcp_mss(pkt + 20), 1200);
    assert_true(tcp4_csum_ok(pkt, len));
    assert_int_equal(st1.mss_clamped - st0.mss_clamped, 1);
    assert_int_equal(st1.tun_tx_pkts - st0.tun_tx_pkts, 1);
    close(srv);
    l2tpxd_dp_forget(F.dp, &d);
}

/* LAC client: a point-to-point TUN whose every packet goes to one dest;
 * plain routes through it. */
static void test_single_dest(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 0x4242, 0x4343, "127.0.0.5");
    dest_init(&d, &s);
    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    o.mtu = 1460;
    o.local_ip4 = 0x0a620001; /* 10.98.0.1 */
    o.peer_ip4 = 0x0a620002;
    o.local_ifid = 0x11;
    o.peer_ifid = 0x22;
    o.single_dest = true;
    o.dest = &d;
    struct l2tpxd_tun *t = l2tpxd_dp_tun_open(F.dp, &o);
    assert_non_null(t);
    assert_true(strncmp(l2tpxd_dp_tun_name(t), "l2tpx", 5) == 0);
    assert_true(l2tpxd_dp_tun_ifindex(t) > 0);
    uint8_t net[4];
    ip4(net, "10.97.0.0");
    assert_int_equal(l2tpxd_dp_route_plain(F.dp, t, AF_INET, net, 16, 10, true), 0);
    drain(F.sink);

    send_udp4("10.97.1.1", 53, 40, false);
    uint8_t b[2048];
    ssize_t n = pump_recv_v4(F.sink, b, sizeof b);
    assert_int_equal(n, 6 + 4 + 68);
    assert_int_equal(get16(b + 2), 0x4242);
    assert_int_equal(get16(b + 4), 0x4343);
    /* Also the point-to-point peer itself. */
    send_udp4("10.98.0.2", 53, 40, false);
    assert_int_equal(pump_recv_v4(F.sink, b, sizeof b), n);

    /* Session gone: the TUN keeps running, packets are dropped. */
    l2tpxd_dp_tun_set_dest(t, NULL);
    pump(3);
    drain(F.sink);
    struct l2tpxd_dp_stats st0, st1;
    l2tpxd_dp_get_stats(F.dp, &st0);
    send_udp4("10.97.1.1", 53, 40, false);
    pump(5);
    l2tpxd_dp_get_stats(F.dp, &st1);
    assert_true(st1.tun_rx_no_dest - st0.tun_rx_no_dest >= 1);
    assert_int_equal(pump_recv(F.sink, b, sizeof b, NULL), -1);

    /* to_tun on a single-dest TUN: any source (the whole Internet). */
    l2tpxd_dp_tun_set_dest(t, &d);
    int srv = udp_bound(AF_INET, "10.98.0.1", 7778);
    uint8_t udp[8 + 2] = {0x00, 0x35, 0x1e, 0x62, 0, 10, 0, 0, 'o', 'k'};
    uint8_t pkt[64];
    size_t len = build_ip4(pkt, "192.0.2.1", "10.98.0.1", IPPROTO_UDP, udp, sizeof udp);
    assert_int_equal(l2tpxd_dp_to_tun(F.dp, t, &d, pkt, len), 0);
    struct pollfd p = {.fd = srv, .events = POLLIN};
    /* 192.0.2.1 is not routed back through t: rp_filter may be strict. */
    if (poll(&p, 1, 500) == 1)
        assert_int_equal(recv(srv, b, sizeof b, 0), 2);
    close(srv);

    l2tpxd_dp_tun_close(F.dp, t);
}

struct route_find {
    int ifindex;
    uint8_t proto;
    unsigned n;
};

static int route_find_cb(const struct net_nl_route *r, void *ctx)
{
    struct route_find *q = ctx;
    if (r->oif == q->ifindex && r->protocol == q->proto)
        q->n++;
    return 0;
}

/* Routes tagged L2TPXD_RTPROT left on a persistent device by an earlier
 * run are removed at open; other routes stay. */
static void test_sweep_stale_routes(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun pt;
    struct net_tun_opts po = {.name = "lxdp9", .persist = true, .up = true};
    assert_int_equal(net_tun_open(&pt, &po), 0);
    struct net_nl_route r = {
        .family = AF_INET, .plen = 24, .oif = pt.ifindex, .protocol = L2TPXD_RTPROT};
    ip4(r.dst, "10.96.0.0");
    assert_int_equal(net_nl_route_add(&F.nl, &r, false), 0);
    ip4(r.dst, "10.96.1.0");
    assert_int_equal(net_nl_route_add(&F.nl, &r, false), 0);
    struct net_nl_route r6 = {
        .family = AF_INET6, .plen = 64, .oif = pt.ifindex, .protocol = L2TPXD_RTPROT};
    ip6(r6.dst, "fd00:96::");
    assert_int_equal(net_nl_route_add(&F.nl, &r6, false), 0);
    struct net_nl_route other = {.family = AF_INET, .plen = 24, .oif = pt.ifindex};
    ip4(other.dst, "10.95.0.0");
    assert_int_equal(net_nl_route_add(&F.nl, &other, false), 0);
    int ifindex = pt.ifindex;
    net_tun_close(&pt); /* the device and its routes stay */

    struct route_find q = {ifindex, L2TPXD_RTPROT, 0};
    assert_int_equal(net_nl_route_dump(&F.nl, AF_UNSPEC, 0, route_find_cb, &q), 0);
    assert_int_equal(q.n, 3);

    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    strcpy(o.name, "lxdp9");
    struct l2tpxd_tun *t = l2tpxd_dp_tun_open(F.dp, &o);
    assert_non_null(t);
    assert_int_equal((int)l2tpxd_dp_tun_ifindex(t), ifindex);
    q.n = 0;
    assert_int_equal(net_nl_route_dump(&F.nl, AF_UNSPEC, 0, route_find_cb, &q), 0);
    assert_int_equal(q.n, 0);
    q.proto = RTPROT_STATIC;
    q.n = 0;
    assert_int_equal(net_nl_route_dump(&F.nl, AF_INET, 0, route_find_cb, &q), 0);
    assert_int_equal(q.n, 1);
    l2tpxd_dp_tun_close(F.dp, t);
}

/* Closing the shared TUN drops every registration; dests are safe to
 * forget afterwards. */
static void test_close_with_routes(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    strcpy(o.name, "lxdp5");
    o.local_ip4 = 0x0a5f0001;
    struct l2tpxd_tun *t = l2tpxd_dp_tun_open(F.dp, &o);
    assert_non_null(t);
    struct l2tp_session s;
    struct l2tpxd_dp_dest d;
    session_init(&s, 1, 1, "127.0.0.5");
    dest_init(&d, &s);
    uint8_t a1[4], a2[16];
    ip4(a1, "10.95.0.2");
    ip6(a2, "fd00:95::");
    assert_int_equal(l2tpxd_dp_route_add(F.dp, t, AF_INET, a1, 32, &d), 0);
    assert_int_equal(l2tpxd_dp_route_add(F.dp, t, AF_INET6, a2, 56, &d), 0);
    assert_non_null(d.dp_reg);
    l2tpxd_dp_tun_close(F.dp, t);
    assert_null(d.dp_reg);
    l2tpxd_dp_forget(F.dp, &d);
    /* The address is free again on another TUN. */
    assert_int_equal(l2tpxd_dp_route_add(F.dp, F.tun, AF_INET, a1, 32, &d), 0);
    l2tpxd_dp_forget(F.dp, &d);
}

static int run(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_encap_ipv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mss_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encap_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnel_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_tun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_dest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_stale_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_with_routes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

int main(void)
{
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0)
        return run(); /* every test skips */
    pid_t pid = fork();
    if (pid < 0)
        return run();
    if (pid == 0) {
        /* Child: a fresh network namespace that dies with this process. */
        netns_ok = unshare(CLONE_NEWNET) == 0;
        if (!netns_ok) {
            fprintf(stderr, "unshare(CLONE_NEWNET): %s; skipping\n", strerror(errno));
        } else {
            struct net_nl nl;
            if (net_nl_open(&nl) == 0) {
                (void)net_nl_link_set_up(&nl, 1, true); /* lo */
                net_nl_close(&nl);
            }
        }
        int rc = run();
        fflush(NULL);
        _exit(rc);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 1;
}
