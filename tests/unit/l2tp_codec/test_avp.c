/* The AVP table, round trips of every AVP (clear and hidden), every decode
 * error path with its RFC 2661 reaction, the builder's rules and the
 * formatter. */
#include "codec_test.h"

static struct l2tp_msg g_m;
static struct l2tp_dec_result g_res;
static uint8_t g_buf[4096];

static const char secret[] = "tunnel-secret";
#define SEC    ((const uint8_t *)secret)
#define SECLEN (sizeof secret - 1)

/* ---- The table ------------------------------------------------------------ */

static void test_table_contents(void **state)
{
    /* RFC 2661 §4.4 defines 0..39 except 20; RFC 3145 adds 46. */
    unsigned n = 0;
    for (unsigned t = 0; t <= 0xffff; t++)
        if (l2tp_avp_lookup(0, (uint16_t)t) != NULL)
            n++;
    assert_int_equal(n, 40);
    assert_null(l2tp_avp_lookup(0, 20));
    assert_null(l2tp_avp_lookup(0, 40));
    assert_null(l2tp_avp_lookup(0, 63));
    assert_non_null(l2tp_avp_lookup(0, 46));
    /* Vendor ID is part of the key. */
    assert_null(l2tp_avp_lookup(9, L2TP_AVP_HOST_NAME));
    assert_null(l2tp_avp_lookup(0x10000, L2TP_AVP_HOST_NAME));

    for (unsigned t = 0; t <= L2TP_AVP_STD_MAX; t++) {
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
        if (d == NULL)
            continue;
        assert_int_equal(d->type, t);
        assert_int_equal(d->vendor, 0);
        assert_non_null(d->name);
        assert_true(d->min_val_len <= d->max_val_len);
        assert_true(d->max_val_len <= L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN);
    }

    /* Spot checks of M bits and hiding against the §4.4 text. */
    static const struct {
        uint16_t t;
        bool m, hide;
        uint16_t lo, hi;
    } spot[] = {
        {L2TP_AVP_MESSAGE_TYPE, true, false, 2, 2},
        {L2TP_AVP_RESULT_CODE, true, false, 2, 1017},
        {L2TP_AVP_TIE_BREAKER, false, false, 8, 8},
        {L2TP_AVP_FIRMWARE_REV, false, true, 2, 2},
        {L2TP_AVP_HOST_NAME, true, false, 1, 1017},
        {L2TP_AVP_VENDOR_NAME, false, true, 0, 1017},
        {L2TP_AVP_RECV_WINDOW_SIZE, true, false, 2, 2},
        {L2TP_AVP_Q931_CAUSE, true, false, 3, 1017},
        {L2TP_AVP_CHALLENGE_RESPONSE, true, true, 16, 16},
        {L2TP_AVP_PHYSICAL_CHANNEL_ID, false, true, 4, 4},
        {L2TP_AVP_CALL_ERRORS, true, true, 26, 26},
        {L2TP_AVP_ACCM, true, true, 10, 10},
        {L2TP_AVP_RANDOM_VECTOR, true, false, 0, 1017},
        {L2TP_AVP_RX_CONNECT_SPEED, false, true, 4, 4},
        {L2TP_AVP_SEQUENCING_REQUIRED, true, false, 0, 0},
        {L2TP_AVP_PPP_DISCONNECT_CAUSE, false, true, 5, 1017},
    };
    for (size_t i = 0; i < sizeof spot / sizeof spot[0]; i++) {
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, spot[i].t);
        assert_non_null(d);
        assert_int_equal(d->send_mandatory, spot[i].m);
        assert_int_equal(d->may_hide, spot[i].hide);
        assert_int_equal(d->min_val_len, spot[i].lo);
        assert_int_equal(d->max_val_len, spot[i].hi);
    }
}

/* ---- Round trips ------------------------------------------------------------ */

/* Appends a sample of AVP t with the typed builder call for its kind and
 * checks it back with the typed getter. `variant` picks edge values. */
static void add_sample(struct l2tp_msg_builder *b, const struct l2tp_avp_desc *d, int variant)
{
    static const struct l2tp_call_errors ce = {0x01020304, 5, 6, 7, 8, 0xffffffffu};
    static uint8_t blob[1017];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7 + 1);
    switch (d->kind) {
    case L2TP_AVPK_U8:
        l2tp_mb_u8(b, d->type, 0xa5);
        break;
    case L2TP_AVPK_U16:
        l2tp_mb_u16(b, d->type, variant ? 0xffff : 0x1234);
        break;
    case L2TP_AVPK_U32:
        l2tp_mb_u32(b, d->type, variant ? 0xffffffffu : 0xdeadbeefu);
        break;
    case L2TP_AVPK_U64:
        l2tp_mb_u64(b, d->type, variant ? ~0ull : 0x0123456789abcdefull);
        break;
    case L2TP_AVPK_STRING:
        if (variant)
            l2tp_mb_bytes(b, d->type, "abcdefghijklmnopqrstuvwxyz0123456789", 36);
        else
            l2tp_mb_str(b, d->type, "host.example");
        break;
    case L2TP_AVPK_BYTES: {
        size_t n = variant ? 300 : 16;
        if (n < d->min_val_len)
            n = d->min_val_len;
        if (n > d->max_val_len)
            n = d->max_val_len;
        l2tp_mb_bytes(b, d->type, blob, n);
        break;
    }
    case L2TP_AVPK_RESULT:
        if (variant)
            l2tp_mb_result(b, 1, false, 0, NULL);
        else
            l2tp_mb_result(b, 2, true, 6, "vendor oops");
        break;
    case L2TP_AVPK_PROTO_VERSION:
        l2tp_mb_proto_version(b, 1, variant ? 255 : 0);
        break;
    case L2TP_AVPK_Q931:
        l2tp_mb_q931(b, 0x1234, 0x45, variant ? NULL : "busy");
        break;
    case L2TP_AVPK_CALL_ERRORS:
        l2tp_mb_call_errors(b, &ce);
        break;
    case L2TP_AVPK_ACCM:
        l2tp_mb_accm(b, 0xffffffffu, variant ? 0 : 0x000a0000u);
        break;
    case L2TP_AVPK_EMPTY:
        l2tp_mb_empty(b, d->type);
        break;
    case L2TP_AVPK_DISCONNECT_CAUSE:
        l2tp_mb_disconnect_cause(b, 16, 0xc223, 2, variant ? NULL : "auth failed");
        break;
    }
}

