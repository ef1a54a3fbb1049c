/* Exact bytes for every one of the 14 control message types (RFC 2661 §6).
 *
 * Each expected array was written by hand from the layouts of §3.1 (header:
 * T|L|S|Ver=2 is 0xc802, then Length, Tunnel ID, Session ID, Ns, Nr) and
 * §4.1 (AVP: M|H|rsvd|Length in 16 bits, Vendor ID, Attribute Type,
 * value); one AVP per line, its length in the comment. The builder's
 * output must match to the byte; then the array is decoded back and the
 * typed values checked. */
#include "codec_test.h"

static struct l2tp_msg g_m;
static struct l2tp_dec_result g_res;
static struct l2tp_hdr g_h;
static uint8_t g_pkt[1024];

#define BODY     (g_pkt + L2TP_CTRL_HDR_LEN)
#define BODY_CAP (sizeof g_pkt - L2TP_CTRL_HDR_LEN)

static void expect_decoded(const uint8_t *exp, size_t len, uint16_t type, uint16_t tid,
                           uint16_t sid, uint16_t ns, uint16_t nr)
{
    assert_int_equal(ct_decode_pkt(exp, len, &g_h, &g_m, NULL, &g_res), L2TP_DEC_OK);
    assert_int_equal(g_res.scope, L2TP_TEARDOWN_NONE);
    assert_int_equal(g_res.n_duplicate, 0);
    assert_int_equal(g_res.n_ignored, 0);
    assert_int_equal(g_h.length, len);
    assert_int_equal(g_h.tunnel_id, tid);
    assert_int_equal(g_h.session_id, sid);
    assert_int_equal(g_h.ns, ns);
    assert_int_equal(g_h.nr, nr);
    assert_int_equal(g_m.type, type);
    /* Everything present is allowed for this type by the §6 table. */
    const struct l2tp_msg_desc *d = l2tp_msg_lookup(type);
    assert_non_null(d);
    assert_int_equal(g_m.present & ~(d->must | d->may), 0);
    assert_int_equal(d->must & ~g_m.present, 0);
}

static void check_u16(unsigned t, uint16_t v)
{
    uint16_t x = 0;
    assert_true(l2tp_msg_u16(&g_m, t, &x));
    assert_int_equal(x, v);
}

static void check_u32(unsigned t, uint32_t v)
{
    uint32_t x = 0;
    assert_true(l2tp_msg_u32(&g_m, t, &x));
    assert_int_equal(x, v);
}

static void check_str(unsigned t, const char *s)
{
    char buf[128];
    assert_true(l2tp_msg_str(&g_m, t, buf, sizeof buf));
    assert_string_equal(buf, s);
}

static void check_bytes(unsigned t, const uint8_t *v, size_t n)
{
    const uint8_t *p;
    size_t len;
    assert_true(l2tp_msg_bytes(&g_m, t, &p, &len));
    assert_int_equal(len, n);
    assert_memory_equal(p, v, n);
}

