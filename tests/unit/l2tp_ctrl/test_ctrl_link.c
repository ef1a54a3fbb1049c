/* Two control channels back to back over a simulated link (sim.c):
 * window limits on the wire, sequence-number wrap over a lossy,
 * duplicating, reordering link, Hello keepalives and link failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "l2tp/ctrl.h"
#include "lib/log.h"
#include "sim.h"

static struct l2tp_ctrl_cfg cfg_with(uint16_t rws, unsigned max_retries)
{
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.rws = rws;
    cfg.max_retries = max_retries;
    return cfg;
}

static void check_done(struct sim *s)
{
    assert_false(s->failed);
    for (int i = 0; i < 2; i++) {
        struct sim_end *e = &s->end[i];
        assert_int_equal(e->sent, e->total);
        assert_int_equal(e->expect, s->end[1 - i].total);
        assert_int_equal(e->dead_calls, 0);
        assert_int_equal(l2tp_ctrl_outstanding(e->c), 0);
    }
}

/* §5.8: never more than the peer's RWS unacknowledged on the wire, and on
 * a clean link with enough traffic the window is actually used in full.
 * The sender is told the peer's real RWS, as the AVP would say. */
static void window_case(uint16_t rws)
{
    struct sim s;
    struct sim_link_cfg link = {.delay_ms = 40};
    struct l2tp_ctrl_cfg a = cfg_with(16, 5), b = cfg_with(rws, 5);
    sim_init(&s, 1, &link, &a, &b, 0, 0);
    s.end[0].total = 300;
    assert_true(sim_run(&s, 10 * 60 * 1000));
    check_done(&s);
    assert_int_equal(s.end[0].window_limit, rws);
    assert_int_equal(s.end[0].max_inflight, rws);
    struct l2tp_ctrl_stats st;
    l2tp_ctrl_get_stats(s.end[0].c, &st);
    assert_int_equal(st.tx_retrans, 0);
    assert_int_equal(st.tx_msgs, 300);
    assert_int_equal(st.cwnd, rws);
    l2tp_ctrl_get_stats(s.end[1].c, &st);
    assert_int_equal(st.rx_msgs, 300);
    assert_int_equal(st.rx_out_of_window, 0);
    sim_fini(&s);
}

static void test_window_rws1(void **state)
{
    (void)state;
    window_case(1);
}

static void test_window_rws4(void **state)
{
    (void)state;
    window_case(4);
}

static void test_window_rws16(void **state)
{
    (void)state;
    window_case(16);
}

/* With the RWS AVP absent the sender assumes 4 (§5.8), even if the
 * receiver could take more. */
static void test_window_default_peer_rws(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {.delay_ms = 40};
    struct l2tp_ctrl_cfg cfg = cfg_with(16, 5);
    sim_init_ex(&s, 1, &link, &cfg, &cfg, 0, 0, SIM_A_NO_PEER_RWS);
    s.end[0].total = 300;
    assert_true(sim_run(&s, 10 * 60 * 1000));
    check_done(&s);
    assert_int_equal(s.end[0].max_inflight, 4);
    sim_fini(&s);
}

/* The acceptance scenario: Ns/Nr start just below 65535 and thousands of
 * messages cross the wrap each way over a link with 20% loss, 10%
 * duplication and 20% reordering: each delivered exactly once, in order. */
static void test_sequence_wrap_lossy(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {
        .loss_pct = 20, .dup_pct = 10, .reorder_pct = 20, .delay_ms = 20, .reorder_ms = 400};
    struct l2tp_ctrl_cfg cfg = cfg_with(16, 40);
    sim_init(&s, 0x5eed, &link, &cfg, &cfg, 65000, 65500);
    s.end[0].total = 5000;
    s.end[1].total = 4000;
    s.end[0].reply_pct = 30;
    s.end[1].reply_pct = 30;
    assert_true(sim_run(&s, 100ull * 24 * 3600 * 1000));
    check_done(&s);
    struct l2tp_ctrl_stats a, b;
    l2tp_ctrl_get_stats(s.end[0].c, &a);
    l2tp_ctrl_get_stats(s.end[1].c, &b);
    /* Hellos are messages too; both counts wrapped. */
    assert_int_equal(a.ns, (uint16_t)(65000 + 5000 + a.tx_hello));
    assert_int_equal(b.ns, (uint16_t)(65500 + 4000 + b.tx_hello));
    assert_int_equal(a.nr, b.ns);
    assert_int_equal(b.nr, a.ns);
    assert_int_equal(s.end[0].hellos_rx, b.tx_hello);
    assert_int_equal(s.end[1].hellos_rx, a.tx_hello);
    /* The link really was hostile, and every recovery path ran. */
    assert_true(s.wire_dropped > 1000);
    assert_true(s.wire_dups > 500);
    assert_true(a.tx_retrans > 0 && b.tx_retrans > 0);
    assert_true(a.rx_dup > 0 && b.rx_dup > 0);
    assert_true(a.rx_reordered > 0 && b.rx_reordered > 0);
    assert_true(a.tx_zlb > 0 && b.tx_zlb > 0);
    assert_int_equal(a.rx_out_of_window + b.rx_out_of_window, 0);
    assert_int_equal(a.rx_bad_nr + b.rx_bad_nr, 0);
    printf("wrap: %llu pkts, %llu dropped, %llu dups, sim %llu s, retrans %llu/%llu\n",
           (unsigned long long)s.wire_pkts, (unsigned long long)s.wire_dropped,
           (unsigned long long)s.wire_dups, (unsigned long long)(s.now / 1000),
           (unsigned long long)a.tx_retrans, (unsigned long long)b.tx_retrans);
    sim_fini(&s);
}

