/* RFC 2661 §7.4 / §7.5: the incoming and outgoing call state machines of
 * the LAC and the LNS, call teardown (§5.6 CDN), WEN and SLI (§6.13,
 * §6.14), and data messages (§5.3, §5.4 sequencing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/tunnel_priv.h"
#include "lib/log.h"
#include "lib/rand.h"

const char *l2tp_session_state_str(enum l2tp_session_state st)
{
    switch (st) {
    case L2TP_SESSION_IDLE:
        return "idle";
    case L2TP_SESSION_WAIT_TUNNEL:
        return "wait-tunnel";
    case L2TP_SESSION_WAIT_REPLY:
        return "wait-reply";
    case L2TP_SESSION_WAIT_CONNECT:
        return "wait-connect";
    case L2TP_SESSION_WAIT_CS_ANSWER:
        return "wait-cs-answer";
    case L2TP_SESSION_ESTABLISHED:
        return "established";
    case L2TP_SESSION_CLOSED:
        return "closed";
    }
    return "?";
}

/* ---- Per-tunnel session table ---- */

static uint32_t sid_hash(const struct l2tp_engine *e, uint16_t id)
{
    return l2tp_engine_hash_id(&e->hkey, id);
}

static struct l2tp_session *find_session(const struct l2tp_tunnel *t, uint16_t id)
{
    uint32_t h = sid_hash(t->e, id);
    for (struct l2tp_engine_hnode *n = l2tp_engine_htab_first(&t->sessions, h); n;
         n = l2tp_engine_htab_next(n, h)) {
        struct l2tp_session *s =
            (struct l2tp_session *)((char *)n - offsetof(struct l2tp_session, node));
        if (s->local_id == id)
            return s;
    }
    return NULL;
}

struct l2tp_session *l2tp_tunnel_find_session(const struct l2tp_tunnel *t, uint16_t local_id)
{
    if (t->down)
        return NULL;
    return find_session(t, local_id);
}

/* RFC 2661 §5.3: 0 is never assigned; random IDs, unique in the tunnel. */
static uint16_t new_session_id(const struct l2tp_tunnel *t)
{
    for (int i = 0; i < 64; i++) {
        uint16_t id = lx_random_u16();
        if (id != 0 && find_session(t, id) == NULL)
            return id;
    }
    uint16_t start = lx_random_u16();
    for (uint32_t i = 0; i < 65536; i++) {
        uint16_t id = (uint16_t)(start + i);
        if (id != 0 && find_session(t, id) == NULL)
            return id;
    }
    return 0;
}

static unsigned max_sessions(const struct l2tp_tunnel *t)
{
    unsigned m = t->cfg->max_sessions;
    return m == 0 || m > 65535 ? 65535 : m;
}

static void setup_add(struct l2tp_tunnel *t, struct l2tp_session *s)
{
    /* Every session gets the same timeout, so appending keeps the list
     * sorted by deadline and the head is the earliest. */
    s->setup_next = NULL;
    s->setup_prev = t->setup_tail;
    if (t->setup_tail)
        t->setup_tail->setup_next = s;
    else
        t->setup_head = s;
    t->setup_tail = s;
    s->in_setup = true;
}

static void setup_del(struct l2tp_tunnel *t, struct l2tp_session *s)
{
    if (!s->in_setup)
        return;
    if (s->setup_prev)
        s->setup_prev->setup_next = s->setup_next;
    else
        t->setup_head = s->setup_next;
    if (s->setup_next)
        s->setup_next->setup_prev = s->setup_prev;
    else
        t->setup_tail = s->setup_prev;
    s->setup_next = s->setup_prev = NULL;
    s->in_setup = false;
    l2tp_engine_touch(t);
}

static struct l2tp_session *session_alloc(struct l2tp_tunnel *t, lx_ms_t now, bool lac,
                                          bool incoming)
{
    struct l2tp_engine *e = t->e;
    if (t->n_sessions >= max_sessions(t))
        return NULL;
    uint16_t id = new_session_id(t);
    if (id == 0)
        return NULL;
    struct l2tp_session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->params = calloc(1, sizeof(*s->params));
    if (s->params == NULL) {
        free(s);
        return NULL;
    }
    s->t = t;
    s->local_id = id;
    s->lac = lac;
    s->incoming = incoming;
    s->state = L2TP_SESSION_IDLE;
    s->created_ms = now;
    s->setup_deadline = now + e->cfg.session_setup_timeout_ms;
    l2tp_engine_htab_insert(&t->sessions, &s->node, sid_hash(e, id));
    s->prev = NULL;
    s->next = t->s_head;
    if (t->s_head)
        t->s_head->prev = s;
    t->s_head = s;
    setup_add(t, s);
    t->n_sessions++;
    e->st.sessions++;
    e->st.sessions_opened++;
    l2tp_engine_touch(t);
    return s;
}

/* Takes the session out of its tunnel (it stays allocated). */
static void session_unlink(struct l2tp_session *s)
{
    struct l2tp_tunnel *t = s->t;
    if (!s->node.linked)
        return;
    l2tp_engine_htab_remove(&t->sessions, &s->node);
    setup_del(t, s);
    if (s->prev)
        s->prev->next = s->next;
    else
        t->s_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    t->n_sessions--;
    t->e->st.sessions--;
    t->e->st.sessions_closed++;
}

void l2tp_session_destroy(struct l2tp_session *s)
{
    session_unlink(s);
    free(s->params);
    free(s);
}

/* Copies peer-supplied text (not NUL-terminated) for events and logs:
 * truncated to cap-1 bytes, NUL-terminated, control characters replaced
 * so that a log line cannot be split or forged. */
static void copy_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    if (n)
        memcpy(out, p, n);
    out[n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20)
            out[i] = '?';
}

/* The text of a cause we send: up to the first NUL, at most 63 bytes,
 * whatever the caller left in the array. */
static size_t cause_text_len(const struct l2tp_cdn_cause *c)
{
    return strnlen(c->msg, sizeof(c->msg) - 1);
}

