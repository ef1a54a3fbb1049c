#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/evloop.h"
#include "lib/log.h"

struct ctx {
    struct lx_ev *ev;
    int fired[8];
    int order[8];
    int norder;
    int reads;
    int other_fd;
    int signo;
};

static void on_timer(void *arg, struct lx_timer *t)
{
    struct ctx *c = arg;
    c->order[c->norder++] = (int)t->seq;
}

static void test_timers_fire_in_order(void **state)
{
    struct ctx c = {0};
    /* Timers are armed relative to the loop's cached time, set when the
     * loop is created: measure from before that. */
    lx_ms_t start = lx_now_ms();
    struct lx_ev *ev = lx_ev_new();
    assert_non_null(ev);
    struct lx_timer t1, t2, t3;
    lx_timer_init(&t1, on_timer, &c);
    lx_timer_init(&t2, on_timer, &c);
    lx_timer_init(&t3, on_timer, &c);
    lx_ev_timer_in(ev, &t1, 30); /* seq 0 */
    lx_ev_timer_in(ev, &t2, 10); /* seq 1 */
    lx_ev_timer_in(ev, &t3, 20); /* seq 2 */
    lx_ev_timer_cancel(ev, &t3);
    assert_int_equal(lx_ev_timer_count(ev), 2);
    while (c.norder < 2)
        assert_true(lx_ev_run_once(ev, 1000) >= 0);
    assert_true(lx_now_ms() - start >= 30);
    assert_int_equal(c.order[0], 1);
    assert_int_equal(c.order[1], 0);
    assert_int_equal(lx_ev_timer_count(ev), 0);
    lx_ev_free(ev);
}

static void stop_timer(void *arg, struct lx_timer *t)
{
    lx_ev_stop(arg);
}

static void test_run_stop(void **state)
{
    struct lx_ev *ev = lx_ev_new();
    struct lx_timer t;
    lx_timer_init(&t, stop_timer, ev);
    lx_ev_timer_in(ev, &t, 5);
    assert_int_equal(lx_ev_run(ev), 0);
    assert_true(lx_ev_stopped(ev));
    lx_ev_free(ev);
}

/* A reader that removes another watcher in the same batch: the removed
 * one must not be called. */
static void on_read(void *arg, int fd, unsigned events)
{
    struct ctx *c = arg;
    char buf[16];
    (void)!read(fd, buf, sizeof buf);
    c->reads++;
    if (c->other_fd >= 0) {
        lx_ev_del_fd(c->ev, c->other_fd);
        c->other_fd = -1;
    }
}

static void test_fd_remove_in_batch(void **state)
{
    struct ctx c = {0};
    c.ev = lx_ev_new();
    int a[2], b[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, a), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, b), 0);
    assert_int_equal(lx_ev_add_fd(c.ev, a[0], LX_EV_READ, on_read, &c), 0);
    assert_int_equal(lx_ev_add_fd(c.ev, b[0], LX_EV_READ, on_read, &c), 0);
    assert_int_equal(lx_ev_add_fd(c.ev, b[0], LX_EV_READ, on_read, &c), -EEXIST);
    assert_int_equal(lx_ev_fd_count(c.ev), 2);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "y", 1), 1);
    /* whichever runs first removes the other... but only a[0]'s reader
     * knows b[0]; make both remove "the other" */
    c.other_fd = b[0];
    int ran = lx_ev_run_once(c.ev, 100);
    assert_true(ran >= 1);
    /* If a[0] ran first, b[0] was removed and not called: 1 read.
     * If b[0] ran first, it removed itself (other_fd == b[0]): 1 read,
     * and a[0] ran too: 2 reads. Either way b[0] is gone. */
    assert_int_equal(lx_ev_fd_count(c.ev), 1);
    assert_true(c.reads == 1 || c.reads == 2);
    lx_ev_del_fd(c.ev, a[0]);
    assert_int_equal(lx_ev_fd_count(c.ev), 0);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    lx_ev_free(c.ev);
}

static void on_write(void *arg, int fd, unsigned events)
{
    struct ctx *c = arg;
    assert_true(events & LX_EV_WRITE);
    c->fired[0]++;
    lx_ev_mod_fd(c->ev, fd, LX_EV_READ);
}

static void test_mod_write(void **state)
{
    struct ctx c = {0};
    c.ev = lx_ev_new();
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
    assert_int_equal(lx_ev_add_fd(c.ev, a[0], LX_EV_WRITE, on_write, &c), 0);
    lx_ev_run_once(c.ev, 100);
    assert_int_equal(c.fired[0], 1);
    lx_ev_run_once(c.ev, 20); /* now only READ: nothing to read */
    assert_int_equal(c.fired[0], 1);
    assert_int_equal(lx_ev_mod_fd(c.ev, 999, LX_EV_READ), -ENOENT);
    lx_ev_del_fd(c.ev, a[0]);
    close(a[0]);
    close(a[1]);
    lx_ev_free(c.ev);
}

static void on_signal(void *arg, int signo)
{
    struct ctx *c = arg;
    c->signo = signo;
    lx_ev_stop(c->ev);
}

static void test_signal(void **state)
{
    struct ctx c = {0};
    c.ev = lx_ev_new();
    assert_int_equal(lx_ev_add_signal(c.ev, SIGUSR1, on_signal, &c), 0);
    assert_int_equal(lx_ev_add_signal(c.ev, SIGUSR2, on_signal, &c), 0);
    kill(getpid(), SIGUSR2);
    assert_int_equal(lx_ev_run(c.ev), 0);
    assert_int_equal(c.signo, SIGUSR2);
    lx_ev_free(c.ev);
    /* the mask is restored */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    assert_false(sigismember(&cur, SIGUSR1));
    assert_false(sigismember(&cur, SIGUSR2));
}

static int rearm_count;
static void rearm_self(void *arg, struct lx_timer *t)
{
    struct lx_ev *ev = arg;
    if (++rearm_count < 3)
        lx_ev_timer_in(ev, t, 0);
}

static void test_timer_rearm_self(void **state)
{
    struct lx_ev *ev = lx_ev_new();
    struct lx_timer t;
    lx_timer_init(&t, rearm_self, ev);
    lx_ev_timer_in(ev, &t, 0);
    /* each iteration runs it once: no endless loop inside one iteration */
    lx_ev_run_once(ev, 0);
    assert_int_equal(rearm_count, 1);
    lx_ev_run_once(ev, 0);
    lx_ev_run_once(ev, 0);
    assert_int_equal(rearm_count, 3);
    assert_int_equal(lx_ev_timer_count(ev), 0);
    lx_ev_free(ev);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_order),
        cmocka_unit_test(test_run_stop),
        cmocka_unit_test(test_fd_remove_in_batch),
        cmocka_unit_test(test_mod_write),
        cmocka_unit_test(test_signal),
        cmocka_unit_test(test_timer_rearm_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
