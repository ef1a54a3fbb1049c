/* End to end: our peer side against our authenticator side, for every
 * authentication combination (none, PAP, CHAP-MD5, MS-CHAPv1, MS-CHAPv2,
 * preference mismatches resolved by Nak, refused methods, both
 * directions, wrong passwords), over a lossy wire (seeded drop, duplicate,
 * reorder) with a simulated clock. The authenticator's AAA backend answers
 * asynchronously with ppp_auth_check_password() and returns Framed-IP and
 * DNS attributes; every successful run must end with IPCP and IPv6CP
 * Opened and the right addresses on both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/log.h"
#include "sim.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define LNS_IP    IP(10, 0, 0, 1)
#define FRAMED_IP IP(10, 1, 2, 3)
#define LNS_IFID  0x0000000000000001ULL

static const enum ppp_auth_method M_NONE[PPP_LINK_AUTH_LIST] = {PPP_AUTH_NONE};

struct scenario {
    const char *name;
    enum ppp_auth_method require[PPP_LINK_AUTH_LIST]; /* LNS demands */
    enum ppp_auth_method allow[PPP_LINK_AUTH_LIST];   /* client accepts */
    enum ppp_auth_method expect;                      /* agreed method */
    bool refused;                                     /* no agreement possible */
};

static void lns_cfg(struct ppp_link_cfg *c, const enum ppp_auth_method *require)
{
    ppp_link_cfg_defaults(c, PPP_LINK_AUTHENTICATOR);
    memcpy(c->auth_require, require, sizeof(c->auth_require));
    c->mru = 1400;
    c->local_ip = LNS_IP;
    c->peer_ip = IP(10, 9, 9, 9); /* overridden by the verdict's Framed-IP */
    c->dns[0] = IP(1, 1, 1, 1);   /* overridden by the verdict's DNS */
    c->ifid = LNS_IFID;
    c->restart_ms = 1000;
    snprintf(c->our_name, sizeof(c->our_name), "%s", "lns");
}

static void client_cfg(struct ppp_link_cfg *c, const enum ppp_auth_method *allow,
                       const char *password)
{
    ppp_link_cfg_defaults(c, PPP_LINK_PEER);
    memcpy(c->auth_allow, allow, sizeof(c->auth_allow));
    snprintf(c->user, sizeof(c->user), "%s", "alice");
    snprintf(c->password, sizeof(c->password), "%s", password);
    c->restart_ms = 1000;
    c->request_pfc = true;
    c->request_acfc = true;
}

static void setup(struct sim *s, uint64_t seed, unsigned drop, unsigned dup, unsigned jitter,
                  const struct ppp_link_cfg *lns, const struct ppp_link_cfg *cli)
{
    static uint64_t rseed;
    rseed = seed * 7919 + 1;
    lx_random_set_source(rand_xs_e2e, &rseed);
    sim_init(s, seed);
    s->drop_pct = drop;
    s->dup_pct = dup;
    s->jitter_ms = jitter;
    sim_add(s, 0, lns);
    sim_add(s, 1, cli);
    s->ep[0].secret = "s3cret";
    s->ep[0].attrs.framed_ip = FRAMED_IP;
    s->ep[0].attrs.dns[0] = IP(9, 9, 9, 9);
    s->ep[0].attrs.dns[1] = IP(149, 112, 112, 112);
    ppp_link_open(s->ep[0].link, s->now);
    ppp_link_open(s->ep[1].link, s->now);
}

