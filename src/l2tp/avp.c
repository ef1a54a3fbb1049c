/* RFC 2661 §4: control message decoding, typed getters, the builder and a
 * one-line formatter. Table-driven by avp_table.c and msg_table.c.
 *
 * Reactions to bad input (what l2tp_dec_result asks the engine to do):
 *
 *  - §4.1/§4.2: an unrecognised AVP (unknown type, non-zero Vendor ID we do
 *    not know, or a reserved flag bit set) with M set ends the session when
 *    the message belongs to one (header Session ID != 0), the tunnel
 *    otherwise: Result Code 2 "General error", Error Code 8, and the Error
 *    Message names the AVP. Without M it is skipped.
 *  - §7.1: "a malformed AVP ... with the M-bit set, the session or tunnel
 *    should be terminated with a proper Result or Error Code sent. If the
 *    M-bit is not set, the AVP should be ignored". So bad value lengths
 *    (Error Code 2 "Length is wrong"), out-of-range values (Error Code 3)
 *    and hidden values we cannot reveal (3, or 2 for a bad revealed length)
 *    are fatal only when the received AVP carries M.
 *  - §7.1: an AVP header that breaks the framing (Length < 6 or past the
 *    end) makes the message unrecoverable: the control connection is
 *    cleared (Error Code 2). Same when the Message Type is not first or is
 *    malformed (§4.4.1), since nothing else in the message can be trusted.
 *  - §4.4.1: unknown Message Type with M set: the tunnel MUST be cleared
 *    (Error Code 3, the value is out of range); M clear: ignore the message.
 *  - §6 / §7.1: a MUST AVP missing. No General Error Code is specific to
 *    this; §4.4.2 says the codes pertain to "protocol or message format
 *    errors" and we pick 2 "Length is wrong": the message is shorter than
 *    its type requires. Result Code 2 "General error" (StopCCN) / "Call
 *    disconnected for the reason indicated in error code" (CDN); the Error
 *    Message names the missing AVP.
 *
 * Decoding does not stop at the first per-AVP fatal error: the rest of the
 * message is still parsed (first error kept) so that the engine has, e.g.,
 * the peer's Assigned Session ID to address the CDN it must send. */
#include "l2tp/avp.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/rand.h"

#define VMAX (L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN)

/* ---- Decoding ------------------------------------------------------------ */

const char *l2tp_dec_status_str(enum l2tp_dec_status st)
{
    switch (st) {
    case L2TP_DEC_OK:
        return "ok";
    case L2TP_DEC_ZLB:
        return "zero-length body";
    case L2TP_DEC_BAD_FIRST_AVP:
        return "first AVP is not a Message Type";
    case L2TP_DEC_BAD_AVP_HEADER:
        return "malformed AVP header";
    case L2TP_DEC_BAD_AVP_LEN:
        return "AVP value length out of bounds";
    case L2TP_DEC_BAD_VALUE:
        return "AVP value out of range";
    case L2TP_DEC_UNKNOWN_MANDATORY:
        return "unknown mandatory AVP";
    case L2TP_DEC_UNKNOWN_MSG_TYPE:
        return "unknown message type";
    case L2TP_DEC_MISSING_MANDATORY:
        return "missing mandatory AVP";
    case L2TP_DEC_HIDDEN_NO_VECTOR:
        return "hidden AVP without Random Vector";
    case L2TP_DEC_HIDDEN_NO_SECRET:
        return "hidden AVP but no shared secret";
    case L2TP_DEC_HIDDEN_BAD:
        return "hidden AVP with bad original length";
    case L2TP_DEC_DUPLICATE_AVP:
        return "duplicate AVP";
    }
    return "?";
}

static const char *avp_name(uint16_t vendor, uint16_t type)
{
    const struct l2tp_avp_desc *d = l2tp_avp_lookup(vendor, type);
    return d != NULL ? d->name : "unknown";
}

/* Records a fatal condition (the first one wins). `scope_by_session` picks
 * the §4.2 scope from the header Session ID; otherwise the tunnel goes. */
