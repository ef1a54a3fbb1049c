/* RFC 2661 §5.8 and Appendix A: the reliable control channel of one tunnel.
 *
 * Send side: a FIFO of messages. The oldest unacknowledged one is `head`;
 * `nxt` is the next one to put on the wire (a never-sent message, or after
 * a retransmission timeout an already-sent one: go-back-N, as TCP does
 * after an RTO). Ns is assigned when a message is first transmitted.
 * Messages between head and nxt are "in flight" and limited by
 * min(cwnd, peer RWS); since a new Ns is only used while fewer than
 * peer RWS messages are unacknowledged, we never exceed the peer's window.
 *
 * Receive side: Nr (rcv_nxt) is the next Ns we expect. In-window
 * out-of-order messages are held in a preallocated reorder ring (no
 * allocation is ever driven by peer input); duplicates are acknowledged
 * at once; in-order messages are acknowledged by piggy-back or by a ZLB
 * after ack_delay_ms. */
#include "l2tp/ctrl.h"

#include <stdlib.h>
#include <string.h>

#include "l2tp/l2tp.h"
#include "lib/log.h"

/* §5.8: a received Ns is "less than or equal" to the last one when it lies
 * within the preceding 32767 values, so a window larger than that could
 * not tell new messages from duplicates. */
#define CTRL_RWS_MAX          32767u
#define CTRL_PEER_RWS_DEFAULT 4u /* §5.8: assume 4 when the AVP is absent */
/* The reorder ring is allocated once in l2tp_ctrl_new: at most this many
 * slots of this many body bytes. An in-window message that does not fit
 * is dropped (rx_queue_full) and recovered by the peer's retransmission;
 * in-order messages never need a slot. */
#define CTRL_REORDER_SLOTS_MAX 64u
#define CTRL_REORDER_BODY_MAX  512u

struct ctrl_msg {
    struct ctrl_msg *next;
    uint16_t session_id;
    uint16_t ns;     /* valid once sent */
    bool sent;       /* transmitted at least once, i.e. owns an Ns */
    size_t body_len; /* pkt holds the 12-byte header, then the body */
    uint8_t pkt[];
};

struct ctrl_slot {
    bool used;
    uint16_t session_id;
    uint16_t len;
    uint8_t body[CTRL_REORDER_BODY_MAX];
};

struct l2tp_ctrl {
    struct l2tp_ctrl_cfg cfg;
    struct l2tp_ctrl_ops ops;
    void *user;
    uint16_t peer_tid;
    unsigned peer_rws;
    bool dead;
    bool started; /* something was sent or received */

    /* Send side. */
    struct ctrl_msg *head, *tail, *nxt;
    unsigned n_msgs;     /* in the FIFO */
    unsigned n_unsent;   /* never transmitted */
    unsigned n_inflight; /* from head up to (not including) nxt */
    uint16_t snd_una;    /* Ns of the oldest unacknowledged message */
    uint16_t snd_next;   /* Ns for the next new message */
    unsigned cwnd, ssthresh, ca_acks;
    bool congested; /* a retransmission timeout lowered ssthresh */
    uint32_t rto;
    unsigned retries;
    lx_ms_t rtx_at;

    /* Receive side. */
    uint16_t rcv_nxt;
    struct ctrl_slot *slots;
    unsigned nslots;
    unsigned slot_base; /* slot of Ns == rcv_nxt */
    bool ack_pending;
    lx_ms_t ack_at;

    /* Hello (§6.5). */
    bool idle_base_set;
    lx_ms_t last_rx;

    struct l2tp_ctrl_stats st;
};

void l2tp_ctrl_cfg_defaults(struct l2tp_ctrl_cfg *cfg)
{
    cfg->rws = 16;
    cfg->max_retries = 5;
    cfg->rto_initial_ms = 1000; /* §5.8: recommended default 1 s */
    cfg->rto_max_ms = 8000;     /* §5.8: a cap MUST be no less than 8 s */
    cfg->ack_delay_ms = 100;
    cfg->hello_ms = 60000; /* §6.5: recommended default 60 s */
    cfg->max_queued = 64;
}

