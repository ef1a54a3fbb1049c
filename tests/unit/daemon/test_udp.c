#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/udp.h"

static void wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 2000), 1);
}

static void roundtrip(const char *wild, const char *lo)
{
    struct l2tp_addr any, dst;
    assert_int_equal(net_addr_parse(wild, 0, &any), 0);
    struct net_udp_sock srv, cli;
    int rc = net_udp_open(&srv, &any);
    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
        skip();
        return;
    }
    assert_int_equal(rc, 0);
    assert_true(srv.wildcard);
    uint16_t port = net_addr_port(&srv.bound);
    assert_true(port != 0);
    assert_int_equal(net_udp_open(&cli, &any), 0);
    assert_int_equal(net_addr_parse(lo, port, &dst), 0);

    struct net_udp_batch *b = net_udp_batch_new(NET_UDP_BATCH_MAX, 2048);
    assert_non_null(b);
    /* nothing there yet */
    assert_int_equal(net_udp_recv(&srv, b), 0);

    for (int i = 0; i < 40; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "hello %d", i);
        assert_int_equal(net_udp_send(&cli, NULL, &dst, msg, strlen(msg)), 0);
    }
    wait_readable(srv.fd);
    int n = net_udp_recv(&srv, b);
    assert_int_equal(n, NET_UDP_BATCH_MAX); /* batch of 32 */
    const struct net_udp_dgram *d = net_udp_batch_at(b, 0);
    assert_int_equal(d->len, 7);
    assert_memory_equal(d->data, "hello 0", 7);
    /* pktinfo: the datagram's destination address, with our port */
    assert_true(net_addr_same_ip(&d->local, &dst));
    assert_int_equal(net_addr_port(&d->local), port);
    assert_int_equal(net_addr_port(&d->peer), net_addr_port(&cli.bound));
    n = net_udp_recv(&srv, b);
    assert_int_equal(n, 8);
    assert_int_equal(srv.st.rx_pkts, 40);

    /* reply from the address it came to */
    struct l2tp_addr peer = net_udp_batch_at(b, 0)->peer;
    struct l2tp_addr local = net_udp_batch_at(b, 0)->local;
    assert_int_equal(net_udp_send(&srv, &local, &peer, "pong", 4), 0);
    wait_readable(cli.fd);
    assert_int_equal(net_udp_recv(&cli, b), 1);
    d = net_udp_batch_at(b, 0);
    assert_memory_equal(d->data, "pong", 4);
    assert_true(net_addr_same_ip(&d->peer, &dst));
    assert_int_equal(net_addr_port(&d->peer), port);
    assert_int_equal(srv.st.tx_pkts, 1);

    /* truncated datagram: dropped and counted */
    char big[4000];
    memset(big, 'x', sizeof big);
    assert_int_equal(net_udp_send(&cli, NULL, &dst, big, sizeof big), 0);
    wait_readable(srv.fd);
    assert_int_equal(net_udp_recv(&srv, b), 0);
    assert_int_equal(srv.st.rx_truncated, 1);

    /* wrong family */
    struct l2tp_addr other;
    net_addr_parse(srv.family == AF_INET ? "::1" : "127.0.0.1", 9, &other);
    assert_int_equal(net_udp_send(&srv, NULL, &other, "x", 1), -EAFNOSUPPORT);
    assert_int_equal(srv.st.tx_errors, 1);

    net_udp_batch_free(b);
    net_udp_close(&srv);
    net_udp_close(&cli);
}

static void test_v4(void **state)
{
    roundtrip("0.0.0.0", "127.0.0.1");
}

static void test_v6(void **state)
{
    roundtrip("::", "::1");
}

static void test_v6only_and_reuse(void **state)
{
    struct l2tp_addr a4, a6;
    net_addr_parse("0.0.0.0", 0, &a4);
    struct net_udp_sock s4, s6;
    assert_int_equal(net_udp_open(&s4, &a4), 0);
    /* the same port on :: works because the v6 socket is V6ONLY */
    net_addr_parse("::", net_addr_port(&s4.bound), &a6);
    int rc = net_udp_open(&s6, &a6);
    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
        net_udp_close(&s4);
        skip();
        return;
    }
    assert_int_equal(rc, 0);
    net_udp_close(&s6);
    net_udp_close(&s4);
}

/* A tunnel's connected socket next to a wildcard listener on the same
 * port: the tunnel peer's datagrams reach the connected socket, another
 * peer's the listener; sends need no address and leave from local:port. */