static void set_error(struct l2tp_dec_result *res, enum l2tp_dec_status st, bool scope_by_session,
                      uint16_t session_id, uint16_t error_code, uint16_t vendor, uint16_t type)
{
    if (res->status != L2TP_DEC_OK)
        return;
    res->status = st;
    res->scope =
        (scope_by_session && session_id != 0) ? L2TP_TEARDOWN_SESSION : L2TP_TEARDOWN_TUNNEL;
    /* StopCCN Result 2 "General error--Error Code indicates the problem"
     * and CDN Result 2 "Call disconnected for the reason indicated in
     * error code" share the value (§4.4.2). */
    res->result_code =
        res->scope == L2TP_TEARDOWN_SESSION ? L2TP_CDN_GENERAL_ERROR : L2TP_STOPCCN_GENERAL_ERROR;
    res->error_code = error_code;
    res->avp_vendor = vendor;
    res->avp_type = type;
    switch (st) {
    case L2TP_DEC_UNKNOWN_MANDATORY:
        /* §4.4.2 Error Code 8: "The Error Message SHOULD contain the
         * attribute of the offending AVP in (human readable) text form." */
        snprintf(res->why, sizeof res->why, "unknown mandatory AVP %u (vendor %u)", type, vendor);
        break;
    case L2TP_DEC_MISSING_MANDATORY:
        snprintf(res->why, sizeof res->why, "missing mandatory AVP %u (%s)", type,
                 avp_name(vendor, type));
        break;
    default:
        snprintf(res->why, sizeof res->why, "%s: AVP %u (%s)", l2tp_dec_status_str(st), type,
                 vendor != 0 ? "vendor" : avp_name(vendor, type));
        break;
    }
}

/* §7.1: a malformed or unreadable AVP is fatal only when its M bit is set;
 * otherwise it is ignored as if absent. */
static void avp_fault(struct l2tp_dec_result *res, bool m_bit, enum l2tp_dec_status st,
                      uint16_t session_id, uint16_t error_code, uint16_t vendor, uint16_t type)
{
    if (m_bit)
        set_error(res, st, true, session_id, error_code, vendor, type);
    else
        res->n_ignored++;
}

/* §4.4.3 / §4.4.4: "a 2 octet non-zero unsigned integer". Zero is refused
 * where the AVP assigns an ID; StopCCN and CDN merely echo the ID first
 * sent and are accepted whatever it is (a peer tearing down early may not
 * have one), to stay liberal on receipt. */
static bool value_ok(uint16_t msg_type, uint16_t type, const uint8_t *val)
{
    if (type == L2TP_AVP_ASSIGNED_TUNNEL_ID)
        return lx_get_u16(val) != 0 || msg_type == L2TP_MSG_STOPCCN;
    if (type == L2TP_AVP_ASSIGNED_SESSION_ID)
        return lx_get_u16(val) != 0 || msg_type == L2TP_MSG_CDN;
    return true;
}

/* Kind-specific length rules the min/max bounds cannot express. */
static bool len_ok(const struct l2tp_avp_desc *d, size_t len)
{
    if (len < d->min_val_len || len > d->max_val_len)
        return false;
    /* §4.4.2: Length 8, 10, or 10 + message: never a half Error Code. */
    if (d->kind == L2TP_AVPK_RESULT && len == 3)
        return false;
    return true;
}

static void clear_msg(struct l2tp_msg *m)
{
    m->type = L2TP_MSG_ZLB;
    m->present = 0;
    memset(m->avp, 0, sizeof m->avp);
    m->n_vendor = 0;
    m->scratch_used = 0;
}

enum l2tp_dec_status l2tp_msg_decode(struct l2tp_msg *m, const uint8_t *body, size_t len,
                                     uint16_t session_id, const uint8_t *secret, size_t secret_len,
                                     struct l2tp_dec_result *res)
{
    memset(res, 0, sizeof *res);
    clear_msg(m);

    /* §5.8: a control message with no AVPs is a ZLB acknowledgement. */
    if (len == 0) {
        res->status = L2TP_DEC_ZLB;
        return res->status;
    }

    struct lx_rd r;
    lx_rd_init(&r, body, len);
    const uint8_t *rv = NULL; /* §4.3: the closest preceding Random Vector */
    size_t rv_len = 0;
    bool have_rv = false;
    bool first = true;