static void check_sample(const struct l2tp_avp_desc *d, int variant)
{
    unsigned t = d->type;
    assert_true(l2tp_msg_has(&g_m, t));
    switch (d->kind) {
    case L2TP_AVPK_U8: {
        uint8_t v;
        assert_true(l2tp_msg_u8(&g_m, t, &v));
        assert_int_equal(v, 0xa5);
        break;
    }
    case L2TP_AVPK_U16: {
        uint16_t v;
        assert_true(l2tp_msg_u16(&g_m, t, &v));
        assert_int_equal(v, variant ? 0xffff : 0x1234);
        uint32_t w;
        assert_false(l2tp_msg_u32(&g_m, t, &w)); /* wrong size for the getter */
        break;
    }
    case L2TP_AVPK_U32: {
        uint32_t v;
        assert_true(l2tp_msg_u32(&g_m, t, &v));
        assert_int_equal(v, variant ? 0xffffffffu : 0xdeadbeefu);
        break;
    }
    case L2TP_AVPK_U64: {
        uint64_t v;
        assert_true(l2tp_msg_u64(&g_m, t, &v));
        assert_true(v == (variant ? ~0ull : 0x0123456789abcdefull));
        break;
    }
    case L2TP_AVPK_STRING: {
        char s[64];
        assert_true(l2tp_msg_str(&g_m, t, s, sizeof s));
        assert_string_equal(s, variant ? "abcdefghijklmnopqrstuvwxyz0123456789" : "host.example");
        /* Truncation keeps the NUL. */
        assert_true(l2tp_msg_str(&g_m, t, s, 5));
        assert_int_equal(strlen(s), 4);
        break;
    }
    case L2TP_AVPK_BYTES: {
        const uint8_t *p;
        size_t n, want = variant ? 300 : 16;
        if (want < d->min_val_len)
            want = d->min_val_len;
        if (want > d->max_val_len)
            want = d->max_val_len;
        assert_true(l2tp_msg_bytes(&g_m, t, &p, &n));
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], (uint8_t)(i * 7 + 1));
        break;
    }
    case L2TP_AVPK_RESULT: {
        struct l2tp_result r;
        assert_true(l2tp_msg_result(&g_m, &r));
        if (variant) {
            assert_int_equal(r.result, 1);
            assert_false(r.has_error);
            assert_null(r.msg);
        } else {
            assert_int_equal(r.result, 2);
            assert_true(r.has_error);
            assert_int_equal(r.error, 6);
            assert_int_equal(r.msg_len, 11);
            assert_memory_equal(r.msg, "vendor oops", 11);
        }
        break;
    }
    case L2TP_AVPK_PROTO_VERSION: {
        struct l2tp_proto_version v;
        assert_true(l2tp_msg_proto_version(&g_m, &v));
        assert_int_equal(v.ver, 1);
        assert_int_equal(v.rev, variant ? 255 : 0);
        break;
    }
    case L2TP_AVPK_Q931: {
        struct l2tp_q931 q;
        assert_true(l2tp_msg_q931(&g_m, &q));
        assert_int_equal(q.cause, 0x1234);
        assert_int_equal(q.msg, 0x45);
        assert_int_equal(q.advisory_len, variant ? 0 : 4);
        if (!variant)
            assert_memory_equal(q.advisory, "busy", 4);
        break;
    }
    case L2TP_AVPK_CALL_ERRORS: {
        struct l2tp_call_errors e;
        assert_true(l2tp_msg_call_errors(&g_m, &e));
        assert_int_equal(e.crc, 0x01020304);
        assert_int_equal(e.framing, 5);
        assert_int_equal(e.hw_overrun, 6);
        assert_int_equal(e.buf_overrun, 7);
        assert_int_equal(e.timeout, 8);
        assert_int_equal(e.alignment, 0xffffffffu);
        break;
    }
    case L2TP_AVPK_ACCM: {
        struct l2tp_accm a;
        assert_true(l2tp_msg_accm(&g_m, &a));
        assert_int_equal(a.send, 0xffffffffu);
        assert_int_equal(a.recv, variant ? 0 : 0x000a0000u);
        break;
    }
    case L2TP_AVPK_EMPTY:
        assert_int_equal(g_m.avp[t].len, 0);
        break;
    case L2TP_AVPK_DISCONNECT_CAUSE: {
        struct l2tp_disconnect_cause dc;
        assert_true(l2tp_msg_disconnect_cause(&g_m, &dc));
        assert_int_equal(dc.code, 16);
        assert_int_equal(dc.proto, 0xc223);
        assert_int_equal(dc.direction, 2);
        assert_int_equal(dc.msg_len, variant ? 0 : 11);
        if (!variant)
            assert_memory_equal(dc.msg, "auth failed", 11);
        break;
    }
    }
}

