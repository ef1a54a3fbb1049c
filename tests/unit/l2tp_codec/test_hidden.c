/* RFC 2661 §4.3 hiding: known vectors, an independent step-by-step MD5
 * computation, the builder's exact bytes with a fixed Random Vector, and
 * every decode failure of hidden AVPs. */
#include <nettle/md5.h>

#include "codec_test.h"

static struct l2tp_msg g_m;
static struct l2tp_dec_result g_res;
static struct l2tp_hdr g_h;
static uint8_t g_pkt[2048];

static const uint8_t rv16[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const char secret[] = "secret";
#define SEC    ((const uint8_t *)secret)
#define SECLEN (sizeof secret - 1)

/* Vectors computed outside this code base (Python hashlib, following the
 * §4.3 text): type 9, secret "secret", RV 00..0f, value 0x1234; the
 * subformat 00 02 12 34 XOR MD5(00 09 "secret" RV)[0..3]. */
static void test_known_vector_short(void **state)
{
    static const uint8_t want[4] = {0xbe, 0x6a, 0x0f, 0xf3};
    const uint8_t val[2] = {0x12, 0x34};
    uint8_t out[16];
    assert_int_equal(l2tp_avp_hide(9, SEC, SECLEN, rv16, 16, val, 2, out, sizeof out), 4);
    assert_memory_equal(out, want, 4);

    uint8_t back[8];
    assert_int_equal(l2tp_avp_reveal(9, SEC, SECLEN, rv16, 16, want, 4, back, sizeof back), 2);
    assert_memory_equal(back, val, 2);
}

/* Two MD5 blocks: 30-octet value, 32-octet subformat. */
static const char long_name[] = "a-rather-long-user@example.net";
static const uint8_t long_want[32] = {
    0xb0, 0x39, 0xc6, 0x37, 0x77, 0xd0, 0x9b, 0x88, 0x7c, 0x24, 0xea, 0x9d, 0x1a, 0x28, 0xca, 0xd4,
    0xe7, 0x25, 0x1f, 0x2a, 0x40, 0xff, 0xae, 0xfb, 0x5b, 0x4e, 0x1a, 0x9b, 0x96, 0x5c, 0xfc, 0x46};

static void test_known_vector_two_blocks(void **state)
{
    uint8_t out[64];
    size_t n = strlen(long_name);
    assert_int_equal(n, 30);
    assert_int_equal(l2tp_avp_hide(L2TP_AVP_PROXY_AUTHEN_NAME, SEC, SECLEN, rv16, 16,
                                   (const uint8_t *)long_name, n, out, sizeof out),
                     32);
    assert_memory_equal(out, long_want, 32);

    uint8_t back[64];
    assert_int_equal(l2tp_avp_reveal(L2TP_AVP_PROXY_AUTHEN_NAME, SEC, SECLEN, rv16, 16, long_want,
                                     32, back, sizeof back),
                     30);
    assert_memory_equal(back, long_name, 30);
}

/* The same two blocks, written step by step with Nettle as §4.3 reads:
 *   b1 = MD5(type + S + RV)  c1 = p1 xor b1
 *   b2 = MD5(S + c1)         c2 = p2 xor b2 */
static void test_step_by_step_md5(void **state)
{
    uint8_t p[32];
    p[0] = 0;
    p[1] = 30;
    memcpy(p + 2, long_name, 30);

    struct md5_ctx ctx;
    uint8_t b1[16], b2[16], c[32];
    const uint8_t type[2] = {0x00, 0x1e}; /* 30 */
    md5_init(&ctx);
    md5_update(&ctx, 2, type);
    md5_update(&ctx, SECLEN, SEC);
    md5_update(&ctx, 16, rv16);
    md5_digest(&ctx, 16, b1);
    for (int i = 0; i < 16; i++)
        c[i] = p[i] ^ b1[i];
    md5_init(&ctx);
    md5_update(&ctx, SECLEN, SEC);
    md5_update(&ctx, 16, c);
    md5_digest(&ctx, 16, b2);
    for (int i = 0; i < 16; i++)
        c[16 + i] = p[16 + i] ^ b2[i];

    assert_memory_equal(c, long_want, 32); /* both independent computations agree */
    uint8_t out[64];
    assert_int_equal(
        l2tp_avp_hide(30, SEC, SECLEN, rv16, 16, (const uint8_t *)long_name, 30, out, sizeof out),
        32);
    assert_memory_equal(out, c, 32);
}

/* A third block, a short last block, and padding: the receiver must stop at
 * the Original Length and ignore the padding octets. */
static void test_reveal_padding_and_lengths(void **state)
{
    uint8_t val[40];
    for (size_t i = 0; i < sizeof val; i++)
        val[i] = (uint8_t)(0x30 + i);
    for (size_t len = 0; len <= sizeof val; len++) {
        uint8_t h[64], back[64];
        size_t n = l2tp_avp_hide(7, SEC, SECLEN, rv16, 16, val, len, h, sizeof h);
        assert_int_equal(n, len + 2);
        assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, h, n, back, sizeof back),
                         (long)len);
        assert_memory_equal(back, val, len);
    }

    /* Hide "abc" with 13 octets of padding: subformat 00 03 'a' 'b' 'c' + pad. */
    uint8_t sub[18] = {0x00, 0x03, 'a', 'b', 'c'};
    for (int i = 5; i < 18; i++)
        sub[i] = (uint8_t)(0xa5 ^ i);
    uint8_t enc[18];
    /* Encrypt that subformat block by block as §4.3 describes. */
    struct md5_ctx ctx;
    uint8_t b[16];
    const uint8_t t7[2] = {0, 7};
    md5_init(&ctx);
    md5_update(&ctx, 2, t7);
    md5_update(&ctx, SECLEN, SEC);
    md5_update(&ctx, 16, rv16);
    md5_digest(&ctx, 16, b);
    for (int i = 0; i < 16; i++)
        enc[i] = sub[i] ^ b[i];
    md5_init(&ctx);
    md5_update(&ctx, SECLEN, SEC);
    md5_update(&ctx, 16, enc);
    md5_digest(&ctx, 16, b);
    enc[16] = sub[16] ^ b[0];
    enc[17] = sub[17] ^ b[1];
    uint8_t back[32];
    assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, enc, 18, back, sizeof back), 3);
    assert_memory_equal(back, "abc", 3);

    /* Failures: too short for the length field, Original Length larger
     * than what follows, larger than the caller's room. */
    assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, enc, 1, back, sizeof back), -1);
    uint8_t h[8];
    const uint8_t v4[4] = {1, 2, 3, 4};
    assert_int_equal(l2tp_avp_hide(7, SEC, SECLEN, rv16, 16, v4, 4, h, sizeof h), 6);
    assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, h, 5, back, sizeof back), -1);
    assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, h, 6, back, 3), -1);
    assert_int_equal(l2tp_avp_reveal(7, SEC, SECLEN, rv16, 16, h, 6, back, 4), 4);
    /* Hide needs room for the length field. */
    assert_int_equal(l2tp_avp_hide(7, SEC, SECLEN, rv16, 16, v4, 4, h, 5), 0);
    /* In place: val aliasing out + 2. */
    uint8_t io[8] = {0, 0, 0x12, 0x34};
    assert_int_equal(l2tp_avp_hide(9, SEC, SECLEN, rv16, 16, io + 2, 2, io, sizeof io), 4);
    assert_memory_equal(io, ((const uint8_t[]){0xbe, 0x6a, 0x0f, 0xf3}), 4);
    /* Reveal into the same buffer. */
    assert_int_equal(l2tp_avp_reveal(9, SEC, SECLEN, rv16, 16, io, 4, io, sizeof io), 2);
    assert_int_equal(io[0], 0x12);
    assert_int_equal(io[1], 0x34);
}

