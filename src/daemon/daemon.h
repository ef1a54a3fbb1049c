/* l2tpxd's glue: the engine (sans-I/O) driven by the event loop, the UDP
 * sockets, its single timer, the [lac] dialers and the control socket. */
#ifndef L2TPX_DAEMON_DAEMON_H
#define L2TPX_DAEMON_DAEMON_H

#include <stdbool.h>

#include "daemon/config.h"

struct l2tpxd_opts {
    const char *control_path; /* NULL: CTL_DEFAULT_PATH */
    const char *pidfile;      /* NULL: none */
};

/* How long SIGTERM waits for the peers to acknowledge StopCCN. */
#define L2TPXD_STOP_GRACE_MS 5000

/* Runs the daemon until SIGTERM/SIGINT (and the StopCCN exchange that
 * follows). Returns the process exit status. */
int l2tpxd_run(const struct cfg *cfg, const struct l2tpxd_opts *opts);

#endif