/* Every AVP of the table, in a HELLO (which tolerates extra AVPs), clear
 * and with hiding on; hidden exactly when the table allows it, with the
 * table's M bit either way. */
static void test_roundtrip_every_avp(void **state)
{
    struct ct_rand r;
    ct_rand_install(&r, 0x10);
    unsigned done = 0, hidden = 0;
    for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++) {
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
        if (d == NULL || t == L2TP_AVP_RANDOM_VECTOR)
            continue;
        for (int hide = 0; hide <= 1; hide++) {
            for (int variant = 0; variant <= 1; variant++) {
                struct l2tp_msg_builder b;
                l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
                if (hide)
                    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
                add_sample(&b, d, variant);
                size_t n = l2tp_mb_finish(&b);
                assert_true(n > 8);
                assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, SEC, SECLEN, &g_res),
                                 L2TP_DEC_OK);
                assert_int_equal(g_m.type, L2TP_MSG_HELLO);
                check_sample(d, variant);
                assert_int_equal(g_m.avp[t].m, d->send_mandatory);
                assert_int_equal(g_m.avp[t].h, hide && d->may_hide);
                assert_int_equal(l2tp_msg_has(&g_m, L2TP_AVP_RANDOM_VECTOR), hide && d->may_hide);
                if (hide && d->may_hide)
                    hidden++;
            }
        }
        done++;
    }
    assert_int_equal(done, 38); /* 40 minus Message Type and Random Vector */
    assert_true(hidden > 0);
    lx_random_set_source(NULL, NULL);

    /* Random Vector itself (an opaque string, never hidden). */
    struct l2tp_msg_builder b;
    const uint8_t rv[20] = {9, 8, 7};
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_bytes(&b, L2TP_AVP_RANDOM_VECTOR, rv, sizeof rv);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    const uint8_t *p;
    size_t len;
    assert_true(l2tp_msg_bytes(&g_m, L2TP_AVP_RANDOM_VECTOR, &p, &len));
    assert_int_equal(len, 20);
    assert_memory_equal(p, rv, 20);

    /* Message Type via its getter. */
    uint16_t mt;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_MESSAGE_TYPE, &mt));
    assert_int_equal(mt, L2TP_MSG_HELLO);
}

/* Largest values: a 1017-octet string in clear, 1015 hidden. */
static void test_roundtrip_max_sizes(void **state)
{
    static char big[1018];
    memset(big, 'q', 1017);
    big[1017] = '\0';
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, big);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(n, 8 + 1023);
    assert_int_equal(g_buf[8], 0x83); /* M + Length 0x3ff */
    assert_int_equal(g_buf[9], 0xff);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_m.avp[L2TP_AVP_HOST_NAME].len, 1017);

    struct ct_rand r;
    ct_rand_install(&r, 0);
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
    l2tp_mb_bytes(&b, L2TP_AVP_VENDOR_NAME, big, 1015);
    n = l2tp_mb_finish(&b);
    lx_random_set_source(NULL, NULL);
    assert_int_equal(n, 8 + 22 + 1023);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_m.avp[L2TP_AVP_VENDOR_NAME].len, 1015);
    assert_true(g_m.avp[L2TP_AVP_VENDOR_NAME].h);
    assert_memory_equal(g_m.avp[L2TP_AVP_VENDOR_NAME].val, big, 1015);
}

/* ---- Decode error paths ------------------------------------------------------ */

static size_t hello_plus(uint16_t fl, uint16_t vendor, uint16_t type, const void *val, size_t len)
{
    /* HELLO body followed by one hand-made AVP header + value. */
    static const uint8_t mt[8] = {0x80, 0x08, 0, 0, 0, 0, 0, 0x06};
    memcpy(g_buf, mt, 8);
    lx_put_u16(g_buf + 8, fl);
    lx_put_u16(g_buf + 10, vendor);
    lx_put_u16(g_buf + 12, type);
    if (len)
        memcpy(g_buf + 14, val, len);
    return 14 + len;
}

static void expect_reaction(enum l2tp_dec_status st, enum l2tp_teardown_scope scope,
                            uint16_t result, uint16_t error)
{
    assert_int_equal(g_res.status, st);
    assert_int_equal(g_res.scope, scope);
    assert_int_equal(g_res.result_code, result);
    assert_int_equal(g_res.error_code, error);
}

static void test_zlb(void **state)
{
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, 0, 0, NULL, 0, &g_res), L2TP_DEC_ZLB);
    assert_int_equal(g_m.type, L2TP_MSG_ZLB);
    assert_int_equal(g_m.present, 0);
    expect_reaction(L2TP_DEC_ZLB, L2TP_TEARDOWN_NONE, 0, 0);
    assert_int_equal(l2tp_msg_decode(&g_m, NULL, 0, 0, NULL, 0, &g_res), L2TP_DEC_ZLB);
}

