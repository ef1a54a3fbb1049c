/* ppp_link behaviour: a scripted Windows-like client (frames with FF 03),
 * Protocol-Reject of unknown protocols, an NCP rejected by the peer,
 * keepalive failure, loopback, terminate both ways, LCP timeout, phase
 * discipline, and a verdict given from inside the verify callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/log.h"
#include "sim.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ---- a scripted peer: we feed frames, capture what the link sends ------ */

static struct {
    uint8_t f[64][256];
    size_t len[64];
    int n;
    struct ppp_link_event ev[64];
    int nev;
    enum ppp_link_down_reason reason;
    bool sync_verdict;
    struct ppp_link *link;
} T;

static void t_send(void *ctx, const uint8_t *frame, size_t len)
{
    if (T.n < 64) {
        T.len[T.n] = len < 256 ? len : 256;
        memcpy(T.f[T.n], frame, T.len[T.n]);
        T.n++;
    }
}

static void t_event(void *ctx, const struct ppp_link_event *ev)
{
    if (T.nev < 64)
        T.ev[T.nev++] = *ev;
    if (ev->type == PPP_LINK_EV_DOWN)
        T.reason = ev->reason;
    if (ev->type == PPP_LINK_EV_AUTH_VERIFY && T.sync_verdict) {
        /* answered from inside the callback: deferred by the link */
        struct ppp_auth_verdict v;
        memset(&v, 0, sizeof(v));
        ppp_auth_check_password(ev->auth_req, "pw", &v);
        v.attrs.framed_ip = IP(10, 7, 7, 7);
        ppp_link_auth_verdict(T.link, 0, &v);
    }
}

static const struct ppp_link_ops t_ops = {t_send, t_event, NULL};

static lx_ms_t NOW = 1000;

static void in(const uint8_t *b, size_t len)
{
    ppp_link_input(T.link, NOW, b, len);
}
#define IN(...)                             \
    do {                                    \
        const uint8_t b_[] = {__VA_ARGS__}; \
        in(b_, sizeof(b_));                 \
    } while (0)

#define LAST_IS(...)                                       \
    do {                                                   \
        const uint8_t w_[] = {__VA_ARGS__};                \
        assert_true(T.n > 0);                              \
        assert_int_equal(T.len[T.n - 1], sizeof(w_));      \
        assert_memory_equal(T.f[T.n - 1], w_, sizeof(w_)); \
    } while (0)

static int find_sent(uint16_t proto, uint8_t code)
{
    for (int i = T.n - 1; i >= 0; i--)
        if (lx_get_u16(T.f[i]) == proto && T.f[i][2] == code)
            return i;
    return -1;
}

/* Acks the link's last Configure-Request of proto (turns it around). */
static void ack_last(uint16_t proto)
{
    int i = find_sent(proto, PPP_CONFREQ);
    assert_true(i >= 0);
    uint8_t b[256];
    memcpy(b, T.f[i], T.len[i]);
    b[2] = PPP_CONFACK;
    in(b, T.len[i]);
}

static void t_new(struct ppp_link_cfg *cfg)
{
    static uint64_t seed = 5;
    lx_random_set_source(rand_xs_e2e, &seed);
    memset(&T, 0, sizeof(T));
    T.link = ppp_link_new(cfg, &t_ops, NULL);
    ppp_link_open(T.link, NOW);
}

/* A Windows 10 client session up to IPCP, frames as a LAC forwards them
 * (with FF 03). Windows' LCP options: MRU 1400, Magic, PFC, ACFC,
 * Callback/CBCP (13); its IPCP asks 0.0.0.0 plus DNS and NBNS; it
 * Protocol-Rejects IPv6CP when IPv6 is off, and sends CCP (MPPE). */
