/* lx_iphash (lib/iphash.c): address -> session lookup for the data plane. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/iphash.h"
#include "lib/rand.h"

static void fixed_rand(void *ctx, void *buf, size_t len)
{
    uint8_t *b = buf;
    uint32_t *x = ctx;
    for (size_t i = 0; i < len; i++) {
        *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
        b[i] = (uint8_t)*x;
    }
}

static uint32_t rand_state = 42;

static int setup(void **state)
{
    (void)state;
    rand_state = 42;
    lx_random_set_source(fixed_rand, &rand_state);
    return 0;
}

static void k4(struct lx_ipkey *k, uint32_t a)
{
    uint8_t b[4];
    lx_put_u32(b, a);
    lx_ipkey4(k, b);
}

/* Values are pointers into this array, so they are distinct and non-NULL. */
static char vals[200000];

static void test_v4_scale(void **state)
{
    (void)state;
    struct lx_iphash h;
    assert_int_equal(lx_iphash_init(&h, 0), 0);
    const uint32_t base = 0x0a000000; /* 10.0.0.0 */
    const uint32_t n = 100000;
    struct lx_ipkey k;
    for (uint32_t i = 0; i < n; i++) {
        k4(&k, base + i);
        assert_int_equal(lx_iphash_insert(&h, &k, &vals[i]), 0);
    }
    assert_int_equal(lx_iphash_count(&h), n);
    k4(&k, base + 5);
    assert_int_equal(lx_iphash_insert(&h, &k, &vals[0]), -EEXIST);
    assert_ptr_equal(lx_iphash_get(&h, &k), &vals[5]);
    for (uint32_t i = 0; i < n; i++) {
        k4(&k, base + i);
        assert_ptr_equal(lx_iphash_get(&h, &k), &vals[i]);
    }
    /* Misses, including many that share bits with the stored keys. */
    for (uint32_t i = 0; i < n; i++) {
        k4(&k, base + n + i);
        assert_null(lx_iphash_get(&h, &k));
        k4(&k, (base + i) ^ 0x80000000u);
        assert_null(lx_iphash_get(&h, &k));
    }
    /* Remove every odd key, then check all. */
    for (uint32_t i = 1; i < n; i += 2) {
        k4(&k, base + i);
        assert_ptr_equal(lx_iphash_remove(&h, &k), &vals[i]);
        assert_null(lx_iphash_remove(&h, &k));
    }
    assert_int_equal(lx_iphash_count(&h), n / 2);
    for (uint32_t i = 0; i < n; i++) {
        k4(&k, base + i);
        if (i & 1)
            assert_null(lx_iphash_get(&h, &k));
        else
            assert_ptr_equal(lx_iphash_get(&h, &k), &vals[i]);
    }
    /* Reinsert with other values. */
    for (uint32_t i = 1; i < n; i += 2) {
        k4(&k, base + i);
        assert_int_equal(lx_iphash_insert(&h, &k, &vals[n + i]), 0);
    }
    for (uint32_t i = 1; i < n; i += 2) {
        k4(&k, base + i);
        assert_ptr_equal(lx_iphash_get(&h, &k), &vals[n + i]);
    }
    lx_iphash_free(&h);
}

/* Dense random insert/remove against a reference model in a small key
 * space: long probe runs, wrap-around and backward-shift deletion. */
static void test_model_churn(void **state)
{
    (void)state;
    struct lx_iphash h;
    assert_int_equal(lx_iphash_init(&h, 16), 0);
    enum { KEYS = 3000 };
    static bool present[KEYS];
    memset(present, 0, sizeof present);
    size_t count = 0;
    uint32_t x = 7;
    struct lx_ipkey k;
    for (int op = 0; op < 300000; op++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint32_t i = x % KEYS;
        /* Mix families: even keys IPv4, odd keys IPv6 /128. */
        if (i & 1) {
            uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
            lx_put_u32(a + 12, i);
            lx_ipkey6(&k, a, 128);
        } else {
            k4(&k, 0xc0a80000u + i);
        }
        if ((x >> 16) & 1) {
            int rc = lx_iphash_insert(&h, &k, &vals[i]);
            assert_int_equal(rc, present[i] ? -EEXIST : 0);
            if (!present[i])
                count++;
            present[i] = true;
        } else {
            void *v = lx_iphash_remove(&h, &k);
            assert_ptr_equal(v, present[i] ? &vals[i] : NULL);
            if (present[i])
                count--;
            present[i] = false;
        }
        assert_int_equal(lx_iphash_count(&h), count);
        if (op % 10007 == 0) {
            for (uint32_t j = 0; j < KEYS; j++) {
                if (j & 1) {
                    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
                    lx_put_u32(a + 12, j);
                    lx_ipkey6(&k, a, 128);
                } else {
                    k4(&k, 0xc0a80000u + j);
                }
                assert_ptr_equal(lx_iphash_get(&h, &k), present[j] ? &vals[j] : NULL);
            }
        }
    }
    lx_iphash_free(&h);
}