/* §4.1/§4.4.1: Message Type must be first, 8 octets, vendor 0, clear. */
static void test_first_avp(void **state)
{
    /* Host Name first. */
    const uint8_t a[] = {0x80, 0x09, 0, 0, 0, 7, 'a', 'b', 'c', 0x80, 0x08, 0, 0, 0, 0, 0, 1};
    assert_int_equal(l2tp_msg_decode(&g_m, a, sizeof a, 0, NULL, 0, &g_res),
                     L2TP_DEC_BAD_FIRST_AVP);
    expect_reaction(L2TP_DEC_BAD_FIRST_AVP, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_VALUE);
    /* Message Type under a vendor ID. */
    const uint8_t b[] = {0x80, 0x08, 0, 9, 0, 0, 0, 6};
    assert_int_equal(l2tp_msg_decode(&g_m, b, sizeof b, 0, NULL, 0, &g_res),
                     L2TP_DEC_BAD_FIRST_AVP);
    /* Hidden Message Type. */
    const uint8_t c[] = {0xc0, 0x08, 0, 0, 0, 0, 0, 6};
    assert_int_equal(l2tp_msg_decode(&g_m, c, sizeof c, 0, NULL, 0, &g_res),
                     L2TP_DEC_BAD_FIRST_AVP);
    /* Reserved bit: "treated as an unrecognized AVP" (§4.1). */
    const uint8_t d[] = {0x84, 0x08, 0, 0, 0, 0, 0, 6};
    assert_int_equal(l2tp_msg_decode(&g_m, d, sizeof d, 0, NULL, 0, &g_res),
                     L2TP_DEC_BAD_FIRST_AVP);
    /* Wrong length (9). */
    const uint8_t e[] = {0x80, 0x09, 0, 0, 0, 0, 0, 6, 0};
    assert_int_equal(l2tp_msg_decode(&g_m, e, sizeof e, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    expect_reaction(L2TP_DEC_BAD_AVP_LEN, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_LENGTH);
    /* The Message Type's M bit does not matter for a known type. */
    const uint8_t f[] = {0x00, 0x08, 0, 0, 0, 0, 0, 6};
    assert_int_equal(l2tp_msg_decode(&g_m, f, sizeof f, 0, NULL, 0, &g_res), L2TP_DEC_OK);
}

/* §4.4.1: unknown Message Type: M set clears the tunnel, else ignore. */
static void test_unknown_msg_type(void **state)
{
    static const uint16_t unknown[] = {0, 5, 13, 17, 0x8000, 0xffff};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        uint8_t a[8] = {0x80, 0x08, 0, 0, 0, 0};
        lx_put_u16(a + 6, unknown[i]);
        assert_int_equal(l2tp_msg_decode(&g_m, a, sizeof a, 0x77, NULL, 0, &g_res),
                         L2TP_DEC_UNKNOWN_MSG_TYPE);
        /* Tunnel even in a session's message: §4.4.1 says "the tunnel". */
        expect_reaction(L2TP_DEC_UNKNOWN_MSG_TYPE, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_VALUE);
        assert_int_equal(g_m.type, unknown[i]);
        assert_non_null(strstr(g_res.why, "message type"));

        a[0] = 0x00;
        assert_int_equal(l2tp_msg_decode(&g_m, a, sizeof a, 0x77, NULL, 0, &g_res),
                         L2TP_DEC_UNKNOWN_MSG_TYPE);
        expect_reaction(L2TP_DEC_UNKNOWN_MSG_TYPE, L2TP_TEARDOWN_NONE, 0, 0);
    }
}

/* §4.1: Length < 6, past the end, or a truncated AVP header. */
static void test_bad_avp_header(void **state)
{
    uint8_t v[8] = {0};
    size_t n = hello_plus(0x8005, 0, 7, v, 0); /* Length 5 */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0x10, NULL, 0, &g_res),
                     L2TP_DEC_BAD_AVP_HEADER);
    expect_reaction(L2TP_DEC_BAD_AVP_HEADER, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_LENGTH);

    n = hello_plus(0x0000, 0, 7, v, 0); /* Length 0: would loop forever if not caught */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_HEADER);

    n = hello_plus(0x800f, 0, 7, v, 8); /* Length 15, only 14 there */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_HEADER);

    n = hello_plus(0x800e, 0, 7, v, 8); /* exactly fits */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);

    for (size_t cut = 9; cut < 14; cut++) { /* truncated AVP header */
        n = hello_plus(0x8008, 0, 9, "\x00\x01", 2);
        assert_int_equal(l2tp_msg_decode(&g_m, g_buf, cut, 0, NULL, 0, &g_res),
                         L2TP_DEC_BAD_AVP_HEADER);
    }
    for (size_t cut = 1; cut < 8; cut++) /* truncated Message Type */
        assert_int_equal(l2tp_msg_decode(&g_m, g_buf, cut, 0, NULL, 0, &g_res),
                         L2TP_DEC_BAD_AVP_HEADER);

    /* A framing error overrides an earlier per-AVP error. */
    memcpy(g_buf, "\x80\x08\x00\x00\x00\x00\x00\x06", 8);
    memcpy(g_buf + 8, "\x80\x06\x00\x00\x00\x14", 6);  /* unknown mandatory 20 */
    memcpy(g_buf + 14, "\x80\x40\x00\x00\x00\x07", 6); /* Length 64, past end */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, 20, 0x10, NULL, 0, &g_res),
                     L2TP_DEC_BAD_AVP_HEADER);
}

