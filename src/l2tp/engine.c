/* The L2TPv2 control plane as one sans-I/O object (engine.h): datagram
 * dispatch, limits on unauthenticated state, timers and statistics.
 * The control-connection FSM lives in tunnel.c, the call FSMs and data
 * messages in session.c. */
#include <stdlib.h>
#include <string.h>

#include "l2tp/tunnel_priv.h"
#include "lib/log.h"
#include "lib/rand.h"

void l2tp_engine_cfg_defaults(struct l2tp_engine_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_tunnels = 4096;
    cfg->max_halfopen = 256;
    cfg->max_halfopen_per_peer = 8;
    cfg->session_setup_timeout_ms = 30000;
    cfg->tunnel_setup_timeout_ms = 30000;
}

/* ---- Timer heap: one entry per tunnel, keyed on its earliest deadline ---- */

static bool heap_less(const struct l2tp_engine *e, size_t a, size_t b)
{
    return e->heap[a]->deadline < e->heap[b]->deadline;
}

static void heap_swap(struct l2tp_engine *e, size_t a, size_t b)
{
    struct l2tp_tunnel *t = e->heap[a];
    e->heap[a] = e->heap[b];
    e->heap[b] = t;
    e->heap[a]->heap_idx = a;
    e->heap[b]->heap_idx = b;
}

static void heap_up(struct l2tp_engine *e, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(e, i, p))
            break;
        heap_swap(e, i, p);
        i = p;
    }
}

static void heap_down(struct l2tp_engine *e, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->heap_len && heap_less(e, l, m))
            m = l;
        if (r < e->heap_len && heap_less(e, r, m))
            m = r;
        if (m == i)
            break;
        heap_swap(e, i, m);
        i = m;
    }
}

static void heap_remove(struct l2tp_engine *e, struct l2tp_tunnel *t)
{
    size_t i = t->heap_idx;
    if (i == SIZE_MAX)
        return;
    t->heap_idx = SIZE_MAX;
    e->heap_len--;
    if (i == e->heap_len)
        return;
    e->heap[i] = e->heap[e->heap_len];
    e->heap[i]->heap_idx = i;
    heap_up(e, i);
    heap_down(e, e->heap[i]->heap_idx);
}

static void heap_set(struct l2tp_engine *e, struct l2tp_tunnel *t, lx_ms_t deadline)
{
    t->deadline = deadline;
    if (deadline == LX_MS_NEVER) {
        heap_remove(e, t);
        return;
    }
    if (t->heap_idx == SIZE_MAX) {
        if (e->heap_len == e->heap_cap) {
            size_t cap = e->heap_cap ? e->heap_cap * 2 : 64;
            struct l2tp_tunnel **h = realloc(e->heap, cap * sizeof(*h));
            if (h == NULL) {
                /* Cannot happen in practice (the heap holds at most
                 * max_tunnels entries); the tunnel is still served by
                 * the next dirty pass. */
                lx_err("l2tp: out of memory growing the timer heap");
                return;
            }
            e->heap = h;
            e->heap_cap = cap;
        }
        t->heap_idx = e->heap_len;
        e->heap[e->heap_len++] = t;
        heap_up(e, t->heap_idx);
        return;
    }
    heap_up(e, t->heap_idx);
    heap_down(e, t->heap_idx);
}

lx_ms_t l2tp_engine_tunnel_deadline(const struct l2tp_tunnel *t)
{
    if (t->down)
        return t->hold_deadline; /* lingering after StopCCN (§5.7) */
    lx_ms_t d = t->ctrl ? l2tp_ctrl_next_timeout(t->ctrl) : LX_MS_NEVER;
    if (t->state == L2TP_TUNNEL_CLOSING)
        d = lx_ms_min(d, t->hold_deadline);
    else if (t->in_halfopen)
        d = lx_ms_min(d, t->setup_deadline);
    if (t->setup_head)
        d = lx_ms_min(d, t->setup_head->setup_deadline);
    return d;
}

/* ---- Re-entrancy: the user may call back into the engine from its
 * callbacks, so objects are only unlinked while calls are nested and are
 * freed when the outermost call returns. ---- */

void l2tp_engine_touch(struct l2tp_tunnel *t)
{
    if (t->dirty || t->reaped)
        return;
    t->dirty = true;
    t->dirty_next = t->e->dirty;
    t->e->dirty = t;
}