struct l2tp_ctrl *l2tp_ctrl_new(const struct l2tp_ctrl_cfg *cfg, const struct l2tp_ctrl_ops *ops,
                                void *user)
{
    if (ops == NULL || ops->xmit == NULL || ops->deliver == NULL)
        return NULL;
    struct l2tp_ctrl *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    if (cfg != NULL)
        c->cfg = *cfg;
    else
        l2tp_ctrl_cfg_defaults(&c->cfg);
    /* §5.8: a Receive Window Size of 0 is invalid. */
    if (c->cfg.rws == 0)
        c->cfg.rws = 16;
    if (c->cfg.rws > CTRL_RWS_MAX)
        c->cfg.rws = CTRL_RWS_MAX;
    if (c->cfg.rto_initial_ms == 0)
        c->cfg.rto_initial_ms = 1000;
    if (c->cfg.rto_max_ms < c->cfg.rto_initial_ms)
        c->cfg.rto_max_ms = c->cfg.rto_initial_ms;

    c->nslots = c->cfg.rws < CTRL_REORDER_SLOTS_MAX ? c->cfg.rws : CTRL_REORDER_SLOTS_MAX;
    c->slots = calloc(c->nslots, sizeof *c->slots);
    if (c->slots == NULL) {
        free(c);
        return NULL;
    }
    c->ops = *ops;
    c->user = user;
    c->peer_rws = CTRL_PEER_RWS_DEFAULT;
    /* Appendix A: CWND starts at one packet, SSTHRESH at the advertised
     * window. */
    c->cwnd = 1;
    c->ssthresh = c->peer_rws;
    c->rto = c->cfg.rto_initial_ms;
    c->rtx_at = LX_MS_NEVER;
    return c;
}

static void ctrl_free_msgs(struct l2tp_ctrl *c)
{
    struct ctrl_msg *m = c->head;
    while (m != NULL) {
        struct ctrl_msg *n = m->next;
        free(m);
        m = n;
    }
    c->head = c->tail = c->nxt = NULL;
    c->n_msgs = c->n_unsent = c->n_inflight = 0;
}

void l2tp_ctrl_free(struct l2tp_ctrl *c)
{
    if (c == NULL)
        return;
    ctrl_free_msgs(c);
    free(c->slots);
    free(c);
}

void l2tp_ctrl_set_peer_tunnel_id(struct l2tp_ctrl *c, uint16_t tid)
{
    c->peer_tid = tid;
}

void l2tp_ctrl_set_peer_rws(struct l2tp_ctrl *c, uint16_t rws)
{
    /* §5.8: 0 is invalid; the caller should have rejected the AVP. Keep
     * what we have rather than stall the channel. */
    if (rws == 0) {
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp ctrl: tunnel %u: ignoring Receive Window Size 0",
                  c->peer_tid);
        return;
    }
    c->peer_rws = rws > CTRL_RWS_MAX ? CTRL_RWS_MAX : rws;
    /* Appendix A: SSTHRESH starts at the advertised window, and CWND never
     * exceeds it. */
    if (!c->congested || c->ssthresh > c->peer_rws)
        c->ssthresh = c->peer_rws;
    if (c->cwnd > c->peer_rws)
        c->cwnd = c->peer_rws;
}

int l2tp_ctrl_set_initial_seq(struct l2tp_ctrl *c, uint16_t ns, uint16_t nr)
{
    if (c->started || c->n_msgs > 0)
        return -1;
    c->snd_una = c->snd_next = ns;
    c->rcv_nxt = nr;
    return 0;
}

/* The idle time for Hello counts from the first thing that happens. */
static void ctrl_touch(struct l2tp_ctrl *c, lx_ms_t now)
{
    if (!c->idle_base_set) {
        c->idle_base_set = true;
        c->last_rx = now;
    }
}

void l2tp_ctrl_note_rx_activity(struct l2tp_ctrl *c, lx_ms_t now)
{
    /* §6.5: Hello only after hello_ms without any message, data or
     * control, from the peer. */
    c->idle_base_set = true;
    if (now > c->last_rx)
        c->last_rx = now;
}

static unsigned ctrl_window(const struct l2tp_ctrl *c)
{
    return c->cwnd < c->peer_rws ? c->cwnd : c->peer_rws;
}

