/* Test harness for the L2TP engine: engines wired through a simulated
 * UDP link (latency, loss, duplication, reordering), a simulated clock and
 * a seeded random source. Deterministic. */
#ifndef L2TPX_TEST_ENGINE_HARNESS_H
#define L2TPX_TEST_ENGINE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/engine.h"

#define H_MAX_NODES  4
#define H_MAX_EVENTS 8192

struct h_event {
    enum l2tp_event_type type;
    struct l2tp_tunnel *tunnel;   /* identity only: may be freed */
    struct l2tp_session *session; /* identity only: may be freed */
    bool local;
    uint16_t result_code, error_code;
    char message[128];
    uint32_t accm_send, accm_recv;
    uint32_t call_errors[6];
    bool had_call;
    struct l2tp_call_params call; /* SESSION_UP */
    bool cause_set;               /* SESSION_DOWN: RFC 3145 cause */
    uint16_t cause_code, cause_proto;
    uint8_t cause_direction;
    char cause_msg[64];
};

struct h_node;
/* Called for every packet a node sends; may edit it (returns new length)
 * or drop it (returns 0). */
typedef size_t (*h_mangle_fn)(struct h_node *from, uint8_t *pkt, size_t len, size_t cap);

struct h_node {
    struct l2tp_engine *e;
    struct l2tp_addr addr;
    struct l2tp_engine_cfg ecfg;
    struct l2tp_tunnel_cfg tcfg; /* returned by accept_tunnel */
    bool refuse_tunnels;
    bool refuse_sessions;
    struct l2tp_session *last_accepted;
    struct h_event *ev;
    size_t n_ev;
    uint64_t data_frames, data_bytes;
    bool data_count_only; /* data callback only counts (benchmarks) */
    bool send_discard;    /* send callback only counts, nothing is delivered */
    uint8_t last_frame[2048];
    size_t last_frame_len;
    struct l2tp_session *last_frame_session;
    uint64_t tx_pkts;
    h_mangle_fn mangle;
    /* Optional hook run on each event (after recording). */
    void (*on_event)(struct h_node *n, const struct l2tp_event *ev);
};

struct h_link {
    unsigned latency_ms;
    unsigned jitter_ms; /* extra random delay: causes reordering */
    unsigned drop_pct;  /* 0..100 */
    unsigned dup_pct;
    bool down; /* drop everything */
};

extern struct h_node h_nodes[H_MAX_NODES];
extern unsigned h_n_nodes;
extern struct h_link h_link;
extern lx_ms_t h_now;
extern uint64_t h_unroutable; /* packets sent to an address no node has */

void h_seed(uint64_t seed);
uint32_t h_rand(void);
void h_reset(uint64_t seed);
struct h_node *h_add_node(const char *ip, uint16_t port);
void h_addr(struct l2tp_addr *a, const char *ip, uint16_t port);
void h_free_all(void);
/* Replaces a node's engine by a new one built from n->ecfg. */
void h_recreate(struct h_node *n);

/* Runs the simulation for ms milliseconds of simulated time. */
void h_run(lx_ms_t ms);
/* Runs until cond() is true or ms elapse; returns cond(). */
bool h_run_until(lx_ms_t ms, bool (*cond)(void *), void *arg);

/* Event queries. */
size_t h_count(const struct h_node *n, enum l2tp_event_type type);
const struct h_event *h_last(const struct h_node *n, enum l2tp_event_type type);
const struct h_event *h_find_session_ev(const struct h_node *n, enum l2tp_event_type type,
                                        const struct l2tp_session *s);

/* The first (only) live tunnel of a node, or NULL. */
struct l2tp_tunnel *h_first_tunnel(struct h_node *n);
unsigned h_tunnel_count(struct h_node *n);

/* Opens a tunnel from a to b and runs until both report TUNNEL_UP. */
struct l2tp_tunnel *h_open_tunnel(struct h_node *a, struct h_node *b);

/* Appends a raw AVP to a control packet, fixing the header Length. */
size_t h_append_avp(uint8_t *pkt, size_t len, size_t cap, uint16_t flags_len_extra_m,
                    uint16_t vendor, uint16_t type, const void *val, size_t vlen);
/* Message Type of a control packet, or -1 (data, ZLB). */
int h_msg_type(const uint8_t *pkt, size_t len);

#endif
