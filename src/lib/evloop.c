#include "lib/evloop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/log.h"

#define LX_EV_BATCH  64
#define LX_EV_MAX_FD (1 << 20)

/* One slot per fd number. The generation goes into the epoll cookie so an
 * event queued for a watcher that was removed (and maybe replaced by a new
 * one on the same fd number) in the same batch is recognised as stale. */
struct lx_ev_slot {
    lx_ev_io_fn fn;
    void *arg;
    uint32_t gen;
    unsigned events;
    bool used;
};

struct lx_ev_sig {
    lx_ev_signal_fn fn;
    void *arg;
};

struct lx_ev {
    int epfd;
    struct lx_ev_slot *slots;
    size_t nslots;
    unsigned nfds;
    struct lx_timer_heap timers;
    lx_ms_t now;
    bool stop;
    /* signals */
    int sigfd;
    sigset_t sigmask;    /* signals routed through sigfd */
    sigset_t saved_mask; /* process mask before we blocked anything */
    bool mask_saved;
    struct lx_ev_sig sigs[_NSIG];
};

struct lx_ev *lx_ev_new(void)
{
    struct lx_ev *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return NULL;
    ev->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ev->epfd < 0) {
        free(ev);
        return NULL;
    }
    ev->sigfd = -1;
    sigemptyset(&ev->sigmask);
    lx_timer_heap_init(&ev->timers);
    ev->now = lx_now_ms();
    return ev;
}

void lx_ev_free(struct lx_ev *ev)
{
    if (ev == NULL)
        return;
    if (ev->sigfd >= 0)
        close(ev->sigfd);
    if (ev->mask_saved)
        sigprocmask(SIG_SETMASK, &ev->saved_mask, NULL);
    close(ev->epfd);
    lx_timer_heap_free(&ev->timers);
    free(ev->slots);
    free(ev);
}

static uint32_t to_epoll(unsigned events)
{
    uint32_t e = 0;
    if (events & LX_EV_READ)
        e |= EPOLLIN;
    if (events & LX_EV_WRITE)
        e |= EPOLLOUT;
    return e;
}

static int grow_slots(struct lx_ev *ev, int fd)
{
    if ((size_t)fd < ev->nslots)
        return 0;
    if (fd >= LX_EV_MAX_FD)
        return -EMFILE;
    size_t n = ev->nslots ? ev->nslots : 64;
    while (n <= (size_t)fd)
        n *= 2;
    struct lx_ev_slot *s = realloc(ev->slots, n * sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    memset(s + ev->nslots, 0, (n - ev->nslots) * sizeof *s);
    ev->slots = s;
    ev->nslots = n;
    return 0;
}

int lx_ev_add_fd(struct lx_ev *ev, int fd, unsigned events, lx_ev_io_fn fn, void *arg)
{
    if (fd < 0 || fn == NULL)
        return -EINVAL;
    int rc = grow_slots(ev, fd);
    if (rc < 0)
        return rc;
    struct lx_ev_slot *s = &ev->slots[fd];
    if (s->used)
        return -EEXIST;
    uint32_t gen = s->gen + 1;
    struct epoll_event ee = {.events = to_epoll(events),
                             .data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd};
    if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
        return -errno;
    s->fn = fn;
    s->arg = arg;
    s->gen = gen;
    s->events = events;
    s->used = true;
    ev->nfds++;
    return 0;
}

int lx_ev_mod_fd(struct lx_ev *ev, int fd, unsigned events)
{
    if (fd < 0 || (size_t)fd >= ev->nslots || !ev->slots[fd].used)
        return -ENOENT;
    struct lx_ev_slot *s = &ev->slots[fd];
    if (s->events == events)
        return 0;
    struct epoll_event ee = {.events = to_epoll(events),
                             .data.u64 = ((uint64_t)s->gen << 32) | (uint32_t)fd};
    if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee) < 0)
        return -errno;
    s->events = events;
    return 0;
}

void lx_ev_del_fd(struct lx_ev *ev, int fd)
{
    if (fd < 0 || (size_t)fd >= ev->nslots || !ev->slots[fd].used)
        return;
    epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL);
    struct lx_ev_slot *s = &ev->slots[fd];
    s->used = false;
    s->fn = NULL;
    s->arg = NULL;
    ev->nfds--;
}

int lx_ev_timer_set(struct lx_ev *ev, struct lx_timer *t, lx_ms_t deadline)
{
    if (deadline == LX_MS_NEVER) {
        lx_timer_heap_remove(&ev->timers, t);
        return 0;
    }
    return lx_timer_heap_set(&ev->timers, t, deadline) < 0 ? -ENOMEM : 0;
}