static const uint8_t seq16[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

/* §6.1 */
static void test_sccrq(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x75, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* hdr, 117 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,                  /* Message Type 1, 8 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00,                  /* Protocol Version 1.0 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x07, 'l',  'a',  'c',  '1',       /* Host Name, 10 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,      /* Framing Cap A|S */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,      /* Bearer Cap A */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x12, 0x34,                  /* Assigned Tunnel ID */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x04,                  /* Receive Window 4 */
        0x00, 0x0e, 0x00, 0x00, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04,      /* Tie Breaker, M=0, 14 */
        0x05, 0x06, 0x07, 0x08,                                          /* */
        0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x06, 0x80,                  /* Firmware Rev, M=0 */
        0x00, 0x0b, 0x00, 0x00, 0x00, 0x08, 'l',  '2',  't',  'p',  'x', /* Vendor Name, M=0, 11 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x0b, 0xde, 0xad, 0xbe, 0xef,      /* Challenge */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "lac1");
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_CAP, L2TP_BEARER_ANALOG);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    l2tp_mb_u16(&b, L2TP_AVP_RECV_WINDOW_SIZE, 4);
    l2tp_mb_u64(&b, L2TP_AVP_TIE_BREAKER, 0x0102030405060708ull);
    l2tp_mb_u16(&b, L2TP_AVP_FIRMWARE_REV, 0x0680);
    l2tp_mb_str(&b, L2TP_AVP_VENDOR_NAME, "l2tpx");
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE, "\xde\xad\xbe\xef", 4);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0, 0, 0, 0);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_SCCRQ, 0, 0, 0, 0);
    struct l2tp_proto_version pv;
    assert_true(l2tp_msg_proto_version(&g_m, &pv));
    assert_int_equal(pv.ver, 1);
    assert_int_equal(pv.rev, 0);
    check_str(L2TP_AVP_HOST_NAME, "lac1");
    check_u32(L2TP_AVP_FRAMING_CAP, 3);
    check_u32(L2TP_AVP_BEARER_CAP, 2);
    check_u16(L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    check_u16(L2TP_AVP_RECV_WINDOW_SIZE, 4);
    uint64_t tb = 0;
    assert_true(l2tp_msg_u64(&g_m, L2TP_AVP_TIE_BREAKER, &tb));
    assert_true(tb == 0x0102030405060708ull);
    assert_false(g_m.avp[L2TP_AVP_TIE_BREAKER].m);
    assert_true(g_m.avp[L2TP_AVP_HOST_NAME].m);
    check_u16(L2TP_AVP_FIRMWARE_REV, 0x0680);
    check_str(L2TP_AVP_VENDOR_NAME, "l2tpx");
    check_bytes(L2TP_AVP_CHALLENGE, (const uint8_t *)"\xde\xad\xbe\xef", 4);
}

/* §6.2 */
static void test_sccrp(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x55, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* hdr, 85 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,                         /* Message Type 2 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00,             /* Protocol Version */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, /* Framing Cap S */
        0x80, 0x09, 0x00, 0x00, 0x00, 0x07, 'l',  'n',  's',        /* Host Name, 9 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x43, 0x21,             /* Assigned Tunnel ID */
        0x80, 0x16, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x01, 0x02, 0x03, /* Challenge Resp, 22 */
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x08, /* Receive Window 8 */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_SCCRP);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, L2TP_FRAMING_SYNC);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "lns");
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x4321);
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, seq16, 16);
    l2tp_mb_u16(&b, L2TP_AVP_RECV_WINDOW_SIZE, 8);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0, 0, 1);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_SCCRP, 0x1234, 0, 0, 1);
    check_u32(L2TP_AVP_FRAMING_CAP, 1);
    check_str(L2TP_AVP_HOST_NAME, "lns");
    check_u16(L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x4321);
    check_bytes(L2TP_AVP_CHALLENGE_RESPONSE, seq16, 16);
    check_u16(L2TP_AVP_RECV_WINDOW_SIZE, 8);
    assert_false(l2tp_msg_has(&g_m, L2TP_AVP_CHALLENGE));
}

/* §6.3 */
static void test_scccn(void **state)
{
    static const uint8_t resp[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                                     0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x2a, 0x43, 0x21, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, /* hdr, 42 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,                         /* Message Type 3 */
        0x80, 0x16, 0x00, 0x00, 0x00, 0x0d, 0xf0, 0xf1, 0xf2, 0xf3, /* Challenge Resp, 22 */
        0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, /* */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_SCCCN);
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, resp, sizeof resp);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0, 1, 1);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_SCCCN, 0x4321, 0, 1, 1);
    check_bytes(L2TP_AVP_CHALLENGE_RESPONSE, resp, 16);
}

