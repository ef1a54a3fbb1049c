/* The daemon side of l2tpxd's control socket: a Unix stream socket, one
 * JSON request per line, one JSON response per line.
 *
 *   {"cmd":"status"}   -> {"ok":true,"tunnels":[...],"sessions":[...],"stats":{...}}
 *   {"cmd":"tunnels"}  -> {"ok":true,"tunnels":[...]}
 *   {"cmd":"sessions"} -> {"ok":true,"sessions":[...]}
 *   {"cmd":"stats"}    -> {"ok":true,"stats":{...}}
 *   {"cmd":"disconnect-session","tunnel":TID,"session":SID} -> {"ok":true}
 *   {"cmd":"disconnect-tunnel","tunnel":TID}                -> {"ok":true}
 *   errors             -> {"ok":false,"error":"..."}
 *
 * TID and SID are our (local) IDs, as "local_id" / "tunnel_id" show them.
 * Bounded: CTL_MAX_CLIENTS connections, CTL_MAX_LINE bytes per request,
 * idle connections closed after CTL_IDLE_MS; everything non-blocking. */
#ifndef L2TPX_CTL_CTL_SERVER_H
#define L2TPX_CTL_CTL_SERVER_H

#include <stdbool.h>

#include "l2tp/engine.h"
#include "lib/evloop.h"

#define CTL_DEFAULT_PATH "/run/l2tpx/l2tpxd.ctl"
#define CTL_MAX_CLIENTS  16
#define CTL_MAX_LINE     4096
#define CTL_IDLE_MS      60000
#define CTL_MAX_OUTPUT   (64u << 20)

struct json_object;

struct ctl_ops {
    struct l2tp_engine *(*engine)(void *user);
    /* Adds the daemon's own counters to a "stats" object (may be NULL). */
    void (*add_stats)(void *user, struct json_object *stats);
    /* A command changed the engine (timer needs re-arming; may be NULL). */
    void (*changed)(void *user);
    /* Adds the daemon's per-session fields (user, addresses, interface,
     * PPP state, IP counters) to a session object (may be NULL). */
    void (*add_session)(void *user, struct l2tp_session *s, struct json_object *obj);
    /* Adds per-tunnel fields (e.g. the [lns]/[lac] section name; may be NULL). */
    void (*add_tunnel)(void *user, struct l2tp_tunnel *t, struct json_object *obj);
};

struct ctl_server;

/* Creates the socket's directory if needed, refuses to start if another
 * daemon answers on path, replaces a stale socket. NULL with *err = errno
 * value (EADDRINUSE if another daemon is running). */
struct ctl_server *ctl_server_new(struct lx_ev *ev, const char *path, const struct ctl_ops *ops,
                                  void *user, int *err);
/* Closes every connection and removes the socket file. */
void ctl_server_free(struct ctl_server *srv);
unsigned ctl_server_client_count(const struct ctl_server *srv);

/* One request line -> one response object (caller puts it). Exposed for
 * tests; the socket path calls the same. */
struct json_object *ctl_handle_request(const struct ctl_ops *ops, void *user, lx_ms_t now,
                                       const char *line, size_t len);

struct json_object *ctl_tunnel_json(const struct l2tp_tunnel_info *ti, lx_ms_t now);
struct json_object *ctl_session_json(const struct l2tp_session_info *si, lx_ms_t now);
/* Every field of struct l2tp_engine_stats by its C name, plus "rss_kb"
 * and "open_fds" of this process. */
struct json_object *ctl_stats_json(const struct l2tp_engine_stats *st);

#endif