/* §4.1/§4.2: unknown AVPs, reserved bits, and the header Session ID scope. */
static void test_unknown_avps(void **state)
{
    /* Unknown IETF type 20 with M, tunnel message (Session ID 0). */
    size_t n = hello_plus(0x8006, 0, 20, NULL, 0);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res),
                     L2TP_DEC_UNKNOWN_MANDATORY);
    expect_reaction(L2TP_DEC_UNKNOWN_MANDATORY, L2TP_TEARDOWN_TUNNEL, L2TP_STOPCCN_GENERAL_ERROR,
                    L2TP_ERR_UNKNOWN_MANDATORY_AVP);
    assert_int_equal(g_res.avp_type, 20);
    assert_int_equal(g_res.avp_vendor, 0);
    /* §4.4.2: the Error Message names the offending attribute. */
    assert_non_null(strstr(g_res.why, "AVP 20"));

    /* Same in a session's message: CDN the session. */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0x0c0d, NULL, 0, &g_res),
                     L2TP_DEC_UNKNOWN_MANDATORY);
    expect_reaction(L2TP_DEC_UNKNOWN_MANDATORY, L2TP_TEARDOWN_SESSION, L2TP_CDN_GENERAL_ERROR,
                    L2TP_ERR_UNKNOWN_MANDATORY_AVP);

    /* Without M: skipped, counted. */
    n = hello_plus(0x000a, 0, 60, "abcd", 4);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.n_ignored, 1);
    n = hello_plus(0x000a, 0, 0x7fff, "abcd", 4); /* beyond the slots */
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    n = hello_plus(0x800a, 0, 0x7fff, "abcd", 4);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res),
                     L2TP_DEC_UNKNOWN_MANDATORY);

    /* §4.1: a reserved flag bit makes even a known AVP unrecognized. */
    for (uint16_t bit = 0x0400; bit <= 0x2000; bit <<= 1) {
        n = hello_plus((uint16_t)(0x8008 | bit), 0, L2TP_AVP_RECV_WINDOW_SIZE, "\x00\x04", 2);
        assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res),
                         L2TP_DEC_UNKNOWN_MANDATORY);
        assert_int_equal(g_res.error_code, L2TP_ERR_UNKNOWN_MANDATORY_AVP);
        assert_int_equal(g_res.avp_type, L2TP_AVP_RECV_WINDOW_SIZE);
        n = hello_plus((uint16_t)(0x0008 | bit), 0, L2TP_AVP_RECV_WINDOW_SIZE, "\x00\x04", 2);
        assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
        assert_false(l2tp_msg_has(&g_m, L2TP_AVP_RECV_WINDOW_SIZE));
        assert_int_equal(g_res.n_ignored, 1);
    }
}

/* §4.1: Vendor ID is always checked. */
static void test_vendor_avps(void **state)
{
    /* Vendor 9's attribute 7 is not the IETF Host Name. */
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_raw(&b, 9, L2TP_AVP_HOST_NAME, false, false, "lac", 3);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 3);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res),
                     L2TP_DEC_MISSING_MANDATORY);
    assert_int_equal(g_res.avp_type, L2TP_AVP_HOST_NAME);
    assert_false(l2tp_msg_has(&g_m, L2TP_AVP_HOST_NAME));
    assert_int_equal(g_m.n_vendor, 1);
    assert_int_equal(g_m.vendor[0].vendor, 9);
    assert_int_equal(g_m.vendor[0].type, 7);
    assert_int_equal(g_m.vendor[0].len, 3);
    assert_memory_equal(g_m.vendor[0].val, "lac", 3);

    /* Mandatory vendor AVP: unknown mandatory, vendor reported. */
    n = hello_plus(0x8008, 311, 1, "\x00\x01", 2);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0x22, NULL, 0, &g_res),
                     L2TP_DEC_UNKNOWN_MANDATORY);
    expect_reaction(L2TP_DEC_UNKNOWN_MANDATORY, L2TP_TEARDOWN_SESSION, 2, 8);
    assert_int_equal(g_res.avp_vendor, 311);
    assert_int_equal(g_res.avp_type, 1);
    assert_non_null(strstr(g_res.why, "vendor 311"));

    /* Only the first 16 vendor AVPs are kept. */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    for (uint16_t i = 0; i < 20; i++)
        l2tp_mb_raw(&b, 4491, i, false, false, &i, sizeof i);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_m.n_vendor, L2TP_MSG_MAX_VENDOR_AVPS);
    assert_int_equal(g_m.vendor[15].type, 15);
    assert_int_equal(g_res.n_ignored, 4);
}

