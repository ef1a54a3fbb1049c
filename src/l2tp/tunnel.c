/* RFC 2661 §7.2: the control connection state machine of one tunnel, as
 * initiator and as recipient; tunnel authentication (§4.4.3 Challenge /
 * Challenge Response, §5.1.1), the Tie Breaker (§4.4.3) and teardown
 * (§5.7 StopCCN). Reliable delivery is the l2tp_ctrl channel's job. */
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/tunnel_priv.h"
#include "lib/log.h"
#include "lib/rand.h"

void l2tp_tunnel_cfg_defaults(struct l2tp_tunnel_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->host_name, sizeof(cfg->host_name), "%s", "l2tpx");
    cfg->rws = 16;
    cfg->max_retries = 5;
    cfg->rto_initial_ms = 1000;
    cfg->rto_max_ms = 8000;
    cfg->hello_ms = 60000;
    cfg->framing_cap = L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC;
    cfg->bearer_cap = 0;
    cfg->max_sessions = 65535;
}

const char *l2tp_tunnel_state_str(enum l2tp_tunnel_state st)
{
    switch (st) {
    case L2TP_TUNNEL_IDLE:
        return "idle";
    case L2TP_TUNNEL_WAIT_CTL_REPLY:
        return "wait-ctl-reply";
    case L2TP_TUNNEL_WAIT_CTL_CONN:
        return "wait-ctl-conn";
    case L2TP_TUNNEL_ESTABLISHED:
        return "established";
    case L2TP_TUNNEL_CLOSING:
        return "closing";
    case L2TP_TUNNEL_CLOSED:
        return "closed";
    }
    return "?";
}

/* RFC 2661 §5.7: a full retransmission cycle, the time to keep state
 * after a StopCCN (31 s with the defaults, as the RFC recommends). */
uint32_t l2tp_tunnel_linger_ms(const struct l2tp_tunnel_cfg *cfg)
{
    uint64_t rto = cfg->rto_initial_ms ? cfg->rto_initial_ms : 1000;
    uint64_t max = cfg->rto_max_ms ? cfg->rto_max_ms : 8000;
    unsigned n = cfg->max_retries ? cfg->max_retries : 5;
    uint64_t sum = 0;
    for (unsigned i = 0; i <= n && sum < 600000; i++) {
        sum += rto < max ? rto : max;
        rto *= 2;
    }
    return (uint32_t)(sum < 600000 ? sum : 600000);
}

/* ---- Control channel callbacks ---- */

static void tunnel_deliver(void *user, uint16_t session_id, const uint8_t *body, size_t len);

static void tunnel_xmit(void *user, const uint8_t *pkt, size_t len)
{
    struct l2tp_tunnel *t = user;
    t->tx_ctrl++;
    t->e->ops->send(t->e->user, &t->local, &t->peer, pkt, len);
}

static void tunnel_dead(void *user);

static const struct l2tp_ctrl_ops tunnel_ctrl_ops = {
    .xmit = tunnel_xmit,
    .deliver = tunnel_deliver,
    .dead = tunnel_dead,
};

static struct l2tp_ctrl *tunnel_new_ctrl(struct l2tp_tunnel *t)
{
    struct l2tp_ctrl_cfg cc;
    l2tp_ctrl_cfg_defaults(&cc);
    const struct l2tp_tunnel_cfg *cfg = t->cfg;
    if (cfg->rws)
        cc.rws = cfg->rws;
    if (cfg->max_retries)
        cc.max_retries = cfg->max_retries;
    if (cfg->rto_initial_ms)
        cc.rto_initial_ms = cfg->rto_initial_ms;
    if (cfg->rto_max_ms)
        cc.rto_max_ms = cfg->rto_max_ms;
    cc.hello_ms = cfg->hello_ms;
    /* Room for a burst of call setups (one ICRQ per call) beyond the
     * peer's window; still bounded per tunnel. */
    if (cc.max_queued < 256)
        cc.max_queued = 256;
    return l2tp_ctrl_new(&cc, &tunnel_ctrl_ops, t);
}

struct l2tp_tunnel *l2tp_tunnel_alloc(struct l2tp_engine *e, lx_ms_t now,
                                      const struct l2tp_tunnel_cfg *cfg,
                                      const struct l2tp_addr *local, const struct l2tp_addr *peer,
                                      bool initiator)
{
    struct l2tp_tunnel *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->e = e;
    t->cfg = cfg;
    t->local = *local;
    t->peer = *peer;
    t->initiator = initiator;
    t->state = L2TP_TUNNEL_IDLE;
    t->heap_idx = SIZE_MAX;
    t->peer_rws = 4; /* §5.8: assumed when the AVP is absent */
    t->created_ms = now;
    t->setup_deadline = now + e->cfg.tunnel_setup_timeout_ms;
    t->local_id = l2tp_engine_new_tunnel_id(e);
    if (t->local_id == 0 || l2tp_engine_htab_init(&t->sessions, 8) != 0) {
        free(t);
        return NULL;
    }
    t->ctrl = tunnel_new_ctrl(t);
    if (t->ctrl == NULL) {
        l2tp_engine_htab_fini(&t->sessions);
        free(t);
        return NULL;
    }
    l2tp_engine_link_tunnel(e, t);
    t->live = true;
    e->n_live++;
    e->st.tunnels_opened++;
    l2tp_engine_touch(t);
    return t;
}

