/* RFC 2661 §3.1 header: every T/L/S/O/P combination, versions, reserved
 * bits, lying Length fields, offsets, truncation, and exact encodings. */
#include "codec_test.h"

/* Builds a header by hand from the flag bits, with recognisable field
 * values, an Offset Size of 2 (two pad octets) and a 4-octet payload. */
static size_t make(uint8_t *p, uint16_t flags, int len_delta)
{
    size_t o = 0;
    bool L = flags & L2TP_HDR_L, S = flags & L2TP_HDR_S, O = flags & L2TP_HDR_O;
    size_t hlen = 6 + (L ? 2 : 0) + (S ? 4 : 0) + (O ? 2 + 2 : 0);
    size_t total = hlen + 4;
    lx_put_u16(p + o, flags);
    o += 2;
    if (L) {
        lx_put_u16(p + o, (uint16_t)((int)total + len_delta));
        o += 2;
    }
    lx_put_u16(p + o, 0x1111);     /* Tunnel ID */
    lx_put_u16(p + o + 2, 0x2222); /* Session ID */
    o += 4;
    if (S) {
        lx_put_u16(p + o, 0x3333);
        lx_put_u16(p + o + 2, 0x4444);
        o += 4;
    }
    if (O) {
        lx_put_u16(p + o, 2);
        p[o + 2] = 0xee;
        p[o + 3] = 0xee;
        o += 4;
    }
    memcpy(p + o, "\xaa\xbb\xcc\xdd", 4);
    o += 4;
    assert_int_equal(o, total);
    return total;
}

/* All 32 combinations of T, L, S, O, P with Ver 2. */
static void test_all_flag_combinations(void **state)
{
    static const uint16_t bits[5] = {L2TP_HDR_T, L2TP_HDR_L, L2TP_HDR_S, L2TP_HDR_O, L2TP_HDR_P};
    for (unsigned c = 0; c < 32; c++) {
        uint16_t flags = L2TP_VERSION;
        for (int i = 0; i < 5; i++)
            if (c & (1u << i))
                flags |= bits[i];
        uint8_t p[64];
        size_t n = make(p, flags, 0);
        struct l2tp_hdr h;
        enum l2tp_hdr_status st = l2tp_hdr_decode(p, n, &h);
        bool T = flags & L2TP_HDR_T, L = flags & L2TP_HDR_L, S = flags & L2TP_HDR_S;
        bool O = flags & L2TP_HDR_O, P = flags & L2TP_HDR_P;
        assert_int_equal(h.flags_ver, flags);
        if (T && (!L || !S)) {
            /* §3.1: L and S "MUST be set to 1 for control messages". */
            assert_int_equal(st, L2TP_HDR_ERR_CTRL_FLAGS);
            continue;
        }
        assert_int_equal(st, L2TP_HDR_OK);
        assert_int_equal(h.ver, 2);
        assert_int_equal(h.is_ctrl, T);
        assert_int_equal(h.has_len, L);
        assert_int_equal(h.has_seq, S);
        assert_int_equal(h.has_off, O);
        assert_int_equal(h.prio, P);
        assert_int_equal(h.length, L ? n : 0);
        assert_int_equal(h.tunnel_id, 0x1111);
        assert_int_equal(h.session_id, 0x2222);
        assert_int_equal(h.ns, S ? 0x3333 : 0);
        assert_int_equal(h.nr, S ? 0x4444 : 0);
        assert_int_equal(h.offset_size, O ? 2 : 0);
        assert_int_equal(h.payload_len, 4);
        assert_int_equal(h.payload_off, n - 4);
        assert_memory_equal(p + h.payload_off, "\xaa\xbb\xcc\xdd", 4);
    }
}

/* §3.1: "Packets received with an unknown Ver field MUST be discarded."
 * 1 is L2F, 3 is L2TPv3; every value but 2 is refused. */
static void test_versions(void **state)
{
    for (uint16_t v = 0; v < 16; v++) {
        uint8_t p[64];
        size_t n = make(p, (uint16_t)(L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | v), 0);
        struct l2tp_hdr h;
        enum l2tp_hdr_status st = l2tp_hdr_decode(p, n, &h);
        assert_int_equal(h.ver, v);
        assert_int_equal(st, v == 2 ? L2TP_HDR_OK : L2TP_HDR_ERR_VERSION);
        n = make(p, v, 0); /* data message too */
        assert_int_equal(l2tp_hdr_decode(p, n, &h), v == 2 ? L2TP_HDR_OK : L2TP_HDR_ERR_VERSION);
    }
}

