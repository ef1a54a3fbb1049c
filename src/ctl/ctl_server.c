#include "ctl/ctl_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"

#ifndef L2TPX_VERSION
#define L2TPX_VERSION "unknown"
#endif

struct ctl_client {
    struct ctl_server *srv;
    int fd;
    char in[CTL_MAX_LINE + 1];
    size_t in_len;
    char *out;
    size_t out_len, out_off, out_cap;
    bool eof;     /* peer finished sending: close once the output is out */
    bool closing; /* protocol error: close once the output is out */
    struct lx_timer idle;
};

struct ctl_server {
    struct lx_ev *ev;
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const struct ctl_ops *ops;
    void *user;
    struct ctl_client *clients[CTL_MAX_CLIENTS];
    unsigned n_clients;
};

/* ---- JSON ---- */

/* RFC 3145 §3.1 code 1: an operator's disconnect. */
static const struct l2tp_cdn_cause ctl_admin_cause = {
    .code = L2TP_PPP_CAUSE_ADMIN,
    .direction = L2TP_PPP_CAUSE_DIR_GLOBAL,
    .msg = CTL_DISCONNECT_MSG,
    .set = true,
};

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

static uint64_t secs_since(lx_ms_t then, lx_ms_t now)
{
    return then && now > then ? (now - then) / 1000u : 0;
}

struct json_object *ctl_tunnel_json(const struct l2tp_tunnel_info *ti, lx_ms_t now)
{
    char buf[80];
    struct json_object *o = json_object_new_object();
    add_u64(o, "local_id", ti->local_id);
    add_u64(o, "peer_id", ti->peer_id);
    add_str(o, "local", l2tp_addr_str(&ti->local, buf, sizeof buf));
    add_str(o, "peer", l2tp_addr_str(&ti->peer, buf, sizeof buf));
    add_str(o, "state", l2tp_tunnel_state_str(ti->state));
    add_str(o, "peer_host_name", ti->peer_host_name);
    add_str(o, "peer_vendor", ti->peer_vendor);
    add_u64(o, "peer_rws", ti->peer_rws);
    add_u64(o, "n_sessions", ti->n_sessions);
    add_bool(o, "authenticated", ti->authenticated);
    add_bool(o, "initiator", ti->initiator);
    add_u64(o, "uptime_s", secs_since(ti->established_ms, now));
    add_u64(o, "age_s", secs_since(ti->created_ms, now));
    add_u64(o, "rx_ctrl", ti->rx_ctrl);
    add_u64(o, "tx_ctrl", ti->tx_ctrl);
    add_u64(o, "retransmits", ti->retransmits);
    add_u64(o, "rx_data_pkts", ti->rx_data_pkts);
    add_u64(o, "tx_data_pkts", ti->tx_data_pkts);
    add_u64(o, "rx_data_bytes", ti->rx_data_bytes);
    add_u64(o, "tx_data_bytes", ti->tx_data_bytes);
    return o;
}

struct json_object *ctl_session_json(const struct l2tp_session_info *si, lx_ms_t now)
{
    struct json_object *o = json_object_new_object();
    add_u64(o, "tunnel_id", si->tunnel_local_id);
    add_u64(o, "local_id", si->local_id);
    add_u64(o, "peer_id", si->peer_id);
    add_str(o, "state", l2tp_session_state_str(si->state));
    add_bool(o, "lac", si->lac);
    add_bool(o, "incoming", si->incoming);
    add_bool(o, "seq", si->seq);
    add_u64(o, "uptime_s", secs_since(si->established_ms, now));
    add_u64(o, "age_s", secs_since(si->created_ms, now));
    add_u64(o, "rx_pkts", si->rx_pkts);
    add_u64(o, "tx_pkts", si->tx_pkts);
    add_u64(o, "rx_bytes", si->rx_bytes);
    add_u64(o, "tx_bytes", si->tx_bytes);
    add_u64(o, "rx_seq_drops", si->rx_seq_drops);
    return o;
}