/* §6.4 */
static void test_stopccn(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x31, 0x43, 0x21, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, /* hdr, 49 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,                         /* Message Type 4 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x12, 0x34,                  /* Assigned Tunnel ID */
        0x80, 0x15, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x08,      /* Result 2/8, 21 */
        'u',  'n',  'k',  'n',  'o',  'w',  'n',  ' ',  'A',  'V',  'P', /* Error Message */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_STOPCCN);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    l2tp_mb_result(&b, L2TP_STOPCCN_GENERAL_ERROR, true, L2TP_ERR_UNKNOWN_MANDATORY_AVP,
                   "unknown AVP");
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0, 2, 1);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_STOPCCN, 0x4321, 0, 2, 1);
    check_u16(L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    struct l2tp_result r;
    assert_true(l2tp_msg_result(&g_m, &r));
    assert_int_equal(r.result, 2);
    assert_true(r.has_error);
    assert_int_equal(r.error, 8);
    assert_int_equal(r.msg_len, 11);
    assert_memory_equal(r.msg, "unknown AVP", 11);
}

/* §6.5 */
static void test_hello(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x14, 0x43, 0x21, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, /* hdr, 20 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,                         /* Message Type 6 */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_HELLO);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0, 3, 2);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_HELLO, 0x4321, 0, 3, 2);
    assert_int_equal(g_m.present, L2TP_AVP_BIT(L2TP_AVP_MESSAGE_TYPE));
}

/* §6.9 */
static void test_ocrq(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x63, 0x12, 0x34, 0x00, 0x00, 0x00, 0x05, 0x00, 0x07, /* hdr, 99 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,                         /* Message Type 7 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, 0x01, 0x02,             /* Assigned Session ID */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0xab, 0xcd, /* Call Serial Number */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x25, 0x80, /* Minimum BPS 9600 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0xfa, 0x00, /* Maximum BPS 64000 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x01, /* Bearer Type D */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x01, /* Framing Type S */
        0x80, 0x0d, 0x00, 0x00, 0x00, 0x15, '5',  '5',  '5',  '1',  /* Called Number, 13 */
        '2',  '3',  '4',                                            /* */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x17, '1',  '2',              /* Sub-Address */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_OCRQ);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0102);
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 0xabcd);
    l2tp_mb_u32(&b, L2TP_AVP_MINIMUM_BPS, 9600);
    l2tp_mb_u32(&b, L2TP_AVP_MAXIMUM_BPS, 64000);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, L2TP_BEARER_DIGITAL);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, L2TP_FRAMING_SYNC);
    l2tp_mb_str(&b, L2TP_AVP_CALLED_NUMBER, "5551234");
    l2tp_mb_str(&b, L2TP_AVP_SUB_ADDRESS, "12");
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0, 5, 7);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_OCRQ, 0x1234, 0, 5, 7);
    check_u16(L2TP_AVP_ASSIGNED_SESSION_ID, 0x0102);
    check_u32(L2TP_AVP_CALL_SERIAL_NUMBER, 0xabcd);
    check_u32(L2TP_AVP_MINIMUM_BPS, 9600);
    check_u32(L2TP_AVP_MAXIMUM_BPS, 64000);
    check_u32(L2TP_AVP_BEARER_TYPE, 1);
    check_u32(L2TP_AVP_FRAMING_TYPE, 1);
    check_str(L2TP_AVP_CALLED_NUMBER, "5551234");
    check_str(L2TP_AVP_SUB_ADDRESS, "12");
}

/* §6.10 */
static void test_ocrp(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x26, 0x43, 0x21, 0x01, 0x02, 0x00, 0x07, 0x00, 0x06, /* hdr, 38 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,                         /* Message Type 8 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, 0x02, 0x01,             /* Assigned Session ID */
        0x00, 0x0a, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x07, /* Phys Channel, M=0 */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_OCRP);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0201);
    l2tp_mb_u32(&b, L2TP_AVP_PHYSICAL_CHANNEL_ID, 7);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0x0102, 7, 6);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_OCRP, 0x4321, 0x0102, 7, 6);
    check_u16(L2TP_AVP_ASSIGNED_SESSION_ID, 0x0201);
    check_u32(L2TP_AVP_PHYSICAL_CHANNEL_ID, 7);
}