/* The session is gone: SESSION_DOWN (if the user knows it), freed when
 * the outermost engine call returns. cause: the RFC 3145 cause sent or
 * received, or NULL. */
static void session_down(struct l2tp_session *s, bool local, uint16_t result, uint16_t error,
                         const char *msg, const struct l2tp_cdn_cause *cause)
{
    if (s->state == L2TP_SESSION_CLOSED)
        return;
    struct l2tp_tunnel *t = s->t;
    struct l2tp_engine *e = t->e;
    s->state = L2TP_SESSION_CLOSED;
    session_unlink(s);
    s->reap_next = e->reap_s;
    e->reap_s = s;
    l2tp_engine_touch(t);
    if (s->visible) {
        struct l2tp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = L2TP_EV_SESSION_DOWN;
        ev.tunnel = t;
        ev.session = s;
        ev.local = local;
        ev.result_code = result;
        ev.error_code = error;
        if (msg)
            snprintf(ev.message, sizeof(ev.message), "%s", msg);
        if (cause && cause->set) {
            ev.cause_set = true;
            ev.cause_code = cause->code;
            ev.cause_proto = cause->proto;
            ev.cause_direction = cause->direction;
            copy_text((const uint8_t *)cause->msg, cause_text_len(cause), ev.cause_msg,
                      sizeof(ev.cause_msg));
        }
        l2tp_engine_emit(e, &ev);
    }
    s->user = NULL;
}

/* ---- Messages ---- */

static bool tunnel_usable(const struct l2tp_tunnel *t)
{
    return !t->down && !t->reaped && t->state == L2TP_TUNNEL_ESTABLISHED;
}

/* CDN (§6.12) for a call that may have no state here: header Session ID
 * is the peer's, the Assigned Session ID AVP is ours (§5.3). RFC 3145 §2:
 * the PPP Disconnect Cause Code, when given, follows them ("used in
 * conjunction with, and not as a replacement for" the Result Code). */
static int send_cdn(struct l2tp_tunnel *t, lx_ms_t now, uint16_t peer_sid, uint16_t our_sid,
                    uint16_t result, uint16_t error, const char *msg,
                    const struct l2tp_cdn_cause *cause)
{
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, L2TP_MSG_CDN);
    l2tp_mb_result(&b, result, error != 0 || (msg && *msg), error, msg && *msg ? msg : NULL);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, our_sid);
    if (cause && cause->set) {
        char text[sizeof(cause->msg)];
        size_t n = cause_text_len(cause);
        memcpy(text, cause->msg, n);
        text[n] = 0;
        /* The table sends it without M ("MUST NOT be marked Mandatory"). */
        l2tp_mb_disconnect_cause(&b, cause->code, cause->proto, cause->direction, n ? text : NULL);
    }
    return l2tp_tunnel_send_msg(t, now, peer_sid, &b);
}

static void session_close_internal(struct l2tp_session *s, lx_ms_t now, uint16_t result,
                                   uint16_t error, const char *msg,
                                   const struct l2tp_cdn_cause *cause)
{
    if (s->state == L2TP_SESSION_CLOSED)
        return;
    struct l2tp_tunnel *t = s->t;
    /* §7.4.1 wait-tunnel + local close: "Clean up" only, the peer never
     * heard of the call. Otherwise "Send CDN, Clean up"; before the
     * peer's ID is known the header carries 0 (§5.3). */
    if (s->state != L2TP_SESSION_WAIT_TUNNEL && s->state != L2TP_SESSION_IDLE && tunnel_usable(t))
        send_cdn(t, now, s->peer_id, s->local_id, result, error, msg, cause);
    session_down(s, true, result, error, msg, cause);
}

void l2tp_session_close_cause(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                              uint16_t result, uint16_t error, const char *msg,
                              const struct l2tp_cdn_cause *cause)
{
    if (s == NULL)
        return;
    l2tp_engine_enter(e);
    e->now = now;
    session_close_internal(s, now, result, error, msg, cause);
    l2tp_engine_leave(e);
}

void l2tp_session_close(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s, uint16_t result,
                        uint16_t error, const char *msg)
{
    l2tp_session_close_cause(e, now, s, result, error, msg, NULL);
}

static void mb_str_opt(struct l2tp_msg_builder *b, uint16_t type, const char *s)
{
    if (s[0])
        l2tp_mb_str(b, type, s);
}

static void mb_bytes_opt(struct l2tp_msg_builder *b, uint16_t type, const uint8_t *p, size_t len,
                         size_t cap)
{
    if (len)
        l2tp_mb_bytes(b, type, p, len < cap ? len : cap);
}

/* Copies an AVP value as a NUL-terminated string. */
static void get_str(const struct l2tp_msg *m, unsigned type, char *out, size_t cap)
{
    const uint8_t *p;
    size_t len;
    if (!l2tp_msg_bytes(m, type, &p, &len))
        return;
    if (len > cap - 1)
        len = cap - 1;
    memcpy(out, p, len);
    out[len] = 0;
}

static void get_bytes(const struct l2tp_msg *m, unsigned type, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    const uint8_t *p;
    size_t len;
    if (!l2tp_msg_bytes(m, type, &p, &len))
        return;
    if (len > cap) {
        /* Too large to keep whole: a truncated LCP CONFREQ or proxy value
         * would be wrong, so it is treated as absent. */
        LX_LOG_RL(LX_LOG_INFO, "l2tp: %s AVP of %zu bytes ignored (max %zu)",
                  l2tp_avp_lookup(0, (uint16_t)type) ? l2tp_avp_lookup(0, (uint16_t)type)->name
                                                     : "call",
                  len, cap);
        return;
    }
    memcpy(out, p, len);
    *out_len = len;
}

