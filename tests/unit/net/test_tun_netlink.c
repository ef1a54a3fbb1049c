/* TUN device and rtnetlink (net/tun.c, net/netlink.c), run as root inside
 * a private network namespace: main() forks, the child unshares
 * CLONE_NEWNET and runs the tests there, so nothing touches the host's
 * interfaces or routes. Skipped when not root or namespaces are refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "net/netlink.h"
#include "net/tun.h"

static bool netns_ok; /* set in the child after a successful unshare */
static struct net_nl nl;

#define SKIP_UNLESS_NETNS() \
    do {                    \
        if (!netns_ok)      \
            skip();         \
    } while (0)

static void ip4(uint8_t out[16], const char *s)
{
    memset(out, 0, 16);
    assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void ip6(uint8_t out[16], const char *s)
{
    assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static int open_tun(struct net_tun *t, const char *name, unsigned mtu)
{
    struct net_tun_opts o = {.name = name, .mtu = mtu, .txqueuelen = 1000, .up = true};
    return net_tun_open(t, &o);
}

static void test_tun_create(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun t;
    assert_int_equal(open_tun(&t, "lxtest0", 1400), 0);
    assert_true(t.fd >= 0);
    assert_string_equal(t.name, "lxtest0");
    assert_true(t.ifindex > 0);
    assert_int_equal(net_nl_ifindex(&nl, "lxtest0"), t.ifindex);

    struct net_nl_link l;
    assert_int_equal(net_nl_link_get(&nl, t.ifindex, &l), 0);
    assert_string_equal(l.name, "lxtest0");
    assert_int_equal(l.mtu, 1400);
    assert_int_equal(l.txqlen, 1000);
    assert_true(l.flags & IFF_UP);
    assert_true(l.flags & IFF_POINTOPOINT);

    /* MTU and up/down through netlink, read back both ways. */
    assert_int_equal(net_nl_link_set_mtu(&nl, t.ifindex, 1300), 0);
    unsigned mtu = 0;
    assert_int_equal(net_tun_get_mtu(&t, &mtu), 0);
    assert_int_equal(mtu, 1300);
    assert_int_equal(net_nl_link_set_up(&nl, t.ifindex, false), 0);
    assert_int_equal(net_nl_link_get(&nl, t.ifindex, &l), 0);
    assert_false(l.flags & IFF_UP);
    assert_int_equal(net_tun_set_up(&t, true), 0);
    assert_int_equal(net_nl_link_get(&nl, t.ifindex, &l), 0);
    assert_true(l.flags & IFF_UP);
    assert_int_equal(net_tun_set_mtu(&t, 1480), 0);
    assert_int_equal(net_nl_link_get(&nl, t.ifindex, &l), 0);
    assert_int_equal(l.mtu, 1480);

    /* Non-blocking: with nothing queued the read returns 0, not an error
     * (the kernel may already have queued IPv6 MLD/RS packets: drain them). */
    uint8_t b[2048];
    struct net_tun_buf tb = {.data = b, .cap = sizeof b};
    int rc, rounds = 0;
    while ((rc = net_tun_read_multi(&t, &tb, 1)) == 1 && rounds++ < 100)
        assert_true(tb.len > 0 && ((b[0] >> 4) == 6 || (b[0] >> 4) == 4));
    assert_int_equal(rc, 0);

    /* Closing a non-persistent TUN removes the device. */
    net_tun_close(&t);
    assert_int_equal(net_nl_ifindex(&nl, "lxtest0"), -ENODEV);
}

static void test_tun_kernel_name_and_persist(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun t;
    assert_int_equal(net_tun_open(&t, NULL), 0);
    assert_true(strncmp(t.name, "tun", 3) == 0);
    net_tun_close(&t);

    struct net_tun_opts o = {.name = "lxp%d", .persist = true};
    assert_int_equal(net_tun_open(&t, &o), 0);
    assert_string_equal(t.name, "lxp0");
    char name[IFNAMSIZ];
    memcpy(name, t.name, sizeof name);
    net_tun_close(&t);
    assert_true(net_nl_ifindex(&nl, name) > 0); /* still there */
    /* Reattach, clear persistence, close: gone. */
    o.name = name;
    assert_int_equal(net_tun_open(&t, &o), 0);
    assert_int_equal(net_tun_set_persist(&t, false), 0);
    net_tun_close(&t);
    assert_int_equal(net_nl_ifindex(&nl, name), -ENODEV);

    o.name = "this-name-is-too-long-for-ifnamsiz";
    assert_int_equal(net_tun_open(&t, &o), -ENAMETOOLONG);
    assert_int_equal(t.fd, -1);
    assert_int_equal(net_nl_ifindex(&nl, "nonexistent0"), -ENODEV);
}

struct addr_find {
    struct net_nl_addr want;
    int found;
};

static int addr_cb(const struct net_nl_addr *a, void *ctx)
{
    struct addr_find *f = ctx;
    size_t alen = a->family == AF_INET ? 4 : 16;
    if (a->family == f->want.family && a->ifindex == f->want.ifindex && a->plen == f->want.plen &&
        memcmp(a->local, f->want.local, alen) == 0 && a->has_peer == f->want.has_peer &&
        (!a->has_peer || memcmp(a->peer, f->want.peer, alen) == 0))
        f->found++;
    return 0;
}

static int count_addr(const struct net_nl_addr *a)
{
    struct addr_find f = {.want = *a};
    assert_int_equal(net_nl_addr_dump(&nl, a->family, a->ifindex, addr_cb, &f), 0);
    return f.found;
}

static void test_addresses(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun t;
    assert_int_equal(open_tun(&t, "lxaddr0", 1400), 0);

    /* Point-to-point IPv4: IFA_LOCAL 10.0.0.1, IFA_ADDRESS (peer) 10.0.0.2/32. */
    struct net_nl_addr a = {.family = AF_INET, .ifindex = t.ifindex, .plen = 32, .has_peer = true};
    ip4(a.local, "10.0.0.1");
    ip4(a.peer, "10.0.0.2");
    assert_int_equal(net_nl_addr_add(&nl, &a), 0);
    assert_int_equal(net_nl_addr_add(&nl, &a), -EEXIST);
    assert_int_equal(count_addr(&a), 1);

    /* Plain IPv4 /24. */
    struct net_nl_addr b = {.family = AF_INET, .ifindex = t.ifindex, .plen = 24};
    ip4(b.local, "192.0.2.1");
    assert_int_equal(net_nl_addr_add(&nl, &b), 0);
    assert_int_equal(count_addr(&b), 1);

    /* IPv6 global with NODAD, and an IPv6 point-to-point pair. */
    struct net_nl_addr c = {
        .family = AF_INET6, .ifindex = t.ifindex, .plen = 64, .flags = IFA_F_NODAD};
    ip6(c.local, "2001:db8:1::1");
    assert_int_equal(net_nl_addr_add(&nl, &c), 0);
    assert_int_equal(count_addr(&c), 1);
    struct net_nl_addr d = {.family = AF_INET6,
                            .ifindex = t.ifindex,
                            .plen = 128,
                            .has_peer = true,
                            .flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE};
    ip6(d.local, "2001:db8:2::1");
    ip6(d.peer, "2001:db8:2::2");
    assert_int_equal(net_nl_addr_add(&nl, &d), 0);
    assert_int_equal(count_addr(&d), 1);

    /* Deletion, and errors. */
    assert_int_equal(net_nl_addr_del(&nl, &a), 0);
    assert_int_equal(count_addr(&a), 0);
    assert_int_equal(count_addr(&b), 1);
    assert_int_equal(net_nl_addr_del(&nl, &a), -EADDRNOTAVAIL);
    assert_int_equal(net_nl_addr_del(&nl, &d), 0);
    assert_int_equal(count_addr(&d), 0);
    struct net_nl_addr bad = b;
    bad.ifindex = 9999;
    assert_int_equal(net_nl_addr_add(&nl, &bad), -ENODEV);
    bad = b;
    bad.plen = 33;
    assert_int_equal(net_nl_addr_add(&nl, &bad), -EINVAL);
    net_tun_close(&t);
}

struct route_count {
    int oif;
    uint8_t protocol;
    int family;
    int n;
    bool want_default;
    uint32_t metric;
};

static int route_cb(const struct net_nl_route *r, void *ctx)
{
    struct route_count *c = ctx;
    if (r->family != c->family)
        return 0;
    if (c->oif && r->oif != c->oif)
        return 0;
    if (c->protocol && r->protocol != c->protocol)
        return 0;
    if (c->want_default && (r->plen != 0 || r->metric != c->metric))
        return 0;
    c->n++;
    return 0;
}

#define PROTO_L2TPX 199 /* private protocol number tagging our routes */

static void test_routes(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun t;
    assert_int_equal(open_tun(&t, "lxrt0", 1400), 0);
    struct net_nl_addr a = {.family = AF_INET, .ifindex = t.ifindex, .plen = 32, .has_peer = true};
    ip4(a.local, "100.64.0.1");
    ip4(a.peer, "100.64.0.2");
    assert_int_equal(net_nl_addr_add(&nl, &a), 0);

    /* One /32 host route to the TUN per user. */
    enum { USERS = 500 };
    for (int i = 0; i < USERS; i++) {
        struct net_nl_route r = {.family = AF_INET,
                                 .plen = 32,
                                 .oif = t.ifindex,
                                 .protocol = PROTO_L2TPX,
                                 .has_prefsrc = true};
        uint32_t u = htonl(0x64410000u + (uint32_t)i); /* 100.65.x.y */
        memcpy(r.dst, &u, 4);
        memcpy(r.prefsrc, a.local, 4);
        assert_int_equal(net_nl_route_add(&nl, &r, false), 0);
    }
    struct route_count c = {.family = AF_INET, .oif = t.ifindex, .protocol = PROTO_L2TPX};
    assert_int_equal(net_nl_route_dump(&nl, AF_INET, RT_TABLE_MAIN, route_cb, &c), 0);
    assert_int_equal(c.n, USERS);

    struct net_nl_route dup = {
        .family = AF_INET, .plen = 32, .oif = t.ifindex, .protocol = PROTO_L2TPX};
    ip4(dup.dst, "100.65.0.3");
    assert_int_equal(net_nl_route_add(&nl, &dup, false), -EEXIST);
    assert_int_equal(net_nl_route_add(&nl, &dup, true), 0); /* replace */

    for (int i = 0; i < USERS; i++) {
        struct net_nl_route r = {.family = AF_INET, .plen = 32, .oif = t.ifindex};
        uint32_t u = htonl(0x64410000u + (uint32_t)i);
        memcpy(r.dst, &u, 4);
        assert_int_equal(net_nl_route_del(&nl, &r), 0);
    }
    c.n = 0;
    assert_int_equal(net_nl_route_dump(&nl, AF_INET, RT_TABLE_MAIN, route_cb, &c), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(net_nl_route_del(&nl, &dup), -ESRCH);

    /* IPv4 default route with a metric in table 100, via the TUN. */
    struct net_nl_route def4 = {.family = AF_INET, .oif = t.ifindex, .table = 100, .metric = 500};
    assert_int_equal(net_nl_route_add(&nl, &def4, false), 0);
    struct route_count cd = {.family = AF_INET, .want_default = true, .metric = 500};
    assert_int_equal(net_nl_route_dump(&nl, AF_INET, 100, route_cb, &cd), 0);
    assert_int_equal(cd.n, 1);
    cd.n = 0;
    assert_int_equal(net_nl_route_dump(&nl, AF_INET, RT_TABLE_MAIN, route_cb, &cd), 0);
    assert_int_equal(cd.n, 0);
    /* Gateway route: 203.0.113.0/24 via the peer. */
    struct net_nl_route gw = {.family = AF_INET, .plen = 24, .oif = t.ifindex, .has_gw = true};
    ip4(gw.dst, "203.0.113.0");
    ip4(gw.gw, "100.64.0.2");
    assert_int_equal(net_nl_route_add(&nl, &gw, false), 0);
    assert_int_equal(net_nl_route_del(&nl, &gw), 0);

    /* IPv6: a user's /64 to the TUN, and a default route in table 1000
     * (> 255: carried in RTA_TABLE). */
    struct net_nl_route p6 = {
        .family = AF_INET6, .plen = 64, .oif = t.ifindex, .protocol = PROTO_L2TPX};
    ip6(p6.dst, "2001:db8:42::");
    assert_int_equal(net_nl_route_add(&nl, &p6, false), 0);
    struct route_count c6 = {.family = AF_INET6, .oif = t.ifindex, .protocol = PROTO_L2TPX};
    assert_int_equal(net_nl_route_dump(&nl, AF_INET6, 0, route_cb, &c6), 0);
    assert_int_equal(c6.n, 1);
    struct net_nl_route def6 = {.family = AF_INET6, .oif = t.ifindex, .table = 1000, .metric = 7};
    assert_int_equal(net_nl_route_add(&nl, &def6, false), 0);
    struct route_count cd6 = {.family = AF_INET6, .want_default = true, .metric = 7};
    assert_int_equal(net_nl_route_dump(&nl, AF_INET6, 1000, route_cb, &cd6), 0);
    assert_int_equal(cd6.n, 1);
    assert_int_equal(net_nl_route_del(&nl, &def6), 0);
    assert_int_equal(net_nl_route_del(&nl, &p6), 0);
    c6.n = 0;
    assert_int_equal(net_nl_route_dump(&nl, AF_INET6, 0, route_cb, &c6), 0);
    assert_int_equal(c6.n, 0);

    struct net_nl_route bad = {.family = AF_INET, .plen = 40};
    assert_int_equal(net_nl_route_add(&nl, &bad, false), -EINVAL);
    net_tun_close(&t);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Data path: ICMP echo requests written into the TUN from the "user"
 * 10.9.0.2 to our 10.9.0.1 come back as echo replies read from it. */
static void test_tun_data_path(void **state)
{
    (void)state;
    SKIP_UNLESS_NETNS();
    struct net_tun t;
    assert_int_equal(open_tun(&t, "lxdp0", 1400), 0);
    struct net_nl_addr a = {.family = AF_INET, .ifindex = t.ifindex, .plen = 32, .has_peer = true};
    ip4(a.local, "10.9.0.1");
    ip4(a.peer, "10.9.0.2");
    assert_int_equal(net_nl_addr_add(&nl, &a), 0);

    enum { N = 5 };
    for (int i = 0; i < N; i++) {
        uint8_t p[28 + 16] = {0x45, 0, 0, sizeof p, 0, (uint8_t)i, 0x40, 0, 64, 1};
        memcpy(p + 12, a.peer, 4);
        memcpy(p + 16, a.local, 4);
        uint16_t c = csum(p, 20);
        p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
        uint8_t *icmp = p + 20;
        icmp[0] = 8; /* echo request */
        icmp[5] = 0x77, icmp[7] = (uint8_t)i;
        memset(icmp + 8, 0xab, 16);
        c = csum(icmp, 24);
        icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
        assert_int_equal(net_tun_write(&t, p, sizeof p), 0);
    }
    static uint8_t bufs[8][2048];
    struct net_tun_buf tb[8];
    int got = 0, replies = 0;
    for (int tries = 0; tries < 50 && replies < N; tries++) {
        struct pollfd pfd = {.fd = t.fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        for (int i = 0; i < 8; i++)
            tb[i] = (struct net_tun_buf){.data = bufs[i], .cap = sizeof bufs[i]};
        got = net_tun_read_multi(&t, tb, 8);
        assert_true(got >= 0);
        for (int i = 0; i < got; i++) {
            const uint8_t *q = tb[i].data;
            /* Ignore IPv6 chatter (router solicitations etc.). */
            if (tb[i].len >= 28 && (q[0] >> 4) == 4 && q[9] == 1 && q[20] == 0) {
                assert_memory_equal(q + 16, a.peer, 4);
                replies++;
            }
        }
    }
    assert_int_equal(replies, N);
    net_tun_close(&t);
}

static int group_setup(void **state)
{
    (void)state;
    if (!netns_ok)
        return 0;
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    if (net_nl_open(&nl) != 0)
        return -1;
    int lo = net_nl_ifindex(&nl, "lo");
    if (lo > 0)
        (void)net_nl_link_set_up(&nl, lo, true);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (netns_ok)
        net_nl_close(&nl);
    return 0;
}

/* 77 tells `meson test` the whole executable was skipped. */
static int run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tun_create),    cmocka_unit_test(test_tun_kernel_name_and_persist),
        cmocka_unit_test(test_addresses),     cmocka_unit_test(test_routes),
        cmocka_unit_test(test_tun_data_path),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    return rc == 0 && !netns_ok ? 77 : rc;
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
        if (!netns_ok)
            fprintf(stderr, "unshare(CLONE_NEWNET): %s; skipping\n", strerror(errno));
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