/* The builder with hiding on: one Random Vector (16 octets from the random
 * source) before the first hidden AVP, then M|H AVPs; AVPs §4.4 forbids to
 * hide stay clear. Expected hidden octets from the same Python vectors. */
static void test_builder_hidden_exact(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x48, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, /* hdr, 72 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,             /* Message Type ICRQ */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,             /* Result Code: never hidden */
        0x80, 0x16, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0x02, 0x03, /* Random Vector, 22 */
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* */
        0xc0, 0x0a, 0x00, 0x00, 0x00, 0x0e, 0x3b, 0x5b, 0xe9, 0x54, /* M|H Session ID, 10 */
        0xc0, 0x0c, 0x00, 0x00, 0x00, 0x0f, 0x1f, 0x88, 0x99, 0xe5, /* M|H Serial, 12 */
        0x79, 0x4a,                                                 /* */
    };
    struct ct_rand r;
    ct_rand_install(&r, 0x00);
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_pkt + 12, sizeof g_pkt - 12, L2TP_MSG_ICRQ);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
    l2tp_mb_result(&b, 1, false, 0, NULL); /* not allowed to be hidden: stays clear, no RV */
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0, 1, 2);
    lx_random_set_source(NULL, NULL);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    assert_int_equal(ct_decode_pkt(exp, sizeof exp, &g_h, &g_m, secret, &g_res), L2TP_DEC_OK);
    uint16_t sid = 0;
    uint32_t serial = 0;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_SESSION_ID, &sid));
    assert_true(l2tp_msg_u32(&g_m, L2TP_AVP_CALL_SERIAL_NUMBER, &serial));
    assert_int_equal(sid, 0x0a0b);
    assert_int_equal(serial, 1);
    assert_true(g_m.avp[L2TP_AVP_ASSIGNED_SESSION_ID].h);
    assert_true(g_m.avp[L2TP_AVP_ASSIGNED_SESSION_ID].m);
    assert_false(g_m.avp[L2TP_AVP_RESULT_CODE].h);
    const uint8_t *p;
    size_t len;
    assert_true(l2tp_msg_bytes(&g_m, L2TP_AVP_RANDOM_VECTOR, &p, &len));
    assert_int_equal(len, 16);
    assert_memory_equal(p, rv16, 16);
    /* The revealed values live in the scratch area, not in the packet. */
    assert_ptr_equal(g_m.avp[L2TP_AVP_ASSIGNED_SESSION_ID].val, g_m.scratch);
    assert_int_equal(g_m.scratch_used, 6);

    /* Same bytes, no secret configured: the M-bit hidden AVP is fatal. */
    assert_int_equal(ct_decode_pkt(exp, sizeof exp, &g_h, &g_m, NULL, &g_res),
                     L2TP_DEC_HIDDEN_NO_SECRET);
    assert_int_equal(g_res.scope, L2TP_TEARDOWN_TUNNEL);
    assert_int_equal(g_res.result_code, 2);
    assert_int_equal(g_res.error_code, L2TP_ERR_BAD_VALUE);
    assert_int_equal(g_res.avp_type, L2TP_AVP_ASSIGNED_SESSION_ID);

    /* Wrong secret: the Original Length comes out as garbage. */
    enum l2tp_dec_status st = ct_decode_pkt(exp, sizeof exp, &g_h, &g_m, "wrong", &g_res);
    assert_true(st == L2TP_DEC_HIDDEN_BAD || st == L2TP_DEC_BAD_AVP_LEN);
}