/* Same-address keys of different families or prefix lengths are distinct. */
static void test_key_identity(void **state)
{
    (void)state;
    struct lx_iphash h;
    assert_int_equal(lx_iphash_init(&h, 4), 0);
    uint8_t a[16] = {10, 0, 0, 1};
    struct lx_ipkey k1, k2, k3;
    lx_ipkey4(&k1, a);
    lx_ipkey6(&k2, a, 128);
    lx_ipkey6(&k3, a, 32);
    assert_int_equal(lx_iphash_insert(&h, &k1, &vals[1]), 0);
    assert_int_equal(lx_iphash_insert(&h, &k2, &vals[2]), 0);
    assert_int_equal(lx_iphash_insert(&h, &k3, &vals[3]), 0);
    assert_ptr_equal(lx_iphash_get(&h, &k1), &vals[1]);
    assert_ptr_equal(lx_iphash_get(&h, &k2), &vals[2]);
    assert_ptr_equal(lx_iphash_get(&h, &k3), &vals[3]);
    /* Garbage in unused key bytes does not matter. */
    struct lx_ipkey dirty = k1;
    dirty.a[9] = 0x77;
    assert_ptr_equal(lx_iphash_get(&h, &dirty), &vals[1]);
    /* Invalid keys. */
    struct lx_ipkey bad = {.family = AF_INET, .plen = 24};
    assert_int_equal(lx_iphash_insert(&h, &bad, &vals[0]), -EINVAL);
    bad.family = 99;
    bad.plen = 32;
    assert_int_equal(lx_iphash_insert(&h, &bad, &vals[0]), -EINVAL);
    assert_int_equal(lx_iphash_insert(&h, &k1, NULL), -EINVAL);
    lx_iphash_free(&h);
}

static void test_packet_lookup(void **state)
{
    (void)state;
    struct lx_iphash h;
    assert_int_equal(lx_iphash_init(&h, 8), 0);
    struct lx_ipkey k;
    k4(&k, 0x64400007); /* 100.64.0.7 */
    assert_int_equal(lx_iphash_insert(&h, &k, &vals[7]), 0);
    /* A user's /64 and, more specific, another user's /128 inside it. */
    uint8_t pfx[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff};
    lx_ipkey6(&k, pfx, 64);
    assert_int_equal(lx_iphash_insert(&h, &k, &vals[64]), 0);
    uint8_t host[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    lx_ipkey6(&k, host, 128);
    assert_int_equal(lx_iphash_insert(&h, &k, &vals[128]), 0);

    uint8_t v4[20] = {0x45};
    lx_put_u32(v4 + 12, 0x64400001);
    lx_put_u32(v4 + 16, 0x64400007);
    assert_ptr_equal(lx_iphash_lookup_dst(&h, v4, sizeof v4), &vals[7]);
    assert_null(lx_iphash_lookup_src(&h, v4, sizeof v4));
    assert_null(lx_iphash_lookup_dst(&h, v4, 19)); /* truncated */

    uint8_t v6[40] = {0x60};
    memcpy(v6 + 24, host, 16);
    assert_ptr_equal(lx_iphash_lookup_dst(&h, v6, sizeof v6), &vals[128]);
    v6[39] = 10; /* another address in the /64 */
    assert_ptr_equal(lx_iphash_lookup_dst(&h, v6, sizeof v6), &vals[64]);
    memcpy(v6 + 8, v6 + 24, 16);
    assert_ptr_equal(lx_iphash_lookup_src(&h, v6, sizeof v6), &vals[64]);
    v6[24 + 5] = 0x43; /* outside */
    assert_null(lx_iphash_lookup_dst(&h, v6, sizeof v6));
    assert_null(lx_iphash_lookup_dst(&h, v6, 39));
    uint8_t junk[40] = {0x50};
    assert_null(lx_iphash_lookup_dst(&h, junk, sizeof junk));
    assert_null(lx_iphash_lookup_dst(&h, NULL, 0));

    /* Removing the /128 falls back to the /64; removing the /64 too leaves nothing. */
    lx_ipkey6(&k, host, 128);
    assert_ptr_equal(lx_iphash_remove(&h, &k), &vals[128]);
    memcpy(v6 + 24, host, 16);
    assert_ptr_equal(lx_iphash_lookup6(&h, host), &vals[64]);
    lx_ipkey6(&k, pfx, 64); /* host bits in pfx are masked by lx_ipkey6 */
    assert_ptr_equal(lx_iphash_remove(&h, &k), &vals[64]);
    assert_null(lx_iphash_lookup6(&h, host));
    lx_iphash_free(&h);
}

static void count_cb(const struct lx_ipkey *k, void *val, void *ctx)
{
    (void)k;
    (void)val;
    ++*(size_t *)ctx;
}

static void test_foreach(void **state)
{
    (void)state;
    struct lx_iphash h;
    assert_int_equal(lx_iphash_init(&h, 0), 0);
    struct lx_ipkey k;
    for (uint32_t i = 0; i < 1000; i++) {
        k4(&k, i + 1);
        assert_int_equal(lx_iphash_insert(&h, &k, &vals[i]), 0);
    }
    size_t n = 0;
    lx_iphash_foreach(&h, count_cb, &n);
    assert_int_equal(n, 1000);
    lx_iphash_free(&h);
    /* Freed table: lookups are safe and miss. */
    assert_null(lx_iphash_get(&h, &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_v4_scale, setup),
        cmocka_unit_test_setup(test_model_churn, setup),
        cmocka_unit_test_setup(test_key_identity, setup),
        cmocka_unit_test_setup(test_packet_lookup, setup),
        cmocka_unit_test_setup(test_foreach, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