static void connected(const char *wild, const char *lo)
{
    struct l2tp_addr any, a;
    assert_int_equal(net_addr_parse(wild, 0, &any), 0);
    struct net_udp_sock lst, pa, pb, conn;
    int rc = net_udp_open(&lst, &any);
    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
        skip();
        return;
    }
    assert_int_equal(rc, 0);
    uint16_t port = net_addr_port(&lst.bound);
    assert_int_equal(net_udp_open(&pa, &any), 0);
    assert_int_equal(net_udp_open(&pb, &any), 0);
    struct l2tp_addr local, peer_a, dst;
    assert_int_equal(net_addr_parse(lo, port, &local), 0);
    assert_int_equal(net_addr_parse(lo, net_addr_port(&pa.bound), &peer_a), 0);
    dst = local;

    /* never a wildcard or portless local address, never across families */
    assert_int_equal(net_udp_open_connected(&conn, &any, &peer_a), -EINVAL);
    assert_int_equal(net_addr_parse(lo, 0, &a), 0);
    assert_int_equal(net_udp_open_connected(&conn, &a, &peer_a), -EINVAL);
    assert_int_equal(net_addr_parse(lst.family == AF_INET ? "::1" : "127.0.0.1", 1, &a), 0);
    assert_int_equal(net_udp_open_connected(&conn, &local, &a), -EAFNOSUPPORT);
    assert_int_equal(conn.fd, -1);

    /* SO_REUSEADDR on both: the second bind to the port succeeds */
    assert_int_equal(net_udp_open_connected(&conn, &local, &peer_a), 0);
    assert_false(conn.wildcard);
    assert_true(net_addr_same_ip(&conn.bound, &local));
    assert_int_equal(net_addr_port(&conn.bound), port);

    struct net_udp_batch *b = net_udp_batch_new(NET_UDP_BATCH_MAX, 2048);
    assert_non_null(b);
    assert_int_equal(net_udp_send(&pa, NULL, &dst, "from a", 6), 0);
    assert_int_equal(net_udp_send(&pb, NULL, &dst, "from b", 6), 0);
    wait_readable(conn.fd);
    assert_int_equal(net_udp_recv(&conn, b), 1);
    const struct net_udp_dgram *d = net_udp_batch_at(b, 0);
    assert_memory_equal(d->data, "from a", 6);
    assert_int_equal(net_addr_port(&d->peer), net_addr_port(&pa.bound));
    assert_true(net_addr_same_ip(&d->local, &local)); /* pktinfo as on the listener */
    assert_int_equal(net_addr_port(&d->local), port);
    wait_readable(lst.fd);
    assert_int_equal(net_udp_recv(&lst, b), 1);
    d = net_udp_batch_at(b, 0);
    assert_memory_equal(d->data, "from b", 6);
    assert_int_equal(net_udp_recv(&conn, b), 0);

    /* no destination, no pktinfo: leaves from local:port to the peer */
    assert_int_equal(send(conn.fd, "reply", 5, MSG_DONTWAIT), 5);
    wait_readable(pa.fd);
    assert_int_equal(net_udp_recv(&pa, b), 1);
    d = net_udp_batch_at(b, 0);
    assert_memory_equal(d->data, "reply", 5);
    assert_true(net_addr_same_ip(&d->peer, &local));
    assert_int_equal(net_addr_port(&d->peer), port);

    /* closed: the peer's datagrams go back to the listener */
    net_udp_close(&conn);
    assert_int_equal(net_udp_send(&pa, NULL, &dst, "again", 5), 0);
    wait_readable(lst.fd);
    assert_int_equal(net_udp_recv(&lst, b), 1);
    assert_memory_equal(net_udp_batch_at(b, 0)->data, "again", 5);

    /* The peer's port closes: the ICMP port unreachable is reported on the
     * connected socket once, counted, not a receive failure. */
    assert_int_equal(net_udp_open_connected(&conn, &local, &peer_a), 0);
    net_udp_close(&pa);
    assert_int_equal(send(conn.fd, "gone", 4, MSG_DONTWAIT), 4);
    wait_readable(conn.fd); /* POLLERR */
    assert_int_equal(net_udp_recv(&conn, b), 0);
    assert_int_equal(conn.st.rx_icmp, 1);
    assert_int_equal(conn.st.rx_errors, 0);
    assert_int_equal(send(conn.fd, "more", 4, MSG_DONTWAIT), 4); /* consumed: sends again */
    net_udp_close(&conn);

    net_udp_batch_free(b);
    net_udp_close(&pb);
    net_udp_close(&lst);
}

static void test_connected_v4(void **state)
{
    connected("0.0.0.0", "127.0.0.1");
}

static void test_connected_v6(void **state)
{
    connected("::", "::1");
}

static void test_addr_helpers(void **state)
{
    struct l2tp_addr a;
    char buf[64];
    assert_int_equal(net_addr_parse("192.0.2.1", 1701, &a), 0);
    assert_string_equal(net_addr_fmt(&a, buf, sizeof buf), "192.0.2.1:1701");
    assert_int_equal(net_addr_parse("2001:db8::1", 1702, &a), 0);
    assert_string_equal(net_addr_fmt(&a, buf, sizeof buf), "[2001:db8::1]:1702");
    assert_int_equal(net_addr_parse("fe80::1%1", 1, &a), 0);
    assert_int_equal(a.in6.sin6_scope_id, 1);
    assert_int_equal(net_addr_parse("fe80::1%", 1, &a), -1);
    assert_int_equal(net_addr_parse("1.2.3", 1, &a), -1);
    assert_int_equal(net_addr_parse("host", 1, &a), -1);
    assert_null(net_udp_batch_new(0, 100));
    assert_null(net_udp_batch_new(33, 100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_v6only_and_reuse),
        cmocka_unit_test(test_connected_v4),
        cmocka_unit_test(test_connected_v6),
        cmocka_unit_test(test_addr_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
