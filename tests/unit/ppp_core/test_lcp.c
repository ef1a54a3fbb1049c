/* LCP: golden Configure-Request/Ack/Nak/Reject bytes, each option, the
 * Authentication-Protocol choice on both sides, Magic-Number loopback
 * detection, Echo keepalive, Protocol-/Code-Reject, Terminate, Discard,
 * RFC 1570 codes, and frames modelled on real peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "lib/log.h"
#include "ppp/lcp.h"
#include "ppp/ppp.h"

static struct ppp_lcp L;
static struct cap C;
static uint16_t g_protrej;
static lx_ms_t NOW = 1000;

static void on_protrej(void *ctx, lx_ms_t now, uint16_t proto)
{
    g_protrej = proto;
}
static const struct ppp_lcp_ops ops = {.protrej = on_protrej};

static void lcp_new(const struct ppp_lcp_cfg *cfg)
{
    memset(&C, 0, sizeof(C));
    g_protrej = 0;
    lx_random_set_source(rand_5a, NULL);
    ppp_lcp_init(&L, cfg, &cap_owner, &C, &ops, NULL);
    ppp_fsm_open(&L.fsm, NOW);
    ppp_fsm_up(&L.fsm, NOW);
}

static void feed(const uint8_t *pkt, size_t len)
{
    ppp_lcp_input(&L, NOW, pkt, len);
}
#define FEED(...)                           \
    do {                                    \
        const uint8_t b_[] = {__VA_ARGS__}; \
        feed(b_, sizeof(b_));               \
    } while (0)

/* Ack our current request. */
static void ack_ours(void)
{
    uint8_t b[PPP_FSM_MAX_OPTS + 4] = {PPP_CONFACK, L.fsm.reqid};
    lx_put_u16(b + 2, (uint16_t)(L.fsm.req_len + 4));
    memcpy(b + 4, L.fsm.req_opts, L.fsm.req_len);
    feed(b, L.fsm.req_len + 4);
}

/* The peer sends a plain request (magic 0x12345678) and acks ours. */
static void bring_up(void)
{
    FEED(0x01, 0x01, 0x00, 0x0a, 0x05, 0x06, 0x12, 0x34, 0x56, 0x78);
    ack_ours();
    assert_int_equal(L.fsm.state, PPP_FSM_OPENED);
    C.n = 0;
}

static void test_confreq_golden(void **st)
{
    struct ppp_lcp_cfg cfg = {.mru = 1400, .auth_require = {PPP_AUTH_MSCHAP_V2}};
    lcp_new(&cfg);
    assert_int_equal(C.p[0].proto, PPP_PROTO_LCP);
    /* RFC 1661 §5.1, §6.1 MRU 1400, §6.2 CHAP/MS-CHAPv2, §6.4 Magic */
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x13, 0x01, 0x04, 0x05, 0x78, 0x03, 0x05, 0xc2, 0x23, 0x81,
               0x05, 0x06, 0x5a, 0x5a, 0x5a, 0x5a);

    struct ppp_lcp_cfg all = {.mru = 1400,
                              .request_accm = true,
                              .accm = 0,
                              .request_pfc = true,
                              .request_acfc = true,
                              .auth_require = {PPP_AUTH_PAP}};
    lcp_new(&all);
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x1c, 0x01, 0x04, 0x05, 0x78, 0x02, 0x06, 0x00, 0x00, 0x00,
               0x00, 0x03, 0x04, 0xc0, 0x23, 0x05, 0x06, 0x5a, 0x5a, 0x5a, 0x5a, 0x07, 0x02, 0x08,
               0x02);

    /* Defaults: MRU 1500 is not requested; only the magic. */
    struct ppp_lcp_cfg none = {0};
    lcp_new(&none);
    ASSERT_PKT(&C, 0x01, 0x01, 0x00, 0x0a, 0x05, 0x06, 0x5a, 0x5a, 0x5a, 0x5a);
}

/* A pppd LCP Configure-Request as pppd sends it by default: ACCM 0
 * (asyncmap), Magic-Number, PFC, ACFC (pppd's lcp_wantoptions). Acked
 * byte for byte. */
