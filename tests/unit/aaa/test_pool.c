/* Address pools (aaa/pool.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "aaa/pool.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_range_alloc_exhaust(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    assert_non_null(s);
    struct aaa_pool *p;
    assert_int_equal(aaa_pool_create(s, "users", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_add_range(p, "10.0.0.10-10.0.0.14"), 0);
    uint32_t a;
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(aaa_pool_alloc4(p, &a), 0);
        assert_int_equal(a, IP(10, 0, 0, 10) + i); /* ascending on a fresh pool */
        assert_true(aaa_pool_in_use4(p, a));
    }
    assert_int_equal(aaa_pool_alloc4(p, &a), -ENOSPC);
    struct aaa_pool_stats st;
    aaa_pool_get_stats(p, &st);
    assert_int_equal(st.size, 5);
    assert_int_equal(st.used, 5);
    aaa_pool_set_free(s);
}

static void test_cidr(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p, *q, *r;
    assert_int_equal(aaa_pool_create(s, "a", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_add_range(p, "192.168.10.0/24"), 0);
    struct aaa_pool_stats st;
    aaa_pool_get_stats(p, &st);
    assert_int_equal(st.size, 254); /* .0 and .255 excluded */
    assert_false(aaa_pool_contains4(p, IP(192, 168, 10, 0)));
    assert_false(aaa_pool_contains4(p, IP(192, 168, 10, 255)));
    assert_true(aaa_pool_contains4(p, IP(192, 168, 10, 1)));
    assert_true(aaa_pool_contains4(p, IP(192, 168, 10, 254)));
    uint32_t a;
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(a, IP(192, 168, 10, 1));

    /* /31 and /32 use every address. */
    assert_int_equal(aaa_pool_create(s, "b", AF_INET, &q), 0);
    assert_int_equal(aaa_pool_add_range(q, "172.16.0.0/31"), 0);
    assert_int_equal(aaa_pool_add_range(q, " 172.16.0.9/32 "), 0);
    assert_int_equal(aaa_pool_add_range(q, "172.16.1.1"), 0);
    assert_int_equal(aaa_pool_add_range(q, "172.16.2.1 - 172.16.2.2"), 0);
    aaa_pool_get_stats(q, &st);
    assert_int_equal(st.size, 6);

    /* Syntax errors, host bits set, reversed ranges, too big. */
    assert_int_equal(aaa_pool_create(s, "c", AF_INET, &r), 0);
    static const char *bad[] = {
        "",
        "10.0.0",
        "10.0.0.1/33",
        "10.0.0.1/24",
        "10.0.0.9-10.0.0.1",
        "10.0.0.1-",
        "10.0.0.0/",
        "10.0.0.0/x",
        "10.0.0.0/-1",
        "2001:db8::/64",
        "10.0.0.1-10.0.0.2-10.0.0.3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(aaa_pool_add_range(r, bad[i]), -EINVAL);
    assert_int_equal(aaa_pool_add_range(r, "10.0.0.0/8"), -E2BIG);
    aaa_pool_set_free(s);
}

static void test_overlap_and_several_pools(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p, *q;
    assert_int_equal(aaa_pool_create(s, "gold", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_create(s, "silver", AF_INET, &q), 0);
    assert_int_equal(aaa_pool_create(s, "gold", AF_INET, NULL), -EEXIST);
    assert_int_equal(aaa_pool_create(s, "", AF_INET, NULL), -EINVAL);
    assert_int_equal(aaa_pool_create(s, "x", 12345, NULL), -EINVAL);
    assert_int_equal(aaa_pool_add_range(p, "10.1.0.0/24"), 0);
    assert_int_equal(aaa_pool_add_range(q, "10.2.0.1-10.2.0.3"), 0);
    /* Overlaps, within one pool and across pools. */
    assert_int_equal(aaa_pool_add_range(p, "10.1.0.200-10.1.1.5"), -EEXIST);
    assert_int_equal(aaa_pool_add_range(p, "10.2.0.3"), -EEXIST);
    assert_int_equal(aaa_pool_add_range(q, "10.1.0.77"), -EEXIST);
    /* Several ranges in one pool, added out of order. */
    assert_int_equal(aaa_pool_add_range(q, "10.0.9.1-10.0.9.2"), 0);
    assert_ptr_equal(aaa_pool_find(s, "gold"), p);
    assert_ptr_equal(aaa_pool_find(s, "silver"), q);
    assert_null(aaa_pool_find(s, "bronze"));
    assert_int_equal(aaa_pool_count(s), 2);
    assert_ptr_equal(aaa_pool_at(s, 1), q);
    assert_string_equal(aaa_pool_name(q), "silver");

    uint32_t a, seen[5];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(aaa_pool_alloc4(q, &a), 0);
        seen[i] = a;
        assert_ptr_equal(aaa_pool_set_owner4(s, a), q);
    }
    assert_int_equal(seen[0], IP(10, 2, 0, 1)); /* ranges fill in the order added */
    assert_int_equal(seen[3], IP(10, 0, 9, 1));
    assert_int_equal(aaa_pool_alloc4(q, &a), -ENOSPC);
    /* The other pool is unaffected. */
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(a, IP(10, 1, 0, 1));
    assert_ptr_equal(aaa_pool_set_owner4(s, a), p);
    assert_null(aaa_pool_set_owner4(s, IP(10, 3, 0, 1)));
    aaa_pool_set_free(s);
}

static void test_static_and_release(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p;
    assert_int_equal(aaa_pool_create(s, "p", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_add_range(p, "10.0.0.1-10.0.0.4"), 0);

    /* A static per-user address inside the pool is taken out of rotation. */
    assert_int_equal(aaa_pool_alloc4_specific(p, IP(10, 0, 0, 2)), 0);
    assert_int_equal(aaa_pool_alloc4_specific(p, IP(10, 0, 0, 2)), -EADDRINUSE);
    assert_int_equal(aaa_pool_alloc4_specific(p, IP(10, 0, 1, 2)), -EADDRNOTAVAIL);
    uint32_t a, b, c;
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(aaa_pool_alloc4(p, &b), 0);
    assert_int_equal(aaa_pool_alloc4(p, &c), 0);
    assert_int_equal(a, IP(10, 0, 0, 1));
    assert_int_equal(b, IP(10, 0, 0, 3));
    assert_int_equal(c, IP(10, 0, 0, 4));
    assert_int_equal(aaa_pool_alloc4(p, &a), -ENOSPC);

    /* Release and reuse: least recently released first. */
    assert_int_equal(aaa_pool_release4(p, IP(10, 0, 0, 3)), 0);
    assert_int_equal(aaa_pool_release4(p, IP(10, 0, 0, 3)), -ENOENT);
    assert_int_equal(aaa_pool_release4(p, IP(10, 0, 0, 1)), 0);
    assert_int_equal(aaa_pool_release4(p, IP(9, 0, 0, 1)), -EADDRNOTAVAIL);
    assert_false(aaa_pool_in_use4(p, IP(10, 0, 0, 3)));
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(a, IP(10, 0, 0, 3));
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(a, IP(10, 0, 0, 1));
    /* Static address released goes back to the free list. */
    assert_int_equal(aaa_pool_release4(p, IP(10, 0, 0, 2)), 0);
    assert_int_equal(aaa_pool_alloc4(p, &a), 0);
    assert_int_equal(a, IP(10, 0, 0, 2));

    /* Set-wide claim: inside a pool, and outside every pool. */
    assert_int_equal(aaa_pool_set_claim4(s, IP(10, 0, 0, 2)), -EADDRINUSE);
    assert_int_equal(aaa_pool_set_claim4(s, IP(198, 51, 100, 7)), 0);
    assert_int_equal(aaa_pool_set_claim4(s, IP(198, 51, 100, 7)), -EADDRINUSE);
    assert_true(aaa_pool_set_in_use4(s, IP(198, 51, 100, 7)));
    assert_int_equal(aaa_pool_set_release4(s, IP(198, 51, 100, 7)), 0);
    assert_int_equal(aaa_pool_set_release4(s, IP(198, 51, 100, 7)), -ENOENT);
    assert_false(aaa_pool_set_in_use4(s, IP(198, 51, 100, 7)));
    assert_int_equal(aaa_pool_set_release4(s, IP(10, 0, 0, 2)), 0);
    assert_int_equal(aaa_pool_set_claim4(s, IP(10, 0, 0, 2)), 0);
    assert_true(aaa_pool_in_use4(p, IP(10, 0, 0, 2)));
    aaa_pool_set_free(s);
}

static void test_reserved_local_ip(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p, *q;
    assert_int_equal(aaa_pool_create(s, "p", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_add_range(p, "10.0.0.0/29"), 0); /* .1 - .6 */
    /* The LNS's own address sits inside the pool: never handed out. */
    assert_int_equal(aaa_pool_set_reserve4(s, IP(10, 0, 0, 1)), 0);
    assert_int_equal(aaa_pool_set_reserve4(s, IP(10, 0, 0, 1)), 0); /* idempotent */
    /* Reserved before the range exists: applies when it is added. */
    assert_int_equal(aaa_pool_set_reserve4(s, IP(10, 0, 1, 1)), 0);
    assert_int_equal(aaa_pool_create(s, "q", AF_INET, &q), 0);
    assert_int_equal(aaa_pool_add_range(q, "10.0.1.1-10.0.1.2"), 0);

    uint32_t a;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(aaa_pool_alloc4(p, &a), 0);
        assert_int_not_equal(a, IP(10, 0, 0, 1));
    }
    assert_int_equal(aaa_pool_alloc4(p, &a), -ENOSPC);
    assert_int_equal(aaa_pool_alloc4_specific(p, IP(10, 0, 0, 1)), -EADDRINUSE);
    assert_int_equal(aaa_pool_set_claim4(s, IP(10, 0, 0, 1)), -EADDRINUSE);
    assert_int_equal(aaa_pool_release4(p, IP(10, 0, 0, 1)), -ENOENT);
    struct aaa_pool_stats st;
    aaa_pool_get_stats(p, &st);
    assert_int_equal(st.size, 6);
    assert_int_equal(st.used, 5);
    assert_int_equal(st.reserved, 1);
    assert_int_equal(aaa_pool_alloc4(q, &a), 0);
    assert_int_equal(a, IP(10, 0, 1, 2));
    assert_int_equal(aaa_pool_alloc4(q, &a), -ENOSPC);
    /* Reserving an address in use is refused; outside pools is fine. */
    assert_int_equal(aaa_pool_set_reserve4(s, IP(10, 0, 0, 2)), -EADDRINUSE);
    assert_int_equal(aaa_pool_set_reserve4(s, IP(192, 0, 2, 1)), 0);
    assert_int_equal(aaa_pool_set_claim4(s, IP(192, 0, 2, 1)), -EADDRINUSE);
    aaa_pool_set_free(s);
}

static void test_large_churn(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p;
    assert_int_equal(aaa_pool_create(s, "big", AF_INET, &p), 0);
    assert_int_equal(aaa_pool_add_range(p, "100.64.0.0/16"), 0);
    static uint32_t held[65534];
    size_t n = 0;
    uint32_t a;
    while (aaa_pool_alloc4(p, &a) == 0)
        held[n++] = a;
    assert_int_equal(n, 65534);
    uint32_t x = 1;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t j = x % n;
        assert_int_equal(aaa_pool_release4(p, held[j]), 0);
        assert_int_equal(aaa_pool_alloc4(p, &a), 0);
        assert_int_equal(a, held[j]); /* only one free: must be it */
    }
    aaa_pool_set_free(s);
}

static void test_ipv6_prefixes(void **state)
{
    (void)state;
    struct aaa_pool_set *s = aaa_pool_set_new();
    struct aaa_pool *p, *v4;
    assert_int_equal(aaa_pool_create(s, "pd", AF_INET6, &p), 0);
    assert_int_equal(aaa_pool_family(p), AF_INET6);
    assert_int_equal(aaa_pool_add_prefix6(p, "2001:db8:100::/62", 64), 0);
    assert_int_equal(aaa_pool_add_prefix6(p, "2001:db8:100::/48", 64), -EEXIST);
    assert_int_equal(aaa_pool_add_prefix6(p, "2001:db8:200::/63", 56), -EINVAL);  /* size differs */
    assert_int_equal(aaa_pool_add_prefix6(p, "2001:db8:200::1/64", 64), -EINVAL); /* host bits */
    assert_int_equal(aaa_pool_add_prefix6(p, "2001:db8::/16", 64), -E2BIG);
    assert_int_equal(aaa_pool_add_range(p, "10.0.0.1"), -EINVAL);
    uint8_t pfx[16], want[16];
    unsigned plen;
    assert_int_equal(aaa_pool_alloc6(p, pfx, &plen), 0);
    assert_int_equal(plen, 64);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:100::", want), 1);
    assert_memory_equal(pfx, want, 16);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:100:2::", want), 1);
    assert_int_equal(aaa_pool_alloc6_specific(p, want), 0);
    assert_int_equal(aaa_pool_alloc6_specific(p, want), -EADDRINUSE);
    assert_true(aaa_pool_in_use6(p, want));
    assert_int_equal(aaa_pool_alloc6(p, pfx, &plen), 0);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:100:1::", want), 1);
    assert_memory_equal(pfx, want, 16);
    assert_int_equal(aaa_pool_alloc6(p, pfx, NULL), 0);
    assert_int_equal(aaa_pool_alloc6(p, pfx, NULL), -ENOSPC);
    assert_int_equal(aaa_pool_release6(p, want), 0);
    assert_false(aaa_pool_in_use6(p, want));
    assert_int_equal(aaa_pool_alloc6(p, pfx, NULL), 0);
    assert_memory_equal(pfx, want, 16);
    /* Family checks both ways. */
    assert_int_equal(aaa_pool_create(s, "v4", AF_INET, &v4), 0);
    assert_int_equal(aaa_pool_add_prefix6(v4, "2001:db8:300::/64", 64), -EINVAL);
    assert_int_equal(aaa_pool_alloc6(v4, pfx, NULL), -EINVAL);
    uint32_t a;
    assert_int_equal(aaa_pool_alloc4(p, &a), -EINVAL);
    aaa_pool_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_alloc_exhaust),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_overlap_and_several_pools),
        cmocka_unit_test(test_static_and_release),
        cmocka_unit_test(test_reserved_local_ip),
        cmocka_unit_test(test_large_churn),
        cmocka_unit_test(test_ipv6_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