static uint64_t rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    if (f == NULL)
        return 0;
    unsigned long size = 0, res = 0;
    int n = fscanf(f, "%lu %lu", &size, &res);
    fclose(f);
    if (n != 2)
        return 0;
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024u;
}

static uint64_t open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    uint64_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n ? n - 1 : 0; /* not counting the directory itself */
}

struct json_object *ctl_stats_json(const struct l2tp_engine_stats *st)
{
    struct json_object *o = json_object_new_object();
#define F(name) add_u64(o, #name, st->name)
    F(rx_datagrams);
    F(rx_bad_header);
    F(rx_bad_version);
    F(rx_bad_avp);
    F(rx_avp_ignored);
    F(rx_unknown_tunnel);
    F(rx_unknown_session);
    F(rx_halfopen_refused);
    F(rx_tunnel_limit);
    F(rx_auth_failed);
    F(rx_fsm_errors);
    F(rx_data_dropped);
    F(tunnels_opened);
    F(tunnels_closed);
    F(sessions_opened);
    F(sessions_closed);
    F(tunnels);
    F(halfopen);
    F(sessions);
#undef F
    add_u64(o, "rss_kb", rss_kb());
    add_u64(o, "open_fds", open_fds());
    return o;
}

/* ---- requests ---- */

struct ctl_req {
    const struct ctl_ops *ops;
    void *user;
    lx_ms_t now;
    struct l2tp_engine *e; /* may be NULL (no engine yet) */
    struct json_object *req;
};

/* A tunnel / session with the daemon's fields (struct ctl_ops hooks). */
static struct json_object *tunnel_obj(const struct ctl_req *r, struct l2tp_tunnel *t)
{
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t, &ti);
    struct json_object *o = ctl_tunnel_json(&ti, r->now);
    if (r->ops->add_tunnel)
        r->ops->add_tunnel(r->user, t, o);
    return o;
}

static struct json_object *session_obj(const struct ctl_req *r, struct l2tp_session *s)
{
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    struct json_object *o = ctl_session_json(&si, r->now);
    if (r->ops->add_session)
        r->ops->add_session(r->user, s, o);
    return o;
}

struct collect {
    const struct ctl_req *r;
    struct json_object *tunnels, *sessions;
};

static bool collect_session(void *arg, struct l2tp_session *s)
{
    struct collect *c = arg;
    json_object_array_add(c->sessions, session_obj(c->r, s));
    return true;
}

static bool collect_tunnel(void *arg, struct l2tp_tunnel *t)
{
    struct collect *c = arg;
    if (c->tunnels)
        json_object_array_add(c->tunnels, tunnel_obj(c->r, t));
    if (c->sessions)
        l2tp_tunnel_foreach_session(t, collect_session, c);
    return true;
}

static struct json_object *error_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct json_object *error_reply(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct json_object *o = json_object_new_object();
    add_bool(o, "ok", false);
    add_str(o, "error", msg);
    return o;
}

static struct json_object *ok_reply(void)
{
    struct json_object *o = json_object_new_object();
    add_bool(o, "ok", true);
    return o;
}

/* Client-supplied text for an error message: printable ASCII only,
 * truncated to fit. */
static const char *printable(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

/* A 16-bit ID from field k: 1..65535 as a JSON integer (or a string of
 * digits, for hand-typed requests). */
static int get_id(struct json_object *req, const char *k, uint16_t *out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(req, k, &v))
        return -1;
    int64_t x;
    if (json_object_is_type(v, json_type_int)) {
        x = json_object_get_int64(v);
    } else if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (errno || *s == '\0' || *end != '\0')
            return -1;
    } else {
        return -1;
    }
    if (x < 1 || x > 65535)
        return -1;
    *out = (uint16_t)x;
    return 0;
}

/* The tunnel named by "tunnel" (and the session named by "session" if s
 * is not NULL), or an error reply. */