/* §3.1: reserved x bits "ignored on incoming messages". */
static void test_reserved_bits_ignored(void **state)
{
    static const uint16_t x[] = {0x2000, 0x1000, 0x0400, 0x0080, 0x0040, 0x0020, 0x0010, 0x34f0};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        uint8_t p[64];
        uint16_t flags = (uint16_t)(L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | 2 | x[i]);
        size_t n = make(p, flags, 0);
        struct l2tp_hdr h;
        assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
        assert_true(h.is_ctrl);
        assert_int_equal(h.ver, 2);
        assert_int_equal(h.flags_ver, flags);
        assert_int_equal(h.payload_len, 4);
        /* and on data messages */
        n = make(p, (uint16_t)(2 | x[i]), 0);
        assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
        assert_false(h.is_ctrl);
    }
}

/* Lying Length fields. */
static void test_lying_length(void **state)
{
    uint8_t p[64];
    struct l2tp_hdr h;
    uint16_t ctrl = L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | 2;

    size_t n = make(p, ctrl, +1); /* one more than the datagram */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_LENGTH);
    n = make(p, ctrl, +1000);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_LENGTH);

    n = make(p, ctrl, -4); /* exactly the header: a ZLB */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    assert_int_equal(h.payload_len, 0);
    assert_int_equal(h.payload_off, 12);

    n = make(p, ctrl, -5); /* shorter than the header itself */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_LENGTH);
    n = make(p, ctrl, -(int)n); /* Length 0 */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_LENGTH);

    n = make(p, ctrl, -2); /* shorter than the datagram: trailing octets ignored */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    assert_int_equal(h.payload_len, 2);
    assert_int_equal(h.length, n - 2);

    /* Data message with L and O: Offset Size counted within Length. */
    uint16_t data = L2TP_HDR_L | L2TP_HDR_O | 2;
    n = make(p, data, -4); /* Length ends right after the offset pad */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    assert_int_equal(h.payload_len, 0);
    n = make(p, data, -5); /* Length ends inside the offset pad */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_OFFSET);
}

/* Offset Size pointing past the end. */
static void test_offset_past_end(void **state)
{
    uint8_t p[64];
    struct l2tp_hdr h;
    /* Data: flags O only: 8-octet header then Offset Size. */
    size_t n = make(p, L2TP_HDR_O | 2, 0); /* offset 2, payload 4: total 14 */
    assert_int_equal(n, 14);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    lx_put_u16(p + 6, 6); /* offset 6: exactly to the end */
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    assert_int_equal(h.payload_len, 0);
    lx_put_u16(p + 6, 7);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_OFFSET);
    lx_put_u16(p + 6, 0xffff);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_OFFSET);
    /* Control message with O (MUST be 0 when sent; tolerated on receipt). */
    n = make(p, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_HDR_O | 2, 0);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_OK);
    lx_put_u16(p + 12, 0x100);
    assert_int_equal(l2tp_hdr_decode(p, n, &h), L2TP_HDR_ERR_OFFSET);
}

/* Every truncation of every header shape. */
static void test_truncated(void **state)
{
    struct l2tp_hdr h;
    assert_int_equal(l2tp_hdr_decode(NULL, 0, &h), L2TP_HDR_ERR_SHORT);
    static const uint16_t shapes[] = {
        L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | 2,
        L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_HDR_O | 2,
        2,
        L2TP_HDR_L | L2TP_HDR_S | L2TP_HDR_O | 2,
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        uint8_t p[64];
        size_t n = make(p, shapes[s], 0);
        size_t hlen = n - 4 - ((shapes[s] & L2TP_HDR_O) ? 2 : 0); /* fixed fields only */
        for (size_t cut = 0; cut < hlen; cut++) {
            enum l2tp_hdr_status st = l2tp_hdr_decode(p, cut, &h);
            assert_int_not_equal(st, L2TP_HDR_OK);
        }
    }
    uint8_t one = 0xc8;
    assert_int_equal(l2tp_hdr_decode(&one, 1, &h), L2TP_HDR_ERR_SHORT);
    /* Fields are defined even on failure. */
    assert_int_equal(h.payload_len, 0);
    assert_int_equal(h.tunnel_id, 0);
}

