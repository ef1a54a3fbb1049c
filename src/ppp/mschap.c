/* MS-CHAPv1 (RFC 2433) and MS-CHAPv2 (RFC 2759): the parts that differ
 * from CHAP-MD5 — the 49-octet Response value, the Success and Failure
 * message formats, the peer's check of the v2 authenticator response, and
 * the RFC 3079 MPPE keys on the peer side. The CHAP state machine around
 * them is chap.c; the authenticator side check is ppp_auth_check_password
 * (auth.c), run by the AAA backend. */
#include "ppp/auth_priv.h"
#include "ppp/crypto.h"

#include "lib/log.h"
#include "lib/rand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSCHAP_OK_MSG   "Access granted"
#define MSCHAP_FAIL_MSG "Authentication failed"

bool ppp_mschap_peer_response(const struct ppp_authp *a, const uint8_t *chal, size_t chal_len,
                              uint8_t out[PPP_MSCHAP_RESPONSE_LEN])
{
    const char *pw = a->cfg.password;
    size_t pw_len = strnlen(pw, sizeof a->cfg.password);
    memset(out, 0, PPP_MSCHAP_RESPONSE_LEN);
    if (a->cfg.method == PPP_AUTH_MSCHAP_V1) {
        if (chal_len != 8)
            return false;
        /* RFC 2433 §6: LAN Manager response zero-filled, NT response, and
         * the "use Windows NT compatible challenge response" flag set */
        if (!ppp_crypto_nt_challenge_response(chal, pw, pw_len, out + 24))
            return false;
        out[48] = 1;
        return true;
    }
    if (chal_len != 16)
        return false;
    /* RFC 2759 §4: Peer-Challenge (random), 8 reserved zero octets,
     * NT-Response, Flags = 0. Only the user name without domain is hashed. */
    size_t ulen = strnlen(a->cfg.user, sizeof a->cfg.user);
    const char *user = ppp_crypto_strip_domain(a->cfg.user, &ulen);
    lx_random_bytes(out, 16);
    return ppp_crypto_generate_nt_response(chal, out, user, ulen, pw, pw_len, out + 24);
}

/* Finds "key=" at the start of a space-separated token of msg; returns the
 * value and its length up to the next space (or, for M=, to the end). */
static const char *find_field(const char *msg, size_t len, char key, size_t *vlen)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if ((i == 0 || msg[i - 1] == ' ') && msg[i] == key && msg[i + 1] == '=') {
            size_t s = i + 2, e = s;
            if (key == 'M') {
                e = len; /* RFC 2759 §6: the message runs to the end */
            } else {
                while (e < len && msg[e] != ' ')
                    e++;
            }
            *vlen = e - s;
            return msg + s;
        }
        if (msg[i] == 'M' && msg[i + 1] == '=' && (i == 0 || msg[i - 1] == ' '))
            break; /* nothing after M= is a field */
    }
    return NULL;
}

static void peer_keys(const struct ppp_authp *a, struct ppp_auth_verdict *v)
{
    uint8_t hash[16], hh[16], master[16];
    if (!ppp_crypto_nt_password_hash(a->cfg.password, strnlen(a->cfg.password, 256), hash))
        return;
    ppp_crypto_hash_nt_password_hash(hash, hh);
    if (a->cfg.method == PPP_AUTH_MSCHAP_V1) {
        /* RFC 3079 §2.3: one key for both directions */
        ppp_crypto_mppe_v1_start_key(a->challenge, hh, v->mppe_send_key);
        memcpy(v->mppe_recv_key, v->mppe_send_key, 16);
    } else {
        /* RFC 3079 §3.3, client side */
        ppp_crypto_mppe_master_key(hh, a->resp_value + 24, master);
        ppp_crypto_mppe_asymmetric_start_key(master, v->mppe_send_key, 16, true, false);
        ppp_crypto_mppe_asymmetric_start_key(master, v->mppe_recv_key, 16, false, false);
    }
    v->has_mppe_keys = true;
    ppp_crypto_wipe(hash, sizeof hash);
    ppp_crypto_wipe(hh, sizeof hh);
    ppp_crypto_wipe(master, sizeof master);
}