static struct json_object *find_target(const struct ctl_req *r, struct l2tp_tunnel **t,
                                       struct l2tp_session **s)
{
    uint16_t tid, sid = 0;
    if (get_id(r->req, "tunnel", &tid) < 0)
        return error_reply("'tunnel' must be a tunnel ID (1-65535)");
    if (s && get_id(r->req, "session", &sid) < 0)
        return error_reply("'session' must be a session ID (1-65535)");
    *t = r->e ? l2tp_engine_find_tunnel(r->e, tid) : NULL;
    if (*t == NULL)
        return error_reply("no such tunnel %u", tid);
    if (s) {
        *s = l2tp_tunnel_find_session(*t, sid);
        if (*s == NULL)
            return error_reply("no such session %u in tunnel %u", sid, tid);
    }
    return NULL;
}

static struct json_object *cmd_list(const struct ctl_req *r, bool want_t, bool want_s, bool want_st)
{
    struct json_object *resp = ok_reply();
    struct collect c = {.r = r};
    if (want_t)
        c.tunnels = json_object_new_array();
    if (want_s)
        c.sessions = json_object_new_array();
    if (r->e && (want_t || want_s))
        l2tp_engine_foreach_tunnel(r->e, collect_tunnel, &c);
    if (c.tunnels)
        json_object_object_add(resp, "tunnels", c.tunnels);
    if (c.sessions)
        json_object_object_add(resp, "sessions", c.sessions);
    if (want_st) {
        struct l2tp_engine_stats st;
        memset(&st, 0, sizeof st);
        if (r->e)
            l2tp_engine_get_stats(r->e, &st);
        struct json_object *so = ctl_stats_json(&st);
        if (r->ops->add_stats)
            r->ops->add_stats(r->user, so);
        json_object_object_add(resp, "stats", so);
    }
    return resp;
}

static struct json_object *cmd_status(const struct ctl_req *r)
{
    return cmd_list(r, true, true, true);
}

static struct json_object *cmd_tunnels(const struct ctl_req *r)
{
    return cmd_list(r, true, false, false);
}

static struct json_object *cmd_sessions(const struct ctl_req *r)
{
    return cmd_list(r, false, true, false);
}

static struct json_object *cmd_stats(const struct ctl_req *r)
{
    return cmd_list(r, false, false, true);
}

static struct json_object *cmd_show_tunnel(const struct ctl_req *r)
{
    struct l2tp_tunnel *t;
    struct json_object *err = find_target(r, &t, NULL);
    if (err)
        return err;
    struct json_object *to = tunnel_obj(r, t);
    struct collect c = {.r = r, .sessions = json_object_new_array()};
    l2tp_tunnel_foreach_session(t, collect_session, &c);
    json_object_object_add(to, "sessions", c.sessions);
    struct json_object *resp = ok_reply();
    json_object_object_add(resp, "tunnel", to);
    return resp;
}

static struct json_object *cmd_show_session(const struct ctl_req *r)
{
    struct l2tp_tunnel *t;
    struct l2tp_session *s;
    struct json_object *err = find_target(r, &t, &s);
    if (err)
        return err;
    struct json_object *resp = ok_reply();
    json_object_object_add(resp, "session", session_obj(r, s));
    json_object_object_add(resp, "tunnel", tunnel_obj(r, t));
    return resp;
}

static void changed(const struct ctl_req *r)
{
    if (r->ops->changed)
        r->ops->changed(r->user);
}

static struct json_object *victim_json(uint16_t tid, uint16_t sid)
{
    struct json_object *o = json_object_new_object();
    add_u64(o, "tunnel", tid);
    if (sid)
        add_u64(o, "session", sid);
    return o;
}

static struct json_object *disconnected_reply(struct json_object *arr)
{
    struct json_object *resp = ok_reply();
    json_object_object_add(resp, "disconnected", arr);
    return resp;
}

