/* IPCP (RFC 1332 + RFC 1877) and IPv6CP (RFC 5072): golden bytes for
 * Configure-Request/Ack/Nak/Reject, the 0.0.0.0 Nak, both sides, and the
 * requests pppd and Windows send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "lib/log.h"
#include "ppp/ipcp.h"
#include "ppp/ipv6cp.h"
#include "ppp/ppp.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static lx_ms_t NOW = 1000;
static struct cap C;

#define FEED(f, ...)                             \
    do {                                         \
        const uint8_t b_[] = {__VA_ARGS__};      \
        ppp_fsm_input((f), NOW, b_, sizeof(b_)); \
    } while (0)

static void start(struct ppp_fsm *f)
{
    ppp_fsm_open(f, NOW);
    ppp_fsm_up(f, NOW);
}

static struct ppp_ipcp_cfg server_cfg(void)
{
    struct ppp_ipcp_cfg c = {.local_ip = IP(10, 0, 0, 1),
                             .peer_ip = IP(10, 0, 0, 2),
                             .dns = {IP(8, 8, 8, 8), IP(8, 8, 4, 4)}};
    return c;
}

/* The server side against pppd's IPCP Configure-Request: pppd with
 * usepeerdns asks for IP-Address 0.0.0.0, primary and secondary DNS 0, and
 * offers Van Jacobson compression (02 06 00 2d 0f 01: max slot 15,
 * slot-id compression) by default. */
