/* Logging. Sinks: stderr (default) or syslog. Protocol cores may log; they
 * do not write files themselves, the sink does.
 *
 * LX_LOG_RL() is the rate-limited form for anything a remote peer can
 * trigger (bad packets): each call site logs at most `burst` lines per
 * 10 s window and reports how many it suppressed, so a flood of hostile
 * packets can never flood the log. */
#ifndef L2TPX_LIB_LOG_H
#define L2TPX_LIB_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum lx_log_level {
    LX_LOG_ERR = 3,
    LX_LOG_WARN = 4,
    LX_LOG_NOTICE = 5,
    LX_LOG_INFO = 6,
    LX_LOG_DEBUG = 7,
};

enum lx_log_sink {
    LX_LOG_SINK_STDERR,
    LX_LOG_SINK_SYSLOG,
    LX_LOG_SINK_NONE, /* tests */
};

void lx_log_open(enum lx_log_sink sink, const char *ident, enum lx_log_level max_level);
void lx_log_set_level(enum lx_log_level max_level);
bool lx_log_enabled(enum lx_log_level level);

void lx_log(enum lx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Test hook: every line at or below the current level is also handed to
 * fn (even with LX_LOG_SINK_NONE), e.g. to assert that no secret is ever
 * logged. NULL removes the hook. */
typedef void (*lx_log_hook_fn)(void *ctx, int level, const char *line);
void lx_log_set_hook(lx_log_hook_fn fn, void *ctx);

struct lx_ratelimit {
    uint64_t window_start_ms;
    uint32_t count;
    uint32_t suppressed;
};

/* true if this call site may log now (and emits a "suppressed N" line
 * when a new window opens after suppression). */
bool lx_ratelimit_ok(struct lx_ratelimit *rl, unsigned burst);

#define LX_LOG_RL(level, ...)                                     \
    do {                                                          \
        static struct lx_ratelimit lx_rl_;                        \
        if (lx_log_enabled(level) && lx_ratelimit_ok(&lx_rl_, 5)) \
            lx_log(level, __VA_ARGS__);                           \
    } while (0)

#define lx_err(...)    lx_log(LX_LOG_ERR, __VA_ARGS__)
#define lx_warn(...)   lx_log(LX_LOG_WARN, __VA_ARGS__)
#define lx_notice(...) lx_log(LX_LOG_NOTICE, __VA_ARGS__)
#define lx_info(...)   lx_log(LX_LOG_INFO, __VA_ARGS__)
#define lx_debug(...)                          \
    do {                                       \
        if (lx_log_enabled(LX_LOG_DEBUG))      \
            lx_log(LX_LOG_DEBUG, __VA_ARGS__); \
    } while (0)

#endif
