/* The asynchronous AAA front (aaa.c) with a scripted driver: deferred and
 * immediate completion, cancel, re-entrant callbacks, notify, free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aaa/aaa.h"

struct fake {
    int started, aborted, destroyed, reloads;
    aaa_handle_t last;
    aaa_handle_t jobs[16];
    int n_jobs;
    bool immediate; /* complete from inside start() */
    bool refuse;
    lx_ms_t deadline;
    int timeouts;
    struct aaa_backend *b;
};

static bool fake_start(void *impl, struct aaa_backend *b, aaa_handle_t h,
                       const struct ppp_auth_request *req)
{
    struct fake *f = impl;
    f->started++;
    f->last = h;
    if (f->refuse)
        return false;
    if (f->immediate) {
        struct ppp_auth_verdict v;
        memset(&v, 0, sizeof v);
        v.accept = strcmp(req->user, "good") == 0;
        v.attrs.session_timeout_s = 3600;
        aaa_complete(b, h, &v);
        return true;
    }
    f->jobs[f->n_jobs++] = h;
    return true;
}

static void fake_abort(void *impl, aaa_handle_t h)
{
    struct fake *f = impl;
    f->aborted++;
    for (int i = 0; i < f->n_jobs; i++)
        if (f->jobs[i] == h)
            f->jobs[i] = 0;
}

static int fake_reload(void *impl)
{
    ((struct fake *)impl)->reloads++;
    return 0;
}

static void fake_destroy(void *impl)
{
    ((struct fake *)impl)->destroyed++;
}

static lx_ms_t fake_next(const void *impl)
{
    return ((const struct fake *)impl)->deadline;
}

static void fake_timeout(void *impl, lx_ms_t now)
{
    struct fake *f = impl;
    f->timeouts++;
    f->deadline = LX_MS_NEVER;
    /* e.g. a RADIUS server that never answered: reject the oldest job */
    for (int i = 0; i < f->n_jobs; i++) {
        if (f->jobs[i] != 0) {
            struct ppp_auth_verdict v;
            aaa_verdict_reject(&v, PPP_AUTH_MSCHAP_V2, "no answer");
            aaa_complete(f->b, f->jobs[i], &v);
            f->jobs[i] = 0;
            break;
        }
    }
}

static const struct aaa_driver fake_driver = {
    .name = "fake",
    .start = fake_start,
    .abort = fake_abort,
    .reload = fake_reload,
    .destroy = fake_destroy,
    .next_timeout = fake_next,
    .timeout = fake_timeout,
};

struct calls {
    int n;
    aaa_handle_t order[16];
    struct ppp_auth_verdict v[16];
};

static void on_done(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    struct calls *c = cookie;
    assert_true(c->n < 16);
    c->order[c->n] = h;
    c->v[c->n] = *v;
    c->n++;
}

static struct aaa_backend *mk(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->deadline = LX_MS_NEVER;
    f->b = aaa_backend_new(&fake_driver, f);
    assert_non_null(f->b);
    return f->b;
}

static struct ppp_auth_request req_for(const char *user)
{
    struct ppp_auth_request r;
    memset(&r, 0, sizeof r);
    r.method = PPP_AUTH_PAP;
    strcpy(r.user, user);
    return r;
}