/* Merges the call AVPs of ICRQ / ICCN / OCRQ / OCRP / OCCN into p. */
static void parse_call_params(const struct l2tp_msg *m, struct l2tp_call_params *p)
{
    uint32_t v;
    uint16_t v16;
    if (l2tp_msg_u32(m, L2TP_AVP_CALL_SERIAL_NUMBER, &v))
        p->call_serial = v;
    if (l2tp_msg_u32(m, L2TP_AVP_BEARER_TYPE, &v))
        p->bearer_type = v;
    if (l2tp_msg_u32(m, L2TP_AVP_FRAMING_TYPE, &v))
        p->framing_type = v;
    if (l2tp_msg_u32(m, L2TP_AVP_TX_CONNECT_SPEED, &v))
        p->tx_connect_speed = v;
    if (l2tp_msg_u32(m, L2TP_AVP_RX_CONNECT_SPEED, &v))
        p->rx_connect_speed = v;
    if (l2tp_msg_u32(m, L2TP_AVP_MINIMUM_BPS, &v))
        p->min_bps = v;
    if (l2tp_msg_u32(m, L2TP_AVP_MAXIMUM_BPS, &v))
        p->max_bps = v;
    if (l2tp_msg_u32(m, L2TP_AVP_PHYSICAL_CHANNEL_ID, &v))
        p->physical_channel = v;
    get_str(m, L2TP_AVP_CALLED_NUMBER, p->called_number, sizeof(p->called_number));
    get_str(m, L2TP_AVP_CALLING_NUMBER, p->calling_number, sizeof(p->calling_number));
    get_str(m, L2TP_AVP_SUB_ADDRESS, p->sub_address, sizeof(p->sub_address));
    get_str(m, L2TP_AVP_PRIVATE_GROUP_ID, p->private_group_id, sizeof(p->private_group_id));
    if (l2tp_msg_has(m, L2TP_AVP_SEQUENCING_REQUIRED))
        p->seq_required = true;
    if (l2tp_msg_u16(m, L2TP_AVP_PROXY_AUTHEN_TYPE, &v16))
        p->proxy_auth_type = v16;
    get_str(m, L2TP_AVP_PROXY_AUTHEN_NAME, p->proxy_auth_name, sizeof(p->proxy_auth_name));
    get_bytes(m, L2TP_AVP_PROXY_AUTHEN_CHALLENGE, p->proxy_auth_challenge,
              sizeof(p->proxy_auth_challenge), &p->proxy_auth_challenge_len);
    if (l2tp_msg_u16(m, L2TP_AVP_PROXY_AUTHEN_ID, &v16))
        p->proxy_auth_id = v16;
    get_bytes(m, L2TP_AVP_PROXY_AUTHEN_RESPONSE, p->proxy_auth_response,
              sizeof(p->proxy_auth_response), &p->proxy_auth_response_len);
    get_bytes(m, L2TP_AVP_INITIAL_RCVD_LCP_CONFREQ, p->init_rcvd_lcp_confreq,
              sizeof(p->init_rcvd_lcp_confreq), &p->init_rcvd_lcp_confreq_len);
    get_bytes(m, L2TP_AVP_LAST_SENT_LCP_CONFREQ, p->last_sent_lcp_confreq,
              sizeof(p->last_sent_lcp_confreq), &p->last_sent_lcp_confreq_len);
    get_bytes(m, L2TP_AVP_LAST_RCVD_LCP_CONFREQ, p->last_rcvd_lcp_confreq,
              sizeof(p->last_rcvd_lcp_confreq), &p->last_rcvd_lcp_confreq_len);
}

/* §6.6 ICRQ or §6.9 OCRQ: the first message of a call we place. */
static int send_request(struct l2tp_session *s, lx_ms_t now)
{
    struct l2tp_tunnel *t = s->t;
    const struct l2tp_call_params *p = s->params;
    struct l2tp_msg_builder b;
    if (s->incoming) {
        l2tp_tunnel_mb_init(t, &b, L2TP_MSG_ICRQ);
        l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, s->local_id);
        l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, p->call_serial);
        if (p->bearer_type)
            l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, p->bearer_type);
        if (p->physical_channel)
            l2tp_mb_u32(&b, L2TP_AVP_PHYSICAL_CHANNEL_ID, p->physical_channel);
        mb_str_opt(&b, L2TP_AVP_CALLING_NUMBER, p->calling_number);
        mb_str_opt(&b, L2TP_AVP_CALLED_NUMBER, p->called_number);
        mb_str_opt(&b, L2TP_AVP_SUB_ADDRESS, p->sub_address);
    } else {
        /* §6.9: "An LNS MUST have received a Bearer Capabilities AVP
         * during tunnel establishment from an LAC in order to request an
         * outgoing call to that LAC." */
        if (!t->peer_has_bearer)
            return -1;
        l2tp_tunnel_mb_init(t, &b, L2TP_MSG_OCRQ);
        l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, s->local_id);
        l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, p->call_serial);
        l2tp_mb_u32(&b, L2TP_AVP_MINIMUM_BPS, p->min_bps);
        l2tp_mb_u32(&b, L2TP_AVP_MAXIMUM_BPS, p->max_bps);
        l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, p->bearer_type);
        l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, p->framing_type);
        l2tp_mb_str(&b, L2TP_AVP_CALLED_NUMBER, p->called_number);
        mb_str_opt(&b, L2TP_AVP_SUB_ADDRESS, p->sub_address);
    }
    /* §5.3: Session ID 0 until the peer has assigned one. */
    int rc = l2tp_tunnel_send_msg(t, now, 0, &b);
    if (rc == 0)
        s->state = L2TP_SESSION_WAIT_REPLY;
    return rc;
}

