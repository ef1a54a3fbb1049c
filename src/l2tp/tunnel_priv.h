/* Internal to the engine (engine.c, tunnel.c, session.c): the objects
 * behind the opaque types of engine.h and the functions the three files
 * share. Nothing here is part of the public contract. */
#ifndef L2TPX_L2TP_TUNNEL_PRIV_H
#define L2TPX_L2TP_TUNNEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/avp.h"
#include "l2tp/ctrl.h"
#include "l2tp/engine.h"
#include "l2tp/header.h"
#include "l2tp/idtable.h"

#define L2TP_ENGINE_TXBUF    4096 /* one control message body */
#define L2TP_ENGINE_CHAL_LEN 16   /* our Challenge AVP value (§4.4.3) */
#define L2TP_ENGINE_TB_LEN   8    /* Tie Breaker value (§4.4.3) */
#define L2TP_ENGINE_RESP_LEN 16   /* Challenge Response: an MD5 digest */
#define L2TP_ENGINE_FW_REV   0x0100u
/* §5.4: this many late sequenced data messages in a row mean the peer
 * restarted its Ns: the next one resynchronises. */
#define L2TP_SESSION_SEQ_OOS_MAX 8

struct l2tp_session {
    struct l2tp_tunnel *t;
    struct l2tp_engine_hnode node;                /* t->sessions, keyed on local_id */
    struct l2tp_session *next, *prev;             /* t->s_list */
    struct l2tp_session *setup_next, *setup_prev; /* t->setup list (FIFO by deadline) */
    bool in_setup;
    struct l2tp_session *reap_next;

    uint16_t local_id, peer_id;
    enum l2tp_session_state state;
    bool lac, incoming;
    bool visible;                    /* the user knows this session: it gets SESSION_DOWN */
    struct l2tp_call_params *params; /* during setup only; freed after SESSION_UP */

    /* RFC 2661 §5.4 data sequencing. */
    bool seq_required; /* Sequencing Required AVP seen in ICCN/OCCN (either way) */
    bool seq_tx;       /* put Ns in the data messages we send */
    bool rx_seq_init;
    uint16_t ns_tx, nr_expect;
    uint8_t rx_seq_oos; /* late messages in a row (resync past L2TP_SESSION_SEQ_OOS_MAX) */

    uint32_t accm_send, accm_recv;
    lx_ms_t created_ms, established_ms, setup_deadline;
    uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes, rx_seq_drops;
    void *user;
};

struct l2tp_tunnel {
    struct l2tp_engine *e;
    struct l2tp_engine_hnode n_lid;  /* e->by_lid: local tunnel ID (then the peer address) */
    struct l2tp_engine_hnode n_ptid; /* e->by_ptid: (peer addr, port, peer's tunnel ID) */
    struct l2tp_tunnel *next, *prev; /* e->t_list */
    struct l2tp_tunnel *ho_next, *ho_prev;
    bool in_halfopen;
    struct l2tp_tunnel *reap_next;
    bool reaped;
    size_t heap_idx; /* SIZE_MAX when not in the heap */
    lx_ms_t deadline;
    bool dirty;
    struct l2tp_tunnel *dirty_next;

    const struct l2tp_tunnel_cfg *cfg;
    struct l2tp_ctrl *ctrl;
    uint16_t local_id, peer_id;
    struct l2tp_addr local, peer;
    enum l2tp_tunnel_state state;
    bool initiator;
    bool visible; /* events: initiator from open, recipient from TUNNEL_UP */
    bool down;    /* TUNNEL_DOWN delivered (or never due): lingering only */
    bool refused; /* accept_tunnel said no: StopCCN 4 once the SCCRQ is in; never
                     live nor visible (introspection, idle) */
    bool live;    /* counted in e->n_live: a tunnel l2tp_engine_idle waits for */
    bool authenticated;
    bool sent_challenge;
    bool peer_stopccn; /* a StopCCN came in: linger to ack retransmissions (§5.7) */
    uint8_t challenge[L2TP_ENGINE_CHAL_LEN];
    uint8_t tie_breaker[L2TP_ENGINE_TB_LEN];

    char peer_host_name[128];
    char peer_vendor[64];
    uint16_t peer_rws;
    uint32_t peer_framing_cap, peer_bearer_cap;
    bool peer_has_bearer; /* §6.9: needed before we may send an OCRQ */

    lx_ms_t created_ms, established_ms, setup_deadline, hold_deadline;
    uint16_t close_result, close_error;
    char close_msg[128];
    bool close_local;

    struct l2tp_engine_htab sessions;
    struct l2tp_session *s_head;
    struct l2tp_session *setup_head, *setup_tail;
    unsigned n_sessions;

    uint64_t rx_ctrl, tx_ctrl;
    uint64_t rx_data_pkts, tx_data_pkts, rx_data_bytes, tx_data_bytes;
    void *user;
};

