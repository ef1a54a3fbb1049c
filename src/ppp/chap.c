/* Challenge-Handshake Authentication Protocol, RFC 1994, both sides. The
 * same framing carries CHAP-MD5 (algorithm 5), MS-CHAPv1 (0x80, RFC 2433)
 * and MS-CHAPv2 (0x81, RFC 2759); the MS-CHAP value and message formats
 * live in mschap.c.
 *
 * Authenticator (RFC 1994 §4.1): sends a Challenge with a fresh random
 * value and a new Identifier, retransmits the same Challenge every
 * timeout_ms until a Response with that Identifier arrives or max_tries
 * Challenges went unanswered, asks the backend, answers Success or Failure
 * and answers any repeated Response for that Identifier with the very same
 * packet. With rechallenge_ms set it re-authenticates periodically while
 * the link is up.
 *
 * Peer: answers every Challenge (also re-challenges after success) with the
 * same Identifier; a retransmitted Challenge gets the identical Response
 * (for MS-CHAPv2 the Peer-Challenge must not change under the
 * authenticator's feet, §5 checks against it). */
#include "ppp/auth_priv.h"
#include "ppp/crypto.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rand.h"

#include <stdio.h>
#include <string.h>

#define CHAP_OK_MSG   "Access granted"
#define CHAP_FAIL_MSG "Access denied"

static bool is_mschap(enum ppp_auth_method m)
{
    return m == PPP_AUTH_MSCHAP_V1 || m == PPP_AUTH_MSCHAP_V2;
}

/* Challenge/Response body (§4.1): Value-Size, Value, Name. */
static bool parse_value_name(const uint8_t *d, size_t dlen, const uint8_t **val, size_t *vlen,
                             const uint8_t **name, size_t *nlen)
{
    struct lx_rd r;
    lx_rd_init(&r, d, dlen);
    uint8_t vs = lx_rd_u8(&r);
    *val = lx_rd_ptr(&r, vs);
    *vlen = vs;
    *nlen = lx_rd_left(&r);
    *name = lx_rd_ptr(&r, *nlen);
    return !r.err;
}

/* ---- authenticator ------------------------------------------------------ */

static void chap_new_challenge(struct ppp_authr *a, lx_ms_t now)
{
    /* RFC 2433 §5: 8 octets; RFC 2759 §3 and our MD5 choice: 16 */
    a->challenge_len = a->cfg.method == PPP_AUTH_MSCHAP_V1 ? 8 : 16;
    lx_random_bytes(a->challenge, a->challenge_len);
    a->id++; /* §4.1: the Identifier changes with every new Challenge */
    a->tries = 1;
    a->reply_len = 0;
    a->state = PPP_AUTH_ST_WAIT;
    uint8_t vs = (uint8_t)a->challenge_len;
    ppp_auth_send_pkt(&a->ops, a->ctx, PPP_PROTO_CHAP, a->pkt, sizeof a->pkt, &a->pkt_len,
                      PPP_CHAP_CHALLENGE, a->id, &vs, 1, a->challenge, a->challenge_len,
                      a->cfg.our_name, strnlen(a->cfg.our_name, sizeof a->cfg.our_name));
    a->deadline = now + a->cfg.timeout_ms;
}

void ppp_chap_authr_start(struct ppp_authr *a, lx_ms_t now)
{
    a->id = (uint8_t)lx_random_u16();
    chap_new_challenge(a, now);
}