static void test_pppd_confreq_acked(void **st)
{
    struct ppp_lcp_cfg cfg = {.auth_require = {PPP_AUTH_CHAP_MD5}};
    lcp_new(&cfg);
    C.n = 0;
    FEED(0x01, 0x01, 0x00, 0x14, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x05, 0x06, 0x12, 0x34, 0x56,
         0x78, 0x07, 0x02, 0x08, 0x02);
    ASSERT_PKT(&C, 0x02, 0x01, 0x00, 0x14, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x05, 0x06, 0x12,
               0x34, 0x56, 0x78, 0x07, 0x02, 0x08, 0x02);
    assert_int_equal(L.fsm.state, PPP_FSM_ACKSENT);
    assert_true(L.his.accm && L.his.magic && L.his.pfc && L.his.acfc);
    assert_int_equal(L.his.magic_v, 0x12345678);
}

/* A Windows 10 VPN client's LCP Configure-Request: MRU 1400, Magic,
 * PFC, ACFC and Callback (13) with operation 6 (CBCP). The Callback option
 * is Rejected (RFC 1661 §5.4), then the request without it is Acked. */
static void test_windows_confreq(void **st)
{
    struct ppp_lcp_cfg cfg = {.auth_require = {PPP_AUTH_MSCHAP_V2}};
    lcp_new(&cfg);
    C.n = 0;
    FEED(0x01, 0x00, 0x00, 0x15, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c, 0x3e, 0x1b, 0x77, 0x07,
         0x02, 0x08, 0x02, 0x0d, 0x03, 0x06);
    ASSERT_PKT(&C, 0x04, 0x00, 0x00, 0x07, 0x0d, 0x03, 0x06);
    assert_int_equal(L.fsm.state, PPP_FSM_REQSENT);
    FEED(0x01, 0x01, 0x00, 0x12, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c, 0x3e, 0x1b, 0x77, 0x07,
         0x02, 0x08, 0x02);
    ASSERT_PKT(&C, 0x02, 0x01, 0x00, 0x12, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c, 0x3e, 0x1b,
               0x77, 0x07, 0x02, 0x08, 0x02);
    ack_ours();
    assert_int_equal(L.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(ppp_lcp_peer_mru(&L), 1400);
    assert_true(L.got.auth);
    assert_int_equal(L.got.auth_v, PPP_AUTH_MSCHAP_V2);
}

static void test_nak_golden(void **st)
{
    struct ppp_lcp_cfg cfg = {.auth_allow = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_CHAP_MD5}};
    lcp_new(&cfg);
    C.n = 0;
    /* MRU below the RFC minimum: Nak'd with 128 (pppd's MINMRU). */
    FEED(0x01, 0x07, 0x00, 0x08, 0x01, 0x04, 0x00, 0x40);
    ASSERT_PKT(&C, 0x03, 0x07, 0x00, 0x08, 0x01, 0x04, 0x00, 0x80);
    /* PAP requested, we allow MS-CHAPv2 first: Nak'd with it. */
    FEED(0x01, 0x08, 0x00, 0x08, 0x03, 0x04, 0xc0, 0x23);
    ASSERT_PKT(&C, 0x03, 0x08, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x81);
    /* An allowed method is Acked. */
    FEED(0x01, 0x09, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x05);
    ASSERT_PKT(&C, 0x02, 0x09, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x05);
    assert_int_equal(L.his.auth_v, PPP_AUTH_CHAP_MD5);
    /* Unknown CHAP algorithm: Nak'd too. */
    FEED(0x01, 0x0a, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x06);
    ASSERT_PKT(&C, 0x03, 0x0a, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x81);
}

static void test_reject_golden(void **st)
{
    /* We allow no method for ourselves: Authentication-Protocol is
     * Rejected; so are malformed and unknown options (MRRU 17). */
    struct ppp_lcp_cfg cfg = {0};
    lcp_new(&cfg);
    C.n = 0;
    FEED(0x01, 0x03, 0x00, 0x13, 0x01, 0x04, 0x05, 0xdc, 0x03, 0x04, 0xc0, 0x23, 0x11, 0x04, 0x05,
         0xdc, 0x07, 0x03, 0x00);
    ASSERT_PKT(&C, 0x04, 0x03, 0x00, 0x0f, 0x03, 0x04, 0xc0, 0x23, 0x11, 0x04, 0x05, 0xdc, 0x07,
               0x03, 0x00);
}