void l2tp_engine_enter(struct l2tp_engine *e)
{
    e->depth++;
}

static void engine_reap(struct l2tp_engine *e)
{
    while (e->dirty) {
        struct l2tp_tunnel *t = e->dirty;
        e->dirty = t->dirty_next;
        t->dirty = false;
        if (!t->reaped)
            heap_set(e, t, l2tp_engine_tunnel_deadline(t));
    }
    while (e->reap_s) {
        struct l2tp_session *s = e->reap_s;
        e->reap_s = s->reap_next;
        l2tp_session_destroy(s);
    }
    while (e->reap_t) {
        struct l2tp_tunnel *t = e->reap_t;
        e->reap_t = t->reap_next;
        l2tp_tunnel_destroy(t);
    }
}

void l2tp_engine_leave(struct l2tp_engine *e)
{
    if (--e->depth == 0)
        engine_reap(e);
}

void l2tp_engine_emit(struct l2tp_engine *e, struct l2tp_event *ev)
{
    if (e->ops->event)
        e->ops->event(e->user, ev);
}

/* ---- Tunnel tables ---- */

bool l2tp_engine_ip_equal(const struct l2tp_addr *a, const struct l2tp_addr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return false;
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
    if (a->sa.sa_family == AF_INET6)
        return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0;
    return false;
}

/* Hash of (peer address, peer port, tunnel ID). */
static uint32_t peer_hash(const struct l2tp_engine *e, const struct l2tp_addr *a, uint16_t tid)
{
    uint8_t k[24];
    size_t n = 0;
    k[n++] = (uint8_t)a->sa.sa_family;
    k[n++] = (uint8_t)(tid >> 8);
    k[n++] = (uint8_t)tid;
    if (a->sa.sa_family == AF_INET6) {
        memcpy(k + n, &a->in6.sin6_port, 2);
        n += 2;
        memcpy(k + n, &a->in6.sin6_addr, 16);
        n += 16;
    } else {
        memcpy(k + n, &a->in4.sin_port, 2);
        n += 2;
        memcpy(k + n, &a->in4.sin_addr, 4);
        n += 4;
    }
    return l2tp_engine_hash(&e->hkey, k, n);
}

static uint32_t lid_hash(const struct l2tp_engine *e, uint16_t tid)
{
    return l2tp_engine_hash_id(&e->hkey, tid);
}

#define T_OF(node, member) \
    ((struct l2tp_tunnel *)((char *)(node)-offsetof(struct l2tp_tunnel, member)))

static struct l2tp_tunnel *find_lid(const struct l2tp_engine *e, uint16_t tid)
{
    uint32_t h = lid_hash(e, tid);
    for (struct l2tp_engine_hnode *n = l2tp_engine_htab_first(&e->by_lid, h); n;
         n = l2tp_engine_htab_next(n, h)) {
        struct l2tp_tunnel *t = T_OF(n, n_lid);
        if (t->local_id == tid)
            return t;
    }
    return NULL;
}

/* The tunnel a datagram is for: our Tunnel ID in its header, and the
 * peer's address and port must match the tunnel's (RFC 2661 §8.1). Local
 * IDs are unique, so this is one lookup by ID and a compare. */
static struct l2tp_tunnel *find_peer(const struct l2tp_engine *e, const struct l2tp_addr *peer,
                                     uint16_t tid)
{
    struct l2tp_tunnel *t = find_lid(e, tid);
    return t && l2tp_addr_equal(&t->peer, peer) ? t : NULL;
}

static struct l2tp_tunnel *find_ptid(const struct l2tp_engine *e, const struct l2tp_addr *peer,
                                     uint16_t ptid)
{
    uint32_t h = peer_hash(e, peer, ptid);
    for (struct l2tp_engine_hnode *n = l2tp_engine_htab_first(&e->by_ptid, h); n;
         n = l2tp_engine_htab_next(n, h)) {
        struct l2tp_tunnel *t = T_OF(n, n_ptid);
        /* A tunnel that is closing or only lingering to acknowledge a
         * StopCCN (§5.7) is not the SCCRQ's: a peer that hangs up and
         * dials again may draw the same random Assigned Tunnel ID while we
         * still hold the old one, and its new SCCRQ must open a tunnel,
         * not be acknowledged as a duplicate of the old one's. */
        if (t->down || t->state >= L2TP_TUNNEL_CLOSING)
            continue;
        if (t->peer_id == ptid && l2tp_addr_equal(&t->peer, peer))
            return t;
    }
    return NULL;
}