int lx_ev_timer_in(struct lx_ev *ev, struct lx_timer *t, lx_ms_t delay_ms)
{
    lx_ms_t now = lx_ev_update_now(ev);
    lx_ms_t d = delay_ms >= LX_MS_NEVER - now ? LX_MS_NEVER - 1 : now + delay_ms;
    return lx_ev_timer_set(ev, t, d);
}

void lx_ev_timer_cancel(struct lx_ev *ev, struct lx_timer *t)
{
    lx_timer_heap_remove(&ev->timers, t);
}

static void sigfd_ready(void *arg, int fd, unsigned events)
{
    struct lx_ev *ev = arg;
    for (;;) {
        struct signalfd_siginfo si[8];
        ssize_t n = read(fd, si, sizeof si);
        if (n <= 0)
            return;
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++) {
            unsigned signo = si[i].ssi_signo;
            if (signo < _NSIG && ev->sigs[signo].fn)
                ev->sigs[signo].fn(ev->sigs[signo].arg, (int)signo);
        }
    }
}

int lx_ev_add_signal(struct lx_ev *ev, int signo, lx_ev_signal_fn fn, void *arg)
{
    if (signo <= 0 || signo >= _NSIG || fn == NULL)
        return -EINVAL;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    sigset_t old;
    if (sigprocmask(SIG_BLOCK, &one, &old) < 0)
        return -errno;
    if (!ev->mask_saved) {
        ev->saved_mask = old;
        ev->mask_saved = true;
    }
    sigaddset(&ev->sigmask, signo);
    int fd = signalfd(ev->sigfd, &ev->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ev->sigfd < 0) {
        int rc = lx_ev_add_fd(ev, fd, LX_EV_READ, sigfd_ready, ev);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        ev->sigfd = fd;
    }
    ev->sigs[signo].fn = fn;
    ev->sigs[signo].arg = arg;
    return 0;
}

lx_ms_t lx_ev_now(struct lx_ev *ev)
{
    return ev->now;
}

lx_ms_t lx_ev_update_now(struct lx_ev *ev)
{
    ev->now = lx_now_ms();
    return ev->now;
}

static int run_timers(struct lx_ev *ev)
{
    int n = 0;
    lx_ms_t now = lx_ev_update_now(ev);
    struct lx_timer *t;
    /* Bounded pass: a timer that re-arms itself for "now" runs again on
     * the next iteration, not in an endless loop here. */
    size_t budget = ev->timers.n;
    while (budget-- > 0 && (t = lx_timer_heap_pop_expired(&ev->timers, now)) != NULL) {
        n++;
        t->fn(t->arg, t);
        if (ev->stop)
            break;
    }
    return n;
}

int lx_ev_run_once(struct lx_ev *ev, int max_wait_ms)
{
    lx_ms_t now = lx_ev_update_now(ev);
    lx_ms_t next = lx_timer_heap_next(&ev->timers);
    int timeout = -1;
    if (next != LX_MS_NEVER) {
        lx_ms_t d = next > now ? next - now : 0;
        timeout = d > INT_MAX ? INT_MAX : (int)d;
    }
    if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout))
        timeout = max_wait_ms;

    struct epoll_event evs[LX_EV_BATCH];
    int n = epoll_wait(ev->epfd, evs, LX_EV_BATCH, timeout);
    if (n < 0) {
        if (errno != EINTR)
            return -errno;
        n = 0;
    }
    lx_ev_update_now(ev);
    int ran = 0;
    for (int i = 0; i < n && !ev->stop; i++) {
        int fd = (int)(uint32_t)evs[i].data.u64;
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        if (fd < 0 || (size_t)fd >= ev->nslots)
            continue;
        struct lx_ev_slot *s = &ev->slots[fd];
        if (!s->used || s->gen != gen)
            continue; /* removed (or replaced) earlier in this batch */
        unsigned what = 0;
        if (evs[i].events & EPOLLIN)
            what |= LX_EV_READ;
        if (evs[i].events & EPOLLOUT)
            what |= LX_EV_WRITE;
        if (evs[i].events & (EPOLLERR | EPOLLHUP))
            what |= LX_EV_ERROR;
        s->fn(s->arg, fd, what);
        ran++;
    }
    if (!ev->stop)
        ran += run_timers(ev);
    return ran;
}

int lx_ev_run(struct lx_ev *ev)
{
    while (!ev->stop) {
        int rc = lx_ev_run_once(ev, -1);
        if (rc < 0) {
            lx_err("epoll_wait: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

void lx_ev_stop(struct lx_ev *ev)
{
    ev->stop = true;
}

bool lx_ev_stopped(const struct lx_ev *ev)
{
    return ev->stop;
}

unsigned lx_ev_timer_count(const struct lx_ev *ev)
{
    return (unsigned)ev->timers.n;
}

unsigned lx_ev_fd_count(const struct lx_ev *ev)
{
    return ev->nfds;
}
