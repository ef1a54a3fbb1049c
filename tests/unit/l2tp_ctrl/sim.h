/* Test harness: two reliable control channels wired back to back through a
 * simulated link that can drop, duplicate, delay and reorder packets,
 * driven by a simulated clock and a seeded PRNG (fully deterministic).
 *
 * Each end runs an "application" that pushes `total` numbered messages
 * as fast as the channel accepts them and checks that the peer's messages
 * arrive exactly once and in order. */
#ifndef L2TPX_TESTS_L2TP_CTRL_SIM_H
#define L2TPX_TESTS_L2TP_CTRL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/ctrl.h"

struct sim_rng {
    uint64_t s;
};

uint64_t sim_rand(struct sim_rng *r);
/* Uniform in [0, n). */
uint32_t sim_below(struct sim_rng *r, uint32_t n);

struct sim_link_cfg {
    unsigned loss_pct;    /* each packet dropped with this probability */
    unsigned dup_pct;     /* ... delivered twice */
    unsigned reorder_pct; /* ... delayed by an extra random 0..reorder_ms */
    uint32_t delay_ms;    /* one-way base delay */
    uint32_t reorder_ms;
};

struct sim_pkt {
    lx_ms_t at;
    uint64_t order; /* FIFO among equal times */
    int to;
    size_t len;
    uint8_t *data;
};

struct sim;

struct sim_end {
    struct sim *sim;
    int idx;
    uint16_t tid; /* our tunnel id (the peer puts it in its headers) */
    struct l2tp_ctrl *c;
    /* application */
    uint32_t total;     /* messages to send */
    uint32_t sent;      /* accepted by l2tp_ctrl_send */
    uint32_t expect;    /* next id we expect from the peer */
    uint32_t reply_pct; /* chance that deliver() sends our next message from inside the callback */
    uint32_t hellos_rx;
    unsigned dead_calls;
    /* wire observation of our send window */
    uint16_t hi_ns; /* one past the highest Ns we put on the wire */
    uint16_t acked; /* highest Nr the peer delivered to us */
    unsigned max_inflight;
    unsigned window_limit; /* assert in-flight never exceeds this (0 = no check) */
};

struct sim {
    lx_ms_t now;
    struct sim_rng rng;
    struct sim_link_cfg link;
    struct sim_end end[2];
    struct sim_pkt *pkts;
    size_t npkts, cap;
    uint64_t order;
    uint64_t wire_pkts, wire_dropped, wire_dups;
    bool failed; /* an invariant broke inside a callback */
};

/* Creates both ends with the given configurations; each end is told the
 * other's RWS (as the SCCRQ/SCCRP AVP would). initial_a/b: first Ns of A
 * and of B. */
void sim_init(struct sim *s, uint64_t seed, const struct sim_link_cfg *link,
              const struct l2tp_ctrl_cfg *cfg_a, const struct l2tp_ctrl_cfg *cfg_b,
              uint16_t initial_a, uint16_t initial_b);
/* Same, but end A is not told B's RWS (the AVP was absent): it must
 * assume 4. */
#define SIM_A_NO_PEER_RWS 1u
void sim_init_ex(struct sim *s, uint64_t seed, const struct sim_link_cfg *link,
                 const struct l2tp_ctrl_cfg *cfg_a, const struct l2tp_ctrl_cfg *cfg_b,
                 uint16_t initial_a, uint16_t initial_b, unsigned flags);
void sim_fini(struct sim *s);

/* Runs until both applications are done (all sent, all received, nothing
 * outstanding, link empty) or the clock passes `until`. Returns true if
 * done. */
bool sim_run(struct sim *s, lx_ms_t until);

/* Runs the clock forward to `until` whatever happens (idle periods). */
void sim_run_for(struct sim *s, lx_ms_t until);

bool sim_is_hello(const uint8_t *body, size_t len);

#endif