/* The LAC's "connected" message: §6.8 ICCN or §6.11 OCCN. */
static int send_connected(struct l2tp_session *s, lx_ms_t now)
{
    struct l2tp_tunnel *t = s->t;
    const struct l2tp_call_params *p = s->params;
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, s->incoming ? L2TP_MSG_ICCN : L2TP_MSG_OCCN);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, p->tx_connect_speed);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, p->framing_type);
    if (p->rx_connect_speed)
        l2tp_mb_u32(&b, L2TP_AVP_RX_CONNECT_SPEED, p->rx_connect_speed);
    if (s->incoming) {
        /* §4.4.5 proxy LCP and authentication. */
        mb_bytes_opt(&b, L2TP_AVP_INITIAL_RCVD_LCP_CONFREQ, p->init_rcvd_lcp_confreq,
                     p->init_rcvd_lcp_confreq_len, sizeof(p->init_rcvd_lcp_confreq));
        mb_bytes_opt(&b, L2TP_AVP_LAST_SENT_LCP_CONFREQ, p->last_sent_lcp_confreq,
                     p->last_sent_lcp_confreq_len, sizeof(p->last_sent_lcp_confreq));
        mb_bytes_opt(&b, L2TP_AVP_LAST_RCVD_LCP_CONFREQ, p->last_rcvd_lcp_confreq,
                     p->last_rcvd_lcp_confreq_len, sizeof(p->last_rcvd_lcp_confreq));
        if (p->proxy_auth_type) {
            l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_TYPE, p->proxy_auth_type);
            mb_str_opt(&b, L2TP_AVP_PROXY_AUTHEN_NAME, p->proxy_auth_name);
            mb_bytes_opt(&b, L2TP_AVP_PROXY_AUTHEN_CHALLENGE, p->proxy_auth_challenge,
                         p->proxy_auth_challenge_len, sizeof(p->proxy_auth_challenge));
            if (p->proxy_auth_type == L2TP_PROXY_AUTH_CHAP ||
                p->proxy_auth_type == L2TP_PROXY_AUTH_MSCHAPV1)
                l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_ID, p->proxy_auth_id);
            mb_bytes_opt(&b, L2TP_AVP_PROXY_AUTHEN_RESPONSE, p->proxy_auth_response,
                         p->proxy_auth_response_len, sizeof(p->proxy_auth_response));
        }
        mb_str_opt(&b, L2TP_AVP_PRIVATE_GROUP_ID, p->private_group_id);
    }
    if (s->seq_required)
        l2tp_mb_empty(&b, L2TP_AVP_SEQUENCING_REQUIRED);
    return l2tp_tunnel_send_msg(t, now, s->peer_id, &b);
}

static void session_up(struct l2tp_session *s, lx_ms_t now)
{
    struct l2tp_tunnel *t = s->t;
    s->state = L2TP_SESSION_ESTABLISHED;
    s->established_ms = now;
    setup_del(t, s);
    /* §5.4: with Sequencing Required, "sequence numbers MUST be present
     * at all times"; otherwise the LNS decides and the LAC follows. */
    if (s->lac)
        s->seq_tx = s->seq_required;
    else
        s->seq_tx = s->seq_required || t->cfg->seq_required;
    lx_info("l2tp: session %u/%u in tunnel %u established (%s %s%s)", (unsigned)s->local_id,
            (unsigned)s->peer_id, (unsigned)t->local_id, s->lac ? "LAC" : "LNS",
            s->incoming ? "incoming" : "outgoing", s->seq_tx ? ", sequenced" : "");
    struct l2tp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = L2TP_EV_SESSION_UP;
    ev.tunnel = t;
    ev.session = s;
    ev.call = s->params;
    l2tp_engine_emit(t->e, &ev);
    /* The call parameters were only needed during setup. */
    free(s->params);
    s->params = NULL;
}

static void session_fsm_error(struct l2tp_session *s, lx_ms_t now, const struct l2tp_msg *m)
{
    char why[96];
    s->t->e->st.rx_fsm_errors++;
    snprintf(why, sizeof(why), "unexpected %s in state %s", l2tp_msg_type_name(m->type),
             l2tp_session_state_str(s->state));
    LX_LOG_RL(LX_LOG_NOTICE, "l2tp: session %u in tunnel %u: %s", (unsigned)s->local_id,
              (unsigned)s->t->local_id, why);
    /* §7.4 / §7.5 tables: out-of-sequence call messages: "Send CDN,
     * Clean up". */
    session_close_internal(s, now, L2TP_CDN_GENERAL_ERROR, 0, why, NULL);
}

/* A CDN for this session. bad: the decoder's verdict when the CDN had a
 * malformed or unknown M-bit AVP (NULL when it decoded cleanly); the call
 * is over either way, with the peer's Result Code if it could be read. */
static void rx_cdn(struct l2tp_session *s, const struct l2tp_msg *m,
                   const struct l2tp_dec_result *bad)
{
    struct l2tp_result r;
    memset(&r, 0, sizeof(r));
    char msg[128];
    uint16_t result, error;
    if (l2tp_msg_result(m, &r)) {
        copy_text(r.msg, r.msg_len, msg, sizeof(msg));
        result = r.result;
        error = r.has_error ? r.error : 0;
    } else {
        /* Only a malformed CDN lacks it (it is a MUST AVP). */
        snprintf(msg, sizeof(msg), "%s", bad ? bad->why : "");
        result = bad ? bad->result_code : L2TP_CDN_GENERAL_ERROR;
        error = bad ? bad->error_code : 0;
    }
    /* RFC 3145: the PPP Disconnect Cause Code, "for informational and
     * logging purposes only". A malformed one never got this far: without
     * M it was skipped by the decoder (§7.1, counted in rx_avp_ignored),
     * with M it made the CDN "bad" but is absent here all the same. */
    struct l2tp_disconnect_cause dc;
    struct l2tp_cdn_cause cause;
    memset(&cause, 0, sizeof(cause));
    if (l2tp_msg_disconnect_cause(m, &dc)) {
        cause.set = true;
        cause.code = dc.code;
        cause.proto = dc.proto;
        cause.direction = dc.direction;
        copy_text(dc.msg, dc.msg_len, cause.msg, sizeof(cause.msg));
    }
    char ctext[128] = "";
    if (cause.set)
        snprintf(ctext, sizeof(ctext), "; PPP cause %u proto 0x%04x direction %u%s%s",
                 (unsigned)cause.code, (unsigned)cause.proto, (unsigned)cause.direction,
                 cause.msg[0] ? ": " : "", cause.msg);
    lx_info("l2tp: session %u/%u in tunnel %u: %sCDN received (result %u error %u%s%s%s)",
            (unsigned)s->local_id, (unsigned)s->peer_id, (unsigned)s->t->local_id,
            bad ? "malformed " : "", (unsigned)result, (unsigned)error, msg[0] ? ": " : "", msg,
            ctext);
    /* §5.6: "Clean up"; the channel's ZLB is the only answer. A malformed
     * CDN gets no CDN back (§7.1 asks to end the session, which the peer
     * has already done). */
    session_down(s, false, result, error, msg, &cause);
}