/* §6.11 */
static void test_occn(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x38, 0x43, 0x21, 0x01, 0x02, 0x00, 0x08, 0x00, 0x06, /* hdr, 56 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,                         /* Message Type 9 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0xfa, 0x00, /* Tx Connect Speed */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x01, /* Framing Type S */
        0x00, 0x0a, 0x00, 0x00, 0x00, 0x26, 0x00, 0x00, 0xda, 0xc0, /* Rx Connect, M=0 */
        0x80, 0x06, 0x00, 0x00, 0x00, 0x27,                         /* Sequencing Req, 6 */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_OCCN);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 64000);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, L2TP_FRAMING_SYNC);
    l2tp_mb_u32(&b, L2TP_AVP_RX_CONNECT_SPEED, 56000);
    l2tp_mb_empty(&b, L2TP_AVP_SEQUENCING_REQUIRED);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0x0102, 8, 6);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_OCCN, 0x4321, 0x0102, 8, 6);
    check_u32(L2TP_AVP_TX_CONNECT_SPEED, 64000);
    check_u32(L2TP_AVP_FRAMING_TYPE, 1);
    check_u32(L2TP_AVP_RX_CONNECT_SPEED, 56000);
    assert_true(l2tp_msg_has(&g_m, L2TP_AVP_SEQUENCING_REQUIRED));
    assert_int_equal(g_m.avp[L2TP_AVP_SEQUENCING_REQUIRED].len, 0);
}

/* §6.6 */
static void test_icrq(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x4c, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, /* hdr, 76 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,             /* Message Type 10 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, 0x0a, 0x0b,             /* Assigned Session ID */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x01, /* Call Serial Number */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, /* Bearer Type A */
        0x00, 0x0a, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x03, /* Phys Channel, M=0 */
        0x80, 0x09, 0x00, 0x00, 0x00, 0x16, '1',  '0',  '0',        /* Calling Number, 9 */
        0x80, 0x09, 0x00, 0x00, 0x00, 0x15, '2',  '0',  '0',        /* Called Number, 9 */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_ICRQ);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, L2TP_BEARER_ANALOG);
    l2tp_mb_u32(&b, L2TP_AVP_PHYSICAL_CHANNEL_ID, 3);
    l2tp_mb_str(&b, L2TP_AVP_CALLING_NUMBER, "100");
    l2tp_mb_str(&b, L2TP_AVP_CALLED_NUMBER, "200");
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0, 1, 2);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_ICRQ, 0x1234, 0, 1, 2);
    check_u16(L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    check_u32(L2TP_AVP_CALL_SERIAL_NUMBER, 1);
    check_u32(L2TP_AVP_BEARER_TYPE, 2);
    check_u32(L2TP_AVP_PHYSICAL_CHANNEL_ID, 3);
    check_str(L2TP_AVP_CALLING_NUMBER, "100");
    check_str(L2TP_AVP_CALLED_NUMBER, "200");
}

/* §6.7 */
static void test_icrp(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x1c, 0x43, 0x21, 0x0a, 0x0b, 0x00, 0x02, 0x00, 0x02, /* hdr, 28 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, /* Message Type 11 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, 0x0c, 0x0d, /* Assigned Session ID */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_ICRP);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0c0d);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0x0a0b, 2, 2);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_ICRP, 0x4321, 0x0a0b, 2, 2);
    check_u16(L2TP_AVP_ASSIGNED_SESSION_ID, 0x0c0d);
}