static void test_deferred(void **state)
{
    (void)state;
    struct fake f;
    struct aaa_backend *b = mk(&f);
    struct calls c = {0};
    struct ppp_auth_request r = req_for("good");
    aaa_handle_t h1 = aaa_submit(b, &r, on_done, &c);
    aaa_handle_t h2 = aaa_submit(b, &r, on_done, &c);
    assert_true(h1 != 0 && h2 != 0 && h1 != h2);
    assert_int_equal(aaa_outstanding(b), 2);
    assert_int_equal(aaa_next_timeout(b), LX_MS_NEVER);
    assert_int_equal(aaa_poll(b, 10), 0);

    /* the answers arrive out of order, much later */
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    v.accept = true;
    v.attrs.framed_ip = 0x0a000001;
    v.attrs.dns[0] = 0x08080808;
    v.attrs.idle_timeout_s = 600;
    aaa_complete(b, h2, &v);
    aaa_complete(b, h2, &v); /* duplicate: ignored */
    assert_int_equal(c.n, 0);
    assert_int_equal(aaa_next_timeout(b), 0);
    assert_int_equal(aaa_poll(b, 20), 1);
    assert_int_equal(c.n, 1);
    assert_true(c.order[0] == h2);
    assert_true(c.v[0].accept);
    assert_int_equal(c.v[0].attrs.framed_ip, 0x0a000001);
    assert_int_equal(c.v[0].attrs.dns[0], 0x08080808);
    assert_int_equal(c.v[0].attrs.idle_timeout_s, 600);

    v.accept = false;
    aaa_complete(b, h1, &v);
    assert_int_equal(aaa_poll(b, 30), 1);
    assert_true(c.order[1] == h1);
    assert_false(c.v[1].accept);
    assert_int_equal(aaa_outstanding(b), 0);

    /* completing or cancelling a finished handle is harmless */
    aaa_complete(b, h1, &v);
    aaa_cancel(b, h1);
    assert_int_equal(aaa_poll(b, 40), 0);
    assert_int_equal(f.aborted, 0);
    assert_int_equal(aaa_reload(b), 0);
    assert_int_equal(f.reloads, 1);
    aaa_free(b);
    assert_int_equal(f.destroyed, 1);
}

static void test_immediate_is_deferred(void **state)
{
    (void)state;
    struct fake f;
    struct aaa_backend *b = mk(&f);
    f.immediate = true;
    struct calls c = {0};
    struct ppp_auth_request r = req_for("good");
    aaa_handle_t h = aaa_submit(b, &r, on_done, &c);
    assert_int_equal(f.started, 1);
    assert_int_equal(c.n, 0); /* not from inside submit */
    assert_int_equal(aaa_next_timeout(b), 0);
    assert_int_equal(aaa_poll(b, 0), 1);
    assert_int_equal(c.n, 1);
    assert_true(c.order[0] == h);
    assert_true(c.v[0].accept);
    assert_int_equal(c.v[0].attrs.session_timeout_s, 3600);
    aaa_free(b);
}