/* Builder: hiding requested without a secret hides nothing; hiding off
 * hides nothing; one RV only, however many hidden AVPs. */
static void test_builder_hiding_rules(void **state)
{
    struct ct_rand r;
    ct_rand_install(&r, 0x40);
    struct l2tp_msg_builder b;
    uint8_t buf[512];

    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_HELLO);
    l2tp_mb_set_hiding(&b, NULL, 0, true);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 7);
    assert_int_equal(l2tp_mb_finish(&b), 16);
    assert_int_equal(buf[8], 0x80); /* M only */

    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_HELLO);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, false);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 7);
    assert_int_equal(l2tp_mb_finish(&b), 16);

    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_HELLO);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 7);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 9);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "h"); /* §4.4.3: MUST NOT be hidden */
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(n, 8 + 22 + 10 + 12 + 7);
    assert_int_equal(buf[8 + 22] & 0xfc, 0xc0);
    assert_int_equal(buf[8 + 22 + 10] & 0xfc, 0xc0);
    assert_int_equal(buf[8 + 22 + 10 + 12], 0x80);
    assert_memory_equal(buf + 14, ((const uint8_t[]){0x40, 0x41, 0x42}), 3);

    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    uint16_t v16;
    uint32_t v32;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_SESSION_ID, &v16));
    assert_int_equal(v16, 7);
    assert_true(l2tp_msg_u32(&g_m, L2TP_AVP_TX_CONNECT_SPEED, &v32));
    assert_int_equal(v32, 9);
    lx_random_set_source(NULL, NULL);

    /* A hidden value must still fit the 10-bit Length: 1015 octets max. */
    static uint8_t big[1017];
    memset(big, 'x', sizeof big);
    l2tp_mb_init(&b, g_pkt, sizeof g_pkt, L2TP_MSG_HELLO);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_RESPONSE, big, 1015);
    assert_true(l2tp_mb_finish(&b) > 0);
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_RESPONSE, big, 1016);
    assert_int_equal(l2tp_mb_finish(&b), 0);
}

/* §4.3: "a hidden AVP uses the Random Vector AVP most closely preceding
 * it": two vectors, each applying to the AVP after it. */
static void test_multiple_random_vectors(void **state)
{
    uint8_t rv2[16];
    for (int i = 0; i < 16; i++)
        rv2[i] = (uint8_t)(0xf0 + i);
    uint8_t h1[8], h2[8];
    const uint8_t v1[2] = {0x11, 0x11}, v2[4] = {0, 0, 0x22, 0x22};
    assert_int_equal(l2tp_avp_hide(14, SEC, SECLEN, rv16, 16, v1, 2, h1, sizeof h1), 4);
    assert_int_equal(l2tp_avp_hide(15, SEC, SECLEN, rv2, 16, v2, 4, h2, sizeof h2), 6);

    struct l2tp_msg_builder b;
    uint8_t buf[256];
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_ICRQ);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_SESSION_ID, true, true, h1, 4);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv2, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_CALL_SERIAL_NUMBER, true, true, h2, 6);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.n_duplicate, 0); /* a second Random Vector is legal */
    uint16_t s;
    uint32_t c;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_SESSION_ID, &s));
    assert_true(l2tp_msg_u32(&g_m, L2TP_AVP_CALL_SERIAL_NUMBER, &c));
    assert_int_equal(s, 0x1111);
    assert_int_equal(c, 0x2222);
}