static void check_addresses(struct sim *s, enum ppp_auth_method m)
{
    struct ppp_link_info a, b;
    ppp_link_get_info(s->ep[0].link, &a);
    ppp_link_get_info(s->ep[1].link, &b);
    assert_true(a.net.ipv4_up && a.net.ipv6_up && b.net.ipv4_up && b.net.ipv6_up);
    /* with a verdict its attributes win; without one the config's */
    bool v = m != PPP_AUTH_NONE;
    uint32_t peer = v ? FRAMED_IP : IP(10, 9, 9, 9);
    assert_int_equal(a.net.local_ip, LNS_IP);
    assert_int_equal(a.net.peer_ip, peer);
    assert_int_equal(b.net.local_ip, peer);
    assert_int_equal(b.net.peer_ip, LNS_IP);
    assert_int_equal(b.net.dns[0], v ? IP(9, 9, 9, 9) : IP(1, 1, 1, 1));
    assert_int_equal(b.net.dns[1], v ? IP(149, 112, 112, 112) : 0);
    assert_true(a.net.local_ifid == LNS_IFID);
    assert_true(b.net.peer_ifid == LNS_IFID);
    assert_true(b.net.local_ifid != 0 && b.net.local_ifid != LNS_IFID);
    assert_true(a.net.peer_ifid == b.net.local_ifid);
    assert_int_equal(a.auth_peer, m);
    assert_int_equal(b.auth_self, m);
    assert_int_equal(a.peer_mru, 1500);
    assert_int_equal(b.peer_mru, 1400);
    assert_true(a.peer_pfc && a.peer_acfc);
    if (m != PPP_AUTH_NONE)
        assert_string_equal(a.peer_name, "alice");
    /* phases in RFC 1661 §3.2 order on the client */
    struct sim_ep *e = &s->ep[1];
    assert_true(e->nphases >= (m != PPP_AUTH_NONE ? 3 : 2));
    assert_int_equal(e->phases[0], PPP_PHASE_ESTABLISH);
    if (m != PPP_AUTH_NONE)
        assert_int_equal(e->phases[1], PPP_PHASE_AUTHENTICATE);
    assert_int_equal(e->phases[e->nphases - 1], PPP_PHASE_NETWORK);
}

/* Data both ways once up. */
static void check_data(struct sim *s)
{
    uint8_t v4[40] = {0x45, 0, 0, 40};
    uint8_t v6[48] = {0x60};
    s->drop_pct = s->dup_pct = 0;
    assert_int_equal(ppp_link_send_ip(s->ep[0].link, v4, sizeof(v4)), 0);
    assert_int_equal(ppp_link_send_ip(s->ep[1].link, v6, sizeof(v6)), 0);
    sim_run(s, 1000, NULL);
    assert_true(s->ep[1].rx_ip >= 1);
    assert_true(s->ep[0].rx_ip >= 1);
    /* too big for the LNS's MRU of 1400 */
    static uint8_t big[1401] = {0x45};
    assert_int_equal(ppp_link_send_ip(s->ep[1].link, big, sizeof(big)), -1);
}

static const struct scenario scenarios[] = {
    {"none", {PPP_AUTH_NONE}, {PPP_AUTH_PAP}, PPP_AUTH_NONE, false},
    {"pap", {PPP_AUTH_PAP}, {PPP_AUTH_PAP}, PPP_AUTH_PAP, false},
    {"chap-md5", {PPP_AUTH_CHAP_MD5}, {PPP_AUTH_CHAP_MD5}, PPP_AUTH_CHAP_MD5, false},
    {"mschap-v1", {PPP_AUTH_MSCHAP_V1}, {PPP_AUTH_MSCHAP_V1}, PPP_AUTH_MSCHAP_V1, false},
    {"mschap-v2", {PPP_AUTH_MSCHAP_V2}, {PPP_AUTH_MSCHAP_V2}, PPP_AUTH_MSCHAP_V2, false},
    /* the client Naks MS-CHAPv2 with PAP, which the LNS also accepts */
    {"nak->pap",
     {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1, PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP},
     {PPP_AUTH_PAP},
     PPP_AUTH_PAP,
     false},
    /* the client's suggestion (CHAP-MD5) is not in the LNS's list: the LNS
     * moves on to its next preference, which the client accepts */
    {"nak->next",
     {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1},
     {PPP_AUTH_CHAP_MD5, PPP_AUTH_MSCHAP_V1},
     PPP_AUTH_MSCHAP_V1,
     false},
    /* defaults on both sides: MS-CHAPv2 straight away */
    {"defaults",
     {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1, PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP},
     {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1, PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP},
     PPP_AUTH_MSCHAP_V2,
     false},
    /* refused: the client only does PAP, the LNS never accepts it */
    {"refused-pap", {PPP_AUTH_MSCHAP_V2}, {PPP_AUTH_PAP}, PPP_AUTH_NONE, true},
    /* refused: the client authenticates itself with nothing (Reject) */
    {"refused-all", {PPP_AUTH_CHAP_MD5}, {PPP_AUTH_NONE}, PPP_AUTH_NONE, true},
};