/* Value length outside the table's bounds; §7.1 decides by the M bit. */
static void test_bad_lengths(void **state)
{
    /* Assigned Tunnel ID with 3 octets, M set: fatal. */
    size_t n = hello_plus(0x8009, 0, L2TP_AVP_ASSIGNED_TUNNEL_ID, "\x00\x01\x02", 3);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    expect_reaction(L2TP_DEC_BAD_AVP_LEN, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_LENGTH);
    assert_int_equal(g_res.avp_type, L2TP_AVP_ASSIGNED_TUNNEL_ID);

    /* §7.1's own example: Rx Connect Speed in 2 octets, M clear: ignored. */
    n = hello_plus(0x0008, 0, L2TP_AVP_RX_CONNECT_SPEED, "\x01\x02", 2);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_false(l2tp_msg_has(&g_m, L2TP_AVP_RX_CONNECT_SPEED));
    assert_int_equal(g_res.n_ignored, 1);

    /* Result Code: 2, 4, 4+ are fine, 3 is not (half an Error Code). */
    n = hello_plus(0x8009, 0, L2TP_AVP_RESULT_CODE, "\x00\x01\x00", 3);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    n = hello_plus(0x8007, 0, L2TP_AVP_RESULT_CODE, "\x00", 1);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    /* Sequencing Required carries no value. */
    n = hello_plus(0x8007, 0, L2TP_AVP_SEQUENCING_REQUIRED, "\x00", 1);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    /* Host Name "MUST be at least 1 octet". */
    n = hello_plus(0x8006, 0, L2TP_AVP_HOST_NAME, NULL, 0);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    /* Challenge Response is exactly 16. */
    n = hello_plus(0x8015, 0, L2TP_AVP_CHALLENGE_RESPONSE, "0123456789abcde", 15);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_AVP_LEN);
    /* RFC 3145: at least 5 value octets. */
    n = hello_plus(0x000a, 0, L2TP_AVP_PPP_DISCONNECT_CAUSE, "\x00\x01\x00\x00", 4);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.n_ignored, 1);
}

/* Assigned IDs are "non-zero" (§4.4.3, §4.4.4). */
static void test_bad_values(void **state)
{
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "h");
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 3);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_BAD_VALUE);
    expect_reaction(L2TP_DEC_BAD_VALUE, L2TP_TEARDOWN_TUNNEL, 2, L2TP_ERR_BAD_VALUE);
    assert_int_equal(g_res.avp_type, L2TP_AVP_ASSIGNED_TUNNEL_ID);

    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_ICRP);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 5, NULL, 0, &g_res), L2TP_DEC_BAD_VALUE);
    expect_reaction(L2TP_DEC_BAD_VALUE, L2TP_TEARDOWN_SESSION, 2, L2TP_ERR_BAD_VALUE);

    /* StopCCN / CDN only echo the ID: 0 is accepted. */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_STOPCCN);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0);
    l2tp_mb_result(&b, 1, false, 0, NULL);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_CDN);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0);
    l2tp_mb_result(&b, 1, false, 0, NULL);
    n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 3, NULL, 0, &g_res), L2TP_DEC_OK);
}

/* Adds a valid sample of IETF AVP t (used to build complete messages). */
static void add_valid(struct l2tp_msg_builder *b, unsigned t)
{
    const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
    assert_non_null(d);
    add_sample(b, d, 0);
}

/* §6: for each of the 14 types, each MUST AVP left out in turn. */
static void test_missing_mandatory_every_type(void **state)
{
    unsigned cases = 0;
    for (unsigned mt = 1; mt <= L2TP_MSG_TYPE_MAX; mt++) {
        const struct l2tp_msg_desc *md = l2tp_msg_lookup((uint16_t)mt);
        if (md == NULL)
            continue;
        for (int scope_sess = 0; scope_sess <= 1; scope_sess++) {
            uint16_t sid = scope_sess ? 0x0102 : 0;
            /* Complete message decodes fine. */
            struct l2tp_msg_builder b;
            l2tp_mb_init(&b, g_buf, sizeof g_buf, (uint16_t)mt);
            for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++)
                if (md->must & L2TP_AVP_BIT(t))
                    add_valid(&b, t);
            size_t n = l2tp_mb_finish(&b);
            assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, sid, NULL, 0, &g_res), L2TP_DEC_OK);

            for (unsigned skip = 1; skip <= L2TP_AVP_STD_MAX; skip++) {
                if (!(md->must & L2TP_AVP_BIT(skip)))
                    continue;
                l2tp_mb_init(&b, g_buf, sizeof g_buf, (uint16_t)mt);
                for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++)
                    if ((md->must & L2TP_AVP_BIT(t)) && t != skip)
                        add_valid(&b, t);
                n = l2tp_mb_finish(&b);
                assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, sid, NULL, 0, &g_res),
                                 L2TP_DEC_MISSING_MANDATORY);
                /* §4.4.2 Result 2 (StopCCN "General error" / CDN "reason
                 * indicated in error code"), Error 2 (see avp.c). */
                expect_reaction(L2TP_DEC_MISSING_MANDATORY,
                                scope_sess ? L2TP_TEARDOWN_SESSION : L2TP_TEARDOWN_TUNNEL, 2,
                                L2TP_ERR_BAD_LENGTH);
                assert_int_equal(g_res.avp_type, skip);
                assert_int_equal(g_res.avp_vendor, 0);
                assert_non_null(strstr(g_res.why, l2tp_avp_lookup(0, (uint16_t)skip)->name));
                cases++;
            }
        }
    }
    /* SCCRQ 4, SCCRP 4, StopCCN 2, OCRQ 7, OCRP 1, OCCN 2, ICRQ 2, ICRP 1,
     * ICCN 2, CDN 2, WEN 1, SLI 1 = 29, in two scopes. */
    assert_int_equal(cases, 58);
}

/* Duplicates: the first is kept; AVPs outside the §6 lists are tolerated. */
static void test_duplicates_and_extras(void **state)
{
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "first");
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "second");
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 3);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 2);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 1); /* not an SCCRQ AVP */
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.n_duplicate, 2);
    char s[16];
    assert_true(l2tp_msg_str(&g_m, L2TP_AVP_HOST_NAME, s, sizeof s));
    assert_string_equal(s, "first");
    uint16_t tid;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_TUNNEL_ID, &tid));
    assert_int_equal(tid, 1);
    assert_true(l2tp_msg_has(&g_m, L2TP_AVP_TX_CONNECT_SPEED));
}