/* §6.8 */
static void test_iccn(void **state)
{
    static const uint8_t lcp_init[] = {0x01, 0x04, 0x05, 0xdc, 0x05, 0x06, 0x11, 0x22, 0x33, 0x44};
    static const uint8_t lcp_sent[] = {0x01, 0x04, 0x05, 0xdc, 0x03, 0x05, 0xc2, 0x23, 0x05};
    static const uint8_t lcp_rcvd[] = {0x05, 0x06, 0x11, 0x22, 0x33, 0x44};
    static const uint8_t chal[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t resp[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                     0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0xa9, 0x12, 0x34, 0x0c, 0x0d, 0x00, 0x02, 0x00, 0x03, /* hdr, 169 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,             /* Message Type 12 */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x18, 0x00, 0x98, 0x96, 0x80, /* Tx Connect 10M */
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x02, /* Framing Type A */
        0x00, 0x10, 0x00, 0x00, 0x00, 0x1a, 0x01, 0x04, 0x05, 0xdc, /* Initial Rcvd, 16 */
        0x05, 0x06, 0x11, 0x22, 0x33, 0x44,                         /* */
        0x00, 0x0f, 0x00, 0x00, 0x00, 0x1b, 0x01, 0x04, 0x05, 0xdc, /* Last Sent, 15 */
        0x03, 0x05, 0xc2, 0x23, 0x05,                               /* */
        0x00, 0x0c, 0x00, 0x00, 0x00, 0x1c, 0x05, 0x06, 0x11, 0x22, /* Last Rcvd, 12 */
        0x33, 0x44,                                                 /* */
        0x00, 0x08, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x02,             /* Proxy Authen Type */
        0x00, 0x09, 0x00, 0x00, 0x00, 0x1e, 'b',  'o',  'b',        /* Proxy Authen Name */
        0x00, 0x0e, 0x00, 0x00, 0x00, 0x1f, 0x01, 0x02, 0x03, 0x04, /* Proxy Challenge, 14 */
        0x05, 0x06, 0x07, 0x08,                                     /* */
        0x00, 0x08, 0x00, 0x00, 0x00, 0x20, 0x00, 0x05,             /* Proxy Authen ID */
        0x00, 0x16, 0x00, 0x00, 0x00, 0x21, 0xa0, 0xa1, 0xa2, 0xa3, /* Proxy Response, 22 */
        0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* */
        0x00, 0x09, 0x00, 0x00, 0x00, 0x25, 'g',  'r',  'p',        /* Private Group ID */
        0x00, 0x0a, 0x00, 0x00, 0x00, 0x26, 0x00, 0x98, 0x96, 0x80, /* Rx Connect Speed */
        0x80, 0x06, 0x00, 0x00, 0x00, 0x27,                         /* Sequencing Req */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_ICCN);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 10000000);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, L2TP_FRAMING_ASYNC);
    l2tp_mb_bytes(&b, L2TP_AVP_INITIAL_RCVD_LCP_CONFREQ, lcp_init, sizeof lcp_init);
    l2tp_mb_bytes(&b, L2TP_AVP_LAST_SENT_LCP_CONFREQ, lcp_sent, sizeof lcp_sent);
    l2tp_mb_bytes(&b, L2TP_AVP_LAST_RCVD_LCP_CONFREQ, lcp_rcvd, sizeof lcp_rcvd);
    l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_TYPE, L2TP_PROXY_AUTH_CHAP);
    l2tp_mb_str(&b, L2TP_AVP_PROXY_AUTHEN_NAME, "bob");
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_CHALLENGE, chal, sizeof chal);
    l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_ID, 5);
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_RESPONSE, resp, sizeof resp);
    l2tp_mb_str(&b, L2TP_AVP_PRIVATE_GROUP_ID, "grp");
    l2tp_mb_u32(&b, L2TP_AVP_RX_CONNECT_SPEED, 10000000);
    l2tp_mb_empty(&b, L2TP_AVP_SEQUENCING_REQUIRED);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0x0c0d, 2, 3);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_ICCN, 0x1234, 0x0c0d, 2, 3);
    check_u32(L2TP_AVP_TX_CONNECT_SPEED, 10000000);
    check_u32(L2TP_AVP_FRAMING_TYPE, 2);
    check_bytes(L2TP_AVP_INITIAL_RCVD_LCP_CONFREQ, lcp_init, sizeof lcp_init);
    check_bytes(L2TP_AVP_LAST_SENT_LCP_CONFREQ, lcp_sent, sizeof lcp_sent);
    check_bytes(L2TP_AVP_LAST_RCVD_LCP_CONFREQ, lcp_rcvd, sizeof lcp_rcvd);
    check_u16(L2TP_AVP_PROXY_AUTHEN_TYPE, L2TP_PROXY_AUTH_CHAP);
    check_str(L2TP_AVP_PROXY_AUTHEN_NAME, "bob");
    check_bytes(L2TP_AVP_PROXY_AUTHEN_CHALLENGE, chal, sizeof chal);
    check_u16(L2TP_AVP_PROXY_AUTHEN_ID, 5);
    check_bytes(L2TP_AVP_PROXY_AUTHEN_RESPONSE, resp, sizeof resp);
    check_str(L2TP_AVP_PRIVATE_GROUP_ID, "grp");
    check_u32(L2TP_AVP_RX_CONNECT_SPEED, 10000000);
    assert_true(l2tp_msg_has(&g_m, L2TP_AVP_SEQUENCING_REQUIRED));
}