struct l2tp_engine {
    struct l2tp_engine_cfg cfg;
    const struct l2tp_engine_ops *ops;
    void *user;
    struct l2tp_engine_hkey hkey;

    struct l2tp_engine_htab by_lid, by_ptid;
    struct l2tp_tunnel *t_head;
    struct l2tp_tunnel *ho_head;
    unsigned n_halfopen, n_live, n_alloc;

    struct l2tp_tunnel **heap;
    size_t heap_len, heap_cap;

    unsigned depth; /* nesting of public calls: objects are freed at depth 0 */
    struct l2tp_tunnel *reap_t;
    struct l2tp_session *reap_s;
    struct l2tp_tunnel *dirty;

    bool shutting_down;
    lx_ms_t now; /* time of the call in progress, for channel callbacks */
    struct l2tp_engine_stats st;
    struct l2tp_tunnel_cfg refuse_cfg; /* for tunnels we only answer with StopCCN */

    uint8_t txbuf[L2TP_ENGINE_TXBUF];
    uint8_t databuf[L2TP_MAX_PACKET + 32];
    struct l2tp_msg msg; /* decode scratch: ~66 KB, never on the stack */
};

/* engine.c */
void l2tp_engine_enter(struct l2tp_engine *e);
void l2tp_engine_leave(struct l2tp_engine *e);
void l2tp_engine_touch(struct l2tp_tunnel *t);
void l2tp_engine_emit(struct l2tp_engine *e, struct l2tp_event *ev);
void l2tp_engine_link_tunnel(struct l2tp_engine *e, struct l2tp_tunnel *t);
void l2tp_engine_rehash_peer(struct l2tp_engine *e, struct l2tp_tunnel *t);
void l2tp_engine_unlink_tunnel(struct l2tp_engine *e, struct l2tp_tunnel *t);
void l2tp_engine_halfopen_del(struct l2tp_engine *e, struct l2tp_tunnel *t);
uint16_t l2tp_engine_new_tunnel_id(struct l2tp_engine *e);
bool l2tp_engine_ip_equal(const struct l2tp_addr *a, const struct l2tp_addr *b);
lx_ms_t l2tp_engine_tunnel_deadline(const struct l2tp_tunnel *t);

/* tunnel.c */
struct l2tp_tunnel *l2tp_tunnel_alloc(struct l2tp_engine *e, lx_ms_t now,
                                      const struct l2tp_tunnel_cfg *cfg,
                                      const struct l2tp_addr *local, const struct l2tp_addr *peer,
                                      bool initiator);
void l2tp_tunnel_destroy(struct l2tp_tunnel *t); /* final free (reaper) */
void l2tp_tunnel_release(struct l2tp_tunnel *t); /* unlink and queue for the reaper */
/* accept_tunnel refused it: only a StopCCN slot, not a tunnel (§7.2.1). */
void l2tp_tunnel_set_refused(struct l2tp_tunnel *t);
void l2tp_tunnel_timeout(struct l2tp_tunnel *t, lx_ms_t now);
void l2tp_tunnel_ctrl_input(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_hdr *h,
                            const uint8_t *body, size_t len);
int l2tp_tunnel_send_msg(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                         struct l2tp_msg_builder *b);
void l2tp_tunnel_mb_init(struct l2tp_tunnel *t, struct l2tp_msg_builder *b, uint16_t type);
void l2tp_tunnel_fsm_error(struct l2tp_tunnel *t, lx_ms_t now, const char *why);
bool l2tp_tunnel_tie_break(struct l2tp_engine *e, lx_ms_t now, const struct l2tp_addr *local,
                           const struct l2tp_addr *peer, const struct l2tp_msg *m,
                           struct l2tp_tunnel **morph);
void l2tp_tunnel_morph_to_responder(struct l2tp_tunnel *t, lx_ms_t now,
                                    const struct l2tp_addr *local, const struct l2tp_addr *peer);
uint32_t l2tp_tunnel_linger_ms(const struct l2tp_tunnel_cfg *cfg);

/* session.c */
void l2tp_session_handle_msg(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                             const struct l2tp_msg *m);
void l2tp_session_dec_error(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                            const struct l2tp_msg *m, const struct l2tp_dec_result *res);
void l2tp_session_tunnel_up(struct l2tp_tunnel *t, lx_ms_t now);
/* The tunnel is going: every session is dropped with SESSION_DOWN, no CDN. */
void l2tp_session_tunnel_down(struct l2tp_tunnel *t, bool local, uint16_t result, uint16_t error,
                              const char *msg);
void l2tp_session_setup_timeouts(struct l2tp_tunnel *t, lx_ms_t now);
void l2tp_session_destroy(struct l2tp_session *s);
void l2tp_session_data_input(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_hdr *h,
                             const uint8_t *pkt);

#endif
