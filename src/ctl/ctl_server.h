/* The daemon side of l2tpxd's control socket: a Unix stream socket, one
 * JSON request per line, one JSON response per line (docs/CTL.md).
 *
 *   {"cmd":"status"}   -> {"ok":true,"tunnels":[T...],"sessions":[S...],"stats":{...}}
 *   {"cmd":"tunnels"}  -> {"ok":true,"tunnels":[T...]}      (alias "list-tunnels")
 *   {"cmd":"sessions"} -> {"ok":true,"sessions":[S...]}     (alias "list-sessions")
 *   {"cmd":"stats"}    -> {"ok":true,"stats":{...}}
 *   {"cmd":"show-tunnel","tunnel":TID}
 *                      -> {"ok":true,"tunnel":{T...,"sessions":[S...]}}
 *   {"cmd":"show-session","tunnel":TID,"session":SID}
 *                      -> {"ok":true,"session":{S...},"tunnel":{T...}}
 *   {"cmd":"disconnect-session","tunnel":TID,"session":SID}
 *   {"cmd":"disconnect-tunnel","tunnel":TID}
 *   {"cmd":"disconnect-user","user":"NAME"}
 *   {"cmd":"disconnect-ip","ip":"ADDR"}
 *                      -> {"ok":true,"disconnected":[{"tunnel":TID,"session":SID,...}...]}
 *   {"cmd":"version"}  -> {"ok":true,"version":"0.1.0"}
 *   errors             -> {"ok":false,"error":"no such tunnel 5"}
 *
 * TID and SID are our (local) IDs, as "local_id" / "tunnel_id" show them.
 * A session disconnect sends CDN with Result Code 3 (administrative, RFC
 * 2661 §4.4.2), a tunnel disconnect StopCCN with Result Code 1 (general
 * request to clear); both carry the message CTL_DISCONNECT_MSG.
 * Bounded: CTL_MAX_CLIENTS connections, CTL_MAX_LINE bytes per request,
 * CTL_MAX_OUTPUT bytes of pending output per connection, idle connections
 * closed after CTL_IDLE_MS; everything non-blocking. */
#ifndef L2TPX_CTL_CTL_SERVER_H
#define L2TPX_CTL_CTL_SERVER_H

#include <stdbool.h>

#include "l2tp/engine.h"
#include "lib/evloop.h"

#define CTL_DEFAULT_PATH   "/run/l2tpx/l2tpxd.ctl"
#define CTL_ENV_PATH       "L2TPX_CONTROL" /* l2tpxctl: overrides the default path */
#define CTL_MAX_CLIENTS    16
#define CTL_MAX_LINE       4096
#define CTL_IDLE_MS        60000
#define CTL_MAX_OUTPUT     (64u << 20)
#define CTL_MAX_USER       256 /* bytes of a "user" in disconnect-user */
#define CTL_DISCONNECT_MSG "disconnected by administrator"

struct json_object;

/* Field contract of the add_session / add_tunnel hooks. The server and
 * l2tpxctl read these names; every one is optional (absent = unknown).
 *
 * add_session adds, to a session object:
 *   "user"            string  authenticated PPP peer name (disconnect-user
 *                             matches it exactly)
 *   "role"            string  "lns" or "lac"
 *   "section"         string  name of the [lns NAME] / [lac NAME] section
 *   "ppp_phase"       string  PPP link phase: "dead", "establish", "authenticate",
 *                             "network", "terminate" (or the daemon's own word)
 *   "auth"            string  method used: "pap", "chap-md5", "mschap", "mschap-v2",
 *                             "none"
 *   "interface"       string  network interface, e.g. "ppp3" / "l2tpx7"
 *   "ipv4_local"      string  our IPCP address, dotted quad
 *   "ipv4_peer"       string  the peer's IPCP address, dotted quad (disconnect-ip
 *                             matches it; "ip" and "ipv6_peer" also match if present)
 *   "ipv6_local_ifid" string  our IPv6CP interface identifier, "a:b:c:d"
 *   "ipv6_peer_ifid"  string  the peer's IPv6CP interface identifier, "a:b:c:d"
 *   "dns"             array of strings: DNS servers given to the peer (RFC 1877)
 *   "ip_rx_pkts", "ip_rx_bytes", "ip_tx_pkts", "ip_tx_bytes", "ip_dropped"
 *                     integers: IP packets/bytes between the interface and the
 *                     session (rx = from the peer), packets dropped
 * add_tunnel adds, to a tunnel object:
 *   "role"            string  "lns" or "lac"
 *   "section"         string  name of the [lns NAME] / [lac NAME] section
 *
 * The engine object fields (ctl_tunnel_json / ctl_session_json) are not to
 * be overwritten. Hooks run while the server iterates over the engine: they
 * must not open or close tunnels or sessions. */
struct ctl_ops {
    struct l2tp_engine *(*engine)(void *user);
    /* Adds the daemon's own counters to a "stats" object (may be NULL). */
    void (*add_stats)(void *user, struct json_object *stats);
    /* A command changed the engine (timer needs re-arming; may be NULL). */
    void (*changed)(void *user);
    /* Adds the daemon's per-session fields (see above; may be NULL). */
    void (*add_session)(void *user, struct l2tp_session *s, struct json_object *obj);
    /* Adds per-tunnel fields (see above; may be NULL). */
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

/* The engine's view of a tunnel / session, without the hooks' fields. */
struct json_object *ctl_tunnel_json(const struct l2tp_tunnel_info *ti, lx_ms_t now);
struct json_object *ctl_session_json(const struct l2tp_session_info *si, lx_ms_t now);
/* Every field of struct l2tp_engine_stats by its C name, plus "rss_kb"
 * and "open_fds" of this process. */
struct json_object *ctl_stats_json(const struct l2tp_engine_stats *st);

#endif