static void rx_wen(struct l2tp_session *s, const struct l2tp_msg *m)
{
    struct l2tp_call_errors ce;
    if (!l2tp_msg_call_errors(m, &ce))
        return;
    struct l2tp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = L2TP_EV_SESSION_WEN;
    ev.tunnel = s->t;
    ev.session = s;
    ev.call_errors[0] = ce.crc;
    ev.call_errors[1] = ce.framing;
    ev.call_errors[2] = ce.hw_overrun;
    ev.call_errors[3] = ce.buf_overrun;
    ev.call_errors[4] = ce.timeout;
    ev.call_errors[5] = ce.alignment;
    l2tp_engine_emit(s->t->e, &ev);
}

static void rx_sli(struct l2tp_session *s, const struct l2tp_msg *m)
{
    struct l2tp_accm a;
    if (!l2tp_msg_accm(m, &a))
        return;
    /* §6.14: "the LAC MUST be able to update its internal call
     * information and behavior on an active PPP session". */
    s->accm_send = a.send;
    s->accm_recv = a.recv;
    struct l2tp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = L2TP_EV_SESSION_SLI;
    ev.tunnel = s->t;
    ev.session = s;
    ev.accm_send = a.send;
    ev.accm_recv = a.recv;
    l2tp_engine_emit(s->t->e, &ev);
}

static void session_fsm(struct l2tp_session *s, lx_ms_t now, const struct l2tp_msg *m)
{
    uint16_t v16;
    switch (m->type) {
    case L2TP_MSG_CDN:
        rx_cdn(s, m, NULL);
        return;
    case L2TP_MSG_WEN:
        /* §6.13: LAC to LNS. */
        if (!s->lac && s->state != L2TP_SESSION_WAIT_REPLY)
            rx_wen(s, m);
        else
            s->t->e->st.rx_fsm_errors++;
        return;
    case L2TP_MSG_SLI:
        /* §6.14: LNS to LAC. */
        if (s->lac && s->state != L2TP_SESSION_WAIT_REPLY)
            rx_sli(s, m);
        else
            s->t->e->st.rx_fsm_errors++;
        return;
    default:
        break;
    }

    switch (s->state) {
    case L2TP_SESSION_WAIT_REPLY:
        if (s->lac && s->incoming && m->type == L2TP_MSG_ICRP) {
            /* §7.4.1 wait-reply + Receive ICRP, acceptable: Send ICCN. */
            if (l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &v16) && v16)
                s->peer_id = v16;
            if (send_connected(s, now) != 0) {
                session_close_internal(s, now, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES,
                                       "cannot send ICCN", NULL);
                return;
            }
            session_up(s, now);
            return;
        }
        if (!s->lac && !s->incoming && m->type == L2TP_MSG_OCRP) {
            /* §7.5.2 wait-reply + Receive OCRP: none, wait-connect. */
            if (l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &v16) && v16)
                s->peer_id = v16;
            parse_call_params(m, s->params);
            s->state = L2TP_SESSION_WAIT_CONNECT;
            return;
        }
        break;
    case L2TP_SESSION_WAIT_CONNECT:
        if (!s->lac && ((s->incoming && m->type == L2TP_MSG_ICCN) ||
                        (!s->incoming && m->type == L2TP_MSG_OCCN))) {
            /* §7.4.2 / §7.5.2 wait-connect + Receive ICCN / OCCN. */
            parse_call_params(m, s->params);
            s->seq_required = s->params->seq_required;
            session_up(s, now);
            return;
        }
        break;
    default:
        break;
    }
    session_fsm_error(s, now, m);
}

/* §7.4.2 / §7.5.1 idle + Receive ICRQ / OCRQ. */
static void rx_new_call(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_msg *m)
{
    struct l2tp_engine *e = t->e;
    bool incoming = m->type == L2TP_MSG_ICRQ;
    uint16_t peer_sid = 0;
    if (!l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &peer_sid) || peer_sid == 0) {
        e->st.rx_bad_avp++;
        return;
    }
    /* We are the LNS of an incoming call, or the LAC of an outgoing one. */
    struct l2tp_session *s = session_alloc(t, now, !incoming, incoming);
    if (s == NULL) {
        /* §4.4.2 CDN Result Code 4, temporary lack of facilities; General
         * Error 4, insufficient resources. The CDN needs an Assigned
         * Session ID: an unused one, since no state is kept. */
        LX_LOG_RL(LX_LOG_WARN, "l2tp: tunnel %u: %s refused, %u sessions", (unsigned)t->local_id,
                  l2tp_msg_type_name(m->type), t->n_sessions);
        send_cdn(t, now, peer_sid, new_session_id(t), L2TP_CDN_NO_FACILITIES_TEMP,
                 L2TP_ERR_NO_RESOURCES, "session limit reached", NULL);
        return;
    }
    s->peer_id = peer_sid;
    parse_call_params(m, s->params);
    bool ok = e->ops->accept_session ? e->ops->accept_session(e->user, s, s->params) : true;
    if (s->state == L2TP_SESSION_CLOSED || !tunnel_usable(t))
        return; /* the callback closed it */
    if (!ok) {
        /* "Receive ICRQ, not acceptable: Send CDN, Clean up". */
        send_cdn(t, now, peer_sid, s->local_id, L2TP_CDN_NO_FACILITIES_TEMP, 0, "call not accepted",
                 NULL);
        session_down(s, true, L2TP_CDN_NO_FACILITIES_TEMP, 0, NULL, NULL);
        return;
    }
    s->visible = true;
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(t, &b, incoming ? L2TP_MSG_ICRP : L2TP_MSG_OCRP);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, s->local_id);
    if (!incoming && s->params->physical_channel)
        l2tp_mb_u32(&b, L2TP_AVP_PHYSICAL_CHANNEL_ID, s->params->physical_channel);
    s->state = incoming ? L2TP_SESSION_WAIT_CONNECT : L2TP_SESSION_WAIT_CS_ANSWER;
    if (l2tp_tunnel_send_msg(t, now, peer_sid, &b) != 0)
        session_down(s, true, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES, "cannot send reply",
                     NULL);
}