static void ctrl_send_zlb(struct l2tp_ctrl *c)
{
    /* §5.8: a ZLB carries the next Ns without consuming it, and the
     * current Nr; it is tunnel-global, so Session ID 0. */
    uint8_t pkt[L2TP_CTRL_HDR_LEN];
    size_t n = l2tp_hdr_encode_ctrl(pkt, sizeof pkt, c->peer_tid, 0, c->snd_next, c->rcv_nxt, 0);
    c->ack_pending = false;
    c->started = true;
    c->st.tx_zlb++;
    c->ops.xmit(c->user, pkt, n);
}

/* Transmits as much as the window allows, retransmissions (after a
 * go-back) first since the FIFO is in Ns order. */
static void ctrl_pump(struct l2tp_ctrl *c, lx_ms_t now)
{
    while (!c->dead && c->nxt != NULL && c->n_inflight < ctrl_window(c)) {
        struct ctrl_msg *m = c->nxt;
        if (!m->sent) {
            m->sent = true;
            m->ns = c->snd_next++;
            c->n_unsent--;
            c->st.tx_msgs++;
        } else {
            c->st.tx_retrans++;
        }
        c->nxt = m->next;
        c->n_inflight++;
        if (c->rtx_at == LX_MS_NEVER)
            c->rtx_at = now + c->rto;
        /* §5.8: every (re)transmission carries the current Nr, so it
         * acknowledges everything received so far (piggy-back). */
        (void)l2tp_hdr_encode_ctrl(m->pkt, L2TP_CTRL_HDR_LEN, c->peer_tid, m->session_id, m->ns,
                                   c->rcv_nxt, m->body_len);
        c->ack_pending = false;
        c->started = true;
        c->ops.xmit(c->user, m->pkt, L2TP_CTRL_HDR_LEN + m->body_len);
    }
}

static int ctrl_enqueue(struct l2tp_ctrl *c, lx_ms_t now, uint16_t session_id, const uint8_t *body,
                        size_t len)
{
    if (c->dead || body == NULL || len == 0 || len > L2TP_MAX_PACKET - L2TP_CTRL_HDR_LEN)
        return -1;
    /* Bounded queue: a message that would have to wait for window space
     * is refused once max_queued are already waiting. */
    bool sends_now = c->nxt == NULL && c->n_inflight < ctrl_window(c);
    if (!sends_now && c->n_unsent >= c->cfg.max_queued)
        return -1;
    struct ctrl_msg *m = malloc(sizeof *m + L2TP_CTRL_HDR_LEN + len);
    if (m == NULL)
        return -1;
    m->next = NULL;
    m->session_id = session_id;
    m->ns = 0;
    m->sent = false;
    m->body_len = len;
    memcpy(m->pkt + L2TP_CTRL_HDR_LEN, body, len);
    if (c->tail != NULL)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    if (c->nxt == NULL)
        c->nxt = m;
    c->n_msgs++;
    c->n_unsent++;
    ctrl_pump(c, now);
    return 0;
}

int l2tp_ctrl_send(struct l2tp_ctrl *c, lx_ms_t now, uint16_t session_id, const uint8_t *body,
                   size_t len)
{
    if (c->dead)
        return -1;
    ctrl_touch(c, now);
    return ctrl_enqueue(c, now, session_id, body, len);
}

/* Appendix A: one acknowledged message grows CWND by one in slow start
 * (CWND < SSTHRESH), by 1/CWND in congestion avoidance; never past the
 * peer's window. */
static void ctrl_cwnd_ack(struct l2tp_ctrl *c)
{
    if (c->cwnd < c->ssthresh) {
        c->cwnd++;
        c->ca_acks = 0;
    } else if (++c->ca_acks >= c->cwnd) {
        c->cwnd++;
        c->ca_acks = 0;
    }
    if (c->cwnd > c->peer_rws)
        c->cwnd = c->peer_rws;
}

