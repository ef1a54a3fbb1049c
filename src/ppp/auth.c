/* Method names, the LCP Authentication-Protocol option, the local password
 * check every secrets-style backend uses, and the dispatch from the public
 * ppp_authr_* / ppp_authp_* objects to PAP (pap.c) or CHAP (chap.c, with the
 * MS-CHAP pieces in mschap.c).
 *
 * Contract notes beyond auth.h:
 *  - done() is reported once for the initial authentication. If a later
 *    CHAP re-challenge (RFC 1994 §4.1) fails, done(false) is reported once
 *    more and the owner must take the link down; a successful re-challenge
 *    is silent.
 *  - Packets of the other role are ignored silently, so the owner may hand
 *    every PAP/CHAP packet to both its authenticator and its peer object.
 *  - The verdict answers the request of the last verify() call. An owner
 *    that restarts (ppp_authr_start) or frees an authenticator while a
 *    backend job is outstanding must cancel that job (aaa_cancel).
 *  - Passwords never reach a log line; user names do (made printable). */
#include "ppp/auth.h"
#include "ppp/auth_priv.h"
#include "ppp/crypto.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

const char *ppp_auth_method_name(enum ppp_auth_method m)
{
    switch (m) {
    case PPP_AUTH_NONE:
        return "none";
    case PPP_AUTH_PAP:
        return "pap";
    case PPP_AUTH_CHAP_MD5:
        return "chap";
    case PPP_AUTH_MSCHAP_V1:
        return "mschap";
    case PPP_AUTH_MSCHAP_V2:
        return "mschap-v2";
    default:
        return "unknown";
    }
}

size_t ppp_auth_method_to_option(enum ppp_auth_method m, uint8_t out[3])
{
    /* RFC 1661 §6.2 / RFC 1334 §2.1 / RFC 1994 §3 */
    switch (m) {
    case PPP_AUTH_PAP:
        lx_put_u16(out, PPP_PROTO_PAP);
        return 2;
    case PPP_AUTH_CHAP_MD5:
        lx_put_u16(out, PPP_PROTO_CHAP);
        out[2] = PPP_CHAP_ALG_MD5;
        return 3;
    case PPP_AUTH_MSCHAP_V1:
        lx_put_u16(out, PPP_PROTO_CHAP);
        out[2] = PPP_CHAP_ALG_MSCHAPV1;
        return 3;
    case PPP_AUTH_MSCHAP_V2:
        lx_put_u16(out, PPP_PROTO_CHAP);
        out[2] = PPP_CHAP_ALG_MSCHAPV2;
        return 3;
    default:
        return 0;
    }
}

enum ppp_auth_method ppp_auth_method_from_option(const uint8_t *data, size_t len)
{
    if (data == NULL || len < 2)
        return PPP_AUTH_NONE;
    uint16_t proto = lx_get_u16(data);
    if (proto == PPP_PROTO_PAP)
        return len == 2 ? PPP_AUTH_PAP : PPP_AUTH_NONE; /* RFC 1334 §2.1: Length 4 */
    if (proto != PPP_PROTO_CHAP || len != 3)
        return PPP_AUTH_NONE; /* RFC 1994 §3: Length 5 */
    switch (data[2]) {
    case PPP_CHAP_ALG_MD5:
        return PPP_AUTH_CHAP_MD5;
    case PPP_CHAP_ALG_MSCHAPV1:
        return PPP_AUTH_MSCHAP_V1;
    case PPP_CHAP_ALG_MSCHAPV2:
        return PPP_AUTH_MSCHAP_V2;
    default:
        return PPP_AUTH_NONE;
    }
}

/* ---- ppp_auth_check_password ------------------------------------------- */

static void check_pap(const struct ppp_auth_request *req, const char *pw, size_t pw_len,
                      struct ppp_auth_verdict *v)
{
    /* Compare fixed-size buffers so the time does not depend on where the
     * first difference is, nor (beyond the length check) on the length. */
    uint8_t a[PPP_AUTH_NAME_MAX + 1] = {0}, b[PPP_AUTH_NAME_MAX + 1] = {0};
    if (req->password_len > PPP_AUTH_NAME_MAX || pw_len > PPP_AUTH_NAME_MAX)
        return;
    memcpy(a, req->password, req->password_len);
    memcpy(b, pw, pw_len);
    bool same = ppp_crypto_memeq(a, b, sizeof a);
    v->accept = same && req->password_len == pw_len;
    ppp_crypto_wipe(a, sizeof a);
    ppp_crypto_wipe(b, sizeof b);
}