#define NSEEDS 8
static const struct {
    unsigned drop, dup, jitter;
} links[] = {{0, 0, 0}, {10, 5, 40}, {20, 10, 80}, {5, 20, 30}};

static unsigned tot_runs, tot_sent, tot_dropped, tot_duped, tot_lcp_reneg;

static void run_scenario(const struct scenario *sc, unsigned li, uint64_t seed)
{
    struct sim s;
    struct ppp_link_cfg lns, cli;
    lns_cfg(&lns, sc->require);
    client_cfg(&cli, sc->allow, "s3cret");
    setup(&s, seed, links[li].drop, links[li].dup, links[li].jitter, &lns, &cli);
    if (sc->refused) {
        bool ok = sim_run(&s, 600000, sim_both_dead);
        if (!ok)
            fail_msg("%s link %u seed %llu: not both dead", sc->name, li, (unsigned long long)seed);
        assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_AUTH_REFUSED);
        assert_int_equal(s.ep[0].net_ups + s.ep[1].net_ups, 0);
        assert_int_equal(s.ep[0].verifies, 0);
    } else {
        bool ok = sim_run(&s, 600000, sim_both_up);
        if (!ok)
            fail_msg("%s link %u seed %llu: not up (phases %d/%d, dead %d/%d reasons %s/%s)",
                     sc->name, li, (unsigned long long)seed, ppp_link_phase(s.ep[0].link),
                     ppp_link_phase(s.ep[1].link), s.ep[0].dead, s.ep[1].dead,
                     ppp_link_down_reason_name(s.ep[0].reason),
                     ppp_link_down_reason_name(s.ep[1].reason));
        check_addresses(&s, sc->expect);
        if (sc->expect != PPP_AUTH_NONE) {
            assert_true(s.ep[0].verifies >= 1);
            assert_true(s.ep[0].auth_ok >= 1 && s.ep[1].auth_ok >= 1);
        }
        tot_lcp_reneg += s.ep[0].lcp_ups + s.ep[1].lcp_ups - 2;
        check_data(&s);
        /* orderly close from the client: both Dead */
        ppp_link_close(s.ep[1].link, s.now, "bye");
        s.drop_pct = 0;
        assert_true(sim_run(&s, 60000, sim_both_dead));
        assert_int_equal(s.ep[1].reason, PPP_LINK_DOWN_ADMIN);
        assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_PEER_TERMINATED);
    }
    tot_runs++;
    tot_sent += s.sent;
    tot_dropped += s.dropped;
    tot_duped += s.duped;
    sim_free(&s);
}

static void test_all_methods_lossy(void **st)
{
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
        for (unsigned li = 0; li < sizeof(links) / sizeof(links[0]); li++)
            for (uint64_t seed = 1; seed <= NSEEDS; seed++)
                run_scenario(&scenarios[i], li, seed * 1000 + li * 10 + i);
    print_message("%u runs: %u frames sent, %u dropped, %u duplicated, %u LCP renegotiations\n",
                  tot_runs, tot_sent, tot_dropped, tot_duped, tot_lcp_reneg);
    /* the lossy wires really were lossy */
    assert_true(tot_dropped > tot_sent / 20);
    assert_true(tot_duped > 0);
}