/* Authenticator side: the peer's Nak moves us along our preference list. */
static void test_auth_nak_choice(void **st)
{
    struct ppp_lcp_cfg cfg = {
        .auth_require = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1, PPP_AUTH_PAP}};
    lcp_new(&cfg);
    /* suggestion in our list: taken */
    uint8_t id = L.fsm.reqid;
    FEED(0x03, id, 0x00, 0x08, 0x03, 0x04, 0xc0, 0x23);
    assert_int_equal(L.want.auth_v, PPP_AUTH_PAP);
    ASSERT_PKT(&C, 0x01, (uint8_t)(id + 1), 0x00, 0x0e, 0x03, 0x04, 0xc0, 0x23, 0x05, 0x06, 0x5a,
               0x5a, 0x5a, 0x5a);
    /* suggestion not in the list (CHAP-MD5): next untried (MS-CHAPv1) */
    FEED(0x03, L.fsm.reqid, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x05);
    assert_int_equal(L.want.auth_v, PPP_AUTH_MSCHAP_V1);
    /* nothing left: LCP gives up (Terminate-Request) */
    FEED(0x03, L.fsm.reqid, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x05);
    assert_int_equal(L.fail, PPP_LCP_FAIL_AUTH_REFUSED);
    assert_int_equal(L.fsm.state, PPP_FSM_CLOSING);
    assert_int_equal(cap_last(&C)->b[0], PPP_TERMREQ);

    /* A Reject of Authentication-Protocol: refused at once. */
    lcp_new(&cfg);
    FEED(0x04, L.fsm.reqid, 0x00, 0x09, 0x03, 0x05, 0xc2, 0x23, 0x81);
    assert_int_equal(L.fail, PPP_LCP_FAIL_AUTH_REFUSED);
    assert_int_equal(L.fsm.state, PPP_FSM_CLOSING);
}

static void test_option_naks_and_rejects(void **st)
{
    struct ppp_lcp_cfg cfg = {
        .mru = 1400, .request_accm = true, .accm = 0x000a0000, .request_pfc = true};
    lcp_new(&cfg);
    /* Nak: smaller MRU taken, ACCM or'ed, magic renewed, PFC dropped */
    static uint64_t seed = 0x1234567;
    lx_random_set_source(rand_xs, &seed);
    FEED(0x03, L.fsm.reqid, 0x00, 0x16, 0x01, 0x04, 0x04, 0xb0, 0x02, 0x06, 0x00, 0x00, 0x00, 0xff,
         0x05, 0x06, 0x5a, 0x5a, 0x5a, 0x5a, 0x07, 0x02);
    assert_int_equal(L.want.mru_v, 1200);
    assert_int_equal(L.want.accm_v, 0x000a00ff);
    assert_int_not_equal(L.want.magic_v, 0x5a5a5a5a);
    assert_int_not_equal(L.want.magic_v, 0);
    assert_false(L.want.pfc);
    /* Reject of magic: treated as success without magic (§6.4) */
    FEED(0x04, L.fsm.reqid, 0x00, 0x0a, 0x05, 0x06, (uint8_t)(L.want.magic_v >> 24),
         (uint8_t)(L.want.magic_v >> 16), (uint8_t)(L.want.magic_v >> 8), (uint8_t)L.want.magic_v);
    assert_false(L.want.magic);
    ack_ours();
    assert_int_equal(L.fsm.state, PPP_FSM_ACKRCVD);
    assert_true(L.got.mru && L.got.accm);
    assert_int_equal(L.got.mru_v, 1200);
}

/* RFC 1661 §6.4: a request carrying our own magic is Nak'd with another
 * number; when it keeps coming back the link is looped. */