/* Exact encodings. */
static void test_encode_ctrl(void **state)
{
    uint8_t p[16];
    static const uint8_t want[12] = {0xc8, 0x02, 0x00, 0x20, 0xab, 0xcd,
                                     0x12, 0x34, 0x00, 0x05, 0xff, 0xff};
    assert_int_equal(l2tp_hdr_encode_ctrl(p, sizeof p, 0xabcd, 0x1234, 5, 0xffff, 20), 12);
    ct_assert_bytes(want, 12, p, 12);
    assert_int_equal(l2tp_hdr_encode_ctrl(p, 11, 1, 1, 1, 1, 0), 0);
    assert_int_equal(l2tp_hdr_encode_ctrl(p, sizeof p, 1, 1, 1, 1, 65535 - 12), 12);
    assert_int_equal(lx_get_u16(p + 2), 65535);
    assert_int_equal(l2tp_hdr_encode_ctrl(p, sizeof p, 1, 1, 1, 1, 65535 - 11), 0);

    /* Decodes back (ZLB-sized). */
    assert_int_equal(l2tp_hdr_encode_ctrl(p, sizeof p, 7, 8, 9, 10, 0), 12);
    struct l2tp_hdr h;
    assert_int_equal(l2tp_hdr_decode(p, 12, &h), L2TP_HDR_OK);
    assert_true(h.is_ctrl && h.has_len && h.has_seq && !h.has_off && !h.prio);
    assert_int_equal(h.tunnel_id, 7);
    assert_int_equal(h.session_id, 8);
    assert_int_equal(h.ns, 9);
    assert_int_equal(h.nr, 10);
    assert_int_equal(h.payload_len, 0);
}

static void test_encode_data(void **state)
{
    uint8_t p[32];
    struct l2tp_data_hdr_opts o = {0};
    /* Minimal: flags, Tunnel ID, Session ID. */
    assert_int_equal(l2tp_hdr_encode_data(p, sizeof p, 0x0102, 0x0304, &o, 100), 6);
    ct_assert_bytes((const uint8_t *)"\x00\x02\x01\x02\x03\x04", 6, p, 6);

    o.with_len = true;
    assert_int_equal(l2tp_hdr_encode_data(p, sizeof p, 0x0102, 0x0304, &o, 100), 8);
    ct_assert_bytes((const uint8_t *)"\x40\x02\x00\x6c\x01\x02\x03\x04", 8, p, 8);

    o.with_seq = true;
    o.ns = 0x0a0b;
    o.nr = 0x0c0d;
    assert_int_equal(l2tp_hdr_encode_data(p, sizeof p, 0x0102, 0x0304, &o, 100), 12);
    ct_assert_bytes((const uint8_t *)"\x48\x02\x00\x70\x01\x02\x03\x04\x0a\x0b\x0c\x0d", 12, p, 12);

    o.with_off = true;
    assert_int_equal(l2tp_hdr_encode_data(p, sizeof p, 0x0102, 0x0304, &o, 100), 14);
    ct_assert_bytes((const uint8_t *)"\x4a\x02\x00\x72\x01\x02\x03\x04\x0a\x0b\x0c\x0d\x00\x00", 14,
                    p, 14);

    /* Round trip through the decoder with a payload. */
    uint8_t pkt[64];
    size_t h = l2tp_hdr_encode_data(pkt, sizeof pkt, 9, 10, &o, 3);
    memcpy(pkt + h, "xyz", 3);
    struct l2tp_hdr d;
    assert_int_equal(l2tp_hdr_decode(pkt, h + 3, &d), L2TP_HDR_OK);
    assert_false(d.is_ctrl);
    assert_int_equal(d.payload_off, h);
    assert_int_equal(d.payload_len, 3);
    assert_int_equal(d.ns, 0x0a0b);

    /* Overflow. */
    assert_int_equal(l2tp_hdr_encode_data(p, 5, 1, 1, &o, 0), 0);
    assert_int_equal(l2tp_hdr_encode_data(p, sizeof p, 1, 1, &o, 65535 - 13), 0);
}

static void test_misc(void **state)
{
    for (int s = L2TP_HDR_OK; s <= L2TP_HDR_ERR_OFFSET; s++)
        assert_string_not_equal(l2tp_hdr_status_str((enum l2tp_hdr_status)s), "?");
    assert_true(l2tp_seq_lt(0, 1));
    assert_true(l2tp_seq_lt(65535, 0));
    assert_false(l2tp_seq_lt(1, 0));
    assert_false(l2tp_seq_lt(5, 5));
    assert_true(l2tp_seq_lt(40000, 7000)); /* 32768+ apart wraps */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_flag_combinations),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_reserved_bits_ignored),
        cmocka_unit_test(test_lying_length),
        cmocka_unit_test(test_offset_past_end),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_encode_ctrl),
        cmocka_unit_test(test_encode_data),
        cmocka_unit_test(test_misc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