/* Stops counting the tunnel as live: l2tp_engine_idle no longer waits
 * for it. */
static void tunnel_unlive(struct l2tp_tunnel *t)
{
    if (!t->live)
        return;
    t->live = false;
    t->e->n_live--;
}

static void tunnel_mark_down(struct l2tp_tunnel *t)
{
    if (t->down)
        return;
    t->down = true;
    tunnel_unlive(t);
}

void l2tp_tunnel_set_refused(struct l2tp_tunnel *t)
{
    /* It exists only to send StopCCN Result Code 4 reliably (§7.2.1 "Send
     * StopCCN, Clean up"): a peer we refused is not a tunnel of ours, and
     * a shutdown does not wait for its acknowledgement. It still counts
     * as half-open, which caps how many a peer can make us keep. */
    t->refused = true;
    tunnel_unlive(t);
}

void l2tp_tunnel_release(struct l2tp_tunnel *t)
{
    struct l2tp_engine *e = t->e;
    if (t->reaped)
        return;
    tunnel_mark_down(t);
    l2tp_engine_unlink_tunnel(e, t);
    t->reaped = true;
    t->reap_next = e->reap_t;
    e->reap_t = t;
    e->st.tunnels_closed++;
}

void l2tp_tunnel_destroy(struct l2tp_tunnel *t)
{
    while (t->s_head)
        l2tp_session_destroy(t->s_head);
    l2tp_engine_htab_fini(&t->sessions);
    if (t->ctrl)
        l2tp_ctrl_free(t->ctrl);
    free(t);
}

/* ---- Sending ---- */

void l2tp_tunnel_mb_init(struct l2tp_tunnel *t, struct l2tp_msg_builder *b, uint16_t type)
{
    l2tp_mb_init(b, t->e->txbuf, sizeof(t->e->txbuf), type);
    /* §4.3: hiding needs the shared secret. */
    if (t->cfg->hide_avps && t->cfg->secret_len)
        l2tp_mb_set_hiding(b, t->cfg->secret, t->cfg->secret_len, true);
}

int l2tp_tunnel_send_msg(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                         struct l2tp_msg_builder *b)
{
    size_t len = l2tp_mb_finish(b);
    l2tp_engine_touch(t);
    if (len == 0) {
        lx_err("l2tp: tunnel %u: cannot encode %s", (unsigned)t->local_id,
               l2tp_msg_type_name(b->msg_type));
        return -1;
    }
    return l2tp_ctrl_send(t->ctrl, now, session_id, t->e->txbuf, len);
}

/* ---- Teardown ---- */

static void tunnel_emit_down(struct l2tp_tunnel *t, bool local, uint16_t result, uint16_t error,
                             const char *msg)
{
    if (t->down)
        return;
    bool visible = t->visible;
    struct l2tp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = L2TP_EV_TUNNEL_DOWN;
    ev.tunnel = t;
    ev.local = local;
    ev.result_code = result;
    ev.error_code = error;
    if (msg)
        snprintf(ev.message, sizeof(ev.message), "%s", msg);
    /* Marked down first: from the event on, the tunnel is invisible and
     * every command on it is a no-op. */
    tunnel_mark_down(t);
    if (visible)
        l2tp_engine_emit(t->e, &ev);
    t->user = NULL;
}

/* Local close is complete (StopCCN acknowledged, given up on, or the hold
 * time passed): TUNNEL_DOWN, then free or linger. */
static void tunnel_finish_close(struct l2tp_tunnel *t, lx_ms_t now)
{
    tunnel_emit_down(t, t->close_local, t->close_result, t->close_error, t->close_msg);
    if (t->reaped)
        return;
    if (t->peer_stopccn && now < t->hold_deadline) {
        /* The peer sent its own StopCCN: keep acknowledging its
         * retransmissions until the hold time ends (§5.7). */
        t->state = L2TP_TUNNEL_CLOSED;
        l2tp_engine_touch(t);
        return;
    }
    l2tp_tunnel_release(t);
}

/* Sends StopCCN (§6.4) and enters CLOSING; sessions go without CDN (§5.7:
 * "it is not necessary to clear each session individually"). */
static void tunnel_close_internal(struct l2tp_tunnel *t, lx_ms_t now, uint16_t result,
                                  uint16_t error, const char *msg)
{
    if (t->down || t->state == L2TP_TUNNEL_CLOSING || t->state == L2TP_TUNNEL_CLOSED)
        return;
    t->close_result = result;
    t->close_error = error;
    t->close_local = true;
    snprintf(t->close_msg, sizeof(t->close_msg), "%s", msg ? msg : "");
    t->state = L2TP_TUNNEL_CLOSING;
    t->hold_deadline = now + l2tp_tunnel_linger_ms(t->cfg);
    l2tp_engine_touch(t);

    lx_info("l2tp: tunnel %u/%u: closing (result %u error %u%s%s)", (unsigned)t->local_id,
            (unsigned)t->peer_id, (unsigned)result, (unsigned)error, msg && *msg ? ": " : "",
            msg ? msg : "");
    l2tp_session_tunnel_down(t, true, result, error, msg);
    if (t->reaped || t->down)
        return;

    if (t->peer_id == 0) {
        /* No SCCRP yet: the peer has no tunnel to stop (its ID is
         * unknown), so there is nobody to send a StopCCN to. */
        tunnel_finish_close(t, now);
        return;
    }
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, L2TP_MSG_STOPCCN);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, t->local_id);
    l2tp_mb_result(&b, result, error != 0 || (msg && *msg), error, msg && *msg ? msg : NULL);
    if (l2tp_tunnel_send_msg(t, now, 0, &b) != 0) {
        tunnel_finish_close(t, now);
        return;
    }
}