/* §5.8: Nr acknowledges every message with Ns < Nr. */
static void ctrl_process_nr(struct l2tp_ctrl *c, lx_ms_t now, uint16_t nr)
{
    uint16_t k = (uint16_t)(nr - c->snd_una);
    if (k == 0 || l2tp_seq_lt(nr, c->snd_una))
        return; /* nothing new, or an old Nr overtaken by reordering */
    uint16_t n_sent = (uint16_t)(c->snd_next - c->snd_una);
    if (k > n_sent) {
        c->st.rx_bad_nr++;
        LX_LOG_RL(LX_LOG_NOTICE,
                  "l2tp ctrl: tunnel %u: Nr %u acknowledges unsent messages (next Ns %u), ignored",
                  c->peer_tid, nr, c->snd_next);
        return;
    }
    for (uint16_t i = 0; i < k; i++) {
        struct ctrl_msg *m = c->head;
        if (c->nxt == m)
            c->nxt = m->next; /* acked past the go-back point */
        else
            c->n_inflight--;
        c->head = m->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->n_msgs--;
        free(m);
        ctrl_cwnd_ack(c);
    }
    c->snd_una = nr;
    /* Progress: the backoff starts over (§5.8), and the timer now guards
     * the new oldest message. */
    c->retries = 0;
    c->rto = c->cfg.rto_initial_ms;
    c->rtx_at = c->snd_una != c->snd_next ? now + c->rto : LX_MS_NEVER;
}

static void ctrl_want_ack(struct l2tp_ctrl *c, lx_ms_t when)
{
    if (!c->ack_pending || when < c->ack_at)
        c->ack_at = when;
    c->ack_pending = true;
}

static void ctrl_deliver_in_order(struct l2tp_ctrl *c, lx_ms_t now, uint16_t session_id,
                                  const uint8_t *body, size_t len)
{
    /* Nr moves before the upper layer sees the message, so a reply sent
     * from the deliver callback piggy-backs the acknowledgement. */
    c->rcv_nxt++;
    c->slot_base = (c->slot_base + 1) % c->nslots;
    c->st.rx_msgs++;
    ctrl_want_ack(c, now + c->cfg.ack_delay_ms);
    c->ops.deliver(c->user, session_id, body, len);

    /* §5.8: queued messages are delivered once the gap is filled. */
    while (!c->dead && c->slots[c->slot_base].used) {
        struct ctrl_slot *s = &c->slots[c->slot_base];
        s->used = false;
        c->rcv_nxt++;
        c->slot_base = (c->slot_base + 1) % c->nslots;
        c->st.rx_msgs++;
        c->ops.deliver(c->user, s->session_id, s->body, s->len);
    }
}

static void ctrl_process_ns(struct l2tp_ctrl *c, lx_ms_t now, uint16_t ns, uint16_t session_id,
                            const uint8_t *body, size_t len)
{
    uint16_t d = (uint16_t)(ns - c->rcv_nxt);
    if (l2tp_seq_lt(ns, c->rcv_nxt)) {
        /* §5.8: a duplicate is not processed again but MUST be
         * acknowledged (our earlier ack may have been lost). */
        c->st.rx_dup++;
        ctrl_want_ack(c, now);
    } else if (d >= c->cfg.rws) {
        /* The peer overran the window we advertised. */
        c->st.rx_out_of_window++;
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp ctrl: tunnel %u: Ns %u outside window [%u, +%u), dropped",
                  c->peer_tid, ns, c->rcv_nxt, c->cfg.rws);
    } else if (d == 0) {
        ctrl_deliver_in_order(c, now, session_id, body, len);
    } else if (d >= c->nslots || len > CTRL_REORDER_BODY_MAX) {
        /* §5.8 allows discarding out-of-order messages; the peer
         * retransmits them. */
        c->st.rx_queue_full++;
    } else {
        struct ctrl_slot *s = &c->slots[(c->slot_base + d) % c->nslots];
        if (s->used) {
            c->st.rx_dup++;
            return;
        }
        s->used = true;
        s->session_id = session_id;
        s->len = (uint16_t)len;
        memcpy(s->body, body, len);
        c->st.rx_reordered++;
    }
}

void l2tp_ctrl_input(struct l2tp_ctrl *c, lx_ms_t now, const struct l2tp_hdr *h,
                     const uint8_t *body, size_t len)
{
    if (c->dead || !h->is_ctrl || !h->has_seq || (len > 0 && body == NULL))
        return;
    c->started = true;
    /* §6.5: any message from the peer is proof of life. */
    l2tp_ctrl_note_rx_activity(c, now);

    /* §5.8: the Nr of every message, ZLB or not, flushes our retransmit
     * queue; a ZLB's Ns does not move our Nr. */
    ctrl_process_nr(c, now, h->nr);
    if (len == 0)
        c->st.rx_zlb++;
    else
        ctrl_process_ns(c, now, h->ns, h->session_id, body, len);

    /* Acks may have opened the window; whatever goes out now carries the
     * acknowledgement. Otherwise an immediate ack (duplicate, or no ack
     * delay) goes out as a ZLB. */
    ctrl_pump(c, now);
    if (!c->dead && c->ack_pending && c->ack_at <= now)
        ctrl_send_zlb(c);
}