static struct json_object *cmd_disconnect_session(const struct ctl_req *r)
{
    struct l2tp_tunnel *t;
    struct l2tp_session *s;
    struct json_object *err = find_target(r, &t, &s);
    if (err)
        return err;
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    lx_notice("control: disconnecting session %u/%u", si.tunnel_local_id, si.local_id);
    /* RFC 2661 §4.4.2: CDN Result Code 3, "Call disconnected for
     * administrative reasons". */
    l2tp_session_close_cause(r->e, r->now, s, L2TP_CDN_ADMIN, L2TP_ERR_NONE, CTL_DISCONNECT_MSG,
                             &ctl_admin_cause);
    changed(r);
    struct json_object *arr = json_object_new_array();
    json_object_array_add(arr, victim_json(si.tunnel_local_id, si.local_id));
    return disconnected_reply(arr);
}

static struct json_object *cmd_disconnect_tunnel(const struct ctl_req *r)
{
    struct l2tp_tunnel *t;
    struct json_object *err = find_target(r, &t, NULL);
    if (err)
        return err;
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t, &ti);
    lx_notice("control: disconnecting tunnel %u (%u sessions)", ti.local_id, ti.n_sessions);
    /* RFC 2661 §4.4.2: StopCCN Result Code 1, "General request to clear
     * control connection"; its sessions go with it. */
    l2tp_tunnel_close(r->e, r->now, t, L2TP_STOPCCN_GENERAL_CLEAR, L2TP_ERR_NONE,
                      CTL_DISCONNECT_MSG);
    changed(r);
    struct json_object *arr = json_object_new_array();
    json_object_array_add(arr, victim_json(ti.local_id, 0));
    return disconnected_reply(arr);
}

/* An IPv4 or IPv6 address in text form (a "/prefix" suffix is ignored). */
struct ctl_ip {
    int family;
    unsigned char b[16];
};

static bool parse_ip(const char *s, struct ctl_ip *ip)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t n = strcspn(s, "/");
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, buf, ip->b) == 1) {
        ip->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, ip->b) == 1) {
        ip->family = AF_INET6;
        return true;
    }
    return false;
}

/* Sessions picked by what the add_session hook says about them. They are
 * collected first and closed afterwards: the engine must not change
 * while it is being iterated. */
struct pick {
    const struct ctl_req *r;
    const char *user; /* match "user", or */
    struct ctl_ip ip; /* match "ipv4_peer" / "ip" / "ipv6_peer" */
    struct ctl_pick_id {
        uint16_t tid, sid;
    } * ids;
    size_t n, cap;
    bool oom;
};

static const char *hook_str(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static bool pick_matches(const struct pick *p, struct json_object *o)
{
    if (p->user) {
        const char *u = hook_str(o, "user");
        return u && !strcmp(u, p->user);
    }
    static const char *const keys[] = {"ipv4_peer", "ip", "ipv6_peer"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *a = hook_str(o, keys[i]);
        struct ctl_ip ip;
        if (a && parse_ip(a, &ip) && ip.family == p->ip.family &&
            !memcmp(ip.b, p->ip.b, sizeof ip.b))
            return true;
    }
    return false;
}

static bool pick_session(void *arg, struct l2tp_session *s)
{
    struct pick *p = arg;
    struct json_object *o = session_obj(p->r, s);
    bool hit = pick_matches(p, o);
    json_object_put(o);
    if (!hit)
        return true;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct ctl_pick_id *ids = realloc(p->ids, cap * sizeof *ids);
        if (ids == NULL) {
            p->oom = true;
            return false;
        }
        p->ids = ids;
        p->cap = cap;
    }
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    p->ids[p->n].tid = si.tunnel_local_id;
    p->ids[p->n].sid = si.local_id;
    p->n++;
    return true;
}

static bool pick_tunnel(void *arg, struct l2tp_tunnel *t)
{
    struct pick *p = arg;
    l2tp_tunnel_foreach_session(t, pick_session, p);
    return !p->oom;
}