static void test_windows_client_session(void **st)
{
    struct ppp_link_cfg cfg;
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    memset(cfg.auth_require, 0, sizeof(cfg.auth_require)); /* no auth here */
    cfg.local_ip = IP(10, 0, 0, 1);
    cfg.peer_ip = IP(10, 0, 0, 2);
    cfg.dns[0] = IP(10, 0, 0, 53);
    t_new(&cfg);
    assert_int_equal(ppp_link_phase(T.link), PPP_PHASE_ESTABLISH);
    assert_int_equal(lx_get_u16(T.f[0]), PPP_PROTO_LCP);

    /* IPCP before LCP is up: silently discarded (RFC 1661 §3.4) */
    IN(0xff, 0x03, 0x80, 0x21, 0x01, 0x01, 0x00, 0x04);
    assert_int_equal(T.n, 1);

    IN(0xff, 0x03, 0xc0, 0x21, 0x01, 0x00, 0x00, 0x15, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c,
       0x3e, 0x1b, 0x77, 0x07, 0x02, 0x08, 0x02, 0x0d, 0x03, 0x06);
    LAST_IS(0xc0, 0x21, 0x04, 0x00, 0x00, 0x07, 0x0d, 0x03, 0x06);
    IN(0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x12, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c,
       0x3e, 0x1b, 0x77, 0x07, 0x02, 0x08, 0x02);
    LAST_IS(0xc0, 0x21, 0x02, 0x01, 0x00, 0x12, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06, 0x2c, 0x3e,
            0x1b, 0x77, 0x07, 0x02, 0x08, 0x02);
    ack_last(PPP_PROTO_LCP);
    assert_int_equal(ppp_link_phase(T.link), PPP_PHASE_NETWORK);
    assert_true(find_sent(PPP_PROTO_IPCP, PPP_CONFREQ) >= 0);
    assert_true(find_sent(PPP_PROTO_IPV6CP, PPP_CONFREQ) >= 0);

    /* CCP gets a Protocol-Reject (§5.7) */
    IN(0x80, 0xfd, 0x01, 0x04, 0x00, 0x0a, 0x12, 0x06, 0x01, 0x00, 0x00, 0x60);
    int pr = find_sent(PPP_PROTO_LCP, PPP_PROTREJ);
    assert_true(pr >= 0);
    assert_int_equal(T.len[pr], 2 + 4 + 2 + 10);
    assert_int_equal(lx_get_u16(T.f[pr] + 6), PPP_PROTO_CCP);
    assert_memory_equal(T.f[pr] + 8, ((uint8_t[]){0x01, 0x04, 0x00, 0x0a}), 4);

    /* Windows Protocol-Rejects IPv6CP: IPv6CP stops, the link stays */
    IN(0xff, 0x03, 0xc0, 0x21, 0x08, 0x05, 0x00, 0x0a, 0x80, 0x57, 0x01, 0x01, 0x00, 0x0e);
    struct ppp_link_info info;
    ppp_link_get_info(T.link, &info);
    assert_int_equal(info.ipv6cp_state, PPP_FSM_STOPPED);
    assert_int_equal(ppp_link_phase(T.link), PPP_PHASE_NETWORK);

    /* its IPCP request: 0.0.0.0, DNS, NBNS -> Rejects first, then Nak'd */
    IN(0xff, 0x03, 0x80, 0x21, 0x01, 0x06, 0x00, 0x22, 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0,
       0, 0x82, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0);
    /* NBNS (none) and secondary DNS (none configured) Rejected together */
    LAST_IS(0x80, 0x21, 0x04, 0x06, 0x00, 0x16, 0x82, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0,
            0x84, 0x06, 0, 0, 0, 0);
    IN(0xff, 0x03, 0x80, 0x21, 0x01, 0x08, 0x00, 0x10, 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0,
       0);
    LAST_IS(0x80, 0x21, 0x03, 0x08, 0x00, 0x10, 0x03, 0x06, 10, 0, 0, 2, 0x81, 0x06, 10, 0, 0, 53);
    IN(0xff, 0x03, 0x80, 0x21, 0x01, 0x09, 0x00, 0x10, 0x03, 0x06, 10, 0, 0, 2, 0x81, 0x06, 10, 0,
       0, 53);
    ack_last(PPP_PROTO_IPCP);
    ppp_link_get_info(T.link, &info);
    assert_int_equal(info.ipcp_state, PPP_FSM_OPENED);
    assert_int_equal(info.net.peer_ip, IP(10, 0, 0, 2));
    assert_int_equal(info.peer_mru, 1400);
    bool saw_up = false;
    for (int i = 0; i < T.nev; i++)
        saw_up |= T.ev[i].type == PPP_LINK_EV_NET_UP && T.ev[i].proto == PPP_PROTO_IPCP;
    assert_true(saw_up);

    /* IPv4 data out: protocol 0x0021 + packet */
    uint8_t pkt[20] = {0x45};
    assert_int_equal(ppp_link_send_ip(T.link, pkt, sizeof(pkt)), 0);
    assert_int_equal(lx_get_u16(T.f[T.n - 1]), PPP_PROTO_IPV4);
    /* IPv6 is not up: refused */
    uint8_t pkt6[40] = {0x60};
    assert_int_equal(ppp_link_send_ip(T.link, pkt6, sizeof(pkt6)), -1);
    /* garbage frames are counted, not fatal */
    IN(0x00);
    IN(0xc0, 0x22);
    struct ppp_link_stats sts;
    ppp_link_get_stats(T.link, &sts);
    assert_int_equal(sts.rx_bad, 2);
    assert_int_equal(sts.protrej_tx, 1);

    /* Windows hangs up: Terminate-Request, we Ack, Dead after zrc */
    IN(0xff, 0x03, 0xc0, 0x21, 0x05, 0x0a, 0x00, 0x10, 'U', 's', 'e', 'r', ' ', 'r', 'e', 'q', 'u',
       'e', 's', 't');
    LAST_IS(0xc0, 0x21, 0x06, 0x0a, 0x00, 0x04);
    assert_int_equal(ppp_link_phase(T.link), PPP_PHASE_TERMINATE);
    NOW = ppp_link_next_timeout(T.link);
    ppp_link_timeout(T.link, NOW);
    assert_int_equal(ppp_link_phase(T.link), PPP_PHASE_DEAD);
    assert_int_equal(T.reason, PPP_LINK_DOWN_PEER_TERMINATED);
    assert_int_equal(ppp_link_next_timeout(T.link), LX_MS_NEVER);
    ppp_link_free(T.link);
}

