/* Password Authentication Protocol, RFC 1334 §2, both sides.
 *
 * Authenticator: waits (timeout_ms * max_tries) for an Authenticate-Request,
 * hands it to the backend, answers Ack or Nak. A Nak ends the link
 * (§2.2.2: "SHOULD take action to terminate the link"), which is what every
 * common client expects. Repeated Requests after the answer get the same
 * answer again (§2.2.1 implementation note).
 *
 * Peer: sends Authenticate-Request with a fresh Identifier on every
 * retransmission (§2.2.1: "MUST be changed each time") until Ack/Nak or
 * max_tries. */
#include "ppp/auth_priv.h"
#include "ppp/crypto.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rand.h"

#include <stdio.h>
#include <string.h>

#define PAP_OK_MSG   "Access granted"
#define PAP_FAIL_MSG "Access denied"

/* ---- authenticator ------------------------------------------------------ */

void ppp_pap_authr_start(struct ppp_authr *a, lx_ms_t now)
{
    a->state = PPP_AUTH_ST_WAIT;
    a->tries = 0;
    a->reply_len = 0;
    /* The peer drives PAP; give it as long as it would need to use up the
     * same number of retransmissions as we allow CHAP. */
    a->deadline = now + (lx_ms_t)a->cfg.timeout_ms * a->cfg.max_tries;
}

static void pap_resend_reply(struct ppp_authr *a, uint8_t id)
{
    if (a->reply_len < PPP_HDR_LEN)
        return;
    a->reply[1] = id; /* §2.2.2: Identifier copied from the Request */
    if (a->ops.send != NULL)
        a->ops.send(a->ctx, PPP_PROTO_PAP, a->reply, a->reply_len);
}

void ppp_pap_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    uint8_t code, id;
    const uint8_t *d;
    size_t dlen;
    if (!ppp_auth_parse_hdr(pkt, len, &code, &id, &d, &dlen)) {
        LX_LOG_RL(LX_LOG_INFO, "pap: malformed packet (%zu bytes) dropped", len);
        return;
    }
    if (code != PPP_PAP_REQ)
        return; /* Ack/Nak belong to our peer side */

    struct lx_rd r;
    lx_rd_init(&r, d, dlen);
    uint8_t ulen = lx_rd_u8(&r);
    const uint8_t *user = lx_rd_ptr(&r, ulen);
    uint8_t plen = lx_rd_u8(&r);
    const uint8_t *pw = lx_rd_ptr(&r, plen);
    if (r.err || memchr(user, 0, ulen) != NULL) {
        LX_LOG_RL(LX_LOG_INFO, "pap: malformed Authenticate-Request dropped");
        return;
    }

    switch (a->state) {
    case PPP_AUTH_ST_WAIT:
        break;
    case PPP_AUTH_ST_VERIFY:
        /* The peer retransmitted with a new Identifier while the backend is
         * busy: answer the newest one, if it is the same credentials. */
        if (ulen == strlen(a->req.user) && memcmp(user, a->req.user, ulen) == 0 &&
            plen == a->req.password_len && ppp_crypto_memeq(pw, a->req.password, plen))
            a->id = id;
        return;
    case PPP_AUTH_ST_OPEN:
    case PPP_AUTH_ST_FAILED:
        pap_resend_reply(a, id); /* §2.2.1: same reply code */
        return;
    default:
        return; /* not in the Authentication phase: silently discard */
    }

    memset(&a->req, 0, sizeof a->req);
    a->req.method = PPP_AUTH_PAP;
    memcpy(a->req.user, user, ulen);
    memcpy(a->req.password, pw, plen);
    a->req.password_len = plen;
    ppp_auth_printable(user, ulen, a->user_shown, sizeof a->user_shown);
    a->id = id;
    a->state = PPP_AUTH_ST_VERIFY;
    a->deadline = LX_MS_NEVER;
    lx_debug("pap: Authenticate-Request id %u from user \"%s\"", id, a->user_shown);
    if (a->ops.verify != NULL)
        a->ops.verify(a->ctx, &a->req);
}