static void check_chap_md5(const struct ppp_auth_request *req, const char *pw, size_t pw_len,
                           struct ppp_auth_verdict *v)
{
    uint8_t want[16];
    if (req->response_len != 16 || req->challenge_len > sizeof req->challenge)
        return;
    /* RFC 1994 §2.2: the secret must be at least one octet */
    if (pw_len == 0)
        return;
    ppp_crypto_chap_md5(req->chap_id, (const uint8_t *)pw, pw_len, req->challenge,
                        req->challenge_len, want);
    v->accept = ppp_crypto_memeq(want, req->response, 16);
    ppp_crypto_wipe(want, sizeof want);
}

static void check_mschap_v1(const struct ppp_auth_request *req, const char *pw, size_t pw_len,
                            struct ppp_auth_verdict *v)
{
    uint8_t hash[16], hh[16], want[24];
    if (req->response_len != PPP_MSCHAP_RESPONSE_LEN || req->challenge_len != 8)
        return;
    /* RFC 2433 §6: flag 1 = use the NT response; the deprecated LAN Manager
     * response alone (flag 0) is not accepted. */
    if (req->response[48] != 1)
        return;
    if (!ppp_crypto_nt_password_hash(pw, pw_len, hash))
        return;
    ppp_crypto_challenge_response(req->challenge, hash, want);
    v->accept = ppp_crypto_memeq(want, req->response + 24, 24);
    if (v->accept) {
        /* RFC 3079 §2.3: the 128-bit start key serves both directions */
        ppp_crypto_hash_nt_password_hash(hash, hh);
        ppp_crypto_mppe_v1_start_key(req->challenge, hh, v->mppe_send_key);
        memcpy(v->mppe_recv_key, v->mppe_send_key, 16);
        v->has_mppe_keys = true;
    }
    ppp_crypto_wipe(hash, sizeof hash);
    ppp_crypto_wipe(hh, sizeof hh);
    ppp_crypto_wipe(want, sizeof want);
}

static void check_mschap_v2(const struct ppp_auth_request *req, const char *pw, size_t pw_len,
                            struct ppp_auth_verdict *v)
{
    uint8_t hash[16], hh[16], chal[8], want[24], master[16];
    if (req->response_len != PPP_MSCHAP_RESPONSE_LEN || req->challenge_len != 16)
        return;
    const uint8_t *peer_chal = req->response;
    const uint8_t *nt_resp = req->response + 24;
    /* RFC 2759 §4: only the user name, without a "DOMAIN\" prefix */
    size_t ulen = strnlen(req->user, sizeof req->user);
    const char *user = ppp_crypto_strip_domain(req->user, &ulen);
    if (!ppp_crypto_nt_password_hash(pw, pw_len, hash))
        return;
    ppp_crypto_challenge_hash(peer_chal, req->challenge, user, ulen, chal);
    ppp_crypto_challenge_response(chal, hash, want);
    v->accept = ppp_crypto_memeq(want, nt_resp, 24);
    if (v->accept) {
        /* RFC 2759 §8.7 and RFC 3079 §3.4, from the server's point of view */
        ppp_crypto_authenticator_response_hash(hash, nt_resp, peer_chal, req->challenge, user, ulen,
                                               v->mschap_auth_response);
        ppp_crypto_hash_nt_password_hash(hash, hh);
        ppp_crypto_mppe_master_key(hh, nt_resp, master);
        ppp_crypto_mppe_asymmetric_start_key(master, v->mppe_send_key, 16, true, true);
        ppp_crypto_mppe_asymmetric_start_key(master, v->mppe_recv_key, 16, false, true);
        v->has_mppe_keys = true;
    }
    ppp_crypto_wipe(hash, sizeof hash);
    ppp_crypto_wipe(hh, sizeof hh);
    ppp_crypto_wipe(master, sizeof master);
    ppp_crypto_wipe(want, sizeof want);
}

