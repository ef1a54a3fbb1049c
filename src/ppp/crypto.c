#include "ppp/crypto.h"
#include "lib/buf.h"

#include <string.h>

#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/sha1.h>

bool ppp_crypto_memeq(const void *a, const void *b, size_t n)
{
    return memeql_sec(a, b, n) != 0;
}

void ppp_crypto_wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}

void ppp_crypto_chap_md5(uint8_t id, const uint8_t *secret, size_t secret_len,
                         const uint8_t *challenge, size_t challenge_len, uint8_t out[16])
{
    struct md5_ctx c;
    md5_init(&c);
    md5_update(&c, 1, &id);
    md5_update(&c, secret_len, secret);
    md5_update(&c, challenge_len, challenge);
    md5_digest(&c, 16, out);
    ppp_crypto_wipe(&c, sizeof c);
}

/* Decodes one well-formed UTF-8 sequence at s (RFC 3629 §4); returns its
 * length and the code point, or 0 if the bytes are not well-formed. */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint8_t b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((b & 0xe0) == 0xc0) {
        n = 2, v = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        n = 3, v = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        n = 4, v = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static bool put_unit(uint8_t *out, size_t cap, size_t *o, uint32_t u)
{
    if (cap - *o < 2)
        return false;
    out[(*o)++] = (uint8_t)u;
    out[(*o)++] = (uint8_t)(u >> 8);
    return true;
}

bool ppp_crypto_utf8_to_utf16le(const char *str, size_t len, uint8_t *out, size_t cap,
                                size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0, o = 0;
    *out_len = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            cp = s[i]; /* not UTF-8: this byte as Latin-1 */
            n = 1;
        }
        i += n;
        if (cp >= 0x10000) {
            /* RFC 2781 §2.1: a surrogate pair */
            cp -= 0x10000;
            if (!put_unit(out, cap, &o, 0xd800 | (cp >> 10)) ||
                !put_unit(out, cap, &o, 0xdc00 | (cp & 0x3ff)))
                return false;
        } else if (!put_unit(out, cap, &o, cp)) {
            return false;
        }
    }
    *out_len = o;
    return true;
}

bool ppp_crypto_nt_password_hash(const char *pw, size_t pw_len, uint8_t out[16])
{
    uint8_t u[PPP_CRYPTO_PW_MAX_UNITS * 2];
    size_t ulen;
    if (!ppp_crypto_utf8_to_utf16le(pw, pw_len, u, sizeof u, &ulen)) {
        ppp_crypto_wipe(u, sizeof u);
        memset(out, 0, 16);
        return false;
    }
    struct md4_ctx c;
    md4_init(&c);
    md4_update(&c, ulen, u);
    md4_digest(&c, 16, out);
    ppp_crypto_wipe(&c, sizeof c);
    ppp_crypto_wipe(u, sizeof u);
    return true;
}

void ppp_crypto_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16])
{
    struct md4_ctx c;
    md4_init(&c);
    md4_update(&c, 16, hash);
    md4_digest(&c, 16, out);
    ppp_crypto_wipe(&c, sizeof c);
}