static void test_magic_loopback(void **st)
{
    struct ppp_lcp_cfg cfg = {0};
    lcp_new(&cfg);
    C.n = 0;
    static uint64_t seed = 0x1234567;
    lx_random_set_source(rand_xs, &seed);
    for (int i = 0; i < 5 && L.fsm.state != PPP_FSM_CLOSING; i++) {
        /* our own request, looped back */
        uint8_t b[PPP_FSM_MAX_OPTS + 4] = {PPP_CONFREQ, L.fsm.reqid};
        lx_put_u16(b + 2, (uint16_t)(L.fsm.req_len + 4));
        memcpy(b + 4, L.fsm.req_opts, L.fsm.req_len);
        int before = C.n;
        feed(b, L.fsm.req_len + 4);
        struct cap_pkt *nak = &C.p[before];
        assert_int_equal(nak->b[0], PPP_CONFNAK);
        assert_int_equal(nak->b[4], PPP_LCP_OPT_MAGIC);
        assert_int_not_equal(lx_get_u32(nak->b + 6), L.want.magic_v);
        /* our Nak looped back too */
        if (L.fsm.state != PPP_FSM_CLOSING)
            feed(nak->b, nak->len);
    }
    assert_int_equal(L.fail, PPP_LCP_FAIL_LOOPBACK);
    assert_int_equal(L.fsm.state, PPP_FSM_CLOSING);
    assert_true(L.stats.magic_collisions >= 5);
}

static void test_echo_answered(void **st)
{
    struct ppp_lcp_cfg cfg = {0};
    lcp_new(&cfg);
    C.n = 0;
    /* not Opened: silently discarded (§5.8) */
    FEED(0x09, 0x07, 0x00, 0x0a, 0x12, 0x34, 0x56, 0x78, 'h', 'i');
    assert_int_equal(C.n, 0);
    bring_up();
    FEED(0x09, 0x07, 0x00, 0x0a, 0x12, 0x34, 0x56, 0x78, 'h', 'i');
    ASSERT_PKT(&C, 0x0a, 0x07, 0x00, 0x0a, 0x5a, 0x5a, 0x5a, 0x5a, 'h', 'i');
    /* Discard-Request, Identification, Time-Remaining: no answer */
    C.n = 0;
    FEED(0x0b, 0x08, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78);
    FEED(0x0c, 0x09, 0x00, 0x0c, 0x12, 0x34, 0x56, 0x78, 'M', 'S', 'R', 'A');
    FEED(0x0d, 0x0a, 0x00, 0x0c, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x0e, 0x10);
    assert_int_equal(C.n, 0);
    assert_true(L.has_time_remaining);
    assert_int_equal(L.time_remaining_s, 3600);
    assert_int_equal(L.stats.discard_rx, 1);
    assert_int_equal(L.stats.ident_rx, 1);
    /* our own magic in an Echo-Request: looped, not answered */
    FEED(0x09, 0x0b, 0x00, 0x08, 0x5a, 0x5a, 0x5a, 0x5a);
    assert_int_equal(C.n, 0);
    assert_int_equal(L.stats.looped_echoes, 1);
}

static void test_echo_keepalive(void **st)
{
    struct ppp_lcp_cfg cfg = {.echo_interval_ms = 1000, .echo_failures = 3};
    lcp_new(&cfg);
    bring_up();
    /* answered echoes keep the link */
    for (int i = 0; i < 5; i++) {
        NOW = ppp_lcp_next_timeout(&L);
        ppp_lcp_timeout(&L, NOW);
        struct cap_pkt *p = cap_last(&C);
        assert_int_equal(p->b[0], PPP_ECHOREQ);
        assert_int_equal(lx_get_u32(p->b + 4), 0x5a5a5a5a);
        uint8_t rep[8] = {PPP_ECHOREP, p->b[1], 0, 8, 0x12, 0x34, 0x56, 0x78};
        feed(rep, 8);
    }
    assert_int_equal(L.fsm.state, PPP_FSM_OPENED);
    /* then silence: three unanswered, link closed */
    C.n = 0;
    int echoes = 0;
    while (L.fsm.state == PPP_FSM_OPENED) {
        NOW = ppp_lcp_next_timeout(&L);
        ppp_lcp_timeout(&L, NOW);
        echoes += cap_last(&C)->b[0] == PPP_ECHOREQ;
        assert_true(echoes <= 3);
    }
    assert_int_equal(echoes, 3);
    assert_int_equal(L.fail, PPP_LCP_FAIL_ECHO);
    assert_int_equal(L.fsm.state, PPP_FSM_CLOSING);
    assert_int_equal(cap_last(&C)->b[0], PPP_TERMREQ);
    assert_memory_equal(cap_last(&C)->b + 4, "Keepalive timeout", 17);
}

