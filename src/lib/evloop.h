/* The daemon's event loop: epoll for file descriptors, one min-heap of
 * monotonic timers (lib/timerheap.h), and signals delivered through a
 * signalfd so that handlers run in the loop, not in signal context.
 *
 * Callbacks may add and remove watchers and timers (including their own)
 * at any time; a watcher removed while events for it are pending is not
 * called again. Only the daemon's I/O layer uses this: the protocol cores
 * stay sans-I/O. */
#ifndef L2TPX_LIB_EVLOOP_H
#define L2TPX_LIB_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/clock.h"
#include "lib/timerheap.h"

#define LX_EV_READ  0x1u
#define LX_EV_WRITE 0x2u
#define LX_EV_ERROR 0x4u /* delivered only: EPOLLERR / EPOLLHUP */

struct lx_ev;

typedef void (*lx_ev_io_fn)(void *arg, int fd, unsigned events);
typedef void (*lx_ev_signal_fn)(void *arg, int signo);

struct lx_ev *lx_ev_new(void);
/* Frees the loop; restores the signal mask it changed. Does not close the
 * watched descriptors. */
void lx_ev_free(struct lx_ev *ev);

/* Watches fd (LX_EV_READ | LX_EV_WRITE); one watcher per fd. 0 or -errno. */
int lx_ev_add_fd(struct lx_ev *ev, int fd, unsigned events, lx_ev_io_fn fn, void *arg);
int lx_ev_mod_fd(struct lx_ev *ev, int fd, unsigned events);
/* Call before close(fd). */
void lx_ev_del_fd(struct lx_ev *ev, int fd);

/* Arms t to fire at the absolute monotonic time `deadline` (lx_now_ms()
 * scale); re-arming moves it. LX_MS_NEVER disarms. 0 or -ENOMEM. */
int lx_ev_timer_set(struct lx_ev *ev, struct lx_timer *t, lx_ms_t deadline);
int lx_ev_timer_in(struct lx_ev *ev, struct lx_timer *t, lx_ms_t delay_ms);
void lx_ev_timer_cancel(struct lx_ev *ev, struct lx_timer *t);

/* Delivers signo through the loop (blocks it for the process and reads it
 * from a signalfd). One handler per signal. 0 or -errno. */
int lx_ev_add_signal(struct lx_ev *ev, int signo, lx_ev_signal_fn fn, void *arg);

/* Time at the start of the current iteration (refreshed after waiting). */
lx_ms_t lx_ev_now(struct lx_ev *ev);
/* Re-reads the clock. */
lx_ms_t lx_ev_update_now(struct lx_ev *ev);

/* Runs until lx_ev_stop(). 0, or -errno if epoll_wait failed. */
int lx_ev_run(struct lx_ev *ev);
/* One iteration: waits at most max_wait_ms (or until the next timer; -1 =
 * no limit), dispatches I/O, then expired timers. Returns the number of
 * callbacks run, or -errno. */
int lx_ev_run_once(struct lx_ev *ev, int max_wait_ms);
void lx_ev_stop(struct lx_ev *ev);
bool lx_ev_stopped(const struct lx_ev *ev);

/* Number of armed timers and watched fds (tests, leak checks). */
unsigned lx_ev_timer_count(const struct lx_ev *ev);
unsigned lx_ev_fd_count(const struct lx_ev *ev);

#endif