/* Decode failures of hidden AVPs, with and without the M bit (§7.1). */
static void test_hidden_decode_errors(void **state)
{
    struct l2tp_msg_builder b;
    uint8_t buf[256];
    uint8_t h[8];
    const uint8_t v[2] = {0x12, 0x34};
    assert_int_equal(l2tp_avp_hide(9, SEC, SECLEN, rv16, 16, v, 2, h, sizeof h), 4);

    /* No Random Vector before the hidden AVP. */
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_STOPCCN);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, true, true, h, 4);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_result(&b, 1, false, 0, NULL);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res),
                     L2TP_DEC_HIDDEN_NO_VECTOR);
    assert_int_equal(g_res.scope, L2TP_TEARDOWN_TUNNEL);
    assert_int_equal(g_res.result_code, L2TP_STOPCCN_GENERAL_ERROR);
    assert_int_equal(g_res.error_code, L2TP_ERR_BAD_VALUE);
    assert_int_equal(g_res.avp_type, L2TP_AVP_ASSIGNED_TUNNEL_ID);
    assert_true(strlen(g_res.why) > 0);

    /* Same in a session message: the session goes (CDN). */
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0x55, SEC, SECLEN, &g_res),
                     L2TP_DEC_HIDDEN_NO_VECTOR);
    assert_int_equal(g_res.scope, L2TP_TEARDOWN_SESSION);
    assert_int_equal(g_res.result_code, L2TP_CDN_GENERAL_ERROR);

    /* Without M the unreadable AVP is ignored (§7.1) and counted. */
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_HELLO);
    l2tp_mb_raw(&b, 0, L2TP_AVP_PHYSICAL_CHANNEL_ID, false, true, h, 4);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.n_ignored, 1);
    assert_false(l2tp_msg_has(&g_m, L2TP_AVP_PHYSICAL_CHANNEL_ID));

    /* No secret configured. */
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_STOPCCN);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, true, true, h, 4);
    l2tp_mb_result(&b, 1, false, 0, NULL);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, NULL, 0, &g_res), L2TP_DEC_HIDDEN_NO_SECRET);
    assert_int_equal(g_res.avp_type, L2TP_AVP_ASSIGNED_TUNNEL_ID);
    /* ... and with it the same message is fine. */
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    uint16_t tid;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &tid));
    assert_int_equal(tid, 0x1234);

    /* Bad revealed length: Original Length 0x0200 in a 4-octet hidden value. */
    uint8_t bad[4], key[4];
    assert_int_equal(l2tp_avp_hide(9, SEC, SECLEN, rv16, 16, v, 2, key, sizeof key), 4);
    /* key = (00 02 12 34) ^ md5; bad = md5 ^ (02 00 12 34) */
    bad[0] = key[0] ^ 0x00 ^ 0x02;
    bad[1] = key[1] ^ 0x02 ^ 0x00;
    bad[2] = key[2];
    bad[3] = key[3];
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_STOPCCN);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, true, true, bad, 4);
    l2tp_mb_result(&b, 1, false, 0, NULL);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_HIDDEN_BAD);
    assert_int_equal(g_res.error_code, L2TP_ERR_BAD_LENGTH);

    /* A hidden value of 1 octet cannot even hold the Original Length. */
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_STOPCCN);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, true, true, bad, 1);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_HIDDEN_BAD);

    /* Revealed fine but the revealed length breaks the table bound (3 for
     * a 2-octet AVP): bad AVP length. */
    const uint8_t v3[3] = {1, 2, 3};
    assert_int_equal(l2tp_avp_hide(9, SEC, SECLEN, rv16, 16, v3, 3, h, sizeof h), 5);
    l2tp_mb_init(&b, buf, sizeof buf, L2TP_MSG_STOPCCN);
    l2tp_mb_raw(&b, 0, L2TP_AVP_RANDOM_VECTOR, true, false, rv16, 16);
    l2tp_mb_raw(&b, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, true, true, h, 5);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_BAD_AVP_LEN);
    assert_int_equal(g_res.error_code, L2TP_ERR_BAD_LENGTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vector_short),
        cmocka_unit_test(test_known_vector_two_blocks),
        cmocka_unit_test(test_step_by_step_md5),
        cmocka_unit_test(test_reveal_padding_and_lengths),
        cmocka_unit_test(test_builder_hidden_exact),
        cmocka_unit_test(test_builder_hiding_rules),
        cmocka_unit_test(test_multiple_random_vectors),
        cmocka_unit_test(test_hidden_decode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