uint16_t l2tp_engine_new_tunnel_id(struct l2tp_engine *e)
{
    /* RFC 2661 §5.3: 0 is never assigned. Random IDs make blind injection
     * into a tunnel harder; fall back to a scan when the space is dense. */
    for (int i = 0; i < 64; i++) {
        uint16_t id = lx_random_u16();
        if (id != 0 && find_lid(e, id) == NULL)
            return id;
    }
    uint16_t start = lx_random_u16();
    for (uint32_t i = 0; i < 65536; i++) {
        uint16_t id = (uint16_t)(start + i);
        if (id != 0 && find_lid(e, id) == NULL)
            return id;
    }
    return 0;
}

void l2tp_engine_link_tunnel(struct l2tp_engine *e, struct l2tp_tunnel *t)
{
    t->next = e->t_head;
    t->prev = NULL;
    if (e->t_head)
        e->t_head->prev = t;
    e->t_head = t;
    l2tp_engine_htab_insert(&e->by_lid, &t->n_lid, lid_hash(e, t->local_id));
    if (!t->initiator && t->peer_id)
        l2tp_engine_htab_insert(&e->by_ptid, &t->n_ptid, peer_hash(e, &t->peer, t->peer_id));
    t->in_halfopen = true;
    t->ho_prev = NULL;
    t->ho_next = e->ho_head;
    if (e->ho_head)
        e->ho_head->ho_prev = t;
    e->ho_head = t;
    e->n_halfopen++;
    e->n_alloc++;
}

/* Re-inserts a tunnel after its local ID, peer address or peer ID changed. */
void l2tp_engine_rehash_peer(struct l2tp_engine *e, struct l2tp_tunnel *t)
{
    l2tp_engine_htab_remove(&e->by_lid, &t->n_lid);
    l2tp_engine_htab_remove(&e->by_ptid, &t->n_ptid);
    l2tp_engine_htab_insert(&e->by_lid, &t->n_lid, lid_hash(e, t->local_id));
    if (!t->initiator && t->peer_id)
        l2tp_engine_htab_insert(&e->by_ptid, &t->n_ptid, peer_hash(e, &t->peer, t->peer_id));
}

void l2tp_engine_halfopen_del(struct l2tp_engine *e, struct l2tp_tunnel *t)
{
    if (!t->in_halfopen)
        return;
    if (t->ho_prev)
        t->ho_prev->ho_next = t->ho_next;
    else
        e->ho_head = t->ho_next;
    if (t->ho_next)
        t->ho_next->ho_prev = t->ho_prev;
    t->ho_next = t->ho_prev = NULL;
    t->in_halfopen = false;
    e->n_halfopen--;
}

void l2tp_engine_unlink_tunnel(struct l2tp_engine *e, struct l2tp_tunnel *t)
{
    l2tp_engine_halfopen_del(e, t);
    l2tp_engine_htab_remove(&e->by_lid, &t->n_lid);
    l2tp_engine_htab_remove(&e->by_ptid, &t->n_ptid);
    if (t->prev)
        t->prev->next = t->next;
    else if (e->t_head == t)
        e->t_head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
    heap_remove(e, t);
    e->n_alloc--;
}

/* ---- Engine object ---- */

struct l2tp_engine *l2tp_engine_new(const struct l2tp_engine_cfg *cfg,
                                    const struct l2tp_engine_ops *ops, void *user)
{
    struct l2tp_engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    if (cfg)
        e->cfg = *cfg;
    else
        l2tp_engine_cfg_defaults(&e->cfg);
    e->ops = ops;
    e->user = user;
    lx_random_bytes(&e->hkey, sizeof(e->hkey));
    if (l2tp_engine_htab_init(&e->by_lid, 64) || l2tp_engine_htab_init(&e->by_ptid, 64)) {
        l2tp_engine_free(e);
        return NULL;
    }
    l2tp_tunnel_cfg_defaults(&e->refuse_cfg);
    return e;
}