static struct json_object *disconnect_picked(const struct ctl_req *r, struct pick *p,
                                             const char *what)
{
    if (r->e && p->r->ops->add_session)
        l2tp_engine_foreach_tunnel(r->e, pick_tunnel, p);
    if (p->oom) {
        free(p->ids);
        return error_reply("out of memory");
    }
    if (p->n == 0) {
        free(p->ids);
        return error_reply("no session with %s", what);
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < p->n; i++) {
        /* Looked up again: closing one session may have taken another. */
        struct l2tp_tunnel *t = l2tp_engine_find_tunnel(r->e, p->ids[i].tid);
        struct l2tp_session *s = t ? l2tp_tunnel_find_session(t, p->ids[i].sid) : NULL;
        if (s == NULL)
            continue;
        lx_notice("control: disconnecting session %u/%u (%s)", p->ids[i].tid, p->ids[i].sid, what);
        l2tp_session_close_cause(r->e, r->now, s, L2TP_CDN_ADMIN, L2TP_ERR_NONE, CTL_DISCONNECT_MSG,
                                 &ctl_admin_cause);
        json_object_array_add(arr, victim_json(p->ids[i].tid, p->ids[i].sid));
    }
    free(p->ids);
    changed(r);
    return disconnected_reply(arr);
}

static struct json_object *cmd_disconnect_user(const struct ctl_req *r)
{
    struct json_object *v;
    const char *user;
    if (!json_object_object_get_ex(r->req, "user", &v) ||
        !json_object_is_type(v, json_type_string) ||
        (user = json_object_get_string(v))[0] == '\0' ||
        (size_t)json_object_get_string_len(v) > CTL_MAX_USER ||
        strlen(user) != (size_t)json_object_get_string_len(v))
        return error_reply("'user' must be a user name (1-%d bytes)", CTL_MAX_USER);
    char safe[64], what[96];
    snprintf(what, sizeof what, "user '%s'", printable(user, safe, sizeof safe));
    struct pick p = {.r = r, .user = user};
    return disconnect_picked(r, &p, what);
}

static struct json_object *cmd_disconnect_ip(const struct ctl_req *r)
{
    struct json_object *v;
    struct pick p = {.r = r};
    if (!json_object_object_get_ex(r->req, "ip", &v) || !json_object_is_type(v, json_type_string) ||
        !parse_ip(json_object_get_string(v), &p.ip))
        return error_reply("'ip' must be an IPv4 or IPv6 address");
    char a[INET6_ADDRSTRLEN], what[80];
    inet_ntop(p.ip.family, p.ip.b, a, sizeof a);
    snprintf(what, sizeof what, "address %s", a);
    return disconnect_picked(r, &p, what);
}

static struct json_object *cmd_version(const struct ctl_req *r)
{
    struct json_object *resp = ok_reply();
    add_str(resp, "version", L2TPX_VERSION);
    return resp;
}

static const struct {
    const char *name;
    struct json_object *(*fn)(const struct ctl_req *r);
} ctl_cmds[] = {
    {"status", cmd_status},
    {"tunnels", cmd_tunnels},
    {"list-tunnels", cmd_tunnels},
    {"sessions", cmd_sessions},
    {"list-sessions", cmd_sessions},
    {"stats", cmd_stats},
    {"show-tunnel", cmd_show_tunnel},
    {"show-session", cmd_show_session},
    {"disconnect-session", cmd_disconnect_session},
    {"disconnect-tunnel", cmd_disconnect_tunnel},
    {"disconnect-user", cmd_disconnect_user},
    {"disconnect-ip", cmd_disconnect_ip},
    {"version", cmd_version},
};