void ppp_auth_check_password(const struct ppp_auth_request *req, const char *password,
                             struct ppp_auth_verdict *v)
{
    v->accept = false;
    v->mschap_auth_response[0] = '\0';
    v->mschap_error = 0;
    v->has_mppe_keys = false;
    memset(v->mppe_send_key, 0, sizeof v->mppe_send_key);
    memset(v->mppe_recv_key, 0, sizeof v->mppe_recv_key);
    if (req == NULL || password == NULL)
        return;
    size_t pw_len = strnlen(password, PPP_AUTH_NAME_MAX + 1);
    switch (req->method) {
    case PPP_AUTH_PAP:
        check_pap(req, password, pw_len, v);
        break;
    case PPP_AUTH_CHAP_MD5:
        check_chap_md5(req, password, pw_len, v);
        break;
    case PPP_AUTH_MSCHAP_V1:
        check_mschap_v1(req, password, pw_len, v);
        break;
    case PPP_AUTH_MSCHAP_V2:
        check_mschap_v2(req, password, pw_len, v);
        break;
    default:
        break;
    }
    if (!v->accept && (req->method == PPP_AUTH_MSCHAP_V1 || req->method == PPP_AUTH_MSCHAP_V2))
        v->mschap_error = 691; /* RFC 2759 §6 ERROR_AUTHENTICATION_FAILURE */
}

/* ---- shared helpers ----------------------------------------------------- */

void ppp_auth_send_pkt(const struct ppp_auth_ops *ops, void *ctx, uint16_t proto, uint8_t *buf,
                       size_t cap, size_t *out_len, uint8_t code, uint8_t id, const void *d1,
                       size_t l1, const void *d2, size_t l2, const void *d3, size_t l3)
{
    struct lx_wr w;
    lx_wr_init(&w, buf, cap);
    lx_wr_u8(&w, code);
    lx_wr_u8(&w, id);
    lx_wr_u16(&w, 0);
    lx_wr_bytes(&w, d1, l1);
    lx_wr_bytes(&w, d2, l2);
    lx_wr_bytes(&w, d3, l3);
    if (w.err) {
        /* callers size every field; this is a bug, not peer input */
        lx_err("auth: packet code %u does not fit (%zu bytes)", code, cap);
        *out_len = 0;
        return;
    }
    lx_put_u16(buf + 2, (uint16_t)w.len);
    *out_len = w.len;
    if (ops->send != NULL)
        ops->send(ctx, proto, buf, w.len);
}

bool ppp_auth_parse_hdr(const uint8_t *pkt, size_t len, uint8_t *code, uint8_t *id,
                        const uint8_t **data, size_t *dlen)
{
    struct lx_rd r;
    lx_rd_init(&r, pkt, len);
    *code = lx_rd_u8(&r);
    *id = lx_rd_u8(&r);
    uint16_t plen = lx_rd_u16(&r);
    if (r.err || plen < PPP_HDR_LEN || plen > len)
        return false;
    /* RFC 1334 §2.2 / RFC 1994 §4: octets beyond Length are padding */
    *data = pkt + PPP_HDR_LEN;
    *dlen = (size_t)plen - PPP_HDR_LEN;
    return true;
}

void ppp_auth_printable(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    if (cap > 0)
        out[o] = '\0';
}

void ppp_authr_finish(struct ppp_authr *a, bool ok, const struct ppp_auth_verdict *v)
{
    struct ppp_auth_verdict none;
    if (v == NULL) {
        memset(&none, 0, sizeof none);
        v = &none;
    }
    /* the password (PAP) is no longer needed */
    ppp_crypto_wipe(a->req.password, sizeof a->req.password);
    a->req.password_len = 0;
    if (ok) {
        a->state = PPP_AUTH_ST_OPEN;
        if (a->reported_ok)
            return; /* successful re-challenge: silent */
        a->reported_ok = true;
    } else {
        a->state = PPP_AUTH_ST_FAILED;
    }
    if (a->ops.done != NULL)
        a->ops.done(a->ctx, ok, v);
}

void ppp_authp_finish(struct ppp_authp *a, bool ok, const struct ppp_auth_verdict *v)
{
    struct ppp_auth_verdict none;
    if (v == NULL) {
        memset(&none, 0, sizeof none);
        none.accept = ok;
        v = &none;
    }
    bool again = a->state == PPP_AUTH_ST_OPEN;
    a->state = ok ? PPP_AUTH_ST_OPEN : PPP_AUTH_ST_FAILED;
    a->deadline = LX_MS_NEVER;
    if (ok && again)
        return; /* re-challenge answered: silent */
    if (a->ops.done != NULL)
        a->ops.done(a->ctx, ok, v);
}

/* ---- public objects ----------------------------------------------------- */

static bool method_ok(enum ppp_auth_method m)
{
    return m > PPP_AUTH_NONE && m < PPP_AUTH_METHOD_COUNT;
}