/* A call message whose Session ID we do not know. */
static void rx_unknown_session(struct l2tp_tunnel *t, lx_ms_t now, uint16_t sid,
                               const struct l2tp_msg *m)
{
    struct l2tp_engine *e = t->e;
    uint16_t peer_sid = 0;
    e->st.rx_unknown_session++;
    LX_LOG_RL(LX_LOG_INFO, "l2tp: tunnel %u: %s for unknown session %u", (unsigned)t->local_id,
              l2tp_msg_type_name(m->type), (unsigned)sid);
    /* §7.4.1 / §7.5.1 / §7.5.2 idle + Receive ICRP / OCRP: "Send CDN";
     * §4.4.2 General Error 5, invalid Session ID. ICCN, OCCN, CDN for an
     * idle call: "Clean up", i.e. nothing. */
    if ((m->type == L2TP_MSG_ICRP || m->type == L2TP_MSG_OCRP) &&
        l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &peer_sid) && peer_sid && sid)
        send_cdn(t, now, peer_sid, sid, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_INVALID_SESSION_ID,
                 "no such session", NULL);
}

/* §5.3: a CDN sent before the peer learnt our Session ID (header Session
 * ID 0) names the call by its own Assigned Session ID; only calls still
 * being set up can be in that position. */
static struct l2tp_session *early_cdn_session(const struct l2tp_tunnel *t, const struct l2tp_msg *m)
{
    uint16_t peer_sid = 0;
    if (!l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &peer_sid) || peer_sid == 0)
        return NULL;
    for (struct l2tp_session *s = t->setup_head; s; s = s->setup_next)
        if (s->peer_id == peer_sid)
            return s;
    return NULL;
}

void l2tp_session_handle_msg(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                             const struct l2tp_msg *m)
{
    if (session_id == 0) {
        if (m->type == L2TP_MSG_ICRQ || m->type == L2TP_MSG_OCRQ) {
            rx_new_call(t, now, m);
            return;
        }
        struct l2tp_session *s = m->type == L2TP_MSG_CDN ? early_cdn_session(t, m) : NULL;
        if (s)
            rx_cdn(s, m, NULL);
        else
            rx_unknown_session(t, now, 0, m);
        return;
    }
    struct l2tp_session *s = find_session(t, session_id);
    if (s == NULL) {
        rx_unknown_session(t, now, session_id, m);
        return;
    }
    session_fsm(s, now, m);
}

/* A session-scope decode error (§4.2 unknown M-bit AVP, §7.1 malformed
 * AVP with M set): CDN with the codes the decoder chose. A CDN with such
 * an AVP (e.g. a PPP Disconnect Cause Code of a wrong length sent with M,
 * which RFC 3145 §2 forbids) still ends its call as the peer meant: no
 * CDN goes back for a call the peer has already cleared. */
void l2tp_session_dec_error(struct l2tp_tunnel *t, lx_ms_t now, uint16_t session_id,
                            const struct l2tp_msg *m, const struct l2tp_dec_result *res)
{
    uint16_t result = L2TP_CDN_GENERAL_ERROR;
    if (m->type == L2TP_MSG_CDN) {
        struct l2tp_session *s =
            session_id != 0 ? find_session(t, session_id) : early_cdn_session(t, m);
        if (s)
            rx_cdn(s, m, res);
        else
            rx_unknown_session(t, now, session_id, m);
        return;
    }
    if (session_id == 0) {
        /* The first message of a call: refuse the call, keep no state. */
        uint16_t peer_sid = 0;
        if (l2tp_msg_u16(m, L2TP_AVP_ASSIGNED_SESSION_ID, &peer_sid) && peer_sid)
            send_cdn(t, now, peer_sid, new_session_id(t), result, res->error_code, res->why, NULL);
        return;
    }
    struct l2tp_session *s = find_session(t, session_id);
    if (s == NULL) {
        t->e->st.rx_unknown_session++;
        return;
    }
    session_close_internal(s, now, result, res->error_code, res->why, NULL);
}

/* §7.2.1 "Send tunnel-open event to waiting sessions": §7.4.1 / §7.5.2
 * wait-tunnel + tunnel-open: send ICRQ / OCRQ. */
void l2tp_session_tunnel_up(struct l2tp_tunnel *t, lx_ms_t now)
{
    for (;;) {
        if (!tunnel_usable(t))
            return;
        struct l2tp_session *s = t->setup_head;
        while (s && s->state != L2TP_SESSION_WAIT_TUNNEL)
            s = s->setup_next;
        if (s == NULL)
            return;
        if (send_request(s, now) != 0)
            session_down(s, true, L2TP_CDN_NO_FACILITIES_TEMP, L2TP_ERR_NO_RESOURCES,
                         "cannot send call request", NULL);
    }
}

void l2tp_session_tunnel_down(struct l2tp_tunnel *t, bool local, uint16_t result, uint16_t error,
                              const char *msg)
{
    char why[128];
    snprintf(why, sizeof(why), "tunnel closed%s%s", msg && *msg ? ": " : "", msg ? msg : "");
    while (t->s_head)
        session_down(t->s_head, local, result, error, why, NULL);
}

void l2tp_session_setup_timeouts(struct l2tp_tunnel *t, lx_ms_t now)
{
    while (t->setup_head && t->setup_head->setup_deadline <= now && !t->down) {
        struct l2tp_session *s = t->setup_head;
        LX_LOG_RL(LX_LOG_NOTICE, "l2tp: session %u in tunnel %u: setup timed out in %s",
                  (unsigned)s->local_id, (unsigned)t->local_id, l2tp_session_state_str(s->state));
        /* §4.4.2 CDN Result Code 10: not established within the time
         * allotted. */
        session_close_internal(s, now, L2TP_CDN_TIMEOUT, 0, "session setup timed out", NULL);
    }
}

