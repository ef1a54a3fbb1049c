/* libFuzzer target for the L2TP control message codec (RFC 2661 §3.1, §4).
 *
 * Decodes the header, then the body (or the whole input as a body when the
 * header is refused), without and with a shared secret; formats the
 * result; exercises every getter; and when decoding succeeded, re-encodes
 * the message through the builder (hidden or not) and checks that decoding
 * that gives the same AVP values back. Any disagreement aborts. */
#include <stdlib.h>
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/header.h"
#include "lib/rand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t k_secret[] = "fuzz";
#define K_SECRET_LEN 4

static struct l2tp_msg m1, m2;
static uint8_t rebuilt[L2TP_MAX_PACKET];

static void fixed_rand(void *ctx, void *buf, size_t len)
{
    uint8_t *p = buf, *n = ctx;
    for (size_t i = 0; i < len; i++)
        p[i] = (*n)++;
}

static void use_getters(const struct l2tp_msg *m)
{
    volatile uint64_t sink = 0;
    for (unsigned t = 0; t <= L2TP_AVP_STD_MAX + 1; t++) {
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        const uint8_t *p;
        size_t len;
        char s[32];
        if (l2tp_msg_u8(m, t, &u8))
            sink += u8;
        if (l2tp_msg_u16(m, t, &u16))
            sink += u16;
        if (l2tp_msg_u32(m, t, &u32))
            sink += u32;
        if (l2tp_msg_u64(m, t, &u64))
            sink += u64;
        if (l2tp_msg_bytes(m, t, &p, &len) && len > 0)
            sink += p[len - 1];
        if (l2tp_msg_str(m, t, s, sizeof s))
            sink += strlen(s);
    }
    struct l2tp_result r;
    if (l2tp_msg_result(m, &r) && r.msg_len > 0)
        sink += r.msg[r.msg_len - 1];
    struct l2tp_accm a;
    if (l2tp_msg_accm(m, &a))
        sink += a.send ^ a.recv;
    struct l2tp_proto_version v;
    if (l2tp_msg_proto_version(m, &v))
        sink += v.ver;
    struct l2tp_call_errors ce;
    if (l2tp_msg_call_errors(m, &ce))
        sink += ce.alignment;
    struct l2tp_q931 q;
    if (l2tp_msg_q931(m, &q) && q.advisory_len > 0)
        sink += q.advisory[q.advisory_len - 1];
    struct l2tp_disconnect_cause dc;
    if (l2tp_msg_disconnect_cause(m, &dc) && dc.msg_len > 0)
        sink += dc.msg[dc.msg_len - 1];
    (void)sink;
}

static void format_checks(const struct l2tp_msg *m)
{
    char big[512], small[13];
    size_t n = l2tp_msg_format(m, big, sizeof big);
    if (n >= sizeof big || strlen(big) != n)
        abort();
    n = l2tp_msg_format(m, small, sizeof small);
    if (n >= sizeof small || strlen(small) != n || memcmp(small, big, n) != 0)
        abort();
}

/* Re-encodes m1 and checks the decoded copy carries the same values. */
static void reencode(bool hide)
{
    uint8_t seed = 0;
    lx_random_set_source(fixed_rand, &seed);
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, rebuilt, sizeof rebuilt, m1.type);
    l2tp_mb_set_hiding(&b, k_secret, K_SECRET_LEN, hide);
    for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++) {
        /* The builder places its own Random Vector; copying the received
         * one would change which vector later hidden AVPs refer to. */
        if (t == L2TP_AVP_RANDOM_VECTOR || !l2tp_msg_has(&m1, t))
            continue;
        l2tp_mb_bytes(&b, (uint16_t)t, m1.avp[t].val, m1.avp[t].len);
    }
    for (unsigned i = 0; i < m1.n_vendor; i++) {
        const struct l2tp_avp_ref *a = &m1.vendor[i];
        l2tp_mb_raw(&b, a->vendor, a->type, a->m, a->h, a->val, a->len);
    }
    size_t n = l2tp_mb_finish(&b);
    lx_random_set_source(NULL, NULL);
    if (n == 0)
        return; /* e.g. a 1017-octet value cannot be hidden: not a bug */

    struct l2tp_dec_result res;
    if (l2tp_msg_decode(&m2, rebuilt, n, 1, k_secret, K_SECRET_LEN, &res) != L2TP_DEC_OK)
        abort();
    if (m2.type != m1.type || m2.n_vendor != m1.n_vendor)
        abort();
    uint64_t rv = L2TP_AVP_BIT(L2TP_AVP_RANDOM_VECTOR);
    if ((m1.present & ~rv) != (m2.present & ~rv))
        abort();
    for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++) {
        if (t == L2TP_AVP_RANDOM_VECTOR || !l2tp_msg_has(&m1, t))
            continue;
        const struct l2tp_avp_ref *a = &m1.avp[t], *c = &m2.avp[t];
        if (a->len != c->len || (a->len && memcmp(a->val, c->val, a->len) != 0))
            abort();
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
        if (c->m != d->send_mandatory || c->h != (hide && d->may_hide))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct l2tp_hdr h;
    const uint8_t *body = data;
    size_t len = size;
    uint16_t sid = size > 0 ? data[0] & 1 : 0;
    if (l2tp_hdr_decode(data, size, &h) == L2TP_HDR_OK) {
        if (h.payload_off + h.payload_len > size)
            abort();
        body = data + h.payload_off;
        len = h.payload_len;
        sid = h.session_id;
    }
    (void)l2tp_hdr_status_str(l2tp_hdr_decode(data, size, &h));

    for (int with_secret = 0; with_secret <= 1; with_secret++) {
        struct l2tp_dec_result res;
        enum l2tp_dec_status st =
            l2tp_msg_decode(&m1, body, len, sid, with_secret ? k_secret : NULL,
                            with_secret ? K_SECRET_LEN : 0, &res);
        if (st != res.status || strlen(l2tp_dec_status_str(st)) == 0)
            abort();
        if (memchr(res.why, '\0', sizeof res.why) == NULL)
            abort();
        if (m1.scratch_used > sizeof m1.scratch)
            abort();
        /* A failure always names a reaction; success never does. */
        if (st == L2TP_DEC_OK && (res.scope != L2TP_TEARDOWN_NONE || res.result_code != 0))
            abort();
        if (res.scope != L2TP_TEARDOWN_NONE && res.result_code != 2)
            abort();
        format_checks(&m1);
        use_getters(&m1);
        if (st == L2TP_DEC_OK) {
            reencode(false);
            if (with_secret)
                reencode(true);
        }
    }
    return 0;
}