static void test_protocol_and_code_reject(void **st)
{
    struct ppp_lcp_cfg cfg = {.echo_interval_ms = 1000};
    lcp_new(&cfg);
    /* Protocol-Reject before Opened: discarded (§5.7) */
    FEED(0x08, 0x01, 0x00, 0x06, 0x80, 0x57);
    assert_int_equal(g_protrej, 0);
    bring_up();
    /* sending one: RFC 1661 §5.7 layout */
    const uint8_t info[] = {0x01, 0x01, 0x00, 0x04};
    ppp_lcp_send_protrej(&L, PPP_PROTO_CCP, info, sizeof(info));
    ASSERT_PKT(&C, 0x08, L.fsm.id, 0x00, 0x0a, 0x80, 0xfd, 0x01, 0x01, 0x00, 0x04);
    /* an NCP rejected: RXJ+, reported to the owner */
    FEED(0x08, 0x02, 0x00, 0x0a, 0x80, 0x57, 0x01, 0x01, 0x00, 0x04);
    assert_int_equal(g_protrej, PPP_PROTO_IPV6CP);
    assert_int_equal(L.fsm.state, PPP_FSM_OPENED);
    /* Code-Reject of Echo-Request: RXJ+, keepalive stops */
    FEED(0x07, 0x03, 0x00, 0x0c, 0x09, 0x01, 0x00, 0x08, 0x5a, 0x5a, 0x5a, 0x5a);
    assert_int_equal(L.fsm.state, PPP_FSM_OPENED);
    assert_int_equal(ppp_lcp_next_timeout(&L), LX_MS_NEVER);
    /* unknown code: Code-Reject with the packet (§5.6) */
    C.n = 0;
    FEED(0x20, 0x04, 0x00, 0x05, 0xee);
    ASSERT_PKT(&C, 0x07, L.fsm.id, 0x00, 0x09, 0x20, 0x04, 0x00, 0x05, 0xee);
    /* Protocol-Reject of LCP itself: RXJ-, tld,irc,str/5 */
    FEED(0x08, 0x05, 0x00, 0x06, 0xc0, 0x21);
    assert_int_equal(L.fsm.state, PPP_FSM_STOPPING);
    assert_int_equal(cap_last(&C)->b[0], PPP_TERMREQ);
}

static void test_terminate_both_ways(void **st)
{
    struct ppp_lcp_cfg cfg = {0};
    lcp_new(&cfg);
    bring_up();
    /* theirs: Terminate-Ack, Stopping, finished after one restart period */
    FEED(0x05, 0x33, 0x00, 0x04);
    ASSERT_PKT(&C, 0x06, 0x33, 0x00, 0x04);
    assert_int_equal(L.fsm.state, PPP_FSM_STOPPING);
    NOW = ppp_lcp_next_timeout(&L);
    ppp_lcp_timeout(&L, NOW);
    assert_int_equal(L.fsm.state, PPP_FSM_STOPPED);
    assert_int_equal(C.finished, 1);
    assert_int_equal(L.fsm.why, PPP_FSM_WHY_PEER_TERM);
    /* ours */
    lcp_new(&cfg);
    bring_up();
    ppp_fsm_close(&L.fsm, NOW, "bye");
    ASSERT_PKT(&C, 0x05, L.fsm.id, 0x00, 0x07, 'b', 'y', 'e');
    FEED(0x06, L.fsm.id, 0x00, 0x04);
    assert_int_equal(L.fsm.state, PPP_FSM_CLOSED);
    assert_int_equal(C.down, 1);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confreq_golden),
        cmocka_unit_test(test_pppd_confreq_acked),
        cmocka_unit_test(test_windows_confreq),
        cmocka_unit_test(test_nak_golden),
        cmocka_unit_test(test_reject_golden),
        cmocka_unit_test(test_auth_nak_choice),
        cmocka_unit_test(test_option_naks_and_rejects),
        cmocka_unit_test(test_magic_loopback),
        cmocka_unit_test(test_echo_answered),
        cmocka_unit_test(test_echo_keepalive),
        cmocka_unit_test(test_protocol_and_code_reject),
        cmocka_unit_test(test_terminate_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