void l2tp_tunnel_close(struct l2tp_engine *e, lx_ms_t now, struct l2tp_tunnel *t, uint16_t result,
                       uint16_t error, const char *msg)
{
    if (t == NULL)
        return;
    l2tp_engine_enter(e);
    tunnel_close_internal(t, now, result, error, msg);
    l2tp_engine_leave(e);
}

void l2tp_tunnel_fsm_error(struct l2tp_tunnel *t, lx_ms_t now, const char *why)
{
    t->e->st.rx_fsm_errors++;
    LX_LOG_RL(LX_LOG_NOTICE, "l2tp: tunnel %u: %s in state %s", (unsigned)t->local_id, why,
              l2tp_tunnel_state_str(t->state));
    /* RFC 2661 §7.2.1: out-of-sequence messages get StopCCN, Result
     * Code 7 (finite state machine error, §4.4.2). */
    tunnel_close_internal(t, now, L2TP_STOPCCN_FSM_ERROR, 0, why);
}

/* ctrl: the peer stopped acknowledging (§5.8: the tunnel must go). */
static void tunnel_dead(void *user)
{
    struct l2tp_tunnel *t = user;
    lx_ms_t now = t->e->now;
    if (t->reaped)
        return;
    if (t->down) {
        l2tp_tunnel_release(t);
        return;
    }
    if (t->state == L2TP_TUNNEL_CLOSING) {
        t->peer_stopccn = false;
        tunnel_finish_close(t, now);
        return;
    }
    lx_notice("l2tp: tunnel %u/%u: peer not responding", (unsigned)t->local_id,
              (unsigned)t->peer_id);
    const char *why = "peer not responding";
    l2tp_session_tunnel_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, 0, why);
    tunnel_emit_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, 0, why);
    l2tp_tunnel_release(t);
}

/* ---- Authentication (§4.4.3, §5.1.1) ---- */

/* Challenge Response: the CHAP computation of RFC 1994, MD5 over the ID
 * octet, the secret and the challenge, with "the value of the Message
 * Type AVP for this message" as the ID (2 in SCCRP, 3 in SCCCN). */
static void chap_response(uint8_t id, const uint8_t *secret, size_t slen, const uint8_t *chal,
                          size_t clen, uint8_t out[L2TP_ENGINE_RESP_LEN])
{
    struct md5_ctx c;
    md5_init(&c);
    md5_update(&c, 1, &id);
    md5_update(&c, slen, secret);
    md5_update(&c, clen, chal);
    md5_digest(&c, MD5_DIGEST_SIZE, out);
}

static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return d == 0;
}

/* Checks the peer's Challenge Response to our challenge. */
static bool tunnel_check_response(struct l2tp_tunnel *t, const struct l2tp_msg *m, uint8_t id)
{
    const uint8_t *p;
    size_t len;
    if (!l2tp_msg_bytes(m, L2TP_AVP_CHALLENGE_RESPONSE, &p, &len) || len != L2TP_ENGINE_RESP_LEN)
        return false;
    uint8_t want[L2TP_ENGINE_RESP_LEN];
    chap_response(id, t->cfg->secret, t->cfg->secret_len, t->challenge, sizeof(t->challenge), want);
    bool ok = ct_equal(p, want, sizeof(want));
    memset(want, 0, sizeof(want));
    return ok;
}

static void tunnel_auth_fail(struct l2tp_tunnel *t, lx_ms_t now, const char *why)
{
    t->e->st.rx_auth_failed++;
    char pa[64];
    LX_LOG_RL(LX_LOG_NOTICE, "l2tp: tunnel %u from %s: authentication failed: %s",
              (unsigned)t->local_id, l2tp_addr_str(&t->peer, pa, sizeof(pa)), why);
    /* §4.4.2 Result Code 4: not authorized to establish a control channel. */
    tunnel_close_internal(t, now, L2TP_STOPCCN_NOT_AUTHORIZED, 0, why);
}

/* RFC 2661 §4.4.3 / §5.1.1: if the peer's message carries a Challenge,
 * computes our Challenge Response for the message `reply_type` that will
 * carry it. A challenge we cannot answer (no secret: "a single shared
 * secret MUST exist") fails the tunnel; returns false then. */