/* ---- Commands ---- */

static struct l2tp_session *place_call(struct l2tp_engine *e, lx_ms_t now, struct l2tp_tunnel *t,
                                       const struct l2tp_call_params *p, bool incoming)
{
    if (t == NULL || t->down || t->reaped || t->state == L2TP_TUNNEL_CLOSING ||
        t->state == L2TP_TUNNEL_CLOSED || e->shutting_down)
        return NULL;
    l2tp_engine_enter(e);
    e->now = now;
    /* An incoming call is placed by the LAC, an outgoing one by the LNS. */
    struct l2tp_session *s = session_alloc(t, now, incoming, incoming);
    if (s == NULL)
        goto out;
    if (p)
        *s->params = *p;
    s->seq_required = s->lac && (s->params->seq_required || t->cfg->seq_required);
    s->visible = true;
    if (t->state != L2TP_TUNNEL_ESTABLISHED) {
        s->state = L2TP_SESSION_WAIT_TUNNEL;
        goto out;
    }
    if (send_request(s, now) != 0) {
        s->visible = false; /* the caller gets NULL: no event either */
        session_down(s, true, L2TP_CDN_NO_FACILITIES_TEMP, L2TP_ERR_NO_RESOURCES, NULL, NULL);
        s = NULL;
    }
out:
    l2tp_engine_leave(e);
    return s;
}

struct l2tp_session *l2tp_session_incoming_call(struct l2tp_engine *e, lx_ms_t now,
                                                struct l2tp_tunnel *t,
                                                const struct l2tp_call_params *p)
{
    return place_call(e, now, t, p, true);
}

struct l2tp_session *l2tp_session_outgoing_call(struct l2tp_engine *e, lx_ms_t now,
                                                struct l2tp_tunnel *t,
                                                const struct l2tp_call_params *p)
{
    return place_call(e, now, t, p, false);
}

void l2tp_session_outgoing_answered(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                                    const struct l2tp_call_params *p)
{
    if (s == NULL || s->state != L2TP_SESSION_WAIT_CS_ANSWER || !tunnel_usable(s->t))
        return;
    l2tp_engine_enter(e);
    e->now = now;
    if (p) {
        s->params->tx_connect_speed = p->tx_connect_speed;
        s->params->rx_connect_speed = p->rx_connect_speed;
        s->params->framing_type = p->framing_type;
        s->params->seq_required = p->seq_required;
    }
    s->seq_required = s->params->seq_required || s->t->cfg->seq_required;
    /* §7.5.1 wait-cs-answer + Bearer answer, framing detected: Send OCCN. */
    if (send_connected(s, now) != 0)
        session_close_internal(s, now, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES,
                               "cannot send OCCN", NULL);
    else
        session_up(s, now);
    l2tp_engine_leave(e);
}

static bool session_can_notify(const struct l2tp_session *s)
{
    return s && s->state != L2TP_SESSION_CLOSED && s->peer_id != 0 && tunnel_usable(s->t);
}

int l2tp_session_send_sli(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                          uint32_t accm_send, uint32_t accm_recv)
{
    if (!session_can_notify(s) || s->lac)
        return -1;
    l2tp_engine_enter(e);
    e->now = now;
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(s->t, &b, L2TP_MSG_SLI);
    l2tp_mb_accm(&b, accm_send, accm_recv);
    int rc = l2tp_tunnel_send_msg(s->t, now, s->peer_id, &b);
    l2tp_engine_leave(e);
    return rc;
}

int l2tp_session_send_wen(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                          const uint32_t errors[6])
{
    if (!session_can_notify(s) || !s->lac)
        return -1;
    l2tp_engine_enter(e);
    e->now = now;
    struct l2tp_call_errors ce = {
        .crc = errors[0],
        .framing = errors[1],
        .hw_overrun = errors[2],
        .buf_overrun = errors[3],
        .timeout = errors[4],
        .alignment = errors[5],
    };
    struct l2tp_msg_builder b;
    l2tp_tunnel_mb_init(s->t, &b, L2TP_MSG_WEN);
    l2tp_mb_call_errors(&b, &ce);
    int rc = l2tp_tunnel_send_msg(s->t, now, s->peer_id, &b);
    l2tp_engine_leave(e);
    return rc;
}

/* ---- Data messages (§5.3, §5.4) ---- */

void l2tp_session_data_input(struct l2tp_tunnel *t, lx_ms_t now, const struct l2tp_hdr *h,
                             const uint8_t *pkt)
{
    struct l2tp_engine *e = t->e;
    if (t->down || t->state != L2TP_TUNNEL_ESTABLISHED) {
        e->st.rx_data_dropped++;
        return;
    }
    struct l2tp_session *s = find_session(t, h->session_id);
    if (s == NULL) {
        e->st.rx_unknown_session++;
        e->st.rx_data_dropped++;
        LX_LOG_RL(LX_LOG_INFO, "l2tp: tunnel %u: data for unknown session %u",
                  (unsigned)t->local_id, (unsigned)h->session_id);
        return;
    }
    if (s->state != L2TP_SESSION_ESTABLISHED) {
        e->st.rx_data_dropped++;
        return;
    }
    /* §5.5: data counts as activity for the keepalive. */
    l2tp_ctrl_note_rx_activity(t->ctrl, now);
    if (h->has_seq) {
        /* §5.4: sequence numbers detect loss and reordering; data is
         * never retransmitted, so a late or duplicate message (Ns before
         * the next expected) is dropped and the gap after a loss is
         * accepted. */
        if (s->rx_seq_init && l2tp_seq_lt(h->ns, s->nr_expect)) {
            /* A peer that restarts its Ns (some LACs do when they turn
             * sequencing off and on, or after a failover) would have
             * everything dropped for up to 32767 messages: after a run
             * of "late" messages with nothing in between, follow it. */
            if (++s->rx_seq_oos <= L2TP_SESSION_SEQ_OOS_MAX) {
                s->rx_seq_drops++;
                e->st.rx_data_dropped++;
                return;
            }
        }
        s->rx_seq_oos = 0;
        s->rx_seq_init = true;
        s->nr_expect = (uint16_t)(h->ns + 1);
    }
    /* §5.4: without Sequencing Required the LNS decides; "if the LAC
     * receives a data message without sequence numbers present, it MUST
     * stop sending sequence numbers", and start again when they return. */
    if (s->lac && !s->seq_required)
        s->seq_tx = h->has_seq;
    /* Byte counters count whole L2TP data messages (header included),
     * the same way both transmit paths do. */
    uint64_t bytes = h->payload_off + h->payload_len;
    s->rx_pkts++;
    s->rx_bytes += bytes;
    t->rx_data_pkts++;
    t->rx_data_bytes += bytes;
    if (e->ops->data)
        e->ops->data(e->user, s, pkt + h->payload_off, h->payload_len);
}