void l2tp_engine_free(struct l2tp_engine *e)
{
    if (e == NULL)
        return;
    /* No events: the owner is going away. */
    e->depth++;
    while (e->t_head)
        l2tp_tunnel_release(e->t_head);
    e->depth--;
    engine_reap(e);
    l2tp_engine_htab_fini(&e->by_lid);
    l2tp_engine_htab_fini(&e->by_ptid);
    free(e->heap);
    free(e);
}

/* ---- Datagram dispatch ---- */

static unsigned halfopen_from(const struct l2tp_engine *e, const struct l2tp_addr *peer)
{
    unsigned n = 0;
    for (const struct l2tp_tunnel *t = e->ho_head; t; t = t->ho_next)
        if (l2tp_engine_ip_equal(&t->peer, peer))
            n++;
    return n;
}

static bool dec_ok(enum l2tp_dec_status st)
{
    return st == L2TP_DEC_OK || st == L2TP_DEC_DUPLICATE_AVP;
}

/* A control message to Tunnel ID 0: only an SCCRQ may open a tunnel
 * (RFC 2661 §5.3: "the Tunnel ID MUST be sent as 0 and the Assigned
 * Tunnel ID AVP used to identify the tunnel"). Everything here runs on
 * unauthenticated input, so nothing is allocated beyond the caps. */