static bool answer_challenge(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m,
                             uint8_t reply_type, uint8_t resp[L2TP_ENGINE_RESP_LEN],
                             bool *challenged)
{
    const struct l2tp_tunnel_cfg *cfg = t->cfg;
    const uint8_t *chal;
    size_t chal_len;
    *challenged = l2tp_msg_bytes(m, L2TP_AVP_CHALLENGE, &chal, &chal_len) && chal_len > 0;
    if (!*challenged)
        return true;
    if (cfg->secret_len == 0) {
        tunnel_auth_fail(t, now, "challenged by the peer but no secret configured");
        return false;
    }
    chap_response(reply_type, cfg->secret, cfg->secret_len, chal, chal_len, resp);
    return true;
}

/* ---- Establishment ---- */

static void tunnel_add_ctl_avps(struct l2tp_tunnel *t, struct l2tp_msg_builder *b)
{
    const struct l2tp_tunnel_cfg *cfg = t->cfg;
    /* §4.4.3: Protocol Version 1, Revision 0. */
    l2tp_mb_proto_version(b, 1, 0);
    l2tp_mb_str(b, L2TP_AVP_HOST_NAME, cfg->host_name[0] ? cfg->host_name : "l2tpx");
    l2tp_mb_u32(b, L2TP_AVP_FRAMING_CAP, cfg->framing_cap);
    l2tp_mb_u32(b, L2TP_AVP_BEARER_CAP, cfg->bearer_cap);
    l2tp_mb_u16(b, L2TP_AVP_FIRMWARE_REV, L2TP_ENGINE_FW_REV);
    if (cfg->vendor_name[0])
        l2tp_mb_str(b, L2TP_AVP_VENDOR_NAME, cfg->vendor_name);
    l2tp_mb_u16(b, L2TP_AVP_ASSIGNED_TUNNEL_ID, t->local_id);
    l2tp_mb_u16(b, L2TP_AVP_RECV_WINDOW_SIZE, cfg->rws ? cfg->rws : 16);
}

/* What SCCRQ and SCCRP tell us about the peer. */
static void tunnel_learn_peer(struct l2tp_tunnel *t, const struct l2tp_msg *m)
{
    uint16_t v16;
    uint32_t v32;
    l2tp_msg_str(m, L2TP_AVP_HOST_NAME, t->peer_host_name, sizeof(t->peer_host_name));
    l2tp_msg_str(m, L2TP_AVP_VENDOR_NAME, t->peer_vendor, sizeof(t->peer_vendor));
    if (l2tp_msg_u32(m, L2TP_AVP_FRAMING_CAP, &v32))
        t->peer_framing_cap = v32;
    if (l2tp_msg_u32(m, L2TP_AVP_BEARER_CAP, &v32)) {
        t->peer_bearer_cap = v32;
        t->peer_has_bearer = true;
    }
    if (l2tp_msg_u16(m, L2TP_AVP_RECV_WINDOW_SIZE, &v16) && v16 != 0) {
        t->peer_rws = v16;
        l2tp_ctrl_set_peer_rws(t->ctrl, v16);
    }
    if (l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &v16) && v16 != 0 && v16 != t->peer_id) {
        t->peer_id = v16;
        l2tp_ctrl_set_peer_tunnel_id(t->ctrl, v16);
        l2tp_engine_rehash_peer(t->e, t);
    }
}

static bool tunnel_version_ok(const struct l2tp_msg *m)
{
    struct l2tp_proto_version v;
    return l2tp_msg_proto_version(m, &v) && v.ver == 1 && v.rev == 0;
}

static void tunnel_bad_version(struct l2tp_tunnel *t, lx_ms_t now)
{
    /* §4.4.2 Result Code 5; "Error Code indicates highest version
     * supported": version 1, revision 0. */
    t->e->st.rx_fsm_errors++;
    tunnel_close_internal(t, now, L2TP_STOPCCN_BAD_VERSION, 0x0100,
                          "protocol version not supported");
}

static void tunnel_established(struct l2tp_tunnel *t, lx_ms_t now)
{
    char pa[64];
    t->state = L2TP_TUNNEL_ESTABLISHED;
    t->established_ms = now;
    l2tp_engine_halfopen_del(t->e, t);
    l2tp_engine_touch(t);
    t->visible = true;
    lx_info("l2tp: tunnel %u/%u with %s (%s) established%s", (unsigned)t->local_id,
            (unsigned)t->peer_id, l2tp_addr_str(&t->peer, pa, sizeof(pa)), t->peer_host_name,
            t->authenticated ? ", authenticated" : "");
    struct l2tp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = L2TP_EV_TUNNEL_UP;
    ev.tunnel = t;
    l2tp_engine_emit(t->e, &ev);
    /* §7.2.1: "Send tunnel-open event to waiting sessions". */
    if (t->state == L2TP_TUNNEL_ESTABLISHED && !t->down)
        l2tp_session_tunnel_up(t, now);
}