struct ppp_authr *ppp_authr_new(const struct ppp_authr_cfg *cfg, const struct ppp_auth_ops *ops,
                                void *ctx)
{
    if (cfg == NULL || ops == NULL || !method_ok(cfg->method))
        return NULL;
    struct ppp_authr *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->cfg = *cfg;
    a->cfg.our_name[sizeof a->cfg.our_name - 1] = '\0';
    if (a->cfg.timeout_ms == 0)
        a->cfg.timeout_ms = PPP_AUTH_DEFAULT_TIMEOUT_MS;
    if (a->cfg.max_tries == 0)
        a->cfg.max_tries = PPP_AUTH_DEFAULT_MAX_TRIES;
    a->ops = *ops;
    a->ctx = ctx;
    a->state = PPP_AUTH_ST_INIT;
    a->deadline = LX_MS_NEVER;
    a->rechallenge_at = LX_MS_NEVER;
    return a;
}

void ppp_authr_free(struct ppp_authr *a)
{
    if (a == NULL)
        return;
    ppp_crypto_wipe(a, sizeof *a);
    free(a);
}

void ppp_authr_start(struct ppp_authr *a, lx_ms_t now)
{
    a->reported_ok = false;
    a->rechallenge_at = LX_MS_NEVER;
    a->reply_len = 0;
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authr_start(a, now);
    else
        ppp_chap_authr_start(a, now);
}

void ppp_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    if (pkt == NULL)
        return;
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authr_input(a, now, pkt, len);
    else
        ppp_chap_authr_input(a, now, pkt, len);
}

void ppp_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v)
{
    if (a->state != PPP_AUTH_ST_VERIFY || v == NULL)
        return; /* stale answer: nothing is being verified */
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authr_verdict(a, now, v);
    else
        ppp_chap_authr_verdict(a, now, v);
}

lx_ms_t ppp_authr_next_timeout(const struct ppp_authr *a)
{
    switch (a->state) {
    case PPP_AUTH_ST_WAIT:
        return a->deadline;
    case PPP_AUTH_ST_OPEN:
        return a->rechallenge_at;
    default:
        return LX_MS_NEVER;
    }
}

void ppp_authr_timeout(struct ppp_authr *a, lx_ms_t now)
{
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authr_timeout(a, now);
    else
        ppp_chap_authr_timeout(a, now);
}

struct ppp_authp *ppp_authp_new(const struct ppp_authp_cfg *cfg, const struct ppp_auth_ops *ops,
                                void *ctx)
{
    if (cfg == NULL || ops == NULL || !method_ok(cfg->method))
        return NULL;
    struct ppp_authp *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->cfg = *cfg;
    a->cfg.user[sizeof a->cfg.user - 1] = '\0';
    a->cfg.password[sizeof a->cfg.password - 1] = '\0';
    ppp_auth_printable((const uint8_t *)a->cfg.user, strlen(a->cfg.user), a->user_shown,
                       sizeof a->user_shown);
    if (a->cfg.timeout_ms == 0)
        a->cfg.timeout_ms = PPP_AUTH_DEFAULT_TIMEOUT_MS;
    if (a->cfg.max_tries == 0)
        a->cfg.max_tries = PPP_AUTH_DEFAULT_MAX_TRIES;
    a->ops = *ops;
    a->ctx = ctx;
    a->state = PPP_AUTH_ST_INIT;
    a->deadline = LX_MS_NEVER;
    return a;
}

void ppp_authp_free(struct ppp_authp *a)
{
    if (a == NULL)
        return;
    ppp_crypto_wipe(a, sizeof *a);
    free(a);
}

void ppp_authp_start(struct ppp_authp *a, lx_ms_t now)
{
    a->answered = false;
    a->result_seen = false;
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authp_start(a, now);
    else
        ppp_chap_authp_start(a, now);
}

void ppp_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    if (pkt == NULL)
        return;
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authp_input(a, now, pkt, len);
    else
        ppp_chap_authp_input(a, now, pkt, len);
}

lx_ms_t ppp_authp_next_timeout(const struct ppp_authp *a)
{
    return a->state == PPP_AUTH_ST_WAIT ? a->deadline : LX_MS_NEVER;
}

void ppp_authp_timeout(struct ppp_authp *a, lx_ms_t now)
{
    if (a->cfg.method == PPP_AUTH_PAP)
        ppp_pap_authp_timeout(a, now);
    else
        ppp_chap_authp_timeout(a, now);
}