void ppp_crypto_lm_password_hash(const char *pw, size_t pw_len, uint8_t out[16])
{
    /* RFC 2433 §A.2/§A.3: upper-case, zero pad to 14, DES("KGS!@#$%") under
     * each 7-octet half. */
    static const uint8_t std_text[8] = {'K', 'G', 'S', '!', '@', '#', '$', '%'};
    uint8_t up[14] = {0};
    for (size_t i = 0; i < pw_len && i < sizeof up; i++) {
        uint8_t c = (uint8_t)pw[i];
        up[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
    }
    ppp_crypto_des_encrypt(std_text, up, out);
    ppp_crypto_des_encrypt(std_text, up + 7, out + 8);
    ppp_crypto_wipe(up, sizeof up);
}

void ppp_crypto_des_expand_key(const uint8_t k[7], uint8_t key8[8])
{
    /* RFC 2759 §8.6: insert a parity bit after every 7 key bits. */
    key8[0] = k[0];
    key8[1] = (uint8_t)(k[0] << 7 | k[1] >> 1);
    key8[2] = (uint8_t)(k[1] << 6 | k[2] >> 2);
    key8[3] = (uint8_t)(k[2] << 5 | k[3] >> 3);
    key8[4] = (uint8_t)(k[3] << 4 | k[4] >> 4);
    key8[5] = (uint8_t)(k[4] << 3 | k[5] >> 5);
    key8[6] = (uint8_t)(k[5] << 2 | k[6] >> 6);
    key8[7] = (uint8_t)(k[6] << 1);
    /* §9.3: odd parity in the low bit (DES ignores it; kept for the vector) */
    for (int i = 0; i < 8; i++) {
        uint8_t v = key8[i] & 0xfe;
        uint8_t ones = (uint8_t)__builtin_popcount(v);
        key8[i] = (uint8_t)(v | ((ones & 1) ? 0 : 1));
    }
}

void ppp_crypto_des_encrypt(const uint8_t clear[8], const uint8_t key7[7], uint8_t out[8])
{
    uint8_t key8[8];
    struct des_ctx c;
    ppp_crypto_des_expand_key(key7, key8);
    /* des_set_key() returns 0 for the (legal) weak keys but fills the
     * schedule all the same: a password hash may well produce one (e.g. two
     * zero bytes before the zero padding in ChallengeResponse). */
    (void)des_set_key(&c, key8);
    des_encrypt(&c, 8, out, clear);
    ppp_crypto_wipe(&c, sizeof c);
    ppp_crypto_wipe(key8, sizeof key8);
}

void ppp_crypto_challenge_response(const uint8_t challenge[8], const uint8_t pw_hash[16],
                                   uint8_t out[24])
{
    uint8_t z[21] = {0};
    memcpy(z, pw_hash, 16);
    ppp_crypto_des_encrypt(challenge, z, out);
    ppp_crypto_des_encrypt(challenge, z + 7, out + 8);
    ppp_crypto_des_encrypt(challenge, z + 14, out + 16);
    ppp_crypto_wipe(z, sizeof z);
}

void ppp_crypto_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
                               const char *user, size_t user_len, uint8_t out[8])
{
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&c);
    sha1_update(&c, 16, peer_challenge);
    sha1_update(&c, 16, auth_challenge);
    sha1_update(&c, user_len, (const uint8_t *)user);
    sha1_digest(&c, sizeof d, d);
    memcpy(out, d, 8);
}

const char *ppp_crypto_strip_domain(const char *user, size_t *len)
{
    const char *bs = memrchr(user, '\\', *len);
    if (bs == NULL)
        return user;
    *len -= (size_t)(bs + 1 - user);
    return bs + 1;
}

bool ppp_crypto_generate_nt_response(const uint8_t auth_challenge[16],
                                     const uint8_t peer_challenge[16], const char *user,
                                     size_t user_len, const char *pw, size_t pw_len,
                                     uint8_t out[24])
{
    uint8_t chal[8], hash[16];
    ppp_crypto_challenge_hash(peer_challenge, auth_challenge, user, user_len, chal);
    bool ok = ppp_crypto_nt_password_hash(pw, pw_len, hash);
    ppp_crypto_challenge_response(chal, hash, out);
    ppp_crypto_wipe(hash, sizeof hash);
    return ok;
}

/* RFC 2759 §8.7 magic constants */
static const uint8_t auth_magic1[39] = "Magic server to client signing constant";
static const uint8_t auth_magic2[41] = "Pad to make it do more than one iteration";

void ppp_crypto_authenticator_response_hash(const uint8_t pw_hash[16],
                                            const uint8_t nt_response[24],
                                            const uint8_t peer_challenge[16],
                                            const uint8_t auth_challenge[16], const char *user,
                                            size_t user_len, char out[43])
{
    uint8_t hh[16], d[SHA1_DIGEST_SIZE], chal[8];
    struct sha1_ctx c;
    ppp_crypto_hash_nt_password_hash(pw_hash, hh);
    sha1_init(&c);
    sha1_update(&c, 16, hh);
    sha1_update(&c, 24, nt_response);
    sha1_update(&c, sizeof auth_magic1, auth_magic1);
    sha1_digest(&c, sizeof d, d);
    ppp_crypto_challenge_hash(peer_challenge, auth_challenge, user, user_len, chal);
    sha1_init(&c);
    sha1_update(&c, sizeof d, d);
    sha1_update(&c, 8, chal);
    sha1_update(&c, sizeof auth_magic2, auth_magic2);
    sha1_digest(&c, sizeof d, d);
    out[0] = 'S';
    out[1] = '=';
    ppp_crypto_hex(d, sizeof d, out + 2);
    ppp_crypto_wipe(hh, sizeof hh);
    ppp_crypto_wipe(&c, sizeof c);
}