struct json_object *ctl_handle_request(const struct ctl_ops *ops, void *user, lx_ms_t now,
                                       const char *line, size_t len)
{
    if (len > CTL_MAX_LINE)
        return error_reply("request too long");
    struct json_tokener *tok = json_tokener_new_ex(16);
    if (tok == NULL)
        return error_reply("out of memory");
    struct json_object *req = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (end < len && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
        end++;
    if (req == NULL || jerr != json_tokener_success || end != len) {
        json_object_put(req);
        return error_reply("bad request: not JSON");
    }
    struct json_object *cmdv;
    if (!json_object_is_type(req, json_type_object) ||
        !json_object_object_get_ex(req, "cmd", &cmdv) ||
        !json_object_is_type(cmdv, json_type_string)) {
        json_object_put(req);
        return error_reply("bad request: expected {\"cmd\":\"...\"}");
    }
    const char *cmd = json_object_get_string(cmdv);
    struct ctl_req r = {.ops = ops, .user = user, .now = now, .e = ops->engine(user), .req = req};
    struct json_object *resp = NULL;
    for (size_t i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0] && resp == NULL; i++)
        if (!strcmp(cmd, ctl_cmds[i].name))
            resp = ctl_cmds[i].fn(&r);
    if (resp == NULL) {
        char safe[64];
        resp = error_reply("unknown command '%s'", printable(cmd, safe, sizeof safe));
    }
    json_object_put(req);
    return resp;
}

/* ---- socket plumbing ---- */

static void client_close(struct ctl_client *c)
{
    struct ctl_server *srv = c->srv;
    lx_ev_timer_cancel(srv->ev, &c->idle);
    lx_ev_del_fd(srv->ev, c->fd);
    close(c->fd);
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
        if (srv->clients[i] == c) {
            srv->clients[i] = NULL;
            srv->n_clients--;
            break;
        }
    }
    free(c->out);
    free(c);
}

static bool out_append(struct ctl_client *c, const char *s, size_t n)
{
    size_t pending = c->out_len - c->out_off;
    if (pending + n > CTL_MAX_OUTPUT)
        return false;
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (p == NULL)
            return false;
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
    return true;
}

static void respond(struct ctl_client *c, struct json_object *resp)
{
    const char *txt = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
    if (!out_append(c, txt, strlen(txt)) || !out_append(c, "\n", 1)) {
        lx_warn("control: response too large, closing connection");
        c->closing = true;
    }
    json_object_put(resp);
}

/* Writes what it can. false if the client was closed. */
static bool flush_out(struct ctl_client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n =
            send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            client_close(c);
            return false;
        }
        c->out_off += (size_t)n;
    }
    bool pending = c->out_off < c->out_len;
    if (!pending) {
        c->out_off = c->out_len = 0;
        if (c->eof || c->closing) {
            client_close(c);
            return false;
        }
    }
    /* While a response is pending, read no further requests: a client
     * that does not read cannot make us buffer without bound. */
    lx_ev_mod_fd(c->srv->ev, c->fd, pending ? LX_EV_WRITE : LX_EV_READ);
    return true;
}

static void handle_line(struct ctl_client *c, const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return;
    struct ctl_server *srv = c->srv;
    struct json_object *resp =
        ctl_handle_request(srv->ops, srv->user, lx_ev_update_now(srv->ev), line, len);
    respond(c, resp);
}