static void test_cancel(void **state)
{
    (void)state;
    struct fake f;
    struct aaa_backend *b = mk(&f);
    struct calls c = {0};
    struct ppp_auth_request r = req_for("x");
    /* cancel while the driver works: driver told, no callback */
    aaa_handle_t h1 = aaa_submit(b, &r, on_done, &c);
    aaa_cancel(b, h1);
    assert_int_equal(f.aborted, 1);
    struct ppp_auth_verdict v = {.accept = true};
    aaa_complete(b, h1, &v); /* a late answer for a cancelled job */
    assert_int_equal(aaa_poll(b, 0), 0);
    assert_int_equal(c.n, 0);

    /* cancel after completion but before delivery: no callback either */
    f.immediate = true;
    aaa_handle_t h2 = aaa_submit(b, &r, on_done, &c);
    assert_int_equal(aaa_next_timeout(b), 0);
    aaa_cancel(b, h2);
    assert_int_equal(f.aborted, 1); /* the driver had already finished */
    assert_int_equal(aaa_next_timeout(b), LX_MS_NEVER);
    assert_int_equal(aaa_poll(b, 0), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(aaa_outstanding(b), 0);
    aaa_cancel(b, 0);
    aaa_cancel(b, 12345);
    aaa_free(b);
}

/* callbacks that re-enter: submit again and cancel a sibling */
static struct aaa_backend *reb;
static aaa_handle_t victim, resubmitted;
static int reentrant_calls;
static void on_done_reentrant(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    (void)v;
    reentrant_calls++;
    if (victim != 0) {
        aaa_cancel(reb, victim);
        victim = 0;
    }
    if (resubmitted == 0) {
        struct ppp_auth_request r = req_for("good");
        resubmitted = aaa_submit(reb, &r, on_done_reentrant, cookie);
        assert_true(resubmitted != 0);
    }
    aaa_cancel(reb, h); /* cancelling oneself in the callback: a no-op */
}

static void test_reentrant_callbacks(void **state)
{
    (void)state;
    struct fake f;
    reb = mk(&f);
    f.immediate = true;
    reentrant_calls = 0;
    resubmitted = 0;
    struct ppp_auth_request r = req_for("good");
    aaa_handle_t h1 = aaa_submit(reb, &r, on_done_reentrant, NULL);
    victim = aaa_submit(reb, &r, on_done_reentrant, NULL);
    assert_true(h1 != 0 && victim != 0);
    /* first poll: h1's callback cancels the victim and submits a new job
     * which completes at once but waits for the next poll */
    assert_int_equal(aaa_poll(reb, 0), 1);
    assert_int_equal(reentrant_calls, 1);
    assert_int_equal(aaa_next_timeout(reb), 0);
    assert_int_equal(aaa_poll(reb, 0), 1);
    assert_int_equal(reentrant_calls, 2);
    assert_int_equal(aaa_poll(reb, 0), 0);
    assert_int_equal(aaa_outstanding(reb), 0);
    aaa_free(reb);
}

static int notified;
static void notify(void *ctx)
{
    (void)ctx;
    notified++;
}

static void test_notify_timers_refuse_free(void **state)
{
    (void)state;
    struct fake f;
    struct aaa_backend *b = mk(&f);
    aaa_set_notify(b, notify, NULL);
    notified = 0;
    struct calls c = {0};
    struct ppp_auth_request r = req_for("x");
    r.method = PPP_AUTH_MSCHAP_V2;

    /* a driver timer (RADIUS retransmit / give up) */
    aaa_handle_t h = aaa_submit(b, &r, on_done, &c);
    f.deadline = 5000;
    assert_int_equal(aaa_next_timeout(b), 5000);
    assert_int_equal(aaa_poll(b, 4999), 0);
    assert_int_equal(f.timeouts, 0);
    assert_int_equal(aaa_poll(b, 5000), 1);
    assert_int_equal(f.timeouts, 1);
    assert_int_equal(notified, 1);
    assert_true(c.order[0] == h);
    assert_false(c.v[0].accept);
    assert_int_equal(c.v[0].mschap_error, 691);
    assert_string_equal(c.v[0].message, "no answer");

    /* a refused job is rejected, through poll as well */
    f.refuse = true;
    h = aaa_submit(b, &r, on_done, &c);
    assert_true(h != 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(aaa_poll(b, 6000), 1);
    assert_int_equal(c.n, 2);
    assert_false(c.v[1].accept);
    assert_int_equal(c.v[1].mschap_error, 691);
    f.refuse = false;

    /* bad arguments */
    assert_true(aaa_submit(b, NULL, on_done, &c) == 0);
    assert_true(aaa_submit(b, &r, NULL, &c) == 0);

    /* free with work outstanding: the driver is told, nobody is called */
    aaa_submit(b, &r, on_done, &c);
    f.immediate = true;
    aaa_submit(b, &r, on_done, &c);
    assert_int_equal(aaa_outstanding(b), 2);
    int aborted = f.aborted;
    aaa_free(b);
    assert_int_equal(f.aborted, aborted + 1);
    assert_int_equal(f.destroyed, 1);
    assert_int_equal(c.n, 2);
}

static int counted;
static void on_count(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    (void)cookie;
    assert_true(h % 2 == 1); /* handles 1..3000; even indexes are odd handles */
    assert_true(v->accept);
    counted++;
}

static void test_many_handles(void **state)
{
    (void)state;
    /* more jobs than hash buckets; half cancelled, half completed */
    struct fake f;
    struct aaa_backend *b = mk(&f);
    static aaa_handle_t hs[3000];
    struct ppp_auth_request r = req_for("x");
    for (int i = 0; i < 3000; i++) {
        f.n_jobs = 0; /* the fake only remembers 16 */
        hs[i] = aaa_submit(b, &r, on_count, NULL);
        assert_true(hs[i] == (aaa_handle_t)i + 1);
    }
    assert_int_equal(aaa_outstanding(b), 3000);
    struct ppp_auth_verdict v = {.accept = true};
    for (int i = 2999; i >= 0; i--) {
        if (i % 2)
            aaa_cancel(b, hs[i]);
        else
            aaa_complete(b, hs[i], &v);
    }
    assert_int_equal(aaa_outstanding(b), 1500);
    counted = 0;
    assert_int_equal(aaa_poll(b, 0), 1500);
    assert_int_equal(counted, 1500);
    assert_int_equal(aaa_outstanding(b), 0);
    aaa_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deferred),
        cmocka_unit_test(test_immediate_is_deferred),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_reentrant_callbacks),
        cmocka_unit_test(test_notify_timers_refuse_free),
        cmocka_unit_test(test_many_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