    while (lx_rd_left(&r) > 0) {
        uint16_t fl = lx_rd_u16(&r);
        uint16_t vendor = lx_rd_u16(&r);
        uint16_t type = lx_rd_u16(&r);
        size_t alen = fl & L2TP_AVP_LEN_MASK;
        bool m_bit = (fl & L2TP_AVP_FLAG_M) != 0;
        bool h_bit = (fl & L2TP_AVP_FLAG_H) != 0;
        bool rsvd = (fl & L2TP_AVP_RSVD_MASK) != 0;
        const uint8_t *val = NULL;
        if (!r.err && alen >= L2TP_AVP_HDR_LEN)
            val = lx_rd_ptr(&r, alen - L2TP_AVP_HDR_LEN);
        if (r.err || alen < L2TP_AVP_HDR_LEN) {
            /* §4.1: "The minimum Length of an AVP is 6"; a Length past the
             * end (or trailing bytes too short for an AVP header) loses the
             * framing of everything after it. */
            res->status = L2TP_DEC_OK; /* overrides a softer error found earlier */
            set_error(res, L2TP_DEC_BAD_AVP_HEADER, false, session_id, L2TP_ERR_BAD_LENGTH, vendor,
                      type);
            return res->status;
        }
        size_t vlen = alen - L2TP_AVP_HDR_LEN;
        struct l2tp_avp_ref ref = {.vendor = vendor,
                                   .type = type,
                                   .m = m_bit,
                                   .h = h_bit,
                                   .len = (uint16_t)vlen,
                                   .val = val};

        if (first) {
            first = false;
            /* §4.1/§4.4.1: the Message Type AVP MUST come first, is never
             * hidden and is 8 octets long. A reserved bit set makes it
             * "unrecognized" (§4.1), i.e. not a Message Type. */
            if (vendor != 0 || type != L2TP_AVP_MESSAGE_TYPE || rsvd || h_bit) {
                set_error(res, L2TP_DEC_BAD_FIRST_AVP, false, session_id, L2TP_ERR_BAD_VALUE,
                          vendor, type);
                return res->status;
            }
            if (vlen != 2) {
                set_error(res, L2TP_DEC_BAD_AVP_LEN, false, session_id, L2TP_ERR_BAD_LENGTH, vendor,
                          type);
                return res->status;
            }
            m->type = lx_get_u16(val);
            m->avp[L2TP_AVP_MESSAGE_TYPE] = ref;
            m->present |= L2TP_AVP_BIT(L2TP_AVP_MESSAGE_TYPE);
            if (l2tp_msg_lookup(m->type) == NULL) {
                /* §4.4.1: M set on an unknown Message Type: "the tunnel MUST
                 * be cleared"; M clear: the message "may" be ignored. */
                if (m_bit) {
                    set_error(res, L2TP_DEC_UNKNOWN_MSG_TYPE, false, session_id, L2TP_ERR_BAD_VALUE,
                              vendor, type);
                    snprintf(res->why, sizeof res->why, "unknown mandatory message type %u",
                             m->type);
                } else {
                    res->status = L2TP_DEC_UNKNOWN_MSG_TYPE;
                    res->scope = L2TP_TEARDOWN_NONE;
                    snprintf(res->why, sizeof res->why, "unknown message type %u ignored", m->type);
                }
                return res->status;
            }
            continue;
        }

        /* §4.1: "An AVP received with a reserved bit set to 1 MUST be
         * treated as an unrecognized AVP." Vendor ID is always part of the
         * key: a vendor AVP is never taken for the IETF AVP of the same
         * number. */
        const struct l2tp_avp_desc *d = rsvd ? NULL : l2tp_avp_lookup(vendor, type);
        if (d == NULL) {
            if (m_bit) {
                set_error(res, L2TP_DEC_UNKNOWN_MANDATORY, true, session_id,
                          L2TP_ERR_UNKNOWN_MANDATORY_AVP, vendor, type);
            } else if (vendor != 0 && !rsvd && m->n_vendor < L2TP_MSG_MAX_VENDOR_AVPS) {
                /* Kept as received (hidden or not) for whoever knows it. */
                m->vendor[m->n_vendor++] = ref;
            } else {
                res->n_ignored++;
            }
            continue;
        }

        if (type == L2TP_AVP_RANDOM_VECTOR && !h_bit) {
            /* §4.3: a hidden AVP uses the closest preceding vector. */
            rv = val;
            rv_len = vlen;
            have_rv = true;
        }

        if (h_bit) {
            /* §4.3: "a Random Vector AVP ... MUST precede the first AVP
             * having an H bit of 1"; the H bit "MUST only be set if a
             * shared secret exists". */
            if (!have_rv) {
                avp_fault(res, m_bit, L2TP_DEC_HIDDEN_NO_VECTOR, session_id, L2TP_ERR_BAD_VALUE,
                          vendor, type);
                continue;
            }
            if (secret == NULL || secret_len == 0) {
                avp_fault(res, m_bit, L2TP_DEC_HIDDEN_NO_SECRET, session_id, L2TP_ERR_BAD_VALUE,
                          vendor, type);
                continue;
            }
            uint8_t *dst = m->scratch + m->scratch_used;
            long n = l2tp_avp_reveal(type, secret, secret_len, rv, rv_len, val, vlen, dst,
                                     sizeof m->scratch - m->scratch_used);
            if (n < 0) {
                avp_fault(res, m_bit, L2TP_DEC_HIDDEN_BAD, session_id, L2TP_ERR_BAD_LENGTH, vendor,
                          type);
                continue;
            }
            m->scratch_used += (size_t)n;
            val = dst;
            vlen = (size_t)n;
            ref.val = dst;
            ref.len = (uint16_t)vlen;
        }

        if (!len_ok(d, vlen)) {
            avp_fault(res, m_bit, L2TP_DEC_BAD_AVP_LEN, session_id, L2TP_ERR_BAD_LENGTH, vendor,
                      type);
            continue;
        }
        if (!value_ok(m->type, type, val)) {
            avp_fault(res, m_bit, L2TP_DEC_BAD_VALUE, session_id, L2TP_ERR_BAD_VALUE, vendor, type);
            continue;
        }
        if (l2tp_msg_has(m, type)) {
            /* The same AVP twice: keep the first, count the rest. Several
             * Random Vectors are legal (§4.4.1) and not counted. */
            if (type != L2TP_AVP_RANDOM_VECTOR)
                res->n_duplicate++;
            continue;
        }
        m->avp[type] = ref;
        m->present |= L2TP_AVP_BIT(type);
    }