/* Wrong password: the LNS fails it, both sides go Dead, nothing opens. */
static void test_wrong_password(void **st)
{
    static const enum ppp_auth_method ms[] = {PPP_AUTH_PAP, PPP_AUTH_CHAP_MD5, PPP_AUTH_MSCHAP_V1,
                                              PPP_AUTH_MSCHAP_V2};
    for (size_t i = 0; i < 4; i++) {
        for (unsigned li = 0; li < 3; li++) {
            enum ppp_auth_method list[PPP_LINK_AUTH_LIST] = {ms[i]};
            struct sim s;
            struct ppp_link_cfg lns, cli;
            lns_cfg(&lns, list);
            client_cfg(&cli, list, "wrong");
            setup(&s, 77 + i * 3 + li, links[li].drop, links[li].dup, links[li].jitter, &lns, &cli);
            assert_true(sim_run(&s, 600000, sim_both_dead));
            assert_int_equal(s.ep[0].reason, PPP_LINK_DOWN_AUTH_FAILED);
            assert_true(s.ep[1].reason == PPP_LINK_DOWN_AUTH_FAILED ||
                        s.ep[1].reason == PPP_LINK_DOWN_PEER_TERMINATED);
            assert_true(s.ep[0].auth_fail >= 1);
            assert_int_equal(s.ep[0].net_ups + s.ep[1].net_ups, 0);
            sim_free(&s);
        }
    }
}

/* Authentication in both directions: each side demands one method and
 * proves itself with another. */
static void test_mutual_auth(void **st)
{
    for (unsigned li = getenv("MUTUAL_LI") ? 2 : 0; li < 3; li++) {
        struct sim s;
        struct ppp_link_cfg lns, cli;
        lns_cfg(&lns, (enum ppp_auth_method[PPP_LINK_AUTH_LIST]){PPP_AUTH_MSCHAP_V2});
        memcpy(lns.auth_allow, (enum ppp_auth_method[PPP_LINK_AUTH_LIST]){PPP_AUTH_CHAP_MD5},
               sizeof(lns.auth_allow));
        snprintf(lns.user, sizeof(lns.user), "%s", "lns");
        snprintf(lns.password, sizeof(lns.password), "%s", "lnspw");
        client_cfg(&cli, (enum ppp_auth_method[PPP_LINK_AUTH_LIST]){PPP_AUTH_MSCHAP_V2}, "s3cret");
        memcpy(cli.auth_require, (enum ppp_auth_method[PPP_LINK_AUTH_LIST]){PPP_AUTH_CHAP_MD5},
               sizeof(cli.auth_require));
        snprintf(cli.our_name, sizeof(cli.our_name), "%s", "client");
        cli.peer_ip = LNS_IP; /* what the client expects the LNS to use */
        setup(&s, 500 + li, links[li].drop, links[li].dup, links[li].jitter, &lns, &cli);
        s.ep[1].secret = "lnspw";
        if (!sim_run(&s, 600000, sim_both_up))
            fail_msg("mutual link %u: phases %d/%d dead %d/%d reasons %s/%s auth ok %u/%u", li,
                     ppp_link_phase(s.ep[0].link), ppp_link_phase(s.ep[1].link), s.ep[0].dead,
                     s.ep[1].dead, ppp_link_down_reason_name(s.ep[0].reason),
                     ppp_link_down_reason_name(s.ep[1].reason), s.ep[0].auth_ok, s.ep[1].auth_ok);
        struct ppp_link_info a, b;
        ppp_link_get_info(s.ep[0].link, &a);
        ppp_link_get_info(s.ep[1].link, &b);
        assert_int_equal(a.auth_peer, PPP_AUTH_MSCHAP_V2);
        assert_int_equal(a.auth_self, PPP_AUTH_CHAP_MD5);
        assert_int_equal(b.auth_peer, PPP_AUTH_CHAP_MD5);
        assert_int_equal(b.auth_self, PPP_AUTH_MSCHAP_V2);
        assert_string_equal(b.peer_name, "lns");
        assert_int_equal(b.net.local_ip, FRAMED_IP);
        sim_free(&s);
    }
}

int main(void)
{
    lx_log_open(getenv("PPP_DEBUG") ? LX_LOG_SINK_STDERR : LX_LOG_SINK_NONE, "test",
                getenv("PPP_DEBUG") ? LX_LOG_DEBUG : LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_methods_lossy),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_mutual_auth),
    };
    (void)M_NONE;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