/* §7.2.1 idle + Receive SCCRQ. */
static void tunnel_rx_sccrq(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m)
{
    const struct l2tp_tunnel_cfg *cfg = t->cfg;
    if (t->state != L2TP_TUNNEL_IDLE || t->initiator) {
        l2tp_tunnel_fsm_error(t, now, "unexpected SCCRQ");
        return;
    }
    tunnel_learn_peer(t, m);
    if (t->refused) {
        /* "Receive SCCRQ, not acceptable: Send StopCCN, Clean up". */
        tunnel_close_internal(t, now, L2TP_STOPCCN_NOT_AUTHORIZED, 0, "not authorized");
        return;
    }
    if (!tunnel_version_ok(m)) {
        tunnel_bad_version(t, now);
        return;
    }
    if (cfg->auth_required && cfg->secret_len == 0) {
        tunnel_auth_fail(t, now, "authentication required but no secret configured");
        return;
    }

    uint8_t resp[L2TP_ENGINE_RESP_LEN];
    bool challenged;
    if (!answer_challenge(t, now, m, L2TP_MSG_SCCRP, resp, &challenged))
        return;
    if (cfg->auth_required) {
        lx_random_bytes(t->challenge, sizeof(t->challenge));
        t->sent_challenge = true;
    }
    /* We answered the peer's challenge; ours is checked on SCCCN. */
    t->authenticated = challenged;

    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, L2TP_MSG_SCCRP);
    tunnel_add_ctl_avps(t, &b);
    if (t->sent_challenge)
        l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE, t->challenge, sizeof(t->challenge));
    if (challenged)
        l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, resp, sizeof(resp));
    t->state = L2TP_TUNNEL_WAIT_CTL_CONN;
    if (l2tp_tunnel_send_msg(t, now, 0, &b) != 0)
        tunnel_close_internal(t, now, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES,
                              "cannot send SCCRP");
}

/* §7.2.1 wait-ctl-reply + Receive SCCRP. */
static void tunnel_rx_sccrp(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m)
{
    if (t->state != L2TP_TUNNEL_WAIT_CTL_REPLY) {
        l2tp_tunnel_fsm_error(t, now, "unexpected SCCRP");
        return;
    }
    tunnel_learn_peer(t, m);
    if (!tunnel_version_ok(m)) {
        tunnel_bad_version(t, now);
        return;
    }
    if (t->sent_challenge && !tunnel_check_response(t, m, L2TP_MSG_SCCRP)) {
        tunnel_auth_fail(t, now,
                         l2tp_msg_has(m, L2TP_AVP_CHALLENGE_RESPONSE)
                             ? "wrong challenge response in SCCRP"
                             : "no challenge response in SCCRP");
        return;
    }
    uint8_t resp[L2TP_ENGINE_RESP_LEN];
    bool challenged;
    if (!answer_challenge(t, now, m, L2TP_MSG_SCCCN, resp, &challenged))
        return;
    t->authenticated = t->sent_challenge || challenged;

    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, L2TP_MSG_SCCCN);
    if (challenged)
        l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, resp, sizeof(resp));
    if (l2tp_tunnel_send_msg(t, now, 0, &b) != 0) {
        tunnel_close_internal(t, now, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES,
                              "cannot send SCCCN");
        return;
    }
    tunnel_established(t, now);
}

/* §7.2.1 wait-ctl-conn + Receive SCCCN. */
static void tunnel_rx_scccn(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m)
{
    if (t->state != L2TP_TUNNEL_WAIT_CTL_CONN) {
        l2tp_tunnel_fsm_error(t, now, "unexpected SCCCN");
        return;
    }
    /* §7.2: "upon receipt, the challenge response is checked". */
    if (t->sent_challenge && !tunnel_check_response(t, m, L2TP_MSG_SCCCN)) {
        tunnel_auth_fail(t, now,
                         l2tp_msg_has(m, L2TP_AVP_CHALLENGE_RESPONSE)
                             ? "wrong challenge response in SCCCN"
                             : "no challenge response in SCCCN");
        return;
    }
    /* authenticated also covers "we answered the peer's challenge". */
    t->authenticated = t->authenticated || t->sent_challenge;
    tunnel_established(t, now);
}

/* §5.7 / §6.4: StopCCN received. */
static void tunnel_rx_stopccn(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m)
{
    struct l2tp_result r;
    memset(&r, 0, sizeof(r));
    l2tp_msg_result(m, &r);
    char msg[128] = "";
    if (r.msg_len) {
        size_t n = r.msg_len < sizeof(msg) - 1 ? r.msg_len : sizeof(msg) - 1;
        memcpy(msg, r.msg, n);
        msg[n] = 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)msg[i] < 0x20)
                msg[i] = '?';
    }
    lx_info("l2tp: tunnel %u/%u: StopCCN received (result %u error %u%s%s)", (unsigned)t->local_id,
            (unsigned)t->peer_id, (unsigned)r.result, (unsigned)(r.has_error ? r.error : 0),
            msg[0] ? ": " : "", msg);
    /* §6.4: a StopCCN carries the sender's Assigned Tunnel ID. A
     * recipient that refuses our SCCRQ answers with StopCCN before we
     * had its ID (no SCCRP): learn it, so that our acknowledgement goes
     * to its tunnel and not to tunnel 0, where nothing can match it. */
    uint16_t ptid;
    if (t->peer_id == 0 && l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &ptid) && ptid != 0) {
        t->peer_id = ptid;
        l2tp_ctrl_set_peer_tunnel_id(t->ctrl, ptid);
        l2tp_engine_rehash_peer(t->e, t);
    }
    /* "The receiver of a StopCCN MUST send a ZLB ACK ... and maintain
     * enough control connection state to properly accept StopCCN
     * retransmissions over at least a full retransmission cycle". The
     * ZLB goes out once the channel has counted this message. */
    t->peer_stopccn = true;
    t->hold_deadline = now + l2tp_tunnel_linger_ms(t->cfg);
    if (t->state == L2TP_TUNNEL_CLOSING) {
        /* Both ends closed at once: ours needs no further ack. */
        tunnel_finish_close(t, now);
        return;
    }
    t->state = L2TP_TUNNEL_CLOSED;
    l2tp_engine_touch(t);
    l2tp_session_tunnel_down(t, false, r.result, r.has_error ? r.error : 0, msg);
    tunnel_emit_down(t, false, r.result, r.has_error ? r.error : 0, msg);
}