/* A full turn of the sequence space (70000 messages) on a clean link. */
static void test_full_sequence_turn(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {.delay_ms = 5};
    struct l2tp_ctrl_cfg cfg = cfg_with(16, 5);
    sim_init(&s, 7, &link, &cfg, &cfg, 1, 2);
    s.end[0].total = 70000;
    s.end[1].total = 70000;
    assert_true(sim_run(&s, 100ull * 24 * 3600 * 1000));
    check_done(&s);
    sim_fini(&s);
}

/* §6.5: an idle tunnel exchanges Hellos; over a lossy link the reliable
 * transport carries them and the tunnel survives. */
static void test_hello_keeps_idle_tunnel_alive(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {
        .loss_pct = 20, .dup_pct = 10, .reorder_pct = 20, .delay_ms = 20, .reorder_ms = 400};
    struct l2tp_ctrl_cfg cfg = cfg_with(16, 30);
    sim_init(&s, 99, &link, &cfg, &cfg, 0, 0);
    s.end[0].total = 3;
    assert_true(sim_run(&s, 3600 * 1000));
    sim_run_for(&s, s.now + 3600 * 1000);
    assert_false(s.failed);
    struct l2tp_ctrl_stats a, b;
    l2tp_ctrl_get_stats(s.end[0].c, &a);
    l2tp_ctrl_get_stats(s.end[1].c, &b);
    assert_false(l2tp_ctrl_is_dead(s.end[0].c));
    assert_false(l2tp_ctrl_is_dead(s.end[1].c));
    /* Roughly one Hello a minute from whichever side idles first; at most
     * one per 60 s per side. */
    assert_true(a.tx_hello + b.tx_hello >= 50);
    assert_true(a.tx_hello <= 61 && b.tx_hello <= 61);
    assert_true(s.end[1].hellos_rx + 1 >= a.tx_hello);
    assert_true(s.end[0].hellos_rx + 1 >= b.tx_hello);
    sim_fini(&s);
}

/* Data activity noted by the tunnel layer suppresses Hellos entirely. */
static void test_no_hello_with_data_activity(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {.delay_ms = 20};
    struct l2tp_ctrl_cfg cfg = cfg_with(16, 5);
    sim_init(&s, 3, &link, &cfg, &cfg, 0, 0);
    s.end[0].total = 1;
    assert_true(sim_run(&s, 60 * 1000));
    lx_ms_t end = s.now + 3600 * 1000;
    for (lx_ms_t t = s.now; t < end; t += 30 * 1000) {
        sim_run_for(&s, t);
        l2tp_ctrl_note_rx_activity(s.end[0].c, t);
        l2tp_ctrl_note_rx_activity(s.end[1].c, t);
    }
    struct l2tp_ctrl_stats a, b;
    l2tp_ctrl_get_stats(s.end[0].c, &a);
    l2tp_ctrl_get_stats(s.end[1].c, &b);
    assert_int_equal(a.tx_hello + b.tx_hello, 0);
    sim_fini(&s);
}

/* §5.8: when the link dies mid-transfer both ends declare the peer dead
 * exactly once, within a retransmission cycle. */
static void test_link_failure_kills_both(void **state)
{
    (void)state;
    struct sim s;
    struct sim_link_cfg link = {.loss_pct = 10, .delay_ms = 20};
    struct l2tp_ctrl_cfg cfg = cfg_with(8, 5);
    sim_init(&s, 11, &link, &cfg, &cfg, 0, 0);
    s.end[0].total = 1000;
    s.end[1].total = 1000;
    assert_false(sim_run(&s, 20 * 1000)); /* not finished yet */
    assert_false(s.failed);
    lx_ms_t cut = s.now;
    s.link.loss_pct = 100;
    sim_run_for(&s, cut + 31 * 1000 + 500);
    for (int i = 0; i < 2; i++) {
        assert_true(l2tp_ctrl_is_dead(s.end[i].c));
        assert_int_equal(s.end[i].dead_calls, 1);
        assert_int_equal(l2tp_ctrl_next_timeout(s.end[i].c), LX_MS_NEVER);
    }
    sim_run_for(&s, cut + 10 * 60 * 1000);
    assert_int_equal(s.end[0].dead_calls, 1);
    assert_int_equal(s.end[1].dead_calls, 1);
    sim_fini(&s);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_rws1),
        cmocka_unit_test(test_window_rws4),
        cmocka_unit_test(test_window_rws16),
        cmocka_unit_test(test_window_default_peer_rws),
        cmocka_unit_test(test_sequence_wrap_lossy),
        cmocka_unit_test(test_full_sequence_turn),
        cmocka_unit_test(test_hello_keeps_idle_tunnel_alive),
        cmocka_unit_test(test_no_hello_with_data_activity),
        cmocka_unit_test(test_link_failure_kills_both),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