/* After a per-AVP fatal error the rest is still parsed: the engine needs
 * e.g. the peer's Assigned Session ID for the CDN. */
static void test_parse_continues_after_error(void **state)
{
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_ICRQ);
    l2tp_mb_raw(&b, 0, 45, true, false, "x", 1); /* unknown mandatory first */
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_raw(&b, 0, 44, true, false, "y", 1); /* second error: first one wins */
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 9);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res),
                     L2TP_DEC_UNKNOWN_MANDATORY);
    assert_int_equal(g_res.avp_type, 45);
    uint16_t sid;
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_ASSIGNED_SESSION_ID, &sid));
    assert_int_equal(sid, 0x0a0b);
    assert_true(l2tp_msg_has(&g_m, L2TP_AVP_CALL_SERIAL_NUMBER));
}

static void test_getters_absent(void **state)
{
    size_t n = hello_plus(0x0008, 0, L2TP_AVP_FIRMWARE_REV, "\x01\x02", 2);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 0, NULL, 0, &g_res), L2TP_DEC_OK);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    const uint8_t *p;
    size_t len;
    char s[8];
    struct l2tp_result r;
    struct l2tp_accm a;
    struct l2tp_proto_version pv;
    struct l2tp_call_errors ce;
    struct l2tp_q931 q;
    struct l2tp_disconnect_cause dc;
    assert_false(l2tp_msg_u8(&g_m, L2TP_AVP_FIRMWARE_REV, &u8));
    assert_false(l2tp_msg_u16(&g_m, L2TP_AVP_HOST_NAME, &u16));
    assert_false(l2tp_msg_u32(&g_m, L2TP_AVP_FRAMING_CAP, &u32));
    assert_false(l2tp_msg_u64(&g_m, L2TP_AVP_TIE_BREAKER, &u64));
    assert_false(l2tp_msg_bytes(&g_m, L2TP_AVP_CHALLENGE, &p, &len));
    assert_false(l2tp_msg_str(&g_m, L2TP_AVP_HOST_NAME, s, sizeof s));
    assert_false(l2tp_msg_str(&g_m, L2TP_AVP_FIRMWARE_REV, s, 0));
    assert_false(l2tp_msg_result(&g_m, &r));
    assert_false(l2tp_msg_accm(&g_m, &a));
    assert_false(l2tp_msg_proto_version(&g_m, &pv));
    assert_false(l2tp_msg_call_errors(&g_m, &ce));
    assert_false(l2tp_msg_q931(&g_m, &q));
    assert_false(l2tp_msg_disconnect_cause(&g_m, &dc));
    assert_false(l2tp_msg_has(&g_m, 64));
    assert_false(l2tp_msg_has(&g_m, 1000));
    assert_false(l2tp_msg_u16(&g_m, 1000, &u16));
    assert_true(l2tp_msg_u16(&g_m, L2TP_AVP_FIRMWARE_REV, &u16));
    assert_int_equal(u16, 0x0102);
}

/* ---- Builder rules ------------------------------------------------------------ */

static void test_builder_errors(void **state)
{
    struct l2tp_msg_builder b;
    uint8_t small[20];

    /* Overflow is sticky. */
    l2tp_mb_init(&b, small, sizeof small, L2TP_MSG_HELLO);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 1); /* 16 */
    assert_int_equal(l2tp_mb_finish(&b), 16);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 2); /* 24 > 20 */
    assert_int_equal(l2tp_mb_finish(&b), 0);
    l2tp_mb_empty(&b, L2TP_AVP_SEQUENCING_REQUIRED); /* would fit, but sticky */
    assert_int_equal(l2tp_mb_finish(&b), 0);

    /* Too small for the Message Type itself. */
    l2tp_mb_init(&b, small, 7, L2TP_MSG_HELLO);
    assert_int_equal(l2tp_mb_finish(&b), 0);
    l2tp_mb_init(&b, NULL, 100, L2TP_MSG_HELLO);
    assert_int_equal(l2tp_mb_finish(&b), 0);

    /* A ZLB is not built with the builder. */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_ZLB);
    assert_int_equal(l2tp_mb_finish(&b), 0);

    /* Unknown IETF type, wrong size for the table, Message Type again. */
    static const struct {
        int what;
    } cases[] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
        switch (cases[i].what) {
        case 0:
            l2tp_mb_u16(&b, 20, 1);
            break;
        case 1:
            l2tp_mb_u32(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1);
            break;
        case 2:
            l2tp_mb_u16(&b, L2TP_AVP_MESSAGE_TYPE, 1);
            break;
        case 3:
            l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, ""); /* at least 1 octet */
            break;
        case 4:
            l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, NULL);
            break;
        case 5:
            l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE, NULL, 4);
            break;
        case 6:
            l2tp_mb_raw(&b, 0, 1, true, false, g_buf, 1018);
            break;
        }
        assert_int_equal(l2tp_mb_finish(&b), 0);
    }

    /* Raw AVPs carry any vendor/flags as given. */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_raw(&b, 0x1234, 0x5678, true, true, "ab", 2);
    l2tp_mb_raw(&b, 0, 20, false, false, NULL, 0);
    assert_int_equal(l2tp_mb_finish(&b), 8 + 8 + 6);
    assert_memory_equal(g_buf + 8,
                        "\xc0\x08\x12\x34\x56\x78"
                        "ab",
                        8);

    /* Result Code: an Error Message needs an Error Code (0 if not given). */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_result(&b, 1, false, 0, "bye");
    assert_int_equal(l2tp_mb_finish(&b), 8 + 13);
    assert_memory_equal(g_buf + 8,
                        "\x80\x0d\x00\x00\x00\x01\x00\x01\x00\x00"
                        "bye",
                        13);
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_HELLO);
    l2tp_mb_result(&b, 2, true, 4, NULL);
    assert_int_equal(l2tp_mb_finish(&b), 8 + 10);
    assert_memory_equal(g_buf + 8, "\x80\x0a\x00\x00\x00\x01\x00\x02\x00\x04", 10);

    /* Unknown message types can still be built (tests, forward compat). */
    l2tp_mb_init(&b, g_buf, sizeof g_buf, 5);
    assert_int_equal(l2tp_mb_finish(&b), 8);
}