/* ctrl: one in-order message for this tunnel. */
static void tunnel_deliver(void *user, uint16_t session_id, const uint8_t *body, size_t len)
{
    struct l2tp_tunnel *t = user;
    struct l2tp_engine *e = t->e;
    lx_ms_t now = e->now;

    t->rx_ctrl++;
    if (t->down || t->reaped)
        return; /* lingering: the channel acknowledges, nothing else to do */

    const struct l2tp_tunnel_cfg *cfg = t->cfg;
    struct l2tp_msg *m = &e->msg;
    struct l2tp_dec_result res;
    memset(&res, 0, sizeof(res));
    enum l2tp_dec_status st = l2tp_msg_decode(
        m, body, len, session_id, cfg->secret_len ? cfg->secret : NULL, cfg->secret_len, &res);
    if (st == L2TP_DEC_ZLB)
        return;
    if (res.n_ignored) {
        /* §7.1 / §4.2: AVPs without M that are malformed (e.g. an RFC 3145
         * PPP Disconnect Cause Code shorter than 11 octets) or unknown were
         * skipped; the message goes on without them. */
        e->st.rx_avp_ignored += res.n_ignored;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: tunnel %u: %s (session %u): %u AVP(s) ignored",
                  (unsigned)t->local_id, l2tp_msg_type_name(m->type), (unsigned)session_id,
                  res.n_ignored);
    }
    if (st != L2TP_DEC_OK && st != L2TP_DEC_DUPLICATE_AVP) {
        e->st.rx_bad_avp++;
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp: tunnel %u: bad %s (session %u): %s: %s",
                  (unsigned)t->local_id, l2tp_msg_type_name(m->type), (unsigned)session_id,
                  l2tp_dec_status_str(st), res.why);
        if (t->state == L2TP_TUNNEL_CLOSING)
            return;
        /* A malformed StopCCN still ends the tunnel. */
        if (m->type == L2TP_MSG_STOPCCN && res.scope != L2TP_TEARDOWN_NONE) {
            tunnel_rx_stopccn(t, now, m);
            return;
        }
        switch (res.scope) {
        case L2TP_TEARDOWN_NONE:
            return;
        case L2TP_TEARDOWN_SESSION:
            if (t->state == L2TP_TUNNEL_ESTABLISHED) {
                l2tp_session_dec_error(t, now, session_id, m, &res);
                return;
            }
            break;
        case L2TP_TEARDOWN_TUNNEL:
            /* §4.2: the first message of a call has Session ID 0, but
             * its bad AVP concerns that call only: refuse the call. So
             * does a CDN sent before the peer knew our Session ID (§5.3),
             * when its framing is intact: it ends that call. */
            if (t->state == L2TP_TUNNEL_ESTABLISHED && session_id == 0 &&
                (m->type == L2TP_MSG_ICRQ || m->type == L2TP_MSG_OCRQ ||
                 (m->type == L2TP_MSG_CDN && st != L2TP_DEC_BAD_AVP_HEADER)) &&
                l2tp_msg_has(m, L2TP_AVP_ASSIGNED_SESSION_ID)) {
                l2tp_session_dec_error(t, now, session_id, m, &res);
                return;
            }
            break;
        }
        tunnel_close_internal(t, now,
                              res.result_code ? res.result_code : L2TP_STOPCCN_GENERAL_ERROR,
                              res.error_code, res.why);
        return;
    }

    if (t->state == L2TP_TUNNEL_CLOSING) {
        /* §5.7: only the peer's StopCCN matters any more. */
        if (m->type == L2TP_MSG_STOPCCN)
            tunnel_rx_stopccn(t, now, m);
        return;
    }

    switch (m->type) {
    case L2TP_MSG_SCCRQ:
        tunnel_rx_sccrq(t, now, m);
        break;
    case L2TP_MSG_SCCRP:
        tunnel_rx_sccrp(t, now, m);
        break;
    case L2TP_MSG_SCCCN:
        tunnel_rx_scccn(t, now, m);
        break;
    case L2TP_MSG_STOPCCN:
        tunnel_rx_stopccn(t, now, m);
        break;
    case L2TP_MSG_HELLO:
        break; /* §6.5: the channel's acknowledgement is the whole answer */
    default:
        if (t->state != L2TP_TUNNEL_ESTABLISHED) {
            /* §5.0: "The Tunnel ... MUST be established before an
             * incoming or outgoing call is initiated." */
            l2tp_tunnel_fsm_error(t, now, "call message before the tunnel is established");
            return;
        }
        l2tp_session_handle_msg(t, now, session_id, m);
        break;
    }
}