bool ppp_crypto_generate_authenticator_response(const char *pw, size_t pw_len,
                                                const uint8_t nt_response[24],
                                                const uint8_t peer_challenge[16],
                                                const uint8_t auth_challenge[16], const char *user,
                                                size_t user_len, char out[43])
{
    uint8_t hash[16];
    bool ok = ppp_crypto_nt_password_hash(pw, pw_len, hash);
    ppp_crypto_authenticator_response_hash(hash, nt_response, peer_challenge, auth_challenge, user,
                                           user_len, out);
    ppp_crypto_wipe(hash, sizeof hash);
    return ok;
}

bool ppp_crypto_nt_challenge_response(const uint8_t challenge[8], const char *pw, size_t pw_len,
                                      uint8_t out[24])
{
    uint8_t hash[16];
    bool ok = ppp_crypto_nt_password_hash(pw, pw_len, hash);
    ppp_crypto_challenge_response(challenge, hash, out);
    ppp_crypto_wipe(hash, sizeof hash);
    return ok;
}

void ppp_crypto_mppe_v1_start_key(const uint8_t challenge[8], const uint8_t pw_hash_hash[16],
                                  uint8_t out[16])
{
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&c);
    sha1_update(&c, 16, pw_hash_hash);
    sha1_update(&c, 16, pw_hash_hash);
    sha1_update(&c, 8, challenge);
    sha1_digest(&c, sizeof d, d);
    memcpy(out, d, 16);
    ppp_crypto_wipe(d, sizeof d);
    ppp_crypto_wipe(&c, sizeof c);
}

/* RFC 3079 §3.4 magic constants */
static const uint8_t mppe_magic1[27] = "This is the MPPE Master Key";
static const uint8_t mppe_magic2[84] = "On the client side, this is the send key; "
                                       "on the server side, it is the receive key.";
static const uint8_t mppe_magic3[84] = "On the client side, this is the receive key; "
                                       "on the server side, it is the send key.";
static const uint8_t sha_pad1[40] = {0};
static const uint8_t sha_pad2[40] = {0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2};

void ppp_crypto_mppe_master_key(const uint8_t pw_hash_hash[16], const uint8_t nt_response[24],
                                uint8_t out[16])
{
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&c);
    sha1_update(&c, 16, pw_hash_hash);
    sha1_update(&c, 24, nt_response);
    sha1_update(&c, sizeof mppe_magic1, mppe_magic1);
    sha1_digest(&c, sizeof d, d);
    memcpy(out, d, 16);
    ppp_crypto_wipe(d, sizeof d);
    ppp_crypto_wipe(&c, sizeof c);
}

void ppp_crypto_mppe_asymmetric_start_key(const uint8_t master_key[16], uint8_t *out,
                                          size_t key_len, bool is_send, bool is_server)
{
    const uint8_t *s = (is_send == is_server) ? mppe_magic3 : mppe_magic2;
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    if (key_len > 16)
        key_len = 16;
    sha1_init(&c);
    sha1_update(&c, 16, master_key);
    sha1_update(&c, sizeof sha_pad1, sha_pad1);
    sha1_update(&c, 84, s);
    sha1_update(&c, sizeof sha_pad2, sha_pad2);
    sha1_digest(&c, sizeof d, d);
    memcpy(out, d, key_len);
    ppp_crypto_wipe(d, sizeof d);
    ppp_crypto_wipe(&c, sizeof c);
}

void ppp_crypto_mppe_new_key(const uint8_t *start_key, const uint8_t *current_key, size_t key_len,
                             uint8_t *out)
{
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    if (key_len > 16)
        key_len = 16;
    sha1_init(&c);
    sha1_update(&c, key_len, start_key);
    sha1_update(&c, sizeof sha_pad1, sha_pad1);
    sha1_update(&c, key_len, current_key);
    sha1_update(&c, sizeof sha_pad2, sha_pad2);
    sha1_digest(&c, sizeof d, d);
    memcpy(out, d, key_len);
    ppp_crypto_wipe(d, sizeof d);
    ppp_crypto_wipe(&c, sizeof c);
}

void ppp_crypto_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool ppp_crypto_unhex(const char *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = lx_hex_digit(in[2 * i]), lo = lx_hex_digit(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