/* The owner answers the verify request from inside the callback. */
static void test_sync_verdict(void **st)
{
    struct sim s;
    sim_init(&s, 3);
    static uint64_t seed = 9;
    lx_random_set_source(rand_xs_e2e, &seed);
    struct ppp_link_cfg a, b;
    ppp_link_cfg_defaults(&a, PPP_LINK_AUTHENTICATOR);
    a.local_ip = IP(10, 0, 0, 1);
    ppp_link_cfg_defaults(&b, PPP_LINK_PEER);
    snprintf(b.user, sizeof(b.user), "%s", "bob");
    snprintf(b.password, sizeof(b.password), "%s", "pw");
    /* ep0 uses the scripted owner (synchronous verdict) */
    memset(&T, 0, sizeof(T));
    T.sync_verdict = true;
    sim_add(&s, 1, &b);
    s.ep[0].link = ppp_link_new(&a, &sim_ops, &s.ep[0]);
    /* swap in the synchronous owner for ep0's events only */
    ppp_link_free(s.ep[0].link);
    static const struct ppp_link_ops mixed = {sim_send, t_event, NULL};
    s.ep[0].link = T.link = ppp_link_new(&a, &mixed, &s.ep[0]);
    ppp_link_open(s.ep[0].link, s.now);
    ppp_link_open(s.ep[1].link, s.now);
    sim_run(&s, 60000, NULL);
    struct ppp_link_info ia, ib;
    ppp_link_get_info(s.ep[0].link, &ia);
    ppp_link_get_info(s.ep[1].link, &ib);
    assert_int_equal(ia.phase, PPP_PHASE_NETWORK);
    assert_int_equal(ia.ipcp_state, PPP_FSM_OPENED);
    assert_int_equal(ib.net.local_ip, IP(10, 7, 7, 7));
    assert_string_equal(ia.peer_name, "bob");
    assert_int_equal(ia.auth_peer, PPP_AUTH_MSCHAP_V2);
    sim_free(&s);
}

static void pair(struct sim *s, uint64_t seed, uint32_t echo_ms)
{
    static uint64_t rseed;
    rseed = seed;
    lx_random_set_source(rand_xs_e2e, &rseed);
    sim_init(s, seed);
    struct ppp_link_cfg a, b;
    ppp_link_cfg_defaults(&a, PPP_LINK_AUTHENTICATOR);
    memset(a.auth_require, 0, sizeof(a.auth_require));
    a.local_ip = IP(10, 0, 0, 1);
    a.peer_ip = IP(10, 0, 0, 2);
    a.echo_interval_ms = echo_ms;
    a.echo_failures = 3;
    ppp_link_cfg_defaults(&b, PPP_LINK_PEER);
    b.echo_interval_ms = echo_ms;
    sim_add(s, 0, &a);
    sim_add(s, 1, &b);
    ppp_link_open(s->ep[0].link, s->now);
    ppp_link_open(s->ep[1].link, s->now);
}