void l2tp_tunnel_ctrl_input(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_hdr *h,
                            const uint8_t *body, size_t len)
{
    struct l2tp_engine *e = t->e;
    e->now = now;
    l2tp_ctrl_input(t->ctrl, now, h, body, len);
    if (t->reaped)
        return;
    l2tp_engine_touch(t);
    /* §5.7: the StopCCN (or its retransmission) is acknowledged at once,
     * not after the delayed-ack timer: the state may go before it. */
    if (t->peer_stopccn)
        l2tp_ctrl_flush_ack(t->ctrl, now);
    if (t->state == L2TP_TUNNEL_CLOSING && !t->down && l2tp_ctrl_outstanding(t->ctrl) == 0)
        tunnel_finish_close(t, now);
}

void l2tp_tunnel_timeout(struct l2tp_tunnel *t, lx_ms_t now)
{
    char pa[64];
    t->e->now = now;
    l2tp_engine_touch(t);
    if (t->down) {
        /* Lingering after StopCCN: only the hold timer runs. */
        if (now >= t->hold_deadline)
            l2tp_tunnel_release(t);
        return;
    }
    if (t->state == L2TP_TUNNEL_CLOSING && now >= t->hold_deadline) {
        t->peer_stopccn = false;
        tunnel_finish_close(t, now);
        return;
    }
    if (t->in_halfopen && t->state != L2TP_TUNNEL_CLOSING && now >= t->setup_deadline) {
        /* Stuck half-open (no SCCRP / SCCCN in time): free the slot. */
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp: tunnel %u with %s: setup timed out in %s",
                  (unsigned)t->local_id, l2tp_addr_str(&t->peer, pa, sizeof(pa)),
                  l2tp_tunnel_state_str(t->state));
        const char *why = "tunnel setup timed out";
        l2tp_session_tunnel_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, 0, why);
        tunnel_emit_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, 0, why);
        l2tp_tunnel_release(t);
        return;
    }
    if (l2tp_ctrl_next_timeout(t->ctrl) <= now) {
        l2tp_ctrl_timeout(t->ctrl, now);
        if (t->reaped || t->down)
            return;
        if (t->state == L2TP_TUNNEL_CLOSING && l2tp_ctrl_outstanding(t->ctrl) == 0) {
            tunnel_finish_close(t, now);
            return;
        }
    }
    if (t->state != L2TP_TUNNEL_CLOSING)
        l2tp_session_setup_timeouts(t, now);
}

/* ---- Open (initiator) ---- */

struct l2tp_tunnel *l2tp_tunnel_open(struct l2tp_engine *e, lx_ms_t now,
                                     const struct l2tp_tunnel_cfg *cfg,
                                     const struct l2tp_addr *local, const struct l2tp_addr *peer)
{
    if (cfg == NULL || e->shutting_down || e->n_alloc >= e->cfg.max_tunnels)
        return NULL;
    if (cfg->auth_required && cfg->secret_len == 0)
        return NULL;
    l2tp_engine_enter(e);
    e->now = now;
    struct l2tp_tunnel *t = l2tp_tunnel_alloc(e, now, cfg, local, peer, true);
    if (t == NULL)
        goto out;
    t->visible = true;
    /* §4.4.3: we want a single tunnel to this peer. */
    lx_random_bytes(t->tie_breaker, sizeof(t->tie_breaker));
    if (cfg->auth_required) {
        lx_random_bytes(t->challenge, sizeof(t->challenge));
        t->sent_challenge = true;
    }
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, L2TP_MSG_SCCRQ);
    tunnel_add_ctl_avps(t, &b);
    l2tp_mb_bytes(&b, L2TP_AVP_TIE_BREAKER, t->tie_breaker, sizeof(t->tie_breaker));
    if (t->sent_challenge)
        l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE, t->challenge, sizeof(t->challenge));
    t->state = L2TP_TUNNEL_WAIT_CTL_REPLY;
    if (l2tp_tunnel_send_msg(t, now, 0, &b) != 0) {
        t->visible = false;
        l2tp_tunnel_release(t);
        t = NULL;
        goto out;
    }
    char pa[64];
    lx_info("l2tp: tunnel %u: SCCRQ sent to %s", (unsigned)t->local_id,
            l2tp_addr_str(peer, pa, sizeof(pa)));
out:
    l2tp_engine_leave(e);
    return t;
}

/* ---- Tie breaker (§4.4.3, §7.2.1 wait-ctl-reply + Receive SCCRQ) ----
 *
 * Returns true when the received SCCRQ is to be dropped (we won, or the
 * values were equal). Sets *morph to our tunnel when we lost: the caller
 * turns it into the recipient of the winner's SCCRQ. */
bool l2tp_tunnel_tie_break(struct l2tp_engine *e, lx_ms_t now, const struct l2tp_addr *local,
                           const struct l2tp_addr *peer, const struct l2tp_msg *m,
                           struct l2tp_tunnel **morph)
{
    *morph = NULL;
    struct l2tp_tunnel *t = e->ho_head;
    for (; t; t = t->ho_next)
        if (t->initiator && !t->down && t->state == L2TP_TUNNEL_WAIT_CTL_REPLY &&
            l2tp_engine_ip_equal(&t->peer, peer))
            break;
    if (t == NULL)
        return false;