    if (res->status != L2TP_DEC_OK)
        return res->status;

    const struct l2tp_msg_desc *md = l2tp_msg_lookup(m->type);
    uint64_t missing = md->must & ~m->present;
    if (missing != 0) {
        uint16_t t = (uint16_t)__builtin_ctzll(missing);
        set_error(res, L2TP_DEC_MISSING_MANDATORY, true, session_id, L2TP_ERR_BAD_LENGTH, 0, t);
    }
    return res->status;
}

/* ---- Typed getters --------------------------------------------------------- */

static const struct l2tp_avp_ref *get(const struct l2tp_msg *m, unsigned type, size_t min,
                                      size_t max)
{
    if (!l2tp_msg_has(m, type))
        return NULL;
    const struct l2tp_avp_ref *a = &m->avp[type];
    if (a->len < min || a->len > max)
        return NULL;
    return a;
}

bool l2tp_msg_u8(const struct l2tp_msg *m, unsigned type, uint8_t *v)
{
    const struct l2tp_avp_ref *a = get(m, type, 1, 1);
    if (a == NULL)
        return false;
    *v = a->val[0];
    return true;
}

bool l2tp_msg_u16(const struct l2tp_msg *m, unsigned type, uint16_t *v)
{
    const struct l2tp_avp_ref *a = get(m, type, 2, 2);
    if (a == NULL)
        return false;
    *v = lx_get_u16(a->val);
    return true;
}

bool l2tp_msg_u32(const struct l2tp_msg *m, unsigned type, uint32_t *v)
{
    const struct l2tp_avp_ref *a = get(m, type, 4, 4);
    if (a == NULL)
        return false;
    *v = lx_get_u32(a->val);
    return true;
}

bool l2tp_msg_u64(const struct l2tp_msg *m, unsigned type, uint64_t *v)
{
    const struct l2tp_avp_ref *a = get(m, type, 8, 8);
    if (a == NULL)
        return false;
    *v = ((uint64_t)lx_get_u32(a->val) << 32) | lx_get_u32(a->val + 4);
    return true;
}