static void input_tunnel_zero(struct l2tp_engine *e, lx_ms_t now, const struct l2tp_addr *local,
                              const struct l2tp_addr *peer, const struct l2tp_hdr *h,
                              const uint8_t *body, size_t blen)
{
    char pa[64];
    /* An SCCRQ is the first message of its connection: Ns 0, Session 0. */
    if (blen == 0 || h->ns != 0 || h->session_id != 0) {
        e->st.rx_unknown_tunnel++;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: control message for tunnel 0 (ns %u), dropped",
                  l2tp_addr_str(peer, pa, sizeof(pa)), (unsigned)h->ns);
        return;
    }

    struct l2tp_msg *m = &e->msg;
    struct l2tp_dec_result res;
    enum l2tp_dec_status st = l2tp_msg_decode(m, body, blen, 0, NULL, 0, &res);
    if (st == L2TP_DEC_BAD_FIRST_AVP || st == L2TP_DEC_UNKNOWN_MSG_TYPE ||
        m->type != L2TP_MSG_SCCRQ) {
        e->st.rx_unknown_tunnel++;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: %s for tunnel 0 (%s), dropped",
                  l2tp_addr_str(peer, pa, sizeof(pa)), l2tp_msg_type_name(m->type),
                  l2tp_dec_status_str(st));
        return;
    }
    uint16_t ptid = 0;
    if (!l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &ptid) || ptid == 0) {
        if (st == L2TP_DEC_HIDDEN_NO_SECRET) {
            /* The Assigned Tunnel ID may be hidden (§4.4.3): we need
             * the secret of the config that would answer this peer. */
        } else {
            e->st.rx_bad_avp++;
            LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: SCCRQ without Assigned Tunnel ID (%s), dropped",
                      l2tp_addr_str(peer, pa, sizeof(pa)), l2tp_dec_status_str(st));
            return;
        }
    }

    /* A retransmitted SCCRQ (our SCCRP was lost): same peer, same
     * Assigned Tunnel ID. Its control channel acknowledges the duplicate
     * (§5.8). */
    struct l2tp_tunnel *t = ptid ? find_ptid(e, peer, ptid) : NULL;
    if (t) {
        l2tp_tunnel_ctrl_input(t, now, h, body, blen);
        return;
    }
    if (e->shutting_down) {
        e->st.rx_tunnel_limit++;
        return;
    }

    char host[128] = "";
    const struct l2tp_tunnel_cfg *cfg = NULL;
    bool asked = false;
    if (st == L2TP_DEC_HIDDEN_NO_SECRET) {
        l2tp_msg_str(m, L2TP_AVP_HOST_NAME, host, sizeof(host));
        cfg = e->ops->accept_tunnel ? e->ops->accept_tunnel(e->user, local, peer, host) : NULL;
        asked = true;
        if (cfg && cfg->secret_len)
            st = l2tp_msg_decode(m, body, blen, 0, cfg->secret, cfg->secret_len, &res);
        if (!l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &ptid) || ptid == 0) {
            e->st.rx_bad_avp++;
            LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: SCCRQ with hidden AVPs we cannot reveal, dropped",
                      l2tp_addr_str(peer, pa, sizeof(pa)));
            return;
        }
        t = find_ptid(e, peer, ptid);
        if (t) {
            l2tp_tunnel_ctrl_input(t, now, h, body, blen);
            return;
        }
    }

    /* RFC 2661 §4.4.3 Tie Breaker: we may have an SCCRQ outstanding to
     * this peer. */
    if (dec_ok(st)) {
        struct l2tp_tunnel *morph = NULL;
        if (l2tp_tunnel_tie_break(e, now, local, peer, m, &morph))
            return;
        if (morph) {
            l2tp_tunnel_morph_to_responder(morph, now, local, peer);
            if (morph->reaped)
                return;
            morph->peer_id = ptid;
            l2tp_ctrl_set_peer_tunnel_id(morph->ctrl, ptid);
            l2tp_engine_rehash_peer(e, morph);
            l2tp_tunnel_ctrl_input(morph, now, h, body, blen);
            return;
        }
    }

    /* Caps on state created by unauthenticated peers. */
    if (e->n_alloc >= e->cfg.max_tunnels) {
        e->st.rx_tunnel_limit++;
        LX_LOG_RL(LX_LOG_WARN, "l2tp: %s: SCCRQ refused, tunnel limit %u reached",
                  l2tp_addr_str(peer, pa, sizeof(pa)), e->cfg.max_tunnels);
        return;
    }
    if (e->n_halfopen >= e->cfg.max_halfopen ||
        halfopen_from(e, peer) >= e->cfg.max_halfopen_per_peer) {
        e->st.rx_halfopen_refused++;
        LX_LOG_RL(LX_LOG_WARN, "l2tp: %s: SCCRQ refused, too many half-open tunnels",
                  l2tp_addr_str(peer, pa, sizeof(pa)));
        return;
    }

    if (!asked && dec_ok(st)) {
        l2tp_msg_str(m, L2TP_AVP_HOST_NAME, host, sizeof(host));
        cfg = e->ops->accept_tunnel ? e->ops->accept_tunnel(e->user, local, peer, host) : NULL;
    }
    bool refused = cfg == NULL;
    t = l2tp_tunnel_alloc(e, now, refused ? &e->refuse_cfg : cfg, local, peer, false);
    if (t == NULL) {
        e->st.rx_tunnel_limit++;
        return;
    }
    if (refused && dec_ok(st)) {
        e->st.rx_auth_failed++;
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp: %s: SCCRQ from \"%s\" not accepted",
                  l2tp_addr_str(peer, pa, sizeof(pa)), host);
    }
    if (refused)
        l2tp_tunnel_set_refused(t);
    /* A recipient's tunnel gets events (and TUNNEL_DOWN) only from
     * TUNNEL_UP on: a flood of half-open tunnels makes no event noise. */
    t->visible = false;
    t->peer_id = ptid;
    l2tp_ctrl_set_peer_tunnel_id(t->ctrl, ptid);
    l2tp_engine_rehash_peer(e, t);
    /* Through the channel, so that Nr acknowledges the SCCRQ; the FSM
     * sees it from the channel's deliver callback. */
    l2tp_tunnel_ctrl_input(t, now, h, body, blen);
}

