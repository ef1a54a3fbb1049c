/* RFC 2661 §4.3: hiding of AVP attribute values.
 *
 * Subformat: 2-octet Length of Original Value, the value, optional padding.
 * It is XORed 16 octets at a time with a chain of MD5 digests:
 *     b1 = MD5(attribute type (2 octets) + secret + random vector)
 *     bi = MD5(secret + c(i-1))            c(i) = p(i) xor b(i)
 * The last block may be short: only the octets present are XORed and the
 * AVP length is not changed. */
#include <nettle/md5.h>

#include "l2tp/avp.h"
#include "lib/buf.h"

#define BLK MD5_DIGEST_SIZE /* 16 */

static void first_digest(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
                         size_t rv_len, uint8_t out[BLK])
{
    struct md5_ctx c;
    uint8_t t[2];
    lx_put_u16(t, type);
    md5_init(&c);
    md5_update(&c, sizeof t, t);
    md5_update(&c, secret_len, secret);
    md5_update(&c, rv_len, rv);
    md5_digest(&c, BLK, out);
}

static void next_digest(const uint8_t *secret, size_t secret_len, const uint8_t prev_c[BLK],
                        uint8_t out[BLK])
{
    struct md5_ctx c;
    md5_init(&c);
    md5_update(&c, secret_len, secret);
    md5_update(&c, BLK, prev_c);
    md5_digest(&c, BLK, out);
}

size_t l2tp_avp_hide(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
                     size_t rv_len, const uint8_t *val, size_t len, uint8_t *out, size_t out_cap)
{
    /* The Original Length field is 16 bits; the AVP Length field limits
     * the real size much further, which the caller checks. */
    if (len > 0xffff - 2 || out_cap < len + 2)
        return 0;
    size_t n = len + 2;
    if (len)
        memmove(out + 2, val, len); /* val may alias out + 2 */
    lx_put_u16(out, (uint16_t)len);

    uint8_t b[BLK];
    first_digest(type, secret, secret_len, rv, rv_len, b);
    for (size_t off = 0; off < n; off += BLK) {
        if (off > 0)
            next_digest(secret, secret_len, out + off - BLK, b);
        size_t k = n - off < BLK ? n - off : BLK;
        for (size_t i = 0; i < k; i++)
            out[off + i] ^= b[i];
    }
    return n;
}

long l2tp_avp_reveal(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
                     size_t rv_len, const uint8_t *hidden, size_t len, uint8_t *out, size_t out_cap)
{
    if (len < 2)
        return -1;

    uint8_t b[BLK], c[BLK];
    size_t orig = 0;
    first_digest(type, secret, secret_len, rv, rv_len, b);
    for (size_t off = 0; off < len; off += BLK) {
        size_t k = len - off < BLK ? len - off : BLK;
        if (off > 0)
            next_digest(secret, secret_len, c, b);
        /* Keep c(i) for the next digest before out (which may lie at or
         * before `hidden`) is written. */
        memcpy(c, hidden + off, k);
        for (size_t i = 0; i < k; i++) {
            size_t pos = off + i; /* position in the subformat */
            uint8_t p = c[i] ^ b[i];
            if (pos == 0) {
                orig = (size_t)p << 8;
            } else if (pos == 1) {
                orig |= p;
                /* The original value and its length must fit in what was
                 * received (padding may follow) and in the caller's room. */
                if (orig > len - 2 || orig > out_cap)
                    return -1;
            } else if (pos - 2 < orig) {
                out[pos - 2] = p;
            }
        }
        if (off + k >= orig + 2)
            break; /* the rest is padding */
    }
    return (long)orig;
}