bool l2tp_msg_bytes(const struct l2tp_msg *m, unsigned type, const uint8_t **p, size_t *len)
{
    const struct l2tp_avp_ref *a = get(m, type, 0, VMAX);
    if (a == NULL)
        return false;
    *p = a->val;
    *len = a->len;
    return true;
}

bool l2tp_msg_str(const struct l2tp_msg *m, unsigned type, char *out, size_t cap)
{
    const struct l2tp_avp_ref *a = get(m, type, 0, VMAX);
    if (a == NULL || cap == 0)
        return false;
    size_t n = a->len < cap - 1 ? a->len : cap - 1;
    if (n)
        memcpy(out, a->val, n);
    out[n] = '\0';
    return true;
}

bool l2tp_msg_result(const struct l2tp_msg *m, struct l2tp_result *r)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_RESULT_CODE, 2, VMAX);
    if (a == NULL || a->len == 3)
        return false;
    r->result = lx_get_u16(a->val);
    r->has_error = a->len >= 4;
    r->error = r->has_error ? lx_get_u16(a->val + 2) : 0;
    r->msg = a->len > 4 ? a->val + 4 : NULL;
    r->msg_len = a->len > 4 ? a->len - 4u : 0;
    return true;
}

bool l2tp_msg_accm(const struct l2tp_msg *m, struct l2tp_accm *acc)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_ACCM, 10, 10);
    if (a == NULL)
        return false;
    /* §4.4.6: 2 reserved octets, then Send ACCM and Receive ACCM. */
    acc->send = lx_get_u32(a->val + 2);
    acc->recv = lx_get_u32(a->val + 6);
    return true;
}

bool l2tp_msg_proto_version(const struct l2tp_msg *m, struct l2tp_proto_version *v)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_PROTOCOL_VERSION, 2, 2);
    if (a == NULL)
        return false;
    v->ver = a->val[0];
    v->rev = a->val[1];
    return true;
}

bool l2tp_msg_call_errors(const struct l2tp_msg *m, struct l2tp_call_errors *e)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_CALL_ERRORS, 26, 26);
    if (a == NULL)
        return false;
    /* §4.4.6: 2 reserved octets, then six 32-bit counters. */
    const uint8_t *p = a->val + 2;
    e->crc = lx_get_u32(p);
    e->framing = lx_get_u32(p + 4);
    e->hw_overrun = lx_get_u32(p + 8);
    e->buf_overrun = lx_get_u32(p + 12);
    e->timeout = lx_get_u32(p + 16);
    e->alignment = lx_get_u32(p + 20);
    return true;
}

bool l2tp_msg_q931(const struct l2tp_msg *m, struct l2tp_q931 *q)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_Q931_CAUSE, 3, VMAX);
    if (a == NULL)
        return false;
    q->cause = lx_get_u16(a->val);
    q->msg = a->val[2];
    q->advisory = a->len > 3 ? a->val + 3 : NULL;
    q->advisory_len = a->len - 3u;
    return true;
}

bool l2tp_msg_disconnect_cause(const struct l2tp_msg *m, struct l2tp_disconnect_cause *dc)
{
    const struct l2tp_avp_ref *a = get(m, L2TP_AVP_PPP_DISCONNECT_CAUSE, 5, VMAX);
    if (a == NULL)
        return false;
    dc->code = lx_get_u16(a->val);
    dc->proto = lx_get_u16(a->val + 2);
    dc->direction = a->val[4];
    dc->msg = a->len > 5 ? a->val + 5 : NULL;
    dc->msg_len = a->len - 5u;
    return true;
}

/* ---- Builder ----------------------------------------------------------------- */

/* Appends one AVP header + value; the only place that writes the buffer. */
static void mb_put(struct l2tp_msg_builder *b, uint16_t vendor, uint16_t type, bool m, bool h,
                   const uint8_t *val, size_t len)
{
    if (b->err)
        return;
    if (len > VMAX || b->cap - b->len < L2TP_AVP_HDR_LEN + len) {
        b->err = true;
        return;
    }
    uint16_t fl = (uint16_t)(L2TP_AVP_HDR_LEN + len);
    if (m)
        fl |= L2TP_AVP_FLAG_M;
    if (h)
        fl |= L2TP_AVP_FLAG_H;
    uint8_t *p = b->buf + b->len;
    lx_put_u16(p, fl);
    lx_put_u16(p + 2, vendor);
    lx_put_u16(p + 4, type);
    if (len)
        memcpy(p + 6, val, len);
    b->len += L2TP_AVP_HDR_LEN + len;
}