void ppp_pap_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v)
{
    const char *msg = v->message[0] ? v->message : (v->accept ? PAP_OK_MSG : PAP_FAIL_MSG);
    size_t mlen = strnlen(msg, sizeof v->message);
    uint8_t ml = (uint8_t)(mlen > 255 ? 255 : mlen);
    ppp_auth_send_pkt(&a->ops, a->ctx, PPP_PROTO_PAP, a->reply, sizeof a->reply, &a->reply_len,
                      v->accept ? PPP_PAP_ACK : PPP_PAP_NAK, a->id, &ml, 1, msg, ml, NULL, 0);
    if (v->accept)
        lx_info("pap: user \"%s\" authenticated", a->user_shown);
    else
        lx_notice("pap: user \"%s\" rejected", a->user_shown);
    ppp_authr_finish(a, v->accept, v);
}

void ppp_pap_authr_timeout(struct ppp_authr *a, lx_ms_t now)
{
    if (a->state != PPP_AUTH_ST_WAIT || now < a->deadline)
        return;
    lx_notice("pap: no Authenticate-Request within %llu ms",
              (unsigned long long)a->cfg.timeout_ms * a->cfg.max_tries);
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    snprintf(v.message, sizeof v.message, "%s", "timeout");
    ppp_authr_finish(a, false, &v);
}

/* ---- peer --------------------------------------------------------------- */

static void pap_send_request(struct ppp_authp *a, lx_ms_t now)
{
    size_t ulen = strnlen(a->cfg.user, PPP_AUTH_NAME_MAX);
    size_t plen = strnlen(a->cfg.password, PPP_AUTH_NAME_MAX);
    uint8_t ul = (uint8_t)ulen, pl = (uint8_t)plen;
    uint8_t mid[1 + PPP_AUTH_NAME_MAX + 1];
    /* Peer-ID-Length, Peer-ID, Passwd-Length, Password (§2.2.1) */
    memcpy(mid, a->cfg.user, ulen);
    mid[ulen] = pl;
    ppp_auth_send_pkt(&a->ops, a->ctx, PPP_PROTO_PAP, a->pkt, sizeof a->pkt, &a->pkt_len,
                      PPP_PAP_REQ, a->id, &ul, 1, mid, ulen + 1, a->cfg.password, plen);
    ppp_crypto_wipe(a->pkt, sizeof a->pkt); /* never kept: it holds the password */
    a->pkt_len = 0;
    a->tries++;
    a->deadline = now + a->cfg.timeout_ms;
}

void ppp_pap_authp_start(struct ppp_authp *a, lx_ms_t now)
{
    a->state = PPP_AUTH_ST_WAIT;
    a->tries = 0;
    a->id = (uint8_t)lx_random_u16();
    pap_send_request(a, now);
}

void ppp_pap_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    uint8_t code, id;
    const uint8_t *d;
    size_t dlen;
    if (!ppp_auth_parse_hdr(pkt, len, &code, &id, &d, &dlen)) {
        LX_LOG_RL(LX_LOG_INFO, "pap: malformed packet (%zu bytes) dropped", len);
        return;
    }
    if (code != PPP_PAP_ACK && code != PPP_PAP_NAK)
        return; /* Requests belong to our authenticator side */
    if (a->state != PPP_AUTH_ST_WAIT || id != a->id) {
        LX_LOG_RL(LX_LOG_DEBUG, "pap: stale reply id %u dropped", id);
        return;
    }
    struct lx_rd r;
    lx_rd_init(&r, d, dlen);
    uint8_t ml = lx_rd_u8(&r);
    const uint8_t *m = lx_rd_ptr(&r, ml);
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    v.accept = code == PPP_PAP_ACK;
    /* §2.2.2: the Message MUST NOT affect the protocol; a short or missing
     * one is tolerated. */
    if (!r.err)
        ppp_auth_printable(m, ml, v.message, sizeof v.message);
    if (v.accept)
        lx_info("pap: authenticated as \"%s\"", a->user_shown);
    else
        lx_notice("pap: authentication as \"%s\" refused: %s", a->user_shown, v.message);
    ppp_authp_finish(a, v.accept, &v);
}

void ppp_pap_authp_timeout(struct ppp_authp *a, lx_ms_t now)
{
    if (a->state != PPP_AUTH_ST_WAIT || now < a->deadline)
        return;
    if (a->tries >= a->cfg.max_tries) {
        lx_notice("pap: no reply after %u Authenticate-Requests", a->tries);
        struct ppp_auth_verdict v;
        memset(&v, 0, sizeof v);
        snprintf(v.message, sizeof v.message, "%s", "timeout");
        ppp_authp_finish(a, false, &v);
        return;
    }
    a->id++;
    pap_send_request(a, now);
}
