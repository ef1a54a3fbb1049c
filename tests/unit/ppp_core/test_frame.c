/* PPP frame header parsing and building (RFC 1661 §2, §6.5; RFC 1662 §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ppp/frame.h"
#include "ppp/ppp.h"

static void test_parse_forms(void **st)
{
    struct ppp_frame f;
    const uint8_t full[] = {0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04};
    assert_int_equal(ppp_frame_parse(full, sizeof(full), &f), 0);
    assert_true(f.has_ac);
    assert_false(f.pfc);
    assert_int_equal(f.proto, PPP_PROTO_LCP);
    assert_int_equal(f.len, 4);
    assert_ptr_equal(f.info, full + 4);

    const uint8_t acfc[] = {0x80, 0x21, 0x01};
    assert_int_equal(ppp_frame_parse(acfc, sizeof(acfc), &f), 0);
    assert_false(f.has_ac);
    assert_int_equal(f.proto, PPP_PROTO_IPCP);
    assert_int_equal(f.len, 1);

    const uint8_t pfc[] = {0xff, 0x03, 0x21, 0x45};
    assert_int_equal(ppp_frame_parse(pfc, sizeof(pfc), &f), 0);
    assert_true(f.pfc);
    assert_int_equal(f.proto, PPP_PROTO_IPV4);
    assert_int_equal(f.len, 1);

    const uint8_t both[] = {0x57};
    assert_int_equal(ppp_frame_parse(both, sizeof(both), &f), 0);
    assert_int_equal(f.proto, PPP_PROTO_IPV6);
    assert_int_equal(f.len, 0);
}

static void test_parse_bad(void **st)
{
    struct ppp_frame f;
    const uint8_t empty[] = {0};
    assert_int_equal(ppp_frame_parse(empty, 0, &f), -1);
    const uint8_t only_ac[] = {0xff, 0x03};
    assert_int_equal(ppp_frame_parse(only_ac, 2, &f), -1);
    const uint8_t half[] = {0xc0};
    assert_int_equal(ppp_frame_parse(half, 1, &f), -1);
    const uint8_t even_lo[] = {0xc0, 0x22, 0x00}; /* low byte must be odd */
    assert_int_equal(ppp_frame_parse(even_lo, 3, &f), -1);
}

static void test_build(void **st)
{
    uint8_t out[16];
    const uint8_t info[] = {0xaa, 0xbb};
    assert_int_equal(ppp_frame_build(out, sizeof(out), PPP_PROTO_LCP, info, 2, 0), 4);
    assert_memory_equal(out, ((uint8_t[]){0xc0, 0x21, 0xaa, 0xbb}), 4);
    assert_int_equal(
        ppp_frame_build(out, sizeof(out), PPP_PROTO_IPV4, info, 2, PPP_FRAME_AC | PPP_FRAME_PFC),
        5);
    assert_memory_equal(out, ((uint8_t[]){0xff, 0x03, 0x21, 0xaa, 0xbb}), 5);
    /* LCP never compresses: its high byte is not zero. */
    assert_int_equal(ppp_frame_build(out, sizeof(out), PPP_PROTO_LCP, info, 2, PPP_FRAME_PFC), 4);
    assert_int_equal(ppp_frame_build(out, 3, PPP_PROTO_LCP, info, 2, 0), 0);
    assert_int_equal(ppp_frame_hdr_len(PPP_PROTO_IPV6, PPP_FRAME_AC | PPP_FRAME_PFC), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