/* One IETF AVP from the table, hidden when hiding is on and §4.4 allows. */
static void mb_avp(struct l2tp_msg_builder *b, uint16_t type, const uint8_t *val, size_t len)
{
    if (b->err)
        return;
    const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, type);
    if (d == NULL || type == L2TP_AVP_MESSAGE_TYPE || !len_ok(d, len) || (len > 0 && val == NULL)) {
        b->err = true;
        return;
    }
    if (!(b->hide && d->may_hide)) {
        mb_put(b, 0, type, d->send_mandatory, false, val, len);
        return;
    }
    if (!b->have_rv) {
        /* §4.3: the Random Vector AVP "MUST precede the first AVP having
         * an H bit of 1"; one vector serves every hidden AVP after it. */
        lx_random_bytes(b->rv, sizeof b->rv);
        b->have_rv = true;
        mb_put(b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, b->rv, sizeof b->rv);
    }
    uint8_t tmp[L2TP_AVP_MAX_LEN];
    if (len + 2 > VMAX) {
        b->err = true;
        return;
    }
    size_t n = l2tp_avp_hide(type, b->secret, b->secret_len, b->rv, sizeof b->rv, val, len, tmp,
                             sizeof tmp);
    if (n == 0) {
        b->err = true;
        return;
    }
    mb_put(b, 0, type, d->send_mandatory, true, tmp, n);
}

void l2tp_mb_init(struct l2tp_msg_builder *b, uint8_t *buf, size_t cap, uint16_t msg_type)
{
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->cap = buf != NULL ? cap : 0;
    b->msg_type = msg_type;
    /* A ZLB has no AVPs at all (§5.8): it is a bare header, not built here. */
    if (msg_type == L2TP_MSG_ZLB) {
        b->err = true;
        return;
    }
    /* §4.4.1: Message Type first, M set ("MUST be set to 1 for all message
     * types defined in this document"), never hidden. */
    uint8_t v[2];
    lx_put_u16(v, msg_type);
    mb_put(b, 0, L2TP_AVP_MESSAGE_TYPE, true, false, v, sizeof v);
}

void l2tp_mb_set_hiding(struct l2tp_msg_builder *b, const uint8_t *secret, size_t secret_len,
                        bool hide)
{
    b->secret = secret;
    b->secret_len = secret_len;
    /* §4.3: "The H bit MUST only be set if a shared secret exists". */
    b->hide = hide && secret != NULL && secret_len > 0;
}

void l2tp_mb_u8(struct l2tp_msg_builder *b, uint16_t type, uint8_t v)
{
    mb_avp(b, type, &v, 1);
}

void l2tp_mb_u16(struct l2tp_msg_builder *b, uint16_t type, uint16_t v)
{
    uint8_t x[2];
    lx_put_u16(x, v);
    mb_avp(b, type, x, sizeof x);
}

void l2tp_mb_u32(struct l2tp_msg_builder *b, uint16_t type, uint32_t v)
{
    uint8_t x[4];
    lx_put_u32(x, v);
    mb_avp(b, type, x, sizeof x);
}

void l2tp_mb_u64(struct l2tp_msg_builder *b, uint16_t type, uint64_t v)
{
    uint8_t x[8];
    lx_put_u32(x, (uint32_t)(v >> 32));
    lx_put_u32(x + 4, (uint32_t)v);
    mb_avp(b, type, x, sizeof x);
}

void l2tp_mb_bytes(struct l2tp_msg_builder *b, uint16_t type, const void *p, size_t len)
{
    mb_avp(b, type, p, len);
}

void l2tp_mb_str(struct l2tp_msg_builder *b, uint16_t type, const char *s)
{
    if (s == NULL) {
        b->err = true;
        return;
    }
    mb_avp(b, type, (const uint8_t *)s, strlen(s));
}

void l2tp_mb_empty(struct l2tp_msg_builder *b, uint16_t type)
{
    mb_avp(b, type, NULL, 0);
}