static lx_ms_t ctrl_hello_at(const struct l2tp_ctrl *c)
{
    /* §6.5: Hello only when idle, and only with nothing in the queue (an
     * outstanding message already probes the peer). */
    if (c->dead || c->cfg.hello_ms == 0 || !c->idle_base_set || c->n_msgs > 0)
        return LX_MS_NEVER;
    return c->last_rx + c->cfg.hello_ms;
}

lx_ms_t l2tp_ctrl_next_timeout(const struct l2tp_ctrl *c)
{
    if (c->dead)
        return LX_MS_NEVER;
    lx_ms_t t = c->rtx_at;
    if (c->ack_pending)
        t = lx_ms_min(t, c->ack_at);
    return lx_ms_min(t, ctrl_hello_at(c));
}

void l2tp_ctrl_timeout(struct l2tp_ctrl *c, lx_ms_t now)
{
    if (c->dead)
        return;
    ctrl_touch(c, now);

    if (c->rtx_at != LX_MS_NEVER && now >= c->rtx_at) {
        if (c->retries >= c->cfg.max_retries) {
            /* §5.8: no response after max_retries retransmissions: the
             * tunnel and all its sessions MUST be cleared. */
            c->dead = true;
            c->rtx_at = LX_MS_NEVER;
            c->ack_pending = false;
            ctrl_free_msgs(c);
            lx_info("l2tp ctrl: tunnel %u: no acknowledgement after %u retransmissions",
                    c->peer_tid, c->cfg.max_retries);
            if (c->ops.dead != NULL)
                c->ops.dead(c->user); /* last: the callee may free c */
            return;
        }
        c->retries++;
        /* Appendix A: a retransmission means congestion: half of CWND is
         * saved in SSTHRESH and CWND restarts at one. */
        c->ssthresh = c->cwnd / 2 > 1 ? c->cwnd / 2 : 1;
        c->cwnd = 1;
        c->ca_acks = 0;
        c->congested = true;
        /* §5.8: exponential backoff (1, 2, 4, 8 s ...), capped. */
        c->rto = c->rto > c->cfg.rto_max_ms / 2 ? c->cfg.rto_max_ms : c->rto * 2;
        c->rtx_at = now + c->rto;
        /* Go back to the oldest unacknowledged message. */
        c->nxt = c->head;
        c->n_inflight = 0;
        ctrl_pump(c, now);
    }

    if (c->ack_pending && now >= c->ack_at)
        ctrl_send_zlb(c);

    if (now >= ctrl_hello_at(c)) {
        /* §6.5: Message Type AVP (M bit, length 8, vendor 0, type 0) with
         * value HELLO; Session ID 0. It travels the reliable path. */
        static const uint8_t hello[8] = {0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, L2TP_MSG_HELLO};
        if (ctrl_enqueue(c, now, 0, hello, sizeof hello) == 0)
            c->st.tx_hello++;
    }
}

void l2tp_ctrl_flush_ack(struct l2tp_ctrl *c, lx_ms_t now)
{
    if (c->dead)
        return;
    ctrl_touch(c, now);
    if (c->ack_pending)
        ctrl_send_zlb(c);
}

unsigned l2tp_ctrl_outstanding(const struct l2tp_ctrl *c)
{
    return c->n_msgs;
}

bool l2tp_ctrl_is_dead(const struct l2tp_ctrl *c)
{
    return c->dead;
}

void l2tp_ctrl_get_stats(const struct l2tp_ctrl *c, struct l2tp_ctrl_stats *st)
{
    *st = c->st;
    st->ns = c->snd_next;
    st->nr = c->rcv_nxt;
    st->cwnd = (uint16_t)c->cwnd;
    st->ssthresh = (uint16_t)c->ssthresh;
    st->peer_rws = (uint16_t)c->peer_rws;
}
