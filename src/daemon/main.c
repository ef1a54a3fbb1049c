/* l2tpxd: the L2TP daemon (RFC 2661), LNS and LAC. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "lib/log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: l2tpxd -c FILE [--control PATH] [--syslog] [--debug] [--pidfile PATH] "
               "[--check]\n"
               "  -c, --config FILE   configuration file (xl2tpd-style INI)\n"
               "      --control PATH  control socket (default /run/l2tpx/l2tpxd.ctl)\n"
               "      --syslog        log to syslog instead of stderr\n"
               "      --debug         debug logging\n"
               "      --pidfile PATH  write the process ID to PATH\n"
               "      --check         check the configuration and exit (0 = valid)\n");
}

struct diag_ctx {
    bool check;
    /* Warnings are logged once the log is open (it may be syslog). */
    char warn[32][512];
    unsigned n_warn, lost_warn;
};

static void on_diag(void *arg, bool error, const char *msg)
{
    struct diag_ctx *c = arg;
    if (error) {
        fprintf(stderr, "l2tpxd: %s\n", msg);
        return;
    }
    if (c->check) {
        fprintf(stderr, "l2tpxd: warning: %s\n", msg);
        return;
    }
    if (c->n_warn < 32)
        snprintf(c->warn[c->n_warn++], sizeof c->warn[0], "%s", msg);
    else
        c->lost_warn++;
}

int main(int argc, char **argv)
{
    enum { OPT_CONTROL = 256, OPT_SYSLOG, OPT_DEBUG, OPT_PIDFILE, OPT_CHECK };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"control", required_argument, NULL, OPT_CONTROL},
        {"syslog", no_argument, NULL, OPT_SYSLOG},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"pidfile", required_argument, NULL, OPT_PIDFILE},
        {"check", no_argument, NULL, OPT_CHECK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    struct l2tpxd_opts o = {0};
    bool use_syslog = false, debug = false, check = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case OPT_CONTROL:
            o.control_path = optarg;
            break;
        case OPT_SYSLOG:
            use_syslog = true;
            break;
        case OPT_DEBUG:
            debug = true;
            break;
        case OPT_PIDFILE:
            o.pidfile = optarg;
            break;
        case OPT_CHECK:
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (config == NULL || optind != argc) {
        usage(stderr);
        return 1;
    }

    static struct cfg cfg; /* large: keep it off the stack */
    static struct diag_ctx dc;
    dc.check = check;
    cfg_init(&cfg);
    int errors = cfg_load(&cfg, config, on_diag, &dc);
    if (errors != 0) {
        if (errors > 0)
            fprintf(stderr, "l2tpxd: %s: %d error(s)\n", config, errors);
        cfg_free(&cfg);
        return 1;
    }
    if (check) {
        cfg_free(&cfg);
        return 0;
    }

    const struct cfg_global *g = &cfg.global;
    bool cfg_debug = g->debug || g->debug_tunnel || g->debug_state || g->debug_avp ||
                     g->debug_network || g->debug_packet;
    lx_log_open(use_syslog || g->log_syslog ? LX_LOG_SINK_SYSLOG : LX_LOG_SINK_STDERR, "l2tpxd",
                debug || cfg_debug ? LX_LOG_DEBUG : LX_LOG_INFO);
    for (unsigned i = 0; i < dc.n_warn; i++)
        lx_warn("%s", dc.warn[i]);
    if (dc.lost_warn)
        lx_warn("%s: %u more warning(s)", config, dc.lost_warn);

    int status = l2tpxd_run(&cfg, &o);
    cfg_free(&cfg);
    return status;
}