/* §6.12 (+ RFC 3145 §2) */
static void test_cdn(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x3f, 0x12, 0x34, 0x0c, 0x0d, 0x00, 0x03, 0x00, 0x03, /* hdr, 63 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e,             /* Message Type 14 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03,             /* Result Code 3, 8 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, 0x0a, 0x0b,             /* Assigned Session ID */
        0x80, 0x0c, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x10, 0x45, 'b',  /* Q.931 16/0x45, 12 */
        'y',  'e',                                                  /* */
        0x00, 0x0f, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x03, 0xc0, 0x21, /* PPP Disc., M=0, 15 */
        0x01, 't',  'e',  'r',  'm',                                /* */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_CDN);
    l2tp_mb_result(&b, L2TP_CDN_ADMIN, false, 0, NULL);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_q931(&b, 16, 0x45, "bye");
    l2tp_mb_disconnect_cause(&b, 3, 0xc021, 1, "term");
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0x0c0d, 3, 3);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_CDN, 0x1234, 0x0c0d, 3, 3);
    struct l2tp_result r;
    assert_true(l2tp_msg_result(&g_m, &r));
    assert_int_equal(r.result, L2TP_CDN_ADMIN);
    assert_false(r.has_error);
    assert_int_equal(r.msg_len, 0);
    check_u16(L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    struct l2tp_q931 q;
    assert_true(l2tp_msg_q931(&g_m, &q));
    assert_int_equal(q.cause, 16);
    assert_int_equal(q.msg, 0x45);
    assert_int_equal(q.advisory_len, 3);
    assert_memory_equal(q.advisory, "bye", 3);
    struct l2tp_disconnect_cause dc;
    assert_true(l2tp_msg_disconnect_cause(&g_m, &dc));
    assert_int_equal(dc.code, 3);
    assert_int_equal(dc.proto, 0xc021);
    assert_int_equal(dc.direction, 1);
    assert_int_equal(dc.msg_len, 4);
    assert_memory_equal(dc.msg, "term", 4);
}

/* §6.13 */
static void test_wen(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x34, 0x43, 0x21, 0x0c, 0x0d, 0x00, 0x04, 0x00, 0x04, /* hdr, 52 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, /* Message Type 15 */
        0x80, 0x20, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00, /* Call Errors, 32; reserved */
        0x00, 0x00, 0x00, 0x01,                         /* CRC */
        0x00, 0x00, 0x00, 0x02,                         /* framing */
        0x00, 0x00, 0x00, 0x03,                         /* hardware overruns */
        0x00, 0x00, 0x00, 0x04,                         /* buffer overruns */
        0x00, 0x00, 0x00, 0x05,                         /* time-outs */
        0x00, 0x00, 0x00, 0x06,                         /* alignment */
    };
    struct l2tp_call_errors ce = {1, 2, 3, 4, 5, 6};
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_WEN);
    l2tp_mb_call_errors(&b, &ce);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x4321, 0x0c0d, 4, 4);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_WEN, 0x4321, 0x0c0d, 4, 4);
    struct l2tp_call_errors got;
    assert_true(l2tp_msg_call_errors(&g_m, &got));
    assert_int_equal(got.crc, 1);
    assert_int_equal(got.framing, 2);
    assert_int_equal(got.hw_overrun, 3);
    assert_int_equal(got.buf_overrun, 4);
    assert_int_equal(got.timeout, 5);
    assert_int_equal(got.alignment, 6);
}