/* Writes fixed part + optional text into a value buffer, then appends. */
static void mb_with_text(struct l2tp_msg_builder *b, uint16_t type, const uint8_t *fixed,
                         size_t flen, const char *text)
{
    uint8_t v[VMAX];
    size_t tlen = text != NULL ? strlen(text) : 0;
    if (flen + tlen > sizeof v) {
        b->err = true;
        return;
    }
    memcpy(v, fixed, flen);
    if (tlen)
        memcpy(v + flen, text, tlen);
    mb_avp(b, type, v, flen + tlen);
}

void l2tp_mb_result(struct l2tp_msg_builder *b, uint16_t result, bool with_error, uint16_t error,
                    const char *msg)
{
    /* §4.4.2: the Error Message can only follow an Error Code; a message
     * without an error code is sent with Error Code 0 "No general error". */
    uint8_t f[4];
    lx_put_u16(f, result);
    lx_put_u16(f + 2, with_error ? error : L2TP_ERR_NONE);
    bool two = with_error || (msg != NULL && msg[0] != '\0');
    mb_with_text(b, L2TP_AVP_RESULT_CODE, f, two ? 4 : 2, two ? msg : NULL);
}

void l2tp_mb_proto_version(struct l2tp_msg_builder *b, uint8_t ver, uint8_t rev)
{
    uint8_t v[2] = {ver, rev};
    mb_avp(b, L2TP_AVP_PROTOCOL_VERSION, v, sizeof v);
}

void l2tp_mb_accm(struct l2tp_msg_builder *b, uint32_t send, uint32_t recv)
{
    uint8_t v[10] = {0}; /* §4.4.6: reserved octets sent as 0 */
    lx_put_u32(v + 2, send);
    lx_put_u32(v + 6, recv);
    mb_avp(b, L2TP_AVP_ACCM, v, sizeof v);
}

void l2tp_mb_call_errors(struct l2tp_msg_builder *b, const struct l2tp_call_errors *e)
{
    uint8_t v[26] = {0}; /* §4.4.6: "Reserved - Not used, MUST be 0" */
    lx_put_u32(v + 2, e->crc);
    lx_put_u32(v + 6, e->framing);
    lx_put_u32(v + 10, e->hw_overrun);
    lx_put_u32(v + 14, e->buf_overrun);
    lx_put_u32(v + 18, e->timeout);
    lx_put_u32(v + 22, e->alignment);
    mb_avp(b, L2TP_AVP_CALL_ERRORS, v, sizeof v);
}

void l2tp_mb_q931(struct l2tp_msg_builder *b, uint16_t cause, uint8_t msg, const char *advisory)
{
    uint8_t f[3];
    lx_put_u16(f, cause);
    f[2] = msg;
    mb_with_text(b, L2TP_AVP_Q931_CAUSE, f, sizeof f, advisory);
}

void l2tp_mb_disconnect_cause(struct l2tp_msg_builder *b, uint16_t code, uint16_t proto,
                              uint8_t direction, const char *msg)
{
    uint8_t f[5];
    lx_put_u16(f, code);
    lx_put_u16(f + 2, proto);
    f[4] = direction;
    mb_with_text(b, L2TP_AVP_PPP_DISCONNECT_CAUSE, f, sizeof f, msg);
}

void l2tp_mb_raw(struct l2tp_msg_builder *b, uint16_t vendor, uint16_t type, bool m, bool h,
                 const void *val, size_t len)
{
    if (len > 0 && val == NULL) {
        b->err = true;
        return;
    }
    mb_put(b, vendor, type, m, h, val, len);
}

size_t l2tp_mb_finish(struct l2tp_msg_builder *b)
{
    /* The body must also fit behind a 12-byte header in one datagram. */
    if (b->err || b->len > L2TP_MAX_PACKET - L2TP_CTRL_HDR_LEN)
        return 0;
    return b->len;
}

/* ---- Formatting ---------------------------------------------------------------- */

struct fmt {
    char *p;
    size_t cap, len;
};