bool ppp_mschap_peer_check_success(const struct ppp_authp *a, const uint8_t *msg, size_t len,
                                   struct ppp_auth_verdict *v)
{
    const char *m = (const char *)msg;
    if (a->cfg.method == PPP_AUTH_MSCHAP_V1) {
        /* RFC 2433 §7: a plain CHAP Success */
        ppp_auth_printable(msg, len, v->message, sizeof v->message);
        peer_keys(a, v);
        return true;
    }
    /* RFC 2759 §5 and §8.8 */
    uint8_t got[20], want[20];
    char expect[43];
    if (len < PPP_CRYPTO_AUTH_RESP_LEN || m[0] != 'S' || m[1] != '=' ||
        !ppp_crypto_unhex(m + 2, 20, got) ||
        (len > PPP_CRYPTO_AUTH_RESP_LEN && m[PPP_CRYPTO_AUTH_RESP_LEN] != ' '))
        return false;
    size_t ulen = strnlen(a->cfg.user, sizeof a->cfg.user);
    const char *user = ppp_crypto_strip_domain(a->cfg.user, &ulen);
    if (!ppp_crypto_generate_authenticator_response(
            a->cfg.password, strnlen(a->cfg.password, sizeof a->cfg.password), a->resp_value + 24,
            a->resp_value, a->challenge, user, ulen, expect))
        return false;
    (void)ppp_crypto_unhex(expect + 2, 20, want);
    bool ok = ppp_crypto_memeq(got, want, 20);
    ppp_crypto_wipe(want, sizeof want);
    if (!ok)
        return false;
    size_t ml = 0;
    const char *text = find_field(m, len, 'M', &ml);
    if (text != NULL)
        ppp_auth_printable((const uint8_t *)text, ml, v->message, sizeof v->message);
    peer_keys(a, v);
    return true;
}

void ppp_mschap_peer_parse_failure(const struct ppp_authp *a, const uint8_t *msg, size_t len,
                                   struct ppp_auth_verdict *v)
{
    const char *m = (const char *)msg;
    size_t el = 0, rl = 0, ml = 0;
    const char *e = find_field(m, len, 'E', &el);
    const char *r = find_field(m, len, 'R', &rl);
    const char *t = find_field(m, len, 'M', &ml);
    char num[12] = "";
    if (e != NULL && el > 0 && el < sizeof num) {
        memcpy(num, e, el);
        char *end;
        unsigned long code = strtoul(num, &end, 10);
        if (*end == '\0' && code <= 99999)
            v->mschap_error = (unsigned)code;
    }
    if (t != NULL)
        ppp_auth_printable((const uint8_t *)t, ml, v->message, sizeof v->message);
    else
        ppp_auth_printable(msg, len, v->message, sizeof v->message);
    /* RFC 2759 §6 / RFC 2433 §8: R=1 would allow a retry with new
     * credentials; a configured peer has no others to offer, so any
     * Failure ends the attempt. */
    lx_notice("%s: authentication as \"%s\" refused: E=%u R=%c (%s)",
              ppp_auth_method_name(a->cfg.method), a->user_shown, v->mschap_error,
              (r != NULL && rl == 1) ? r[0] : '?', v->message);
}

size_t ppp_mschap_success_msg(const struct ppp_authr *a, const struct ppp_auth_verdict *v,
                              char *out, size_t cap)
{
    const char *text = v->message[0] ? v->message : MSCHAP_OK_MSG;
    int n;
    if (a->cfg.method == PPP_AUTH_MSCHAP_V2) /* RFC 2759 §5 */
        n = snprintf(out, cap, "%.42s M=%.*s", v->mschap_auth_response,
                     (int)strnlen(text, sizeof v->message), text);
    else /* RFC 2433 §7 */
        n = snprintf(out, cap, "%.*s", (int)strnlen(text, sizeof v->message), text);
    return n < 0 ? 0 : (size_t)n;
}

size_t ppp_mschap_failure_msg(const struct ppp_authr *a, const struct ppp_auth_verdict *v,
                              char *out, size_t cap)
{
    int n;
    if (a->cfg.method == PPP_AUTH_MSCHAP_V2) {
        /* RFC 2759 §6: C= "MUST be exactly 32 octets long and MUST be
         * present"; a fresh challenge, as Windows sends. R=0: no retry. */
        uint8_t c[16];
        char hex[33];
        const char *text = v->message[0] ? v->message : MSCHAP_FAIL_MSG;
        lx_random_bytes(c, sizeof c);
        ppp_crypto_hex(c, sizeof c, hex);
        n = snprintf(out, cap, "E=%u R=0 C=%s V=3 M=%.*s", v->mschap_error, hex,
                     (int)strnlen(text, sizeof v->message), text);
    } else {
        /* RFC 2433 §8: C= is optional (Windows NT leaves it out), V >= 2 */
        n = snprintf(out, cap, "E=%u R=0 V=2", v->mschap_error);
    }
    return n < 0 ? 0 : (size_t)n;
}