static void client_io(void *arg, int fd, unsigned events)
{
    struct ctl_client *c = arg;
    struct ctl_server *srv = c->srv;
    lx_ev_timer_in(srv->ev, &c->idle, CTL_IDLE_MS);
    if (events & LX_EV_WRITE) {
        if (!flush_out(c))
            return;
        if (c->out_len > c->out_off)
            return;
    }
    if (!(events & (LX_EV_READ | LX_EV_ERROR)) || c->eof || c->closing)
        return;
    ssize_t n = recv(fd, c->in + c->in_len, CTL_MAX_LINE - c->in_len, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        client_close(c);
        return;
    }
    if (n == 0)
        c->eof = true;
    c->in_len += (size_t)n;
    /* Answer every complete line. */
    size_t start = 0;
    for (size_t i = 0; i < c->in_len && !c->closing; i++) {
        if (c->in[i] == '\n') {
            handle_line(c, c->in + start, i - start);
            start = i + 1;
        }
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    if (c->eof && c->in_len > 0 && !c->closing) {
        /* last request without a newline */
        handle_line(c, c->in, c->in_len);
        c->in_len = 0;
    } else if (c->in_len >= CTL_MAX_LINE) {
        respond(c, error_reply("request too long (max %d bytes)", CTL_MAX_LINE));
        c->closing = true;
        c->in_len = 0;
    }
    flush_out(c);
}

static void client_idle(void *arg, struct lx_timer *t)
{
    client_close(arg);
}

static void accept_ready(void *arg, int fd, unsigned events)
{
    struct ctl_server *srv = arg;
    for (int k = 0; k < 16; k++) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                LX_LOG_RL(LX_LOG_WARN, "control: accept: %s", strerror(errno));
            return;
        }
        if (srv->n_clients >= CTL_MAX_CLIENTS) {
            static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
            (void)!send(cfd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
            close(cfd);
            LX_LOG_RL(LX_LOG_WARN, "control: too many clients, connection refused");
            continue;
        }
        struct ctl_client *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(cfd);
            continue;
        }
        c->srv = srv;
        c->fd = cfd;
        lx_timer_init(&c->idle, client_idle, c);
        if (lx_ev_add_fd(srv->ev, cfd, LX_EV_READ, client_io, c) < 0) {
            close(cfd);
            free(c);
            continue;
        }
        for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
            if (srv->clients[i] == NULL) {
                srv->clients[i] = c;
                break;
            }
        }
        srv->n_clients++;
        lx_ev_timer_in(srv->ev, &c->idle, CTL_IDLE_MS);
    }
}

static int mkdir_parent(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

struct ctl_server *ctl_server_new(struct lx_ev *ev, const char *path, const struct ctl_ops *ops,
                                  void *user, int *err)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t plen = strlen(path);
    *err = 0;
    if (plen == 0 || plen >= sizeof sun.sun_path) {
        *err = ENAMETOOLONG;
        return NULL;
    }
    memcpy(sun.sun_path, path, plen + 1);
    int rc = mkdir_parent(path);
    if (rc < 0) {
        *err = -rc;
        return NULL;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    /* A socket file that still answers belongs to a running daemon. */
    struct stat sb;
    if (lstat(path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode)) {
            close(fd);
            *err = EEXIST;
            return NULL;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0) {
            int crc = connect(probe, (struct sockaddr *)&sun, sizeof sun);
            close(probe);
            if (crc == 0) {
                close(fd);
                *err = EADDRINUSE;
                return NULL;
            }
        }
        unlink(path);
    }
    mode_t old = umask(0117); /* socket 0660 */
    rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
    umask(old);
    if (rc < 0 || listen(fd, 16) < 0) {
        *err = errno;
        close(fd);
        return NULL;
    }
    struct ctl_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        *err = ENOMEM;
        close(fd);
        unlink(path);
        return NULL;
    }
    srv->ev = ev;
    srv->fd = fd;
    srv->ops = ops;
    srv->user = user;
    memcpy(srv->path, path, plen + 1);
    rc = lx_ev_add_fd(ev, fd, LX_EV_READ, accept_ready, srv);
    if (rc < 0) {
        *err = -rc;
        close(fd);
        unlink(path);
        free(srv);
        return NULL;
    }
    return srv;
}

void ctl_server_free(struct ctl_server *srv)
{
    if (srv == NULL)
        return;
    for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
        if (srv->clients[i])
            client_close(srv->clients[i]);
    lx_ev_del_fd(srv->ev, srv->fd);
    close(srv->fd);
    unlink(srv->path);
    free(srv);
}

unsigned ctl_server_client_count(const struct ctl_server *srv)
{
    return srv->n_clients;
}