static void test_ipcp_server_vs_pppd(void **st)
{
    struct ppp_ipcp c;
    struct ppp_ipcp_cfg cfg = server_cfg();
    memset(&C, 0, sizeof(C));
    ppp_ipcp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    /* our request: IP-Address 10.0.0.1 */
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x01);
    assert_int_equal(C.p[0].proto, PPP_PROTO_IPCP);
    /* VJ is Rejected first (Reject wins over Nak, RFC 1661 §5.4) */
    FEED(&c.fsm, 0x01, 0x01, 0x00, 0x1c, 0x02, 0x06, 0x00, 0x2d, 0x0f, 0x01, 0x03, 0x06, 0x00, 0x00,
         0x00, 0x00, 0x81, 0x06, 0x00, 0x00, 0x00, 0x00, 0x83, 0x06, 0x00, 0x00, 0x00, 0x00);
    ASSERT_PKT(&C, 0x04, 0x01, 0x00, 0x0a, 0x02, 0x06, 0x00, 0x2d, 0x0f, 0x01);
    /* 0.0.0.0 and DNS 0: Nak'd with the assigned address and our DNS */
    FEED(&c.fsm, 0x01, 0x02, 0x00, 0x16, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x81, 0x06, 0x00, 0x00,
         0x00, 0x00, 0x83, 0x06, 0x00, 0x00, 0x00, 0x00);
    ASSERT_PKT(&C, 0x03, 0x02, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08,
               0x08, 0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    /* the values as Nak'd: Acked */
    FEED(&c.fsm, 0x01, 0x03, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08, 0x08,
         0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    ASSERT_PKT(&C, 0x02, 0x03, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08,
               0x08, 0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    FEED(&c.fsm, 0x02, c.fsm.reqid, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x01);
    assert_int_equal(c.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(ppp_ipcp_peer_ip(&c), IP(10, 0, 0, 2));
    assert_int_equal(ppp_ipcp_local_ip(&c), IP(10, 0, 0, 1));
}

/* Windows asks for NBNS too (130, 132); without NBNS servers we Reject
 * those two only. A request for a different address is Nak'd; a request
 * without IP-Address gets one appended. */
static void test_ipcp_server_windows_and_others(void **st)
{
    struct ppp_ipcp c;
    struct ppp_ipcp_cfg cfg = server_cfg();
    memset(&C, 0, sizeof(C));
    ppp_ipcp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    FEED(&c.fsm, 0x01, 0x05, 0x00, 0x22, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x81, 0x06, 0x00, 0x00,
         0x00, 0x00, 0x82, 0x06, 0x00, 0x00, 0x00, 0x00, 0x83, 0x06, 0x00, 0x00, 0x00, 0x00, 0x84,
         0x06, 0x00, 0x00, 0x00, 0x00);
    ASSERT_PKT(&C, 0x04, 0x05, 0x00, 0x10, 0x82, 0x06, 0x00, 0x00, 0x00, 0x00, 0x84, 0x06, 0x00,
               0x00, 0x00, 0x00);
    FEED(&c.fsm, 0x01, 0x06, 0x00, 0x0a, 0x03, 0x06, 0xc0, 0xa8, 0x01, 0x05);
    ASSERT_PKT(&C, 0x03, 0x06, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02);
    FEED(&c.fsm, 0x01, 0x07, 0x00, 0x04);
    ASSERT_PKT(&C, 0x03, 0x07, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02);
}

/* Nobody knows the peer's address: its 0.0.0.0 is Rejected. */
static void test_ipcp_no_address_reject(void **st)
{
    struct ppp_ipcp c;
    struct ppp_ipcp_cfg cfg = {.local_ip = IP(10, 0, 0, 1)};
    memset(&C, 0, sizeof(C));
    ppp_ipcp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    FEED(&c.fsm, 0x01, 0x01, 0x00, 0x0a, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00);
    ASSERT_PKT(&C, 0x04, 0x01, 0x00, 0x0a, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00);
    /* a peer that knows its address gets it Acked */
    FEED(&c.fsm, 0x01, 0x02, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x09);
    ASSERT_PKT(&C, 0x02, 0x02, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x09);
}

/* The client side: 0.0.0.0 + DNS requested, the Nak'd values adopted. */
static void test_ipcp_client(void **st)
{
    struct ppp_ipcp c;
    struct ppp_ipcp_cfg cfg = {.request_dns = true};
    memset(&C, 0, sizeof(C));
    ppp_ipcp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x16, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x81, 0x06, 0x00,
               0x00, 0x00, 0x00, 0x83, 0x06, 0x00, 0x00, 0x00, 0x00);
    FEED(&c.fsm, 0x03, 0x01, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08, 0x08,
         0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    ASSERT_PKT(&C, 0x01, 0x02, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08,
               0x08, 0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    FEED(&c.fsm, 0x02, 0x02, 0x00, 0x16, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x81, 0x06, 0x08, 0x08,
         0x08, 0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04);
    FEED(&c.fsm, 0x01, 0x09, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x01);
    ASSERT_PKT(&C, 0x02, 0x09, 0x00, 0x0a, 0x03, 0x06, 0x0a, 0x00, 0x00, 0x01);
    assert_int_equal(c.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(ppp_ipcp_local_ip(&c), IP(10, 0, 0, 2));
    assert_int_equal(ppp_ipcp_peer_ip(&c), IP(10, 0, 0, 1));
    uint32_t dns[2], nbns[2];
    ppp_ipcp_dns(&c, dns, nbns);
    assert_int_equal(dns[0], IP(8, 8, 8, 8));
    assert_int_equal(dns[1], IP(8, 8, 4, 4));
    assert_int_equal(nbns[0], 0);
    /* A server that Rejects secondary DNS: we stop asking for it. */
    ppp_ipcp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    FEED(&c.fsm, 0x04, c.fsm.reqid, 0x00, 0x0a, 0x83, 0x06, 0x00, 0x00, 0x00, 0x00);
    ASSERT_PKT(&C, 0x01, c.fsm.reqid, 0x00, 0x10, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x81, 0x06,
               0x00, 0x00, 0x00, 0x00);
}

/* Two automata wired back to back through in-memory queues. */
struct wire {
    struct cap a2b, b2a;
};

static void pump(struct ppp_fsm *a, struct cap *ca, struct ppp_fsm *b, struct cap *cb)
{
    for (int round = 0; round < 50 && (ca->n || cb->n); round++) {
        struct cap ta = *ca, tb = *cb;
        ca->n = cb->n = 0;
        for (int i = 0; i < ta.n; i++)
            ppp_fsm_input(b, NOW, ta.p[i].b, ta.p[i].len);
        for (int i = 0; i < tb.n; i++)
            ppp_fsm_input(a, NOW, tb.p[i].b, tb.p[i].len);
    }
}

static void test_ipcp_both_sides(void **st)
{
    static struct ppp_ipcp s, c;
    static struct cap cs, cc;
    struct ppp_ipcp_cfg scfg = server_cfg();
    scfg.nbns[0] = IP(10, 0, 0, 53);
    struct ppp_ipcp_cfg ccfg = {.request_dns = true, .request_nbns = true};
    memset(&cs, 0, sizeof(cs));
    memset(&cc, 0, sizeof(cc));
    ppp_ipcp_init(&s, &scfg, &cap_owner, &cs);
    ppp_ipcp_init(&c, &ccfg, &cap_owner, &cc);
    start(&s.fsm);
    start(&c.fsm);
    pump(&s.fsm, &cs, &c.fsm, &cc);
    assert_int_equal(s.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(c.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(ppp_ipcp_local_ip(&c), IP(10, 0, 0, 2));
    assert_int_equal(ppp_ipcp_peer_ip(&c), IP(10, 0, 0, 1));
    assert_int_equal(ppp_ipcp_peer_ip(&s), IP(10, 0, 0, 2));
    uint32_t dns[2], nbns[2];
    ppp_ipcp_dns(&c, dns, nbns);
    assert_int_equal(dns[0], IP(8, 8, 8, 8));
    assert_int_equal(dns[1], IP(8, 8, 4, 4));
    assert_int_equal(nbns[0], IP(10, 0, 0, 53));
    assert_int_equal(nbns[1], 0); /* Rejected: none */
}

static void test_ipv6cp_golden(void **st)
{
    struct ppp_ipv6cp c;
    struct ppp_ipv6cp_cfg cfg = {.ifid = 0x1122334455667788ULL, .peer_ifid = 0xaabbccddeeff0011ULL};
    memset(&C, 0, sizeof(C));
    ppp_ipv6cp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    assert_int_equal(C.p[0].proto, PPP_PROTO_IPV6CP);
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x0e, 0x01, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
               0x88);
    /* collision with ours: Nak with our suggestion (RFC 5072 §4.1) */
    FEED(&c.fsm, 0x01, 0x01, 0x00, 0x0e, 0x01, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
         0x88);
    ASSERT_PKT(&C, 0x03, 0x01, 0x00, 0x0e, 0x01, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
               0x11);
    /* zero: Nak with the suggestion too */
    FEED(&c.fsm, 0x01, 0x02, 0x00, 0x0e, 0x01, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0);
    ASSERT_PKT(&C, 0x03, 0x02, 0x00, 0x0e, 0x01, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
               0x11);
    /* IPv6-Compression-Protocol: Rejected */
    FEED(&c.fsm, 0x01, 0x03, 0x00, 0x0a, 0x02, 0x06, 0x00, 0x4f, 0x00, 0x01);
    ASSERT_PKT(&C, 0x04, 0x03, 0x00, 0x0a, 0x02, 0x06, 0x00, 0x4f, 0x00, 0x01);
    /* different, non-zero: Acked */
    FEED(&c.fsm, 0x01, 0x04, 0x00, 0x0e, 0x01, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
         0x11);
    ASSERT_PKT(&C, 0x02, 0x04, 0x00, 0x0e, 0x01, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
               0x11);
    /* the peer Naks ours with a new one: adopted in the next request */
    FEED(&c.fsm, 0x03, c.fsm.reqid, 0x00, 0x0e, 0x01, 0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0x05);
    ASSERT_PKT(&C, 0x01, c.fsm.reqid, 0x00, 0x0e, 0x01, 0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0x05);
    FEED(&c.fsm, 0x02, c.fsm.reqid, 0x00, 0x0e, 0x01, 0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0x05);
    assert_int_equal(c.fsm.state, PPP_FSM_OPENED);
    assert_true(ppp_ipv6cp_local_ifid(&c) == 0x0200000000000005ULL);
    assert_true(ppp_ipv6cp_peer_ifid(&c) == 0xaabbccddeeff0011ULL);
}

static void test_ipv6cp_zero_both(void **st)
{
    struct ppp_ipv6cp c;
    struct ppp_ipv6cp_cfg cfg = {.ifid = 0x1122334455667788ULL};
    memset(&C, 0, sizeof(C));
    ppp_ipv6cp_init(&c, &cfg, &cap_owner, &C);
    start(&c.fsm);
    /* the peer Rejects our identifier: we stop sending it ... */
    FEED(&c.fsm, 0x04, c.fsm.reqid, 0x00, 0x0e, 0x01, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
         0x77, 0x88);
    ASSERT_PKT(&C, 0x01, c.fsm.reqid, 0x00, 0x04);
    /* ... and with both at zero the peer's zero is Rejected (§4.1) */
    FEED(&c.fsm, 0x01, 0x01, 0x00, 0x0e, 0x01, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0);
    ASSERT_PKT(&C, 0x04, 0x01, 0x00, 0x0e, 0x01, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0);
}

/* Both ends configured with the same identifier: they converge on two
 * different ones. */
static void test_ipv6cp_both_sides_collision(void **st)
{
    static struct ppp_ipv6cp a, b;
    static struct cap ca, cb;
    static uint64_t seed = 99;
    lx_random_set_source(rand_xs, &seed);
    struct ppp_ipv6cp_cfg cfg = {.ifid = 0x0000000000000001ULL};
    memset(&ca, 0, sizeof(ca));
    memset(&cb, 0, sizeof(cb));
    ppp_ipv6cp_init(&a, &cfg, &cap_owner, &ca);
    ppp_ipv6cp_init(&b, &cfg, &cap_owner, &cb);
    start(&a.fsm);
    start(&b.fsm);
    pump(&a.fsm, &ca, &b.fsm, &cb);
    assert_int_equal(a.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(b.fsm.state, PPP_FSM_OPENED);
    assert_true(ppp_ipv6cp_local_ifid(&a) != ppp_ipv6cp_local_ifid(&b));
    assert_true(ppp_ipv6cp_local_ifid(&a) == ppp_ipv6cp_peer_ifid(&b));
    assert_true(ppp_ipv6cp_local_ifid(&b) == ppp_ipv6cp_peer_ifid(&a));
    assert_true(ppp_ipv6cp_local_ifid(&a) != 0 && ppp_ipv6cp_local_ifid(&b) != 0);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipcp_server_vs_pppd),
        cmocka_unit_test(test_ipcp_server_windows_and_others),
        cmocka_unit_test(test_ipcp_no_address_reject),
        cmocka_unit_test(test_ipcp_client),
        cmocka_unit_test(test_ipcp_both_sides),
        cmocka_unit_test(test_ipv6cp_golden),
        cmocka_unit_test(test_ipv6cp_zero_both),
        cmocka_unit_test(test_ipv6cp_both_sides_collision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