void l2tp_engine_input(struct l2tp_engine *e, lx_ms_t now, const struct l2tp_addr *local,
                       const struct l2tp_addr *peer, const uint8_t *pkt, size_t len)
{
    struct l2tp_hdr h;
    char pa[64];

    l2tp_engine_enter(e);
    e->st.rx_datagrams++;
    enum l2tp_hdr_status hs = l2tp_hdr_decode(pkt, len, &h);
    if (hs != L2TP_HDR_OK) {
        /* RFC 2661 §3.1: unknown versions (L2F, L2TPv3) are discarded
         * silently; malformed headers likewise (§7.1). */
        if (hs == L2TP_HDR_ERR_VERSION)
            e->st.rx_bad_version++;
        else
            e->st.rx_bad_header++;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: %s, dropped", l2tp_addr_str(peer, pa, sizeof(pa)),
                  l2tp_hdr_status_str(hs));
        goto out;
    }

    if (h.is_ctrl && h.tunnel_id == 0) {
        input_tunnel_zero(e, now, local, peer, &h, pkt + h.payload_off, h.payload_len);
        goto out;
    }

    struct l2tp_tunnel *t = find_peer(e, peer, h.tunnel_id);
    if (t == NULL && h.is_ctrl && h.ns == 0) {
        /* RFC 2661 §8.1: the recipient of our SCCRQ may answer from a
         * port of its choosing; the first reply fixes the peer port. */
        struct l2tp_tunnel *c = find_lid(e, h.tunnel_id);
        if (c && !c->down && c->initiator && c->state == L2TP_TUNNEL_WAIT_CTL_REPLY &&
            l2tp_engine_ip_equal(&c->peer, peer)) {
            c->peer = *peer;
            l2tp_engine_rehash_peer(e, c);
            t = c;
        }
    }
    if (t == NULL) {
        /* No StopCCN back: the datagram is unauthenticated and the
         * address may be forged, so an answer would be a reflection
         * vector; the RFC asks for none. Counted and dropped. */
        e->st.rx_unknown_tunnel++;
        if (!h.is_ctrl)
            e->st.rx_data_dropped++;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: %s: %s message for unknown tunnel %u, dropped",
                  l2tp_addr_str(peer, pa, sizeof(pa)), h.is_ctrl ? "control" : "data",
                  (unsigned)h.tunnel_id);
        goto out;
    }

    if (h.is_ctrl)
        l2tp_tunnel_ctrl_input(t, now, &h, pkt + h.payload_off, h.payload_len);
    else
        l2tp_session_data_input(t, now, &h, pkt);
out:
    l2tp_engine_leave(e);
}

lx_ms_t l2tp_engine_next_timeout(const struct l2tp_engine *e)
{
    return e->heap_len ? e->heap[0]->deadline : LX_MS_NEVER;
}

void l2tp_engine_timeout(struct l2tp_engine *e, lx_ms_t now)
{
    l2tp_engine_enter(e);
    /* Each tunnel is served at most a few times per call even if one of
     * its timers misbehaves, so this loop always ends. */
    size_t budget = e->heap_len * 4 + 16;
    while (e->heap_len && e->heap[0]->deadline <= now && budget--) {
        struct l2tp_tunnel *t = e->heap[0];
        l2tp_tunnel_timeout(t, now);
        if (!t->reaped) {
            lx_ms_t d = l2tp_engine_tunnel_deadline(t);
            heap_set(e, t, d <= now ? now + 1 : d);
        }
    }
    l2tp_engine_leave(e);
}

void l2tp_engine_shutdown(struct l2tp_engine *e, lx_ms_t now)
{
    l2tp_engine_enter(e);
    e->shutting_down = true;
    /* RFC 2661 §4.4.2: Result Code 6, "requester is being shut down".
     * Restart from the head after each close: callbacks may change the
     * list, and a closed tunnel is never picked twice. */
    for (;;) {
        struct l2tp_tunnel *t = e->t_head;
        while (t && (t->down || t->state == L2TP_TUNNEL_CLOSING || t->state == L2TP_TUNNEL_CLOSED))
            t = t->next;
        if (t == NULL)
            break;
        l2tp_tunnel_close(e, now, t, L2TP_STOPCCN_SHUTTING_DOWN, 0, "shutting down");
    }
    l2tp_engine_leave(e);
}

bool l2tp_engine_idle(const struct l2tp_engine *e)
{
    return e->n_live == 0;
}

struct l2tp_tunnel *l2tp_engine_find_tunnel(const struct l2tp_engine *e, uint16_t local_id)
{
    struct l2tp_tunnel *t = find_lid(e, local_id);
    return t && !t->down && !t->refused ? t : NULL;
}

void l2tp_engine_foreach_tunnel(struct l2tp_engine *e, bool (*fn)(void *arg, struct l2tp_tunnel *t),
                                void *arg)
{
    for (struct l2tp_tunnel *t = e->t_head, *next; t; t = next) {
        next = t->next;
        if (t->down || t->refused)
            continue;
        if (!fn(arg, t))
            break;
    }
}

void l2tp_engine_get_stats(const struct l2tp_engine *e, struct l2tp_engine_stats *st)
{
    *st = e->st;
    st->tunnels = e->n_live;
    st->halfopen = e->n_halfopen;
}