void ppp_chap_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    uint8_t code, id;
    const uint8_t *d, *val, *name;
    size_t dlen, vlen, nlen;
    if (!ppp_auth_parse_hdr(pkt, len, &code, &id, &d, &dlen)) {
        LX_LOG_RL(LX_LOG_INFO, "chap: malformed packet (%zu bytes) dropped", len);
        return;
    }
    if (code != PPP_CHAP_RESPONSE)
        return; /* Challenge/Success/Failure belong to our peer side */

    switch (a->state) {
    case PPP_AUTH_ST_WAIT:
        break;
    case PPP_AUTH_ST_OPEN:
    case PPP_AUTH_ST_FAILED:
        /* §4.1 implementation note: the Success/Failure may have been lost;
         * the same Identifier gets the same reply. */
        if (id == a->id && a->reply_len >= PPP_HDR_LEN && a->ops.send != NULL)
            a->ops.send(a->ctx, PPP_PROTO_CHAP, a->reply, a->reply_len);
        return;
    default:
        return; /* VERIFY: the answer follows; INIT: not in this phase */
    }
    if (id != a->id) {
        LX_LOG_RL(LX_LOG_DEBUG, "chap: Response id %u does not match Challenge id %u", id, a->id);
        return;
    }
    size_t want = is_mschap(a->cfg.method) ? PPP_MSCHAP_RESPONSE_LEN : 16;
    if (!parse_value_name(d, dlen, &val, &vlen, &name, &nlen) || vlen != want ||
        nlen > PPP_AUTH_NAME_MAX || memchr(name, 0, nlen) != NULL) {
        LX_LOG_RL(LX_LOG_INFO, "chap: malformed Response (value %zu, name %zu octets) dropped",
                  vlen, nlen);
        return;
    }
    memset(&a->req, 0, sizeof a->req);
    a->req.method = a->cfg.method;
    memcpy(a->req.user, name, nlen);
    ppp_auth_printable(name, nlen, a->user_shown, sizeof a->user_shown);
    a->req.chap_id = id;
    memcpy(a->req.challenge, a->challenge, a->challenge_len);
    a->req.challenge_len = a->challenge_len;
    memcpy(a->req.response, val, vlen);
    a->req.response_len = vlen;
    a->state = PPP_AUTH_ST_VERIFY;
    a->deadline = LX_MS_NEVER;
    lx_debug("chap: Response id %u from user \"%s\"", id, a->user_shown);
    if (a->ops.verify != NULL)
        a->ops.verify(a->ctx, &a->req);
}

void ppp_chap_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v)
{
    char msg[PPP_AUTH_REPLY_MAX - PPP_HDR_LEN];
    size_t mlen;
    bool ok = v->accept;
    const char *method = ppp_auth_method_name(a->cfg.method);

    if (ok && a->cfg.method == PPP_AUTH_MSCHAP_V2) {
        /* RFC 2759 §5: without a well-formed authenticator response the
         * peer must hang up anyway; fail cleanly instead. */
        uint8_t tmp[20];
        const char *s = v->mschap_auth_response;
        if (strnlen(s, sizeof v->mschap_auth_response) != PPP_CRYPTO_AUTH_RESP_LEN || s[0] != 'S' ||
            s[1] != '=' || !ppp_crypto_unhex(s + 2, 20, tmp)) {
            lx_err("chap: backend accepted \"%s\" without an MS-CHAPv2 authenticator response",
                   a->user_shown);
            ok = false;
        }
    }

    if (ok) {
        if (is_mschap(a->cfg.method)) {
            mlen = ppp_mschap_success_msg(a, v, msg, sizeof msg);
        } else {
            int n = snprintf(msg, sizeof msg, "%s", v->message[0] ? v->message : CHAP_OK_MSG);
            mlen = n < 0 ? 0 : (size_t)n;
        }
    } else {
        if (is_mschap(a->cfg.method)) {
            struct ppp_auth_verdict f = *v;
            if (f.mschap_error == 0)
                f.mschap_error = 691;
            mlen = ppp_mschap_failure_msg(a, &f, msg, sizeof msg);
        } else {
            int n = snprintf(msg, sizeof msg, "%s", v->message[0] ? v->message : CHAP_FAIL_MSG);
            mlen = n < 0 ? 0 : (size_t)n;
        }
    }
    if (mlen >= sizeof msg)
        mlen = sizeof msg - 1;
    ppp_auth_send_pkt(&a->ops, a->ctx, PPP_PROTO_CHAP, a->reply, sizeof a->reply, &a->reply_len,
                      ok ? PPP_CHAP_SUCCESS : PPP_CHAP_FAILURE, a->id, msg, mlen, NULL, 0, NULL, 0);
    if (ok)
        lx_info("%s: user \"%s\" authenticated%s", method, a->user_shown,
                a->reported_ok ? " again (re-challenge)" : "");
    else
        lx_notice("%s: user \"%s\" rejected", method, a->user_shown);
    if (ok && a->cfg.rechallenge_ms != 0)
        a->rechallenge_at = now + a->cfg.rechallenge_ms;
    else
        a->rechallenge_at = LX_MS_NEVER;
    if (ok == v->accept) {
        ppp_authr_finish(a, ok, v);
    } else {
        struct ppp_auth_verdict f = *v;
        f.accept = false;
        ppp_authr_finish(a, false, &f);
    }
}

