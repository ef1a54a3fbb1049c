/* Randomized soak: many seeds, thousands of messages each way over a link
 * with 20% loss, 10% duplication and 20% reordering, random starting
 * sequence numbers (so many runs cross the 16-bit wrap), random windows
 * and ack delays. Every message must arrive exactly once and in order on
 * both sides, the wire window must never exceed the peer's RWS, and the
 * whole run must stay fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "l2tp/ctrl.h"
#include "lib/log.h"
#include "sim.h"

#define SOAK_SEEDS 20
#define SOAK_MSGS  2000

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void soak_one(uint64_t seed, uint64_t *pkts, uint64_t *retrans)
{
    static const uint16_t rws_choice[] = {1, 2, 4, 8, 16, 32, 100};
    static const uint32_t ack_choice[] = {0, 50, 100, 300};
    struct sim_rng r = {.s = seed * 0x2545f4914f6cdd1dull};
    struct l2tp_ctrl_cfg cfg[2];
    for (int i = 0; i < 2; i++) {
        l2tp_ctrl_cfg_defaults(&cfg[i]);
        cfg[i].rws = rws_choice[sim_below(&r, sizeof rws_choice / sizeof rws_choice[0])];
        cfg[i].ack_delay_ms = ack_choice[sim_below(&r, sizeof ack_choice / sizeof ack_choice[0])];
        cfg[i].max_queued = 1 + sim_below(&r, 64);
        /* 20% loss each way: generous retries so that the run tests
         * recovery, not the (separately tested) death. */
        cfg[i].max_retries = 40;
    }
    struct sim_link_cfg link = {
        .loss_pct = 20,
        .dup_pct = 10,
        .reorder_pct = 20,
        .delay_ms = 1 + sim_below(&r, 50),
        .reorder_ms = 50 + sim_below(&r, 1500),
    };
    /* Half the seeds start right below the wrap. */
    uint16_t ia = (uint16_t)sim_rand(&r), ib = (uint16_t)sim_rand(&r);
    if (seed % 2 == 0) {
        ia = (uint16_t)(65535 - sim_below(&r, 100));
        ib = (uint16_t)(65535 - sim_below(&r, 100));
    }
    struct sim s;
    sim_init(&s, seed, &link, &cfg[0], &cfg[1], ia, ib);
    for (int i = 0; i < 2; i++) {
        s.end[i].total = SOAK_MSGS;
        s.end[i].reply_pct = sim_below(&r, 50);
    }
    bool done = sim_run(&s, 365ull * 24 * 3600 * 1000);
    if (!done || s.failed)
        fprintf(stderr, "soak seed %llu failed at t=%llu\n", (unsigned long long)seed,
                (unsigned long long)s.now);
    assert_true(done);
    assert_false(s.failed);
    for (int i = 0; i < 2; i++) {
        struct sim_end *e = &s.end[i];
        struct l2tp_ctrl_stats st;
        l2tp_ctrl_get_stats(e->c, &st);
        assert_int_equal(e->expect, SOAK_MSGS);
        assert_int_equal(e->dead_calls, 0);
        assert_int_equal(st.rx_bad_nr, 0);
        assert_int_equal(st.rx_out_of_window, 0);
        assert_true(e->max_inflight <= cfg[1 - i].rws);
        assert_int_equal(st.tx_msgs, SOAK_MSGS + st.tx_hello);
        *retrans += st.tx_retrans;
    }
    *pkts += s.wire_pkts;
    sim_fini(&s);
}

static void test_soak(void **state)
{
    (void)state;
    double t0 = wall_s();
    uint64_t pkts = 0, retrans = 0;
    for (uint64_t seed = 1; seed <= SOAK_SEEDS; seed++)
        soak_one(seed, &pkts, &retrans);
    double dt = wall_s() - t0;
    printf("soak: %d seeds x %d msgs each way: %llu packets, %llu retransmissions, %.2f s\n",
           SOAK_SEEDS, SOAK_MSGS, (unsigned long long)pkts, (unsigned long long)retrans, dt);
    /* Bounded and fast (generous for sanitizer builds). */
    assert_true(dt < 5.0);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
