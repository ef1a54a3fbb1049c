#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/timerheap.h"

static void nop(void *arg, struct lx_timer *t) {}

static void test_order(void **state)
{
    struct lx_timer_heap h;
    lx_timer_heap_init(&h);
    struct lx_timer t[5];
    lx_ms_t d[5] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; i++) {
        lx_timer_init(&t[i], nop, NULL);
        assert_false(lx_timer_armed(&t[i]));
        assert_int_equal(lx_timer_heap_set(&h, &t[i], d[i]), 0);
        assert_true(lx_timer_armed(&t[i]));
    }
    assert_int_equal(lx_timer_heap_next(&h), 10);
    assert_null(lx_timer_heap_pop_expired(&h, 9));
    lx_ms_t last = 0;
    for (int i = 0; i < 5; i++) {
        struct lx_timer *x = lx_timer_heap_pop_expired(&h, 100);
        assert_non_null(x);
        assert_true(x->deadline >= last);
        last = x->deadline;
        assert_false(lx_timer_armed(x));
    }
    assert_null(lx_timer_heap_pop_expired(&h, 1000));
    assert_int_equal(lx_timer_heap_next(&h), LX_MS_NEVER);
    lx_timer_heap_free(&h);
}

static void test_fifo_equal_deadlines(void **state)
{
    struct lx_timer_heap h;
    lx_timer_heap_init(&h);
    struct lx_timer t[8];
    for (int i = 0; i < 8; i++) {
        lx_timer_init(&t[i], nop, NULL);
        lx_timer_heap_set(&h, &t[i], 7);
    }
    for (int i = 0; i < 8; i++)
        assert_ptr_equal(lx_timer_heap_pop_expired(&h, 7), &t[i]);
    lx_timer_heap_free(&h);
}

static void test_remove_and_rearm(void **state)
{
    struct lx_timer_heap h;
    lx_timer_heap_init(&h);
    struct lx_timer a, b, c;
    lx_timer_init(&a, nop, NULL);
    lx_timer_init(&b, nop, NULL);
    lx_timer_init(&c, nop, NULL);
    lx_timer_heap_set(&h, &a, 10);
    lx_timer_heap_set(&h, &b, 20);
    lx_timer_heap_set(&h, &c, 30);
    lx_timer_heap_remove(&h, &a);
    lx_timer_heap_remove(&h, &a); /* twice: harmless */
    assert_int_equal(lx_timer_heap_next(&h), 20);
    lx_timer_heap_set(&h, &c, 5); /* re-arm earlier */
    assert_ptr_equal(lx_timer_heap_peek(&h), &c);
    lx_timer_heap_set(&h, &c, 100); /* and later */
    assert_ptr_equal(lx_timer_heap_peek(&h), &b);
    assert_int_equal(h.n, 2);
    assert_true(lx_timer_heap_check(&h));
    lx_timer_heap_free(&h);
    assert_false(lx_timer_armed(&b));
    assert_false(lx_timer_armed(&c));
}

/* Random operations against a brute-force model. */
static void test_random(void **state)
{
    enum { N = 500 };
    struct lx_timer *t = calloc(N, sizeof *t);
    bool armed[N] = {false};
    lx_ms_t dl[N];
    struct lx_timer_heap h;
    lx_timer_heap_init(&h);
    for (int i = 0; i < N; i++)
        lx_timer_init(&t[i], nop, NULL);
    srand(1234);
    lx_ms_t now = 0;
    for (int step = 0; step < 20000; step++) {
        int i = rand() % N;
        int op = rand() % 4;
        if (op < 2) {
            dl[i] = now + (lx_ms_t)(rand() % 1000);
            assert_int_equal(lx_timer_heap_set(&h, &t[i], dl[i]), 0);
            armed[i] = true;
        } else if (op == 2) {
            lx_timer_heap_remove(&h, &t[i]);
            armed[i] = false;
        } else {
            now += (lx_ms_t)(rand() % 50);
            struct lx_timer *x;
            while ((x = lx_timer_heap_pop_expired(&h, now)) != NULL) {
                int k = (int)(x - t);
                assert_true(armed[k]);
                assert_true(dl[k] <= now);
                armed[k] = false;
            }
            /* nothing armed is overdue */
            for (int k = 0; k < N; k++)
                if (armed[k])
                    assert_true(dl[k] > now);
        }
        if (step % 1000 == 0)
            assert_true(lx_timer_heap_check(&h));
        size_t count = 0;
        for (int k = 0; k < N; k++)
            count += armed[k];
        assert_int_equal(count, h.n);
    }
    assert_true(lx_timer_heap_check(&h));
    lx_timer_heap_free(&h);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_fifo_equal_deadlines),
        cmocka_unit_test(test_remove_and_rearm),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