/* ---- Formatting ---------------------------------------------------------------- */

static void test_format(void **state)
{
    char out[512];
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_CDN);
    l2tp_mb_result(&b, 2, true, 8, "bad \"AVP\"\n");
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 7);
    l2tp_mb_q931(&b, 16, 0x45, NULL);
    l2tp_mb_raw(&b, 9, 3, false, false, "\x01\x02", 2);
    size_t n = l2tp_mb_finish(&b);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 7, NULL, 0, &g_res), L2TP_DEC_OK);
    size_t len = l2tp_msg_format(&g_m, out, sizeof out);
    assert_int_equal(len, strlen(out));
    assert_string_equal(out, "CDN(14) Result Code=2/8 \"bad \\x22AVP\\x22\\x0a\" "
                             "Q.931 Cause Code=16/69 Assigned Session ID=7 vendor:9/3=0102");

    /* Bounded by cap, always NUL-terminated, for every cap. */
    for (size_t cap = 1; cap < 40; cap++) {
        char small[64];
        memset(small, 'Z', sizeof small);
        size_t k = l2tp_msg_format(&g_m, small, cap);
        assert_true(k < cap);
        assert_int_equal(strlen(small), k);
        assert_memory_equal(small, out, k);
        assert_int_equal(small[cap], 'Z');
    }
    assert_int_equal(l2tp_msg_format(&g_m, out, 0), 0);

    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, 0, 0, NULL, 0, &g_res), L2TP_DEC_ZLB);
    l2tp_msg_format(&g_m, out, sizeof out);
    assert_string_equal(out, "ZLB");

    /* Every kind prints something sensible (and the hidden flag). */
    struct ct_rand r;
    ct_rand_install(&r, 0);
    l2tp_mb_init(&b, g_buf, sizeof g_buf, L2TP_MSG_ICCN);
    l2tp_mb_set_hiding(&b, SEC, SECLEN, true);
    for (unsigned t = 1; t <= L2TP_AVP_STD_MAX; t++) {
        const struct l2tp_avp_desc *d = l2tp_avp_lookup(0, (uint16_t)t);
        if (d != NULL && t != L2TP_AVP_RANDOM_VECTOR)
            add_sample(&b, d, 1);
    }
    n = l2tp_mb_finish(&b);
    lx_random_set_source(NULL, NULL);
    assert_true(n > 0);
    assert_int_equal(l2tp_msg_decode(&g_m, g_buf, n, 1, SEC, SECLEN, &g_res), L2TP_DEC_OK);
    static char big[8192];
    len = l2tp_msg_format(&g_m, big, sizeof big);
    assert_int_equal(len, strlen(big));
    assert_non_null(strstr(big, "ICCN(12) "));
    assert_non_null(strstr(big, "Protocol Version=1.255"));
    assert_non_null(strstr(big, "Tie Breaker=0xffffffffffffffff"));
    assert_non_null(strstr(big, "Assigned Tunnel ID(H)=65535"));
    assert_non_null(strstr(big, "ACCM(H)=send:0xffffffff,recv:0x00000000"));
    assert_non_null(strstr(big, "Call Errors(H)=crc:16909060,framing:5"));
    assert_non_null(strstr(big, "PPP Disconnect Cause Code(H)=16/0xc223/2"));
    assert_non_null(strstr(big, "Sequencing Required"));
    assert_non_null(strstr(big, "...(300)"));
}

static void test_status_strings(void **state)
{
    for (int s = L2TP_DEC_OK; s <= L2TP_DEC_DUPLICATE_AVP; s++) {
        const char *t = l2tp_dec_status_str((enum l2tp_dec_status)s);
        assert_non_null(t);
        assert_string_not_equal(t, "?");
    }
    assert_string_equal(l2tp_dec_status_str((enum l2tp_dec_status)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_contents),
        cmocka_unit_test(test_roundtrip_every_avp),
        cmocka_unit_test(test_roundtrip_max_sizes),
        cmocka_unit_test(test_zlb),
        cmocka_unit_test(test_first_avp),
        cmocka_unit_test(test_unknown_msg_type),
        cmocka_unit_test(test_bad_avp_header),
        cmocka_unit_test(test_unknown_avps),
        cmocka_unit_test(test_vendor_avps),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_missing_mandatory_every_type),
        cmocka_unit_test(test_duplicates_and_extras),
        cmocka_unit_test(test_parse_continues_after_error),
        cmocka_unit_test(test_getters_absent),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_status_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