/* §6.14 */
static void test_sli(void **state)
{
    static const uint8_t exp[] = {
        0xc8, 0x02, 0x00, 0x24, 0x12, 0x34, 0x0c, 0x0d, 0x00, 0x04, 0x00, 0x05, /* hdr, 36 */
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,             /* Message Type 16 */
        0x80, 0x10, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0xff, 0xff, /* ACCM, 16; send */
        0xff, 0xff, 0x00, 0x0a, 0x00, 0x00,                         /* recv */
    };
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, BODY, BODY_CAP, L2TP_MSG_SLI);
    l2tp_mb_accm(&b, 0xffffffffu, 0x000a0000u);
    size_t n = ct_finish_pkt(&b, g_pkt, sizeof g_pkt, 0x1234, 0x0c0d, 4, 5);
    ct_assert_bytes(exp, sizeof exp, g_pkt, n);

    expect_decoded(exp, sizeof exp, L2TP_MSG_SLI, 0x1234, 0x0c0d, 4, 5);
    struct l2tp_accm a;
    assert_true(l2tp_msg_accm(&g_m, &a));
    assert_int_equal(a.send, 0xffffffffu);
    assert_int_equal(a.recv, 0x000a0000u);
}

/* The §6 table itself: 14 types, names, and that every MUST/MAY AVP is in
 * the AVP table. */
static void test_msg_table(void **state)
{
    static const struct {
        uint16_t t;
        const char *name;
    } want[] = {
        {1, "SCCRQ"}, {2, "SCCRP"}, {3, "SCCCN"}, {4, "StopCCN"}, {6, "HELLO"},
        {7, "OCRQ"},  {8, "OCRP"},  {9, "OCCN"},  {10, "ICRQ"},   {11, "ICRP"},
        {12, "ICCN"}, {14, "CDN"},  {15, "WEN"},  {16, "SLI"},
    };
    unsigned known = 0;
    for (unsigned t = 0; t < 70; t++)
        if (l2tp_msg_lookup((uint16_t)t) != NULL)
            known++;
    assert_int_equal(known, 14);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct l2tp_msg_desc *d = l2tp_msg_lookup(want[i].t);
        assert_non_null(d);
        assert_string_equal(d->name, want[i].name);
        assert_string_equal(l2tp_msg_type_name(want[i].t), want[i].name);
        assert_true(d->must & L2TP_AVP_BIT(L2TP_AVP_MESSAGE_TYPE));
        assert_int_equal(d->must & d->may, 0);
        for (unsigned a = 0; a <= L2TP_AVP_STD_MAX; a++)
            if ((d->must | d->may) & L2TP_AVP_BIT(a))
                assert_non_null(l2tp_avp_lookup(0, (uint16_t)a));
    }
    assert_string_equal(l2tp_msg_type_name(0), "ZLB");
    assert_string_equal(l2tp_msg_type_name(5), "unknown");
    assert_string_equal(l2tp_msg_type_name(13), "unknown");
    /* Spot checks against §6 text. */
    const struct l2tp_msg_desc *ocrq = l2tp_msg_lookup(L2TP_MSG_OCRQ);
    assert_int_equal(__builtin_popcountll(ocrq->must), 8);
    const struct l2tp_msg_desc *iccn = l2tp_msg_lookup(L2TP_MSG_ICCN);
    assert_int_equal(__builtin_popcountll(iccn->must), 3);
    assert_int_equal(__builtin_popcountll(iccn->may), 12); /* 11 + Random Vector */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sccrq),     cmocka_unit_test(test_sccrp),
        cmocka_unit_test(test_scccn),     cmocka_unit_test(test_stopccn),
        cmocka_unit_test(test_hello),     cmocka_unit_test(test_ocrq),
        cmocka_unit_test(test_ocrp),      cmocka_unit_test(test_occn),
        cmocka_unit_test(test_icrq),      cmocka_unit_test(test_icrp),
        cmocka_unit_test(test_iccn),      cmocka_unit_test(test_cdn),
        cmocka_unit_test(test_wen),       cmocka_unit_test(test_sli),
        cmocka_unit_test(test_msg_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
