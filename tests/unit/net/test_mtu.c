/* MTU/MRU arithmetic for PPP over L2TP over UDP over IPv4/IPv6
 * (net/mtu.c); the same table is in docs/MTU.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/mtu.h"

struct row {
    unsigned link;
    bool v6, l, s, acfc, pfc;
    unsigned payload, mss4, mss6;
};

/* Worked by hand: 1500 - IP(20/40) - UDP 8 - L2TP(6 +2 L +4 S) - PPP(2 ACF unless ACFC, 2 proto or
 * 1 with PFC). */
static const struct row table[] = {
    {1500, false, false, false, false, false, 1462, 1422, 1402},
    {1500, false, true, false, false, false, 1460, 1420, 1400},
    {1500, false, false, true, false, false, 1458, 1418, 1398},
    {1500, false, true, true, false, false, 1456, 1416, 1396},
    {1500, false, false, false, true, false, 1464, 1424, 1404},
    {1500, false, false, false, true, true, 1465, 1425, 1405},
    {1500, false, true, true, true, true, 1459, 1419, 1399},
    {1500, true, false, false, false, false, 1442, 1402, 1382},
    {1500, true, true, false, false, false, 1440, 1400, 1380},
    {1500, true, false, true, false, false, 1438, 1398, 1378},
    {1500, true, true, true, false, false, 1436, 1396, 1376},
    {1500, true, false, false, true, true, 1445, 1405, 1385},
    /* PPPoE-carried LAC link (1492) and jumbo frames. */
    {1492, false, false, false, false, false, 1454, 1414, 1394},
    {9000, false, true, true, false, false, 8956, 8916, 8896},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct row *r = &table[i];
        unsigned p = net_mtu_ppp_payload(r->link, r->v6, r->l, r->s, r->acfc, r->pfc);
        assert_int_equal(p, r->payload);
        assert_int_equal(net_mss_for_mtu(p, false), r->mss4);
        assert_int_equal(net_mss_for_mtu(p, true), r->mss6);
        struct net_mtu_framing f = {
            .ipv6_outer = r->v6, .l_bit = r->l, .s_bit = r->s, .acfc = r->acfc, .pfc = r->pfc};
        assert_int_equal(net_mtu_overhead(&f) + p, r->link);
    }
}

static void test_offset_bit(void **state)
{
    (void)state;
    struct net_mtu_framing f = {.l_bit = true, .s_bit = true, .o_bit = true};
    /* 20 + 8 + (6 + 2 + 4 + 2) + 4 = 46 */
    assert_int_equal(net_mtu_overhead(&f), 46);
    assert_int_equal(net_mtu_ppp_payload_f(1500, &f), 1454);
}

static void test_small_links(void **state)
{
    (void)state;
    /* Overheads: IPv4 minimal 38, IPv6 worst 64. Nothing fits -> 0. */
    assert_int_equal(net_mtu_ppp_payload(38, false, false, false, false, false), 0);
    assert_int_equal(net_mtu_ppp_payload(39, false, false, false, false, false), 1);
    assert_int_equal(net_mtu_ppp_payload(0, true, true, true, false, false), 0);
    assert_int_equal(net_mss_for_mtu(40, false), 0);
    assert_int_equal(net_mss_for_mtu(41, false), 1);
    assert_int_equal(net_mss_for_mtu(60, true), 0);
    /* RFC 879 default: a 576-byte IPv4 path gives MSS 536. */
    assert_int_equal(net_mss_for_mtu(576, false), 536);
    /* RFC 8200 minimum link MTU 1280 -> MSS 1220. */
    assert_int_equal(net_mss_for_mtu(1280, true), 1220);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_offset_bit),
        cmocka_unit_test(test_small_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