/* RFC 2661 §3.1 / §5.4: the data header a session sends: L bit when the
 * tunnel's config asks for it, S bit with Ns when the session sequences
 * (Nr is reserved in data messages: sent as 0), never O or P. Returns its
 * length (6..12); hdr needs room for L2TP_DATA_HDR_MAX bytes. Consumes an
 * Ns and counts the message (header included) in the tx counters. */
#define L2TP_DATA_HDR_MAX 12
static size_t data_header(struct l2tp_session *s, struct l2tp_tunnel *t, uint8_t *hdr,
                          size_t payload_len)
{
    bool with_len = t->cfg->data_len_bit;
    bool with_seq = s->seq_tx;
    size_t hl = 6 + (with_len ? 2u : 0u) + (with_seq ? 4u : 0u);
    uint16_t flags = L2TP_VERSION | (with_len ? L2TP_HDR_L : 0) | (with_seq ? L2TP_HDR_S : 0);
    size_t o = 0;
    hdr[o++] = (uint8_t)(flags >> 8);
    hdr[o++] = (uint8_t)flags;
    if (with_len) {
        /* §3.1: Length is the whole message, header included. */
        uint16_t total = (uint16_t)(hl + payload_len);
        hdr[o++] = (uint8_t)(total >> 8);
        hdr[o++] = (uint8_t)total;
    }
    hdr[o++] = (uint8_t)(t->peer_id >> 8);
    hdr[o++] = (uint8_t)t->peer_id;
    hdr[o++] = (uint8_t)(s->peer_id >> 8);
    hdr[o++] = (uint8_t)s->peer_id;
    if (with_seq) {
        uint16_t ns = s->ns_tx++;
        hdr[o++] = (uint8_t)(ns >> 8);
        hdr[o++] = (uint8_t)ns;
        hdr[o++] = 0;
        hdr[o++] = 0;
    }
    uint64_t bytes = hl + payload_len;
    s->tx_pkts++;
    s->tx_bytes += bytes;
    t->tx_data_pkts++;
    t->tx_data_bytes += bytes;
    return hl;
}

/* What both transmit paths check: an established call on a usable tunnel,
 * and a message that fits the 16-bit Length (§3.1). */
static bool data_tx_ok(const struct l2tp_session *s, size_t payload_len)
{
    return s != NULL && s->state == L2TP_SESSION_ESTABLISHED && tunnel_usable(s->t) &&
           payload_len <= L2TP_MAX_PACKET - L2TP_DATA_HDR_MAX;
}

int l2tp_session_send_data(struct l2tp_engine *e, struct l2tp_session *s, const uint8_t *frame,
                           size_t len)
{
    if (!data_tx_ok(s, len))
        return -1;
    struct l2tp_tunnel *t = s->t;
    size_t hl = data_header(s, t, e->databuf, len);
    memcpy(e->databuf + hl, frame, len);
    e->ops->send(e->user, &t->local, &t->peer, e->databuf, hl + len);
    return 0;
}

size_t l2tp_session_data_header(struct l2tp_session *s, uint8_t *hdr, size_t cap,
                                size_t payload_len, const struct l2tp_addr **local,
                                const struct l2tp_addr **peer)
{
    if (!data_tx_ok(s, payload_len))
        return 0;
    struct l2tp_tunnel *t = s->t;
    size_t need = 6 + (t->cfg->data_len_bit ? 2u : 0u) + (s->seq_tx ? 4u : 0u);
    if (hdr == NULL || cap < need)
        return 0;
    size_t hl = data_header(s, t, hdr, payload_len);
    if (local)
        *local = &t->local;
    if (peer)
        *peer = &t->peer;
    return hl;
}

/* ---- Introspection ---- */

void l2tp_session_get_info(const struct l2tp_session *s, struct l2tp_session_info *info)
{
    memset(info, 0, sizeof(*info));
    info->local_id = s->local_id;
    info->peer_id = s->peer_id;
    info->tunnel_local_id = s->t->local_id;
    info->state = s->state;
    info->lac = s->lac;
    info->incoming = s->incoming;
    info->seq = s->seq_tx;
    info->created_ms = s->created_ms;
    info->established_ms = s->established_ms;
    info->rx_pkts = s->rx_pkts;
    info->tx_pkts = s->tx_pkts;
    info->rx_bytes = s->rx_bytes;
    info->tx_bytes = s->tx_bytes;
    info->rx_seq_drops = s->rx_seq_drops;
}

struct l2tp_tunnel *l2tp_session_tunnel(const struct l2tp_session *s)
{
    return s->t;
}

void l2tp_session_set_user(struct l2tp_session *s, void *user)
{
    s->user = user;
}

void *l2tp_session_get_user(const struct l2tp_session *s)
{
    return s->user;
}

void l2tp_tunnel_foreach_session(struct l2tp_tunnel *t,
                                 bool (*fn)(void *arg, struct l2tp_session *s), void *arg)
{
    if (t->down)
        return;
    for (struct l2tp_session *s = t->s_head, *next; s; s = next) {
        next = s->next;
        if (!fn(arg, s))
            break;
    }
}
