/* RFC 2661 §5.8 and Appendix A: the reliable control channel of one tunnel.
 *
 * Sans-I/O: the caller hands in received control packets (already
 * header-decoded) and the time; the channel hands out packets to send,
 * in-order message bodies to process and timer deadlines, through the
 * callbacks below. It never touches a socket or a clock.
 *
 * It owns: Ns/Nr with wrap-safe comparison, the send window (peer's RWS,
 * slow start and congestion avoidance per Appendix A), a bounded queue of
 * messages waiting for window space, a reorder queue for in-window
 * out-of-order messages, duplicate detection (ack + drop), delayed ZLB
 * acknowledgements, retransmission with exponential backoff, and Hello on
 * idle. */
#ifndef L2TPX_L2TP_CTRL_H
#define L2TPX_L2TP_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/header.h"
#include "lib/clock.h"

struct l2tp_ctrl_cfg {
    uint16_t rws;            /* our receive window, advertised (default 16) */
    unsigned max_retries;    /* default 5 */
    uint32_t rto_initial_ms; /* default 1000 */
    uint32_t rto_max_ms;     /* default 8000 */
    uint32_t ack_delay_ms;   /* ZLB after this long without piggy-back (default 100) */
    uint32_t hello_ms;       /* Hello after this much idle time; 0 = never (default 60000) */
    unsigned max_queued;     /* messages waiting for window space (default 64) */
};

void l2tp_ctrl_cfg_defaults(struct l2tp_ctrl_cfg *cfg);

struct l2tp_ctrl_ops {
    /* A complete packet (header + body) to send to the peer. */
    void (*xmit)(void *user, const uint8_t *pkt, size_t len);
    /* The next in-order, non-duplicate message (body only, after the
     * header; session_id from its header). Called from l2tp_ctrl_input. */
    void (*deliver)(void *user, uint16_t session_id, const uint8_t *body, size_t len);
    /* A message went unacknowledged through max_retries retransmissions:
     * the peer is gone (§5.8: the tunnel must be cleaned up). Called once,
     * as the very last thing l2tp_ctrl_timeout does, so the callee may free
     * the channel. xmit and deliver must not free it nor call
     * l2tp_ctrl_input; deliver may call l2tp_ctrl_send (the reply then
     * piggy-backs the acknowledgement). */
    void (*dead)(void *user);
};

struct l2tp_ctrl; /* opaque; l2tp_ctrl_new allocates it */

struct l2tp_ctrl *l2tp_ctrl_new(const struct l2tp_ctrl_cfg *cfg, const struct l2tp_ctrl_ops *ops,
                                void *user);
void l2tp_ctrl_free(struct l2tp_ctrl *c);

/* The Tunnel ID to put in the headers we send (0 until the peer assigned
 * one: SCCRQ is sent to tunnel 0). */
void l2tp_ctrl_set_peer_tunnel_id(struct l2tp_ctrl *c, uint16_t tid);
/* Peer's advertised Receive Window Size (default 4 until told, §5.8). */
void l2tp_ctrl_set_peer_rws(struct l2tp_ctrl *c, uint16_t rws);

/* Addition: the first Ns we send and the first Nr we expect (§5.8 says both
 * begin at 0; tests use this to exercise the 16-bit wrap). Only before
 * anything was sent or received: returns 0, or -1 if too late. */
int l2tp_ctrl_set_initial_seq(struct l2tp_ctrl *c, uint16_t ns, uint16_t nr);

/* Addition: the tunnel layer calls this when a data message arrives, so
 * that Hello is sent only when nothing at all was received from the peer
 * for hello_ms (§6.5). Received control packets count by themselves. */
void l2tp_ctrl_note_rx_activity(struct l2tp_ctrl *c, lx_ms_t now);

/* Queues a message body for reliable delivery. It is sent now if the
 * window allows, otherwise when acknowledgements open it. Returns 0, or -1
 * if the queue is full or the channel is dead. */
int l2tp_ctrl_send(struct l2tp_ctrl *c, lx_ms_t now, uint16_t session_id, const uint8_t *body,
                   size_t len);

/* One received control packet for this tunnel. h->ns/nr are used;
 * body/len are the AVPs (len 0 for a ZLB). */
void l2tp_ctrl_input(struct l2tp_ctrl *c, lx_ms_t now, const struct l2tp_hdr *h,
                     const uint8_t *body, size_t len);

/* Earliest deadline (retransmit, delayed ack, hello) or LX_MS_NEVER. */
lx_ms_t l2tp_ctrl_next_timeout(const struct l2tp_ctrl *c);
void l2tp_ctrl_timeout(struct l2tp_ctrl *c, lx_ms_t now);

/* Sends any pending acknowledgement at once as a ZLB (used before the
 * tunnel is freed after StopCCN, §5.7). */
void l2tp_ctrl_flush_ack(struct l2tp_ctrl *c, lx_ms_t now);

/* Messages sent but not yet acknowledged, plus those waiting for window. */
unsigned l2tp_ctrl_outstanding(const struct l2tp_ctrl *c);
bool l2tp_ctrl_is_dead(const struct l2tp_ctrl *c);

struct l2tp_ctrl_stats {
    uint64_t tx_msgs, tx_retrans, tx_zlb, tx_hello;
    uint64_t rx_msgs, rx_zlb, rx_dup, rx_out_of_window, rx_reordered, rx_queue_full;
    uint16_t ns, nr; /* next Ns to send, next Nr expected */
    uint16_t cwnd, ssthresh, peer_rws;
    uint64_t rx_bad_nr; /* addition: Nr acknowledging messages never sent (ignored) */
};
void l2tp_ctrl_get_stats(const struct l2tp_ctrl *c, struct l2tp_ctrl_stats *st);

#endif