static void fput(struct fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fput(struct fmt *f, const char *fmt, ...)
{
    if (f->len + 1 >= f->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->p + f->len, f->cap - f->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    f->len += (size_t)n;
    if (f->len >= f->cap)
        f->len = f->cap - 1; /* truncated */
}

/* Text values: printable ASCII as is, the rest escaped; long ones cut. */
static void fput_text(struct fmt *f, const uint8_t *p, size_t n)
{
    const size_t max = 64;
    fput(f, "\"");
    for (size_t i = 0; i < n && i < max; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            fput(f, "%c", p[i]);
        else
            fput(f, "\\x%02x", p[i]);
    }
    fput(f, n > max ? "\"..." : "\"");
}

static void fput_hex(struct fmt *f, const uint8_t *p, size_t n)
{
    const size_t max = 16;
    for (size_t i = 0; i < n && i < max; i++)
        fput(f, "%02x", p[i]);
    if (n > max)
        fput(f, "...(%zu)", n);
    if (n == 0)
        fput(f, "''");
}

static void fput_value(struct fmt *f, const struct l2tp_avp_desc *d, const struct l2tp_avp_ref *a)
{
    const uint8_t *v = a->val;
    size_t n = a->len;
    switch (d->kind) {
    case L2TP_AVPK_U8:
        fput(f, "=%u", v[0]);
        return;
    case L2TP_AVPK_U16:
        fput(f, "=%u", lx_get_u16(v));
        return;
    case L2TP_AVPK_U32:
        fput(f, "=%u", lx_get_u32(v));
        return;
    case L2TP_AVPK_U64:
        fput(f, "=0x%08x%08x", lx_get_u32(v), lx_get_u32(v + 4));
        return;
    case L2TP_AVPK_STRING:
        fput(f, "=");
        fput_text(f, v, n);
        return;
    case L2TP_AVPK_BYTES:
        fput(f, "=");
        fput_hex(f, v, n);
        return;
    case L2TP_AVPK_RESULT:
        fput(f, "=%u", lx_get_u16(v));
        if (n >= 4)
            fput(f, "/%u", lx_get_u16(v + 2));
        if (n > 4) {
            fput(f, " ");
            fput_text(f, v + 4, n - 4);
        }
        return;
    case L2TP_AVPK_PROTO_VERSION:
        fput(f, "=%u.%u", v[0], v[1]);
        return;
    case L2TP_AVPK_Q931:
        fput(f, "=%u/%u", lx_get_u16(v), v[2]);
        if (n > 3) {
            fput(f, " ");
            fput_text(f, v + 3, n - 3);
        }
        return;
    case L2TP_AVPK_CALL_ERRORS:
        fput(f, "=crc:%u,framing:%u,hw:%u,buf:%u,timeout:%u,align:%u", lx_get_u32(v + 2),
             lx_get_u32(v + 6), lx_get_u32(v + 10), lx_get_u32(v + 14), lx_get_u32(v + 18),
             lx_get_u32(v + 22));
        return;
    case L2TP_AVPK_ACCM:
        fput(f, "=send:0x%08x,recv:0x%08x", lx_get_u32(v + 2), lx_get_u32(v + 6));
        return;
    case L2TP_AVPK_EMPTY:
        return;
    case L2TP_AVPK_DISCONNECT_CAUSE:
        fput(f, "=%u/0x%04x/%u", lx_get_u16(v), lx_get_u16(v + 2), v[4]);
        if (n > 5) {
            fput(f, " ");
            fput_text(f, v + 5, n - 5);
        }
        return;
    }
}

size_t l2tp_msg_format(const struct l2tp_msg *m, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return 0;
    struct fmt f = {.p = out, .cap = cap, .len = 0};
    out[0] = '\0';
    if (m->type == L2TP_MSG_ZLB && m->present == 0) {
        fput(&f, "ZLB");
        return f.len;
    }
    fput(&f, "%s(%u)", l2tp_msg_type_name(m->type), m->type);
    for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++) {
        if (!l2tp_msg_has(m, t))
            continue;
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
        const struct l2tp_avp_ref *a = &m->avp[t];
        if (d == NULL || !len_ok(d, a->len))
            continue; /* cannot happen for a decoded message */
        fput(&f, " %s%s", d->name, a->h ? "(H)" : "");
        fput_value(&f, d, a);
    }
    for (unsigned i = 0; i < m->n_vendor && i < L2TP_MSG_MAX_VENDOR_AVPS; i++) {
        const struct l2tp_avp_ref *a = &m->vendor[i];
        fput(&f, " vendor:%u/%u%s=", a->vendor, a->type, a->h ? "(H)" : "");
        fput_hex(&f, a->val, a->len);
    }
    return f.len;
}
