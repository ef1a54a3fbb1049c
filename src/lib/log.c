#include "lib/log.h"
#include "lib/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static enum lx_log_sink log_sink = LX_LOG_SINK_STDERR;
static enum lx_log_level log_max = LX_LOG_INFO;
static lx_log_hook_fn log_hook;
static void *log_hook_ctx;

#define LX_RL_WINDOW_MS 10000u

void lx_log_open(enum lx_log_sink sink, const char *ident, enum lx_log_level max_level)
{
    log_sink = sink;
    log_max = max_level;
    if (sink == LX_LOG_SINK_SYSLOG)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void lx_log_set_level(enum lx_log_level max_level)
{
    log_max = max_level;
}

void lx_log_set_hook(lx_log_hook_fn fn, void *ctx)
{
    log_hook = fn;
    log_hook_ctx = ctx;
}

bool lx_log_enabled(enum lx_log_level level)
{
    return (log_sink != LX_LOG_SINK_NONE || log_hook != NULL) && level <= log_max;
}

static const char *level_name(enum lx_log_level l)
{
    switch (l) {
    case LX_LOG_ERR:
        return "error";
    case LX_LOG_WARN:
        return "warning";
    case LX_LOG_NOTICE:
        return "notice";
    case LX_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

void lx_log(enum lx_log_level level, const char *fmt, ...)
{
    if (!lx_log_enabled(level))
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (log_hook != NULL)
        log_hook(log_hook_ctx, (int)level, line);
    if (log_sink == LX_LOG_SINK_NONE)
        return;
    if (log_sink == LX_LOG_SINK_SYSLOG) {
        syslog((int)level, "%s", line);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%02d:%02d:%02d.%03ld l2tpx %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000L, level_name(level), line);
}

bool lx_ratelimit_ok(struct lx_ratelimit *rl, unsigned burst)
{
    lx_ms_t now = lx_now_ms();
    if (rl->window_start_ms == 0 || now - rl->window_start_ms >= LX_RL_WINDOW_MS) {
        if (rl->suppressed > 0)
            lx_log(LX_LOG_NOTICE, "(%u similar messages suppressed)", rl->suppressed);
        rl->window_start_ms = now ? now : 1;
        rl->count = 0;
        rl->suppressed = 0;
    }
    if (rl->count < burst) {
        rl->count++;
        return true;
    }
    rl->suppressed++;
    return false;
}