    const uint8_t *theirs;
    size_t len;
    char pa[64];
    l2tp_addr_str(peer, pa, sizeof(pa));
    if (!l2tp_msg_bytes(m, L2TP_AVP_TIE_BREAKER, &theirs, &len) || len != L2TP_ENGINE_TB_LEN) {
        /* "If a tie breaker is received, and an outstanding SCCRQ had no
         * tie breaker value, the initiator which included the Tie Breaker
         * AVP wins": ours always has one. */
        lx_info("l2tp: tunnel %u: SCCRQ collision with %s, we win (no tie breaker)",
                (unsigned)t->local_id, pa);
        return true;
    }
    int c = memcmp(t->tie_breaker, theirs, L2TP_ENGINE_TB_LEN);
    if (c < 0) {
        /* "The lower value wins, and the loser MUST silently discard its
         * tunnel": the peer discards its own; we drop its SCCRQ. */
        lx_info("l2tp: tunnel %u: SCCRQ collision with %s, we win", (unsigned)t->local_id, pa);
        return true;
    }
    if (c == 0) {
        /* "...and the value is equal, both sides MUST discard their
         * tunnels." */
        lx_info("l2tp: tunnel %u: SCCRQ collision with %s, equal tie breakers",
                (unsigned)t->local_id, pa);
        const char *why = "tie breaker: equal values";
        l2tp_session_tunnel_down(t, true, L2TP_STOPCCN_ALREADY_EXISTS, 0, why);
        tunnel_emit_down(t, true, L2TP_STOPCCN_ALREADY_EXISTS, 0, why);
        l2tp_tunnel_release(t);
        return true;
    }
    lx_info("l2tp: tunnel %u: SCCRQ collision with %s, we lose", (unsigned)t->local_id, pa);
    *morph = t;
    return false;
}

/* We lost the tie: "Clean up, Re-queue SCCRQ for idle state" (§7.2.1).
 * Our SCCRQ's channel is discarded silently and the same tunnel object
 * (which the user and its waiting sessions hold) becomes the recipient of
 * the winner's SCCRQ, under a fresh local ID so that nothing addressed to
 * the discarded attempt can reach it. */
void l2tp_tunnel_morph_to_responder(struct l2tp_tunnel *t, lx_ms_t now,
                                    const struct l2tp_addr *local, const struct l2tp_addr *peer)
{
    struct l2tp_engine *e = t->e;
    struct l2tp_ctrl *c = tunnel_new_ctrl(t);
    uint16_t id = l2tp_engine_new_tunnel_id(e);
    if (c == NULL || id == 0) {
        if (c)
            l2tp_ctrl_free(c);
        const char *why = "tie breaker lost, out of resources";
        l2tp_session_tunnel_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES, why);
        tunnel_emit_down(t, true, L2TP_STOPCCN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES, why);
        l2tp_tunnel_release(t);
        return;
    }
    l2tp_ctrl_free(t->ctrl);
    t->ctrl = c;
    t->local_id = id;
    t->local = *local;
    t->peer = *peer;
    t->peer_id = 0;
    t->initiator = false;
    t->sent_challenge = false;
    t->authenticated = false;
    t->state = L2TP_TUNNEL_IDLE;
    t->setup_deadline = now + e->cfg.tunnel_setup_timeout_ms;
    l2tp_engine_rehash_peer(e, t);
    l2tp_engine_touch(t);
}

/* ---- Introspection ---- */

void l2tp_tunnel_get_info(const struct l2tp_tunnel *t, struct l2tp_tunnel_info *info)
{
    memset(info, 0, sizeof(*info));
    info->local_id = t->local_id;
    info->peer_id = t->peer_id;
    info->local = t->local;
    info->peer = t->peer;
    info->state = t->state;
    snprintf(info->peer_host_name, sizeof(info->peer_host_name), "%s", t->peer_host_name);
    snprintf(info->peer_vendor, sizeof(info->peer_vendor), "%s", t->peer_vendor);
    info->peer_rws = t->peer_rws;
    info->peer_framing_cap = t->peer_framing_cap;
    info->peer_bearer_cap = t->peer_bearer_cap;
    info->n_sessions = t->n_sessions;
    info->created_ms = t->created_ms;
    info->established_ms = t->established_ms;
    info->initiator = t->initiator;
    info->authenticated = t->authenticated;
    info->rx_ctrl = t->rx_ctrl;
    info->tx_ctrl = t->tx_ctrl;
    if (t->ctrl) {
        struct l2tp_ctrl_stats cs;
        l2tp_ctrl_get_stats(t->ctrl, &cs);
        info->retransmits = cs.tx_retrans;
    }
    info->rx_data_pkts = t->rx_data_pkts;
    info->tx_data_pkts = t->tx_data_pkts;
    info->rx_data_bytes = t->rx_data_bytes;
    info->tx_data_bytes = t->tx_data_bytes;
}

void l2tp_tunnel_set_user(struct l2tp_tunnel *t, void *user)
{
    t->user = user;
}

void *l2tp_tunnel_get_user(const struct l2tp_tunnel *t)
{
    return t->user;
}
