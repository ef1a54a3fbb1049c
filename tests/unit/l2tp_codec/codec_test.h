/* Shared helpers for the l2tp_codec unit tests. */
#ifndef L2TPX_TESTS_CODEC_TEST_H
#define L2TPX_TESTS_CODEC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "l2tp/avp.h"
#include "l2tp/header.h"
#include "l2tp/l2tp.h"
#include "lib/buf.h"
#include "lib/rand.h"

/* Deterministic random source: 0x00, 0x01, 0x02 ... from `next`. */
struct ct_rand {
    uint8_t next;
};

static inline void ct_rand_fn(void *ctx, void *buf, size_t len)
{
    struct ct_rand *r = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = r->next++;
}

static inline void ct_rand_install(struct ct_rand *r, uint8_t first)
{
    r->next = first;
    lx_random_set_source(ct_rand_fn, r);
}

/* Compares byte arrays and prints the first difference with context. */
static inline void ct_assert_bytes(const uint8_t *exp, size_t exp_len, const uint8_t *got,
                                   size_t got_len)
{
    size_t n = exp_len < got_len ? exp_len : got_len;
    for (size_t i = 0; i < n; i++) {
        if (exp[i] != got[i]) {
            print_error("byte %zu: expected 0x%02x got 0x%02x\n", i, exp[i], got[i]);
            break;
        }
    }
    assert_int_equal(got_len, exp_len);
    assert_memory_equal(got, exp, exp_len);
}

/* Finishes a builder whose body was placed at pkt + 12 and writes the
 * control header in front. Returns the datagram length. */
static inline size_t ct_finish_pkt(struct l2tp_msg_builder *b, uint8_t *pkt, size_t cap,
                                   uint16_t tid, uint16_t sid, uint16_t ns, uint16_t nr)
{
    size_t body = l2tp_mb_finish(b);
    assert_true(body > 0);
    size_t h = l2tp_hdr_encode_ctrl(pkt, cap, tid, sid, ns, nr, body);
    assert_int_equal(h, L2TP_CTRL_HDR_LEN);
    return h + body;
}

/* Decodes a whole control datagram; asserts a sane header. */
static inline enum l2tp_dec_status ct_decode_pkt(const uint8_t *pkt, size_t len, struct l2tp_hdr *h,
                                                 struct l2tp_msg *m, const char *secret,
                                                 struct l2tp_dec_result *res)
{
    assert_int_equal(l2tp_hdr_decode(pkt, len, h), L2TP_HDR_OK);
    assert_true(h->is_ctrl);
    return l2tp_msg_decode(m, pkt + h->payload_off, h->payload_len, h->session_id,
                           (const uint8_t *)secret, secret ? strlen(secret) : 0, res);
}

#endif