void ppp_chap_authr_timeout(struct ppp_authr *a, lx_ms_t now)
{
    if (a->state == PPP_AUTH_ST_OPEN) {
        if (now >= a->rechallenge_at) {
            /* RFC 1994 §4.1: a Challenge MAY be sent at any time during the
             * Network-Layer Protocol phase */
            a->rechallenge_at = LX_MS_NEVER;
            chap_new_challenge(a, now);
        }
        return;
    }
    if (a->state != PPP_AUTH_ST_WAIT || now < a->deadline)
        return;
    if (a->tries >= a->cfg.max_tries) {
        lx_notice("%s: no Response after %u Challenges", ppp_auth_method_name(a->cfg.method),
                  a->tries);
        struct ppp_auth_verdict v;
        memset(&v, 0, sizeof v);
        snprintf(v.message, sizeof v.message, "%s", "timeout");
        ppp_authr_finish(a, false, &v);
        return;
    }
    /* §4.1: "Additional Challenge packets MUST be sent until a valid
     * Response packet is received, or an optional retry counter expires" */
    a->tries++;
    a->deadline = now + a->cfg.timeout_ms;
    if (a->ops.send != NULL)
        a->ops.send(a->ctx, PPP_PROTO_CHAP, a->pkt, a->pkt_len);
}

/* ---- peer --------------------------------------------------------------- */

void ppp_chap_authp_start(struct ppp_authp *a, lx_ms_t now)
{
    /* The authenticator drives CHAP; we only bound the whole exchange. */
    a->state = PPP_AUTH_ST_WAIT;
    a->tries = 0;
    a->deadline = now + (lx_ms_t)a->cfg.timeout_ms * a->cfg.max_tries;
}

static void chap_peer_challenge(struct ppp_authp *a, uint8_t id, const uint8_t *val, size_t vlen)
{
    size_t need = a->cfg.method == PPP_AUTH_MSCHAP_V1   ? 8
                  : a->cfg.method == PPP_AUTH_MSCHAP_V2 ? 16
                                                        : 0;
    if ((need != 0 && vlen != need) || vlen == 0) {
        LX_LOG_RL(LX_LOG_INFO, "%s: Challenge with a %zu-octet value dropped",
                  ppp_auth_method_name(a->cfg.method), vlen);
        return;
    }
    if (a->answered && id == a->id && vlen == a->challenge_len &&
        memcmp(val, a->challenge, vlen) == 0) {
        /* the authenticator retransmitted: same Response again */
        if (a->pkt_len >= PPP_HDR_LEN && a->ops.send != NULL)
            a->ops.send(a->ctx, PPP_PROTO_CHAP, a->pkt, a->pkt_len);
        return;
    }
    uint8_t value[PPP_MSCHAP_RESPONSE_LEN];
    size_t value_len;
    if (a->cfg.method == PPP_AUTH_CHAP_MD5) {
        /* RFC 1994 §4.1: MD5 over Identifier, secret, Challenge */
        ppp_crypto_chap_md5(id, (const uint8_t *)a->cfg.password,
                            strnlen(a->cfg.password, sizeof a->cfg.password), val, vlen, value);
        value_len = 16;
    } else {
        if (!ppp_mschap_peer_response(a, val, vlen, value)) {
            lx_err("%s: password for \"%s\" is too long", ppp_auth_method_name(a->cfg.method),
                   a->user_shown);
            return;
        }
        value_len = PPP_MSCHAP_RESPONSE_LEN;
    }
    a->id = id;
    memcpy(a->challenge, val, vlen);
    a->challenge_len = vlen;
    memcpy(a->resp_value, value, value_len);
    a->resp_value_len = value_len;
    a->answered = true;
    a->result_seen = false;
    a->tries++;
    uint8_t vs = (uint8_t)value_len;
    ppp_auth_send_pkt(&a->ops, a->ctx, PPP_PROTO_CHAP, a->pkt, sizeof a->pkt, &a->pkt_len,
                      PPP_CHAP_RESPONSE, id, &vs, 1, value, value_len, a->cfg.user,
                      strnlen(a->cfg.user, PPP_AUTH_NAME_MAX));
    ppp_crypto_wipe(value, sizeof value);
}