static bool a_dead(struct sim *s)
{
    return s->ep[0].dead;
}

/* Keepalive: echoes flow while the wire works; when it is cut both
 * sides declare the link down after echo_failures intervals. */
static void test_echo_failure_link_down(void **st)
{
    struct sim s;
    pair(&s, 11, 5000);
    assert_true(sim_run(&s, 60000, sim_both_up));
    /* a minute of idle keepalive keeps it up, echoes answered */
    lx_ms_t t0 = s.now;
    sim_run(&s, 60000, a_dead);
    assert_false(s.ep[0].dead);
    assert_true(s.now >= t0 + 60000);
    struct ppp_link_stats st0;
    ppp_link_get_stats(s.ep[0].link, &st0);
    assert_true(st0.echo_req_tx >= 10 && st0.echo_rep_rx >= 10 && st0.echo_rep_tx >= 10);
    /* cut */
    s.cut = true;
    lx_ms_t cut_at = s.now;
    assert_true(sim_run(&s, 120000, sim_both_dead));
    assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_ECHO_TIMEOUT);
    assert_int_equal(s.ep[1].reason, PPP_LINK_DOWN_ECHO_TIMEOUT);
    /* 3 unanswered + 1 interval, then Max-Terminate Terminate-Requests */
    assert_true(s.now - cut_at <= 4 * 5000 + 3 * 3000 + 100);
    sim_free(&s);
}

/* A looped-back line: LCP sees its own Magic-Number and gives up. */
static void test_loopback_detected(void **st)
{
    struct sim s;
    static uint64_t rseed = 77;
    lx_random_set_source(rand_xs_e2e, &rseed);
    sim_init(&s, 1);
    s.loop = true;
    struct ppp_link_cfg a;
    ppp_link_cfg_defaults(&a, PPP_LINK_PEER);
    sim_add(&s, 0, &a);
    ppp_link_open(s.ep[0].link, s.now);
    assert_true(sim_run(&s, 120000, a_dead));
    assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_LOOPBACK);
    sim_free(&s);
}

/* Nobody answers: Max-Configure Configure-Requests, then Dead. */
static void test_lcp_timeout(void **st)
{
    struct sim s;
    sim_init(&s, 1);
    struct ppp_link_cfg a;
    ppp_link_cfg_defaults(&a, PPP_LINK_AUTHENTICATOR);
    sim_add(&s, 0, &a);
    s.cut = true;
    ppp_link_open(s.ep[0].link, s.now);
    assert_true(sim_run(&s, 120000, a_dead));
    assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_LCP_TIMEOUT);
    assert_int_equal(s.sent, 10);
    assert_int_equal(s.now, 1000 + 10 * 3000);
    sim_free(&s);
}

/* Close both ways, lower-layer down, and re-open after Dead. */
static void test_close_and_reopen(void **st)
{
    struct sim s;
    pair(&s, 21, 0);
    assert_true(sim_run(&s, 60000, sim_both_up));
    ppp_link_close(s.ep[0].link, s.now, "admin");
    assert_int_equal(ppp_link_phase(s.ep[0].link), PPP_PHASE_TERMINATE);
    assert_true(sim_run(&s, 60000, sim_both_dead));
    assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_ADMIN);
    assert_int_equal(s.ep[1].reason, PPP_LINK_DOWN_PEER_TERMINATED);
    /* again, from Dead */
    s.ep[0].dead = s.ep[1].dead = false;
    ppp_link_open(s.ep[0].link, s.now);
    ppp_link_open(s.ep[1].link, s.now);
    assert_true(sim_run(&s, 60000, sim_both_up));
    ppp_link_lower_down(s.ep[1].link, s.now);
    assert_true(s.ep[1].dead);
    assert_int_equal(s.ep[1].reason, PPP_LINK_DOWN_LOWER);
    sim_free(&s);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_client_session),
        cmocka_unit_test(test_sync_verdict),
        cmocka_unit_test(test_echo_failure_link_down),
        cmocka_unit_test(test_loopback_detected),
        cmocka_unit_test(test_lcp_timeout),
        cmocka_unit_test(test_close_and_reopen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