void ppp_chap_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    uint8_t code, id;
    const uint8_t *d, *val, *name;
    size_t dlen, vlen, nlen;
    const char *method = ppp_auth_method_name(a->cfg.method);
    if (!ppp_auth_parse_hdr(pkt, len, &code, &id, &d, &dlen)) {
        LX_LOG_RL(LX_LOG_INFO, "chap: malformed packet (%zu bytes) dropped", len);
        return;
    }
    if (a->state != PPP_AUTH_ST_WAIT && a->state != PPP_AUTH_ST_OPEN)
        return;
    switch (code) {
    case PPP_CHAP_CHALLENGE:
        if (!parse_value_name(d, dlen, &val, &vlen, &name, &nlen)) {
            LX_LOG_RL(LX_LOG_INFO, "%s: malformed Challenge dropped", method);
            return;
        }
        chap_peer_challenge(a, id, val, vlen);
        return;
    case PPP_CHAP_SUCCESS:
    case PPP_CHAP_FAILURE:
        break;
    default:
        return; /* Responses belong to our authenticator side */
    }
    if (!a->answered || id != a->id || a->result_seen) {
        LX_LOG_RL(LX_LOG_DEBUG, "%s: unexpected %s id %u dropped", method,
                  code == PPP_CHAP_SUCCESS ? "Success" : "Failure", id);
        return;
    }
    a->result_seen = true;
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    if (code == PPP_CHAP_SUCCESS) {
        v.accept = true;
        if (is_mschap(a->cfg.method) && !ppp_mschap_peer_check_success(a, d, dlen, &v)) {
            /* RFC 2759 §5: "If the authenticator response is either missing
             * or incorrect, the peer MUST end the session." */
            lx_err("%s: authenticator response is missing or wrong; ending the link", method);
            v.accept = false;
            snprintf(v.message, sizeof v.message, "%s", "bad authenticator response");
            ppp_authp_finish(a, false, &v);
            return;
        }
        if (!is_mschap(a->cfg.method))
            ppp_auth_printable(d, dlen, v.message, sizeof v.message);
        if (a->state == PPP_AUTH_ST_WAIT)
            lx_info("%s: authenticated as \"%s\"", method, a->user_shown);
        ppp_authp_finish(a, true, &v);
        return;
    }
    if (is_mschap(a->cfg.method)) {
        ppp_mschap_peer_parse_failure(a, d, dlen, &v);
    } else {
        ppp_auth_printable(d, dlen, v.message, sizeof v.message);
        lx_notice("%s: authentication as \"%s\" refused: %s", method, a->user_shown, v.message);
    }
    ppp_authp_finish(a, false, &v);
}

void ppp_chap_authp_timeout(struct ppp_authp *a, lx_ms_t now)
{
    if (a->state != PPP_AUTH_ST_WAIT || now < a->deadline)
        return;
    lx_notice("%s: authentication as \"%s\" timed out", ppp_auth_method_name(a->cfg.method),
              a->user_shown);
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    snprintf(v.message, sizeof v.message, "%s", "timeout");
    ppp_authp_finish(a, false, &v);
}
