/* Control socket and l2tpxctl: every request's JSON shape and errors, the
 * daemon hooks, disconnects as the peer sees them (two real engines wired
 * in-process), the socket plumbing, the client's parsing and rendering,
 * and l2tpxctl end to end against a server running in a thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/ctl_client.h"
#include "ctl/ctl_server.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"

/* ---- two engines on a simulated wire ---- */

struct pkt {
    struct pkt *next;
    struct l2tp_addr from, to;
    size_t len;
    uint8_t data[];
};

/* What the daemon would keep per session; the test hook reports it. */
struct meta {
    char user[32];
    char ip[48];
    const char *ip_key; /* "ipv4_peer", "ip" or "ipv6_peer" */
};

struct node {
    struct l2tp_engine *e;
    struct l2tp_addr addr;
    struct l2tp_tunnel_cfg tcfg;
    unsigned accepted;
    struct meta *meta; /* one per accepted session (LNS) */
    size_t n_meta, cap_meta;
    /* last SESSION_DOWN / TUNNEL_DOWN seen */
    unsigned sess_down, tun_down;
    uint16_t sess_result, tun_result;
    char sess_msg[128], tun_msg[128];
};

static struct node lac, lns;
static struct pkt *wire_head, **wire_tail = &wire_head;
static lx_ms_t g_now;

static void w_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                   const uint8_t *p, size_t len)
{
    struct node *n = user;
    struct pkt *k = malloc(sizeof *k + len);
    assert_non_null(k);
    k->next = NULL;
    k->from = n->addr;
    k->to = *peer;
    k->len = len;
    memcpy(k->data, p, len);
    *wire_tail = k;
    wire_tail = &k->next;
}

static const struct l2tp_tunnel_cfg *w_accept_tunnel(void *user, const struct l2tp_addr *local,
                                                     const struct l2tp_addr *peer, const char *host)
{
    return &((struct node *)user)->tcfg;
}

static bool w_accept_session(void *user, struct l2tp_session *s, const struct l2tp_call_params *p)
{
    struct node *n = user;
    n->accepted++;
    return true;
}

static void w_event(void *user, const struct l2tp_event *ev)
{
    struct node *n = user;
    if (ev->type == L2TP_EV_SESSION_DOWN) {
        n->sess_down++;
        n->sess_result = ev->result_code;
        snprintf(n->sess_msg, sizeof n->sess_msg, "%s", ev->message);
        l2tp_session_set_user(ev->session, NULL);
    } else if (ev->type == L2TP_EV_TUNNEL_DOWN) {
        n->tun_down++;
        n->tun_result = ev->result_code;
        snprintf(n->tun_msg, sizeof n->tun_msg, "%s", ev->message);
    }
}

static const struct l2tp_engine_ops w_ops = {
    .send = w_send,
    .accept_tunnel = w_accept_tunnel,
    .accept_session = w_accept_session,
    .event = w_event,
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static void w_random(void *ctx, void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        p[i] = (uint8_t)((rng * 0x2545f4914f6cdd1dULL) >> 56);
    }
}

static void node_init(struct node *n, const char *ip, const char *host)
{
    memset(n, 0, sizeof *n);
    n->addr.in4.sin_family = AF_INET;
    n->addr.in4.sin_port = htons(1701);
    inet_pton(AF_INET, ip, &n->addr.in4.sin_addr);
    n->addr.len = sizeof n->addr.in4;
    l2tp_tunnel_cfg_defaults(&n->tcfg);
    snprintf(n->tcfg.host_name, sizeof n->tcfg.host_name, "%s", host);
    n->tcfg.hello_ms = 0;
    struct l2tp_engine_cfg ec;
    l2tp_engine_cfg_defaults(&ec);
    n->e = l2tp_engine_new(&ec, &w_ops, n);
    assert_non_null(n->e);
}

static struct node *route(const struct l2tp_addr *to)
{
    if (to->in4.sin_addr.s_addr == lac.addr.in4.sin_addr.s_addr)
        return &lac;
    if (to->in4.sin_addr.s_addr == lns.addr.in4.sin_addr.s_addr)
        return &lns;
    return NULL;
}

/* Delivers everything in flight and runs the timers (acks) that fall due
 * within a second, until the wire is quiet. */
static void pump(void)
{
    for (unsigned guard = 0; guard < 1000000; guard++) {
        if (wire_head) {
            struct pkt *k = wire_head;
            wire_head = k->next;
            if (wire_head == NULL)
                wire_tail = &wire_head;
            struct node *dst = route(&k->to);
            if (dst)
                l2tp_engine_input(dst->e, g_now, &dst->addr, &k->from, k->data, k->len);
            free(k);
            continue;
        }
        lx_ms_t d = lx_ms_min(l2tp_engine_next_timeout(lac.e), l2tp_engine_next_timeout(lns.e));
        if (d > g_now + 1000)
            return;
        if (d > g_now)
            g_now = d;
        if (l2tp_engine_next_timeout(lac.e) <= g_now)
            l2tp_engine_timeout(lac.e, g_now);
        if (l2tp_engine_next_timeout(lns.e) <= g_now)
            l2tp_engine_timeout(lns.e, g_now);
    }
    fail_msg("wire never went quiet");
}

/* The LNS's only tunnel. */
static bool first_tunnel(void *arg, struct l2tp_tunnel *t)
{
    *(struct l2tp_tunnel **)arg = t;
    return false;
}

static struct l2tp_tunnel *lns_tunnel(void)
{
    struct l2tp_tunnel *t = NULL;
    l2tp_engine_foreach_tunnel(lns.e, first_tunnel, &t);
    return t;
}

static uint16_t lns_tid(void)
{
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(lns_tunnel(), &ti);
    return ti.local_id;
}

struct sess_list {
    struct l2tp_session *s[8];
    size_t n;
};

static bool list_sess(void *arg, struct l2tp_session *s)
{
    struct sess_list *l = arg;
    if (l->n < 8)
        l->s[l->n] = s;
    l->n++;
    return true;
}

/* A tunnel LAC -> LNS with n calls; the LNS's sessions carry meta[i]
 * (users alice, bob, alice, ...; 10.0.x.y). */
static void wire_up(unsigned n)
{
    lx_random_set_source(w_random, NULL);
    g_now = lx_now_ms();
    node_init(&lac, "192.0.2.1", "lac1");
    node_init(&lns, "192.0.2.2", "lns1");
    struct l2tp_tunnel *t = l2tp_tunnel_open(lac.e, g_now, &lac.tcfg, &lac.addr, &lns.addr);
    assert_non_null(t);
    pump();
    for (unsigned i = 0; i < n; i++) {
        struct l2tp_call_params p;
        memset(&p, 0, sizeof p);
        p.call_serial = i + 1;
        p.bearer_type = 2;
        p.framing_type = 1;
        assert_non_null(l2tp_session_incoming_call(lac.e, g_now, t, &p));
        if (i % 64 == 63)
            pump();
    }
    pump();
    g_now += 3723000; /* uptimes of 1h02m03s */
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns.e, &st);
    assert_int_equal(st.sessions, n);
    assert_int_equal(lns.accepted, n);
    lns.meta = calloc(n ? n : 1, sizeof *lns.meta);
    assert_non_null(lns.meta);
    struct sess_list l = {0};
    l2tp_tunnel_foreach_session(lns_tunnel(), list_sess, &l);
    assert_int_equal(l.n, n);
    /* foreach again, now assigning metadata to each */
    for (size_t i = 0; i < n; i++) {
        struct meta *m = &lns.meta[i];
        snprintf(m->user, sizeof m->user, "%s", i % 2 ? "bob" : "alice");
        snprintf(m->ip, sizeof m->ip, "10.0.%zu.%zu", i / 250, i % 250 + 1);
        m->ip_key = "ipv4_peer";
    }
    lns.n_meta = n;
}

static bool tag_sess(void *arg, struct l2tp_session *s)
{
    size_t *i = arg;
    l2tp_session_set_user(s, &lns.meta[(*i)++]);
    return true;
}

static void wire_tag(void)
{
    size_t i = 0;
    l2tp_tunnel_foreach_session(lns_tunnel(), tag_sess, &i);
}

static void wire_down(void)
{
    l2tp_engine_free(lac.e);
    l2tp_engine_free(lns.e);
    while (wire_head) {
        struct pkt *k = wire_head;
        wire_head = k->next;
        free(k);
    }
    wire_tail = &wire_head;
    free(lns.meta);
    lx_random_set_source(NULL, NULL);
}

/* ---- the daemon side: ops and hooks ---- */

struct fake {
    struct l2tp_engine *eng;
    int changed;
    unsigned session_hooks, tunnel_hooks;
};

static struct l2tp_engine *get_engine(void *user)
{
    return ((struct fake *)user)->eng;
}

static void add_stats(void *user, struct json_object *st)
{
    json_object_object_add(st, "udp_rx_pkts", json_object_new_int64(42));
}

static void changed(void *user)
{
    ((struct fake *)user)->changed++;
}

static void hook_session(void *user, struct l2tp_session *s, struct json_object *o)
{
    struct fake *f = user;
    f->session_hooks++;
    const struct meta *m = l2tp_session_get_user(s);
    if (m == NULL)
        return;
    json_object_object_add(o, "user", json_object_new_string(m->user));
    json_object_object_add(o, m->ip_key, json_object_new_string(m->ip));
    json_object_object_add(o, "ipv4_local", json_object_new_string("10.255.0.1"));
    json_object_object_add(o, "interface", json_object_new_string("l2tpx0"));
    json_object_object_add(o, "ppp_phase", json_object_new_string("network"));
    json_object_object_add(o, "auth", json_object_new_string("chap-md5"));
    struct json_object *dns = json_object_new_array();
    json_object_array_add(dns, json_object_new_string("192.0.2.53"));
    json_object_array_add(dns, json_object_new_string("192.0.2.54"));
    json_object_object_add(o, "dns", dns);
    json_object_object_add(o, "ip_rx_bytes", json_object_new_int64(3 << 20));
}

static void hook_tunnel(void *user, struct l2tp_tunnel *t, struct json_object *o)
{
    struct fake *f = user;
    f->tunnel_hooks++;
    json_object_object_add(o, "role", json_object_new_string("lns"));
    json_object_object_add(o, "section", json_object_new_string("default"));
}

static const struct ctl_ops ops = {
    .engine = get_engine,
    .add_stats = add_stats,
    .changed = changed,
};

static const struct ctl_ops hook_ops = {
    .engine = get_engine,
    .add_stats = add_stats,
    .changed = changed,
    .add_session = hook_session,
    .add_tunnel = hook_tunnel,
};

static void nop_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                     const uint8_t *pkt, size_t len)
{
}

static const struct l2tp_engine_ops eng_ops = {.send = nop_send};

static struct json_object *req(struct fake *f, const char *line)
{
    return ctl_handle_request(&ops, f, 1000, line, strlen(line));
}

static struct json_object *hreq(struct fake *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct json_object *hreq(struct fake *f, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return ctl_handle_request(&hook_ops, f, g_now, line, strlen(line));
}

static const char *err_of(struct json_object *r)
{
    struct json_object *v;
    assert_true(json_object_object_get_ex(r, "ok", &v));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(r, "error", &v));
    return json_object_get_string(v);
}

static struct json_object *ok_get(struct json_object *r, const char *k)
{
    struct json_object *v;
    assert_true(json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v));
    if (k == NULL)
        return NULL;
    assert_true(json_object_object_get_ex(r, k, &v));
    return v;
}

static struct json_object *field(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        fail_msg("no field '%s' in %s", k, json_object_to_json_string(o));
    return v;
}

static const char *fstr(struct json_object *o, const char *k)
{
    return json_object_get_string(field(o, k));
}

static int64_t fint(struct json_object *o, const char *k)
{
    return json_object_get_int64(field(o, k));
}

static const char *const tunnel_keys[] = {
    "local_id",       "peer_id",      "local",        "peer",          "state",
    "peer_host_name", "peer_vendor",  "peer_rws",     "n_sessions",    "authenticated",
    "initiator",      "uptime_s",     "age_s",        "rx_ctrl",       "tx_ctrl",
    "retransmits",    "rx_data_pkts", "tx_data_pkts", "rx_data_bytes", "tx_data_bytes"};
static const char *const session_keys[] = {
    "tunnel_id", "local_id", "peer_id", "state",   "lac",      "incoming", "seq",
    "uptime_s",  "age_s",    "rx_pkts", "tx_pkts", "rx_bytes", "tx_bytes", "rx_seq_drops"};

static void check_tunnel(struct json_object *t, bool uptime)
{
    for (size_t i = 0; i < sizeof tunnel_keys / sizeof tunnel_keys[0]; i++)
        field(t, tunnel_keys[i]);
    assert_string_equal(fstr(t, "state"), "established");
    assert_string_equal(fstr(t, "peer_host_name"), "lac1");
    assert_string_equal(fstr(t, "peer"), "192.0.2.1:1701");
    if (uptime)
        assert_int_equal(fint(t, "uptime_s"), 3723);
    assert_string_equal(fstr(t, "role"), "lns"); /* hook */
    assert_string_equal(fstr(t, "section"), "default");
}

static void check_session(struct json_object *s, uint16_t tid)
{
    for (size_t i = 0; i < sizeof session_keys / sizeof session_keys[0]; i++)
        field(s, session_keys[i]);
    assert_int_equal(fint(s, "tunnel_id"), tid);
    assert_string_equal(fstr(s, "state"), "established");
    assert_int_equal(fint(s, "uptime_s"), 3723);
    assert_string_equal(fstr(s, "ppp_phase"), "network"); /* hook */
    assert_int_equal(json_object_array_length(field(s, "dns")), 2);
}

/* ---- requests without sessions ---- */

static void test_requests(void **state)
{
    struct l2tp_engine_cfg ec;
    l2tp_engine_cfg_defaults(&ec);
    struct fake f = {.eng = l2tp_engine_new(&ec, &eng_ops, NULL)};
    assert_non_null(f.eng);

    struct json_object *r = req(&f, "{\"cmd\":\"status\"}");
    struct json_object *v, *st;
    assert_true(json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(r, "tunnels", &v));
    assert_int_equal(json_object_array_length(v), 0);
    assert_true(json_object_object_get_ex(r, "sessions", &v));
    assert_true(json_object_object_get_ex(r, "stats", &st));
    /* every engine counter by its C name, the daemon's, and the process' */
    const char *keys[] = {"rx_datagrams",
                          "rx_bad_header",
                          "rx_bad_version",
                          "rx_bad_avp",
                          "rx_unknown_tunnel",
                          "rx_unknown_session",
                          "rx_halfopen_refused",
                          "rx_tunnel_limit",
                          "rx_auth_failed",
                          "rx_fsm_errors",
                          "rx_data_dropped",
                          "tunnels_opened",
                          "tunnels_closed",
                          "sessions_opened",
                          "sessions_closed",
                          "tunnels",
                          "halfopen",
                          "sessions",
                          "rss_kb",
                          "open_fds",
                          "udp_rx_pkts"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_true(json_object_object_get_ex(st, keys[i], &v));
    assert_true(json_object_object_get_ex(st, "rss_kb", &v));
    assert_true(json_object_get_int64(v) > 0);
    json_object_put(r);

    r = req(&f, "{\"cmd\":\"stats\"}");
    assert_false(json_object_object_get_ex(r, "tunnels", &v));
    assert_true(json_object_object_get_ex(r, "stats", &v));
    json_object_put(r);

    /* aliases */
    r = req(&f, "{\"cmd\":\"list-tunnels\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "tunnels")), 0);
    assert_false(json_object_object_get_ex(r, "sessions", &v));
    json_object_put(r);
    r = req(&f, "{\"cmd\":\"list-sessions\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "sessions")), 0);
    assert_false(json_object_object_get_ex(r, "tunnels", &v));
    json_object_put(r);

    r = req(&f, "{\"cmd\":\"version\"}");
    assert_true(strlen(json_object_get_string(ok_get(r, "version"))) > 0);
    json_object_put(r);

    static const struct {
        const char *line, *err;
    } errs[] = {
        {"{\"cmd\":\"disconnect-tunnel\",\"tunnel\":7}", "no such tunnel 7"},
        {"{\"cmd\":\"disconnect-tunnel\",\"tunnel\":\"7\"}", "no such tunnel 7"},
        {"{\"cmd\":\"show-tunnel\",\"tunnel\":5}", "no such tunnel 5"},
        {"{\"cmd\":\"show-session\",\"tunnel\":5,\"session\":1}", "no such tunnel 5"},
        {"{\"cmd\":\"disconnect-session\",\"tunnel\":5,\"session\":1}", "no such tunnel 5"},
        {"{\"cmd\":\"disconnect-tunnel\",\"tunnel\":70000}",
         "'tunnel' must be a tunnel ID (1-65535)"},
        {"{\"cmd\":\"show-tunnel\",\"tunnel\":0}", "'tunnel' must be a tunnel ID (1-65535)"},
        {"{\"cmd\":\"show-tunnel\",\"tunnel\":1.5}", "'tunnel' must be a tunnel ID (1-65535)"},
        {"{\"cmd\":\"show-tunnel\",\"tunnel\":\"1x\"}", "'tunnel' must be a tunnel ID (1-65535)"},
        {"{\"cmd\":\"show-tunnel\"}", "'tunnel' must be a tunnel ID (1-65535)"},
        {"{\"cmd\":\"disconnect-session\",\"tunnel\":7}",
         "'session' must be a session ID (1-65535)"},
        {"{\"cmd\":\"show-session\",\"tunnel\":7,\"session\":-1}",
         "'session' must be a session ID (1-65535)"},
        {"{\"cmd\":\"disconnect-user\"}", "'user' must be a user name (1-256 bytes)"},
        {"{\"cmd\":\"disconnect-user\",\"user\":\"\"}", "'user' must be a user name (1-256 bytes)"},
        {"{\"cmd\":\"disconnect-user\",\"user\":5}", "'user' must be a user name (1-256 bytes)"},
        {"{\"cmd\":\"disconnect-user\",\"user\":\"a\\u0000b\"}",
         "'user' must be a user name (1-256 bytes)"},
        {"{\"cmd\":\"disconnect-user\",\"user\":\"nobody\"}", "no session with user 'nobody'"},
        {"{\"cmd\":\"disconnect-user\",\"user\":\"a\\u001bb\"}", "no session with user 'a?b'"},
        {"{\"cmd\":\"disconnect-ip\"}", "'ip' must be an IPv4 or IPv6 address"},
        {"{\"cmd\":\"disconnect-ip\",\"ip\":\"10.0.0\"}", "'ip' must be an IPv4 or IPv6 address"},
        {"{\"cmd\":\"disconnect-ip\",\"ip\":[]}", "'ip' must be an IPv4 or IPv6 address"},
        {"{\"cmd\":\"disconnect-ip\",\"ip\":\"10.0.0.1\"}", "no session with address 10.0.0.1"},
        {"{\"cmd\":\"disconnect-ip\",\"ip\":\"2001:DB8::0:1\"}",
         "no session with address 2001:db8::1"},
        {"{\"cmd\":\"nope\"}", "unknown command 'nope'"},
        {"{\"cmd\":\"st\\u0007t\"}", "unknown command 'st?t'"},
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        r = req(&f, errs[i].line);
        const char *e = err_of(r);
        if (strcmp(e, errs[i].err))
            fail_msg("%s: got '%s', want '%s'", errs[i].line, e, errs[i].err);
        json_object_put(r);
    }
    char big[400];
    snprintf(big, sizeof big, "{\"cmd\":\"disconnect-user\",\"user\":\"%0257d\"}", 0);
    r = req(&f, big);
    assert_string_equal(err_of(r), "'user' must be a user name (1-256 bytes)");
    json_object_put(r);

    r = req(&f, "{\"cmd\":5}");
    assert_non_null(strstr(err_of(r), "bad request"));
    json_object_put(r);
    r = req(&f, "{\"cmd\":\"status\"} trailing");
    assert_non_null(strstr(err_of(r), "bad request"));
    json_object_put(r);
    r = req(&f, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    assert_non_null(strstr(err_of(r), "bad request"));
    json_object_put(r);
    assert_int_equal(f.changed, 0);
    l2tp_engine_free(f.eng);

    /* no engine at all (daemon starting): lists are empty, lookups fail */
    struct fake none = {0};
    r = req(&none, "{\"cmd\":\"status\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "sessions")), 0);
    json_object_put(r);
    r = req(&none, "{\"cmd\":\"show-tunnel\",\"tunnel\":1}");
    assert_string_equal(err_of(r), "no such tunnel 1");
    json_object_put(r);
}

/* ---- with real tunnels and sessions ---- */

static void test_lists_and_show(void **state)
{
    wire_up(3);
    wire_tag();
    struct fake f = {.eng = lns.e};
    uint16_t tid = lns_tid();

    struct json_object *r = hreq(&f, "{\"cmd\":\"status\"}");
    struct json_object *ts = ok_get(r, "tunnels"), *ss = ok_get(r, "sessions");
    assert_int_equal(json_object_array_length(ts), 1);
    assert_int_equal(json_object_array_length(ss), 3);
    check_tunnel(json_object_array_get_idx(ts, 0), true);
    assert_int_equal(fint(json_object_array_get_idx(ts, 0), "n_sessions"), 3);
    unsigned alice = 0, bob = 0;
    for (size_t i = 0; i < 3; i++) {
        struct json_object *s = json_object_array_get_idx(ss, i);
        check_session(s, tid);
        alice += !strcmp(fstr(s, "user"), "alice");
        bob += !strcmp(fstr(s, "user"), "bob");
    }
    assert_int_equal(alice, 2);
    assert_int_equal(bob, 1);
    assert_int_equal(f.tunnel_hooks, 1);
    assert_int_equal(f.session_hooks, 3);
    assert_int_equal(fint(ok_get(r, "stats"), "sessions"), 3);
    json_object_put(r);

    /* the lists: hooks called once per object, nothing else in the reply */
    f.tunnel_hooks = f.session_hooks = 0;
    r = hreq(&f, "{\"cmd\":\"tunnels\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "tunnels")), 1);
    assert_int_equal(json_object_object_length(r), 2);
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"sessions\"}");
    ss = ok_get(r, "sessions");
    assert_int_equal(json_object_array_length(ss), 3);
    assert_int_equal(json_object_object_length(r), 2);
    assert_int_equal(f.tunnel_hooks, 1);
    assert_int_equal(f.session_hooks, 3);
    uint16_t sid = (uint16_t)fint(json_object_array_get_idx(ss, 1), "local_id");
    uint16_t peer_sid = (uint16_t)fint(json_object_array_get_idx(ss, 1), "peer_id");
    json_object_put(r);

    /* show-tunnel: the tunnel and its sessions, all with hook fields */
    f.tunnel_hooks = f.session_hooks = 0;
    r = hreq(&f, "{\"cmd\":\"show-tunnel\",\"tunnel\":%u}", tid);
    struct json_object *t = ok_get(r, "tunnel");
    assert_int_equal(json_object_object_length(r), 2);
    check_tunnel(t, true);
    ss = field(t, "sessions");
    assert_int_equal(json_object_array_length(ss), 3);
    for (size_t i = 0; i < 3; i++)
        check_session(json_object_array_get_idx(ss, i), tid);
    assert_int_equal(f.tunnel_hooks, 1);
    assert_int_equal(f.session_hooks, 3);
    json_object_put(r);

    /* show-session: the session, and the tunnel it runs in */
    f.tunnel_hooks = f.session_hooks = 0;
    r = hreq(&f, "{\"cmd\":\"show-session\",\"tunnel\":%u,\"session\":\"%u\"}", tid, sid);
    struct json_object *s = ok_get(r, "session");
    check_session(s, tid);
    assert_int_equal(fint(s, "local_id"), sid);
    assert_int_equal(fint(s, "peer_id"), peer_sid);
    assert_string_equal(fstr(s, "user"), "bob");
    assert_string_equal(fstr(s, "auth"), "chap-md5");
    assert_string_equal(fstr(s, "interface"), "l2tpx0");
    assert_int_equal(fint(s, "ip_rx_bytes"), 3 << 20);
    assert_false(fint(s, "lac"));
    assert_true(fint(s, "incoming"));
    t = ok_get(r, "tunnel");
    check_tunnel(t, true);
    assert_int_equal(f.tunnel_hooks, 1);
    assert_int_equal(f.session_hooks, 1);
    json_object_put(r);

    r = hreq(&f, "{\"cmd\":\"show-session\",\"tunnel\":%u,\"session\":%u}", tid,
             sid == 65535 ? 1 : sid + 1000);
    char want[64];
    snprintf(want, sizeof want, "no such session %u in tunnel %u", sid == 65535 ? 1 : sid + 1000,
             tid);
    assert_string_equal(err_of(r), want);
    json_object_put(r);

    /* with no hooks installed the engine's fields are all there is */
    r = ctl_handle_request(&ops, &f, g_now, "{\"cmd\":\"sessions\"}",
                           strlen("{\"cmd\":\"sessions\"}"));
    s = json_object_array_get_idx(ok_get(r, "sessions"), 0);
    assert_int_equal(json_object_object_length(s), sizeof session_keys / sizeof session_keys[0]);
    json_object_put(r);
    assert_int_equal(f.changed, 0);
    wire_down();
}

static void test_disconnect_session_and_tunnel(void **state)
{
    wire_up(2);
    wire_tag();
    struct fake f = {.eng = lns.e};
    uint16_t tid = lns_tid();
    struct sess_list l = {0};
    l2tp_tunnel_foreach_session(lns_tunnel(), list_sess, &l);
    struct l2tp_session_info si;
    l2tp_session_get_info(l.s[0], &si);

    struct json_object *r =
        hreq(&f, "{\"cmd\":\"disconnect-session\",\"tunnel\":%u,\"session\":%u}", tid, si.local_id);
    struct json_object *d = ok_get(r, "disconnected");
    assert_int_equal(json_object_array_length(d), 1);
    assert_int_equal(fint(json_object_array_get_idx(d, 0), "tunnel"), tid);
    assert_int_equal(fint(json_object_array_get_idx(d, 0), "session"), si.local_id);
    json_object_put(r);
    assert_int_equal(f.changed, 1);
    pump();
    /* RFC 2661 §4.4.2: the peer got CDN, Result Code 3 (administrative) */
    assert_int_equal(lac.sess_down, 1);
    assert_int_equal(lac.sess_result, L2TP_CDN_ADMIN);
    assert_string_equal(lac.sess_msg, CTL_DISCONNECT_MSG);
    r = hreq(&f, "{\"cmd\":\"show-tunnel\",\"tunnel\":%u}", tid);
    assert_int_equal(json_object_array_length(field(ok_get(r, "tunnel"), "sessions")), 1);
    json_object_put(r);

    r = hreq(&f, "{\"cmd\":\"disconnect-tunnel\",\"tunnel\":%u}", tid);
    d = ok_get(r, "disconnected");
    assert_int_equal(json_object_array_length(d), 1);
    assert_int_equal(fint(json_object_array_get_idx(d, 0), "tunnel"), tid);
    assert_false(json_object_object_get_ex(json_object_array_get_idx(d, 0), "session", NULL));
    json_object_put(r);
    assert_int_equal(f.changed, 2);
    pump();
    /* StopCCN, Result Code 1 (general request to clear) */
    assert_int_equal(lac.tun_down, 1);
    assert_int_equal(lac.tun_result, L2TP_STOPCCN_GENERAL_CLEAR);
    assert_string_equal(lac.tun_msg, CTL_DISCONNECT_MSG);
    assert_int_equal(lac.sess_down, 2);
    wire_down();
}

static void test_disconnect_user(void **state)
{
    wire_up(5); /* alice, bob, alice, bob, alice */
    wire_tag();
    struct fake f = {.eng = lns.e};
    uint16_t tid = lns_tid();

    struct json_object *r = hreq(&f, "{\"cmd\":\"disconnect-user\",\"user\":\"alice\"}");
    struct json_object *d = ok_get(r, "disconnected");
    assert_int_equal(json_object_array_length(d), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(fint(json_object_array_get_idx(d, i), "tunnel"), tid);
    json_object_put(r);
    assert_int_equal(f.changed, 1);
    pump();
    assert_int_equal(lac.sess_down, 3);
    assert_int_equal(lac.sess_result, L2TP_CDN_ADMIN);
    assert_string_equal(lac.sess_msg, CTL_DISCONNECT_MSG);

    r = hreq(&f, "{\"cmd\":\"sessions\"}");
    struct json_object *ss = ok_get(r, "sessions");
    assert_int_equal(json_object_array_length(ss), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(fstr(json_object_array_get_idx(ss, i), "user"), "bob");
    json_object_put(r);

    r = hreq(&f, "{\"cmd\":\"disconnect-user\",\"user\":\"alice\"}");
    assert_string_equal(err_of(r), "no session with user 'alice'");
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"disconnect-user\",\"user\":\"BOB\"}"); /* exact match */
    assert_string_equal(err_of(r), "no session with user 'BOB'");
    json_object_put(r);
    assert_int_equal(f.changed, 1);

    /* without the hook nobody has a user name */
    const char *bob = "{\"cmd\":\"disconnect-user\",\"user\":\"bob\"}";
    r = ctl_handle_request(&ops, &f, g_now, bob, strlen(bob));
    assert_string_equal(err_of(r), "no session with user 'bob'");
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"disconnect-user\",\"user\":\"bob\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "disconnected")), 2);
    json_object_put(r);
    pump();
    assert_int_equal(lac.sess_down, 5);
    wire_down();
}

static void test_disconnect_ip(void **state)
{
    wire_up(4);
    wire_tag();
    /* one each: "ipv4_peer", "ip", "ipv6_peer" (a prefix is ignored) */
    snprintf(lns.meta[1].ip, sizeof lns.meta[1].ip, "10.9.9.9");
    lns.meta[1].ip_key = "ip";
    snprintf(lns.meta[2].ip, sizeof lns.meta[2].ip, "2001:db8::7/128");
    lns.meta[2].ip_key = "ipv6_peer";
    struct fake f = {.eng = lns.e};

    struct json_object *r = hreq(&f, "{\"cmd\":\"disconnect-ip\",\"ip\":\"%s\"}", lns.meta[0].ip);
    assert_int_equal(json_object_array_length(ok_get(r, "disconnected")), 1);
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"disconnect-ip\",\"ip\":\"%s\"}", lns.meta[0].ip);
    char want[80];
    snprintf(want, sizeof want, "no session with address %s", lns.meta[0].ip);
    assert_string_equal(err_of(r), want);
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"disconnect-ip\",\"ip\":\"10.9.9.9\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "disconnected")), 1);
    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"disconnect-ip\",\"ip\":\"2001:DB8:0::7\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "disconnected")), 1);
    json_object_put(r);
    /* IPv4 and IPv6 never match each other */
    r = hreq(&f, "{\"cmd\":\"disconnect-ip\",\"ip\":\"::ffff:%s\"}", lns.meta[3].ip);
    assert_non_null(strstr(err_of(r), "no session with address"));
    json_object_put(r);
    assert_int_equal(f.changed, 3);
    pump();
    assert_int_equal(lac.sess_down, 3);
    assert_int_equal(lac.sess_result, L2TP_CDN_ADMIN);

    r = hreq(&f, "{\"cmd\":\"sessions\"}");
    struct json_object *ss = ok_get(r, "sessions");
    assert_int_equal(json_object_array_length(ss), 1);
    assert_string_equal(fstr(json_object_array_get_idx(ss, 0), "ipv4_peer"), lns.meta[3].ip);
    json_object_put(r);
    wire_down();
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* 5000 sessions: the JSON list, its serialisation and the table, quickly
 * (the daemon's loop is blocked while it renders). */
static void test_large(void **state)
{
    enum { N = 5000 };
    wire_up(N);
    wire_tag();
    struct fake f = {.eng = lns.e};

    double t0 = mono_s();
    struct json_object *r = hreq(&f, "{\"cmd\":\"status\"}");
    const char *txt = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
    size_t txt_len = strlen(txt);
    double t1 = mono_s();
    assert_int_equal(json_object_array_length(ok_get(r, "sessions")), N);
    assert_int_equal(f.session_hooks, N);
    assert_true(txt_len < CTL_MAX_OUTPUT);
    assert_true(txt_len > N * 200);

    json_object_put(r);
    r = hreq(&f, "{\"cmd\":\"sessions\"}");
    struct json_object *q = json_tokener_parse("{\"cmd\":\"sessions\"}");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    double t2 = mono_s();
    ctl_cli_print(out, q, r);
    fclose(out);
    double t3 = mono_s();
    assert_int_equal(count_lines(buf), N + 1);
    /* the last session's line has its user and address */
    assert_non_null(strstr(buf, lns.meta[N - 1].ip));
    print_message("5000 sessions: %.1f ms to build and serialise %zu bytes, %.1f ms to render\n",
                  (t1 - t0) * 1e3, txt_len, (t3 - t2) * 1e3);
    /* generous bounds: sanitizer builds on a busy machine */
    assert_true(t1 - t0 < 3.0);
    assert_true(t3 - t2 < 3.0);
    free(buf);
    json_object_put(q);
    json_object_put(r);

    /* disconnecting 2500 of them by user */
    t0 = mono_s();
    r = hreq(&f, "{\"cmd\":\"disconnect-user\",\"user\":\"bob\"}");
    assert_int_equal(json_object_array_length(ok_get(r, "disconnected")), N / 2);
    assert_true(mono_s() - t0 < 3.0);
    json_object_put(r);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns.e, &st);
    assert_int_equal(st.sessions, N / 2);
    wire_down();
}

/* ---- client: parsing and rendering ---- */

static void test_format(void **state)
{
    static const struct {
        uint64_t s;
        const char *want;
    } d[] = {{0, "0s"},
             {59, "59s"},
             {60, "1m00s"},
             {64, "1m04s"},
             {3600, "1h00m00s"},
             {3723, "1h02m03s"},
             {86399, "23h59m59s"},
             {93784, "1d02h03m04s"},
             {86400 * 400 + 5, "400d00h00m05s"}};
    char buf[64];
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        ctl_fmt_duration(d[i].s, buf, sizeof buf);
        assert_string_equal(buf, d[i].want);
    }
    static const struct {
        uint64_t n;
        const char *want;
    } b[] = {{0, "0 B"},
             {1023, "1023 B"},
             {1024, "1.0 KiB"},
             {1536, "1.5 KiB"},
             {1048575, "1.0 MiB"},
             {3u << 20, "3.0 MiB"},
             {(uint64_t)5 << 30, "5.0 GiB"},
             {UINT64_MAX, "16.0 EiB"}};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        ctl_fmt_bytes(b[i].n, buf, sizeof buf);
        assert_string_equal(buf, b[i].want);
    }
}

static void check_request(const char *words, const char *want)
{
    char copy[256], *argv[16];
    int argc = 0;
    snprintf(copy, sizeof copy, "%s", words);
    for (char *tok = strtok(copy, " "); tok && argc < 16; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    char err[256];
    struct json_object *r = ctl_cli_request(argc, argv, err, sizeof err);
    if (want == NULL) {
        if (r)
            fail_msg("'%s' accepted: %s", words, json_object_to_json_string(r));
        return;
    }
    if (r == NULL)
        fail_msg("'%s' refused: %s", words, err);
    assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN), want);
    json_object_put(r);
}

static void test_cli_requests(void **state)
{
    check_request("status", "{\"cmd\":\"status\"}");
    check_request("stats", "{\"cmd\":\"stats\"}");
    check_request("version", "{\"cmd\":\"version\"}");
    check_request("tunnels", "{\"cmd\":\"tunnels\"}");
    check_request("list tunnels", "{\"cmd\":\"tunnels\"}");
    check_request("list-tunnels", "{\"cmd\":\"tunnels\"}");
    check_request("sessions", "{\"cmd\":\"sessions\"}");
    check_request("list sessions", "{\"cmd\":\"sessions\"}");
    check_request("show tunnel 5", "{\"cmd\":\"show-tunnel\",\"tunnel\":5}");
    check_request("show-tunnel 65535", "{\"cmd\":\"show-tunnel\",\"tunnel\":65535}");
    check_request("show session 5 6", "{\"cmd\":\"show-session\",\"tunnel\":5,\"session\":6}");
    check_request("disconnect session 5 6",
                  "{\"cmd\":\"disconnect-session\",\"tunnel\":5,\"session\":6}");
    check_request("disconnect-session 5 6",
                  "{\"cmd\":\"disconnect-session\",\"tunnel\":5,\"session\":6}");
    check_request("disconnect tunnel 9", "{\"cmd\":\"disconnect-tunnel\",\"tunnel\":9}");
    check_request("disconnect-tunnel 9", "{\"cmd\":\"disconnect-tunnel\",\"tunnel\":9}");
    check_request("disconnect user alice@example",
                  "{\"cmd\":\"disconnect-user\",\"user\":\"alice@example\"}");
    check_request("disconnect-user bob", "{\"cmd\":\"disconnect-user\",\"user\":\"bob\"}");
    check_request("disconnect ip 10.0.0.5", "{\"cmd\":\"disconnect-ip\",\"ip\":\"10.0.0.5\"}");
    check_request("disconnect ip 2001:db8::1",
                  "{\"cmd\":\"disconnect-ip\",\"ip\":\"2001:db8::1\"}");
    /* usage errors */
    const char *bad[] = {"frob",
                         "list",
                         "list things",
                         "show",
                         "show tunnel",
                         "show tunnel 0",
                         "show tunnel 65536",
                         "show tunnel x",
                         "show tunnel 1 2",
                         "show session 1",
                         "show session 1 0",
                         "disconnect",
                         "disconnect session 1",
                         "disconnect tunnel",
                         "disconnect user",
                         "disconnect user a b",
                         "disconnect ip 10.0.0",
                         "disconnect ip 10.0.0.1/24",
                         "disconnect everyone",
                         "status now",
                         "tunnels 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_request(bad[i], NULL);
    char err[128];
    assert_null(ctl_cli_request(0, NULL, err, sizeof err));
    char longname[CTL_MAX_USER + 2];
    memset(longname, 'u', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    char *argv[] = {"disconnect", "user", longname};
    assert_null(ctl_cli_request(3, argv, err, sizeof err));
    longname[CTL_MAX_USER] = '\0';
    struct json_object *r = ctl_cli_request(3, argv, err, sizeof err);
    assert_non_null(r);
    json_object_put(r);
}

static char *render(const char *cmd, const char *resp_json)
{
    struct json_object *q = json_object_new_object();
    json_object_object_add(q, "cmd", json_object_new_string(cmd));
    struct json_object *r = json_tokener_parse(resp_json);
    assert_non_null(r);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ctl_cli_print(out, q, r);
    fclose(out);
    json_object_put(q);
    json_object_put(r);
    return buf;
}

static void test_cli_render(void **state)
{
    /* aligned columns; names from the network cannot drive the terminal */
    char *s =
        render("tunnels", "{\"ok\":true,\"tunnels\":["
                          "{\"local_id\":1,\"peer_id\":22,\"peer\":\"192.0.2.1:1701\","
                          "\"state\":\"established\",\"peer_host_name\":\"lac\\u001b[31m\","
                          "\"n_sessions\":2,\"uptime_s\":93784},"
                          "{\"local_id\":300,\"peer_id\":4,\"peer\":\"[2001:db8::1]:1701\","
                          "\"state\":\"wait-ctl-conn\",\"peer_host_name\":\"\",\"n_sessions\":0,"
                          "\"uptime_s\":0}]}");
    assert_string_equal(s, " ID  PEER ID  PEER                STATE          HOST      SESSIONS  "
                           "     UPTIME\n"
                           "  1       22  192.0.2.1:1701      established    lac?[31m         2  "
                           "1d02h03m04s\n"
                           "300        4  [2001:db8::1]:1701  wait-ctl-conn  -                0  "
                           "          -\n");
    free(s);

    s = render("sessions",
               "{\"ok\":true,\"sessions\":["
               "{\"tunnel_id\":1,\"local_id\":7,\"peer_id\":9,\"state\":\"established\","
               "\"uptime_s\":64,\"rx_bytes\":1536,\"tx_bytes\":100,\"user\":\"alice\","
               "\"ipv4_peer\":\"10.0.0.2\",\"ipv6_prefix\":\"2001:db8:1:2::/64\","
               "\"interface\":\"ppp0\"},"
               "{\"tunnel_id\":1,\"local_id\":8,\"peer_id\":10,\"state\":\"wait-connect\","
               "\"uptime_s\":0,\"rx_bytes\":0,\"tx_bytes\":3145728}]}");
    assert_string_equal(s, "TUNNEL  ID  PEER ID  STATE         USER   ADDRESS   IPV6               "
                           "IFACE  UPTIME       RX       TX\n"
                           "     1   7        9  established   alice  10.0.0.2  2001:db8:1:2::/64  "
                           "ppp0    1m04s  1.5 KiB    100 B\n"
                           "     1   8       10  wait-connect  -      -         -                  "
                           "-           -      0 B  3.0 MiB\n");
    free(s);

    s = render("sessions", "{\"ok\":true,\"sessions\":[]}");
    assert_string_equal(s, "no sessions\n");
    free(s);
    s = render("tunnels", "{\"ok\":true,\"tunnels\":[]}");
    assert_string_equal(s, "no tunnels\n");
    free(s);

    s = render("status", "{\"ok\":true,\"tunnels\":[],\"sessions\":[],"
                         "\"stats\":{\"rx_datagrams\":5,\"udp_rx_bytes\":2048}}");
    assert_string_equal(s, "Tunnels: 0\n\nSessions: 0\n\nCounters:\n"
                           "  rx_datagrams: 5\n"
                           "  udp_rx_bytes: 2048 (2.0 KiB)\n");
    free(s);

    s = render("show-session",
               "{\"ok\":true,\"session\":{\"tunnel_id\":1,\"local_id\":7,\"state\":\"established\","
               "\"lac\":false,\"uptime_s\":3723,\"rx_bytes\":10,\"user\":\"al\\u0007ice\","
               "\"dns\":[\"192.0.2.53\",\"192.0.2.54\"],\"ipv4_peer\":null},"
               "\"tunnel\":{\"local_id\":1,\"peer\":\"192.0.2.1:1701\",\"peer_host_name\":\"lac1\","
               "\"state\":\"established\"}}");
    assert_string_equal(s, "Session 1/7\n"
                           "  tunnel_id: 1\n"
                           "  local_id:  7\n"
                           "  state:     established\n"
                           "  lac:       no\n"
                           "  uptime_s:  3723 (1h02m03s)\n"
                           "  rx_bytes:  10\n"
                           "  user:      al?ice\n"
                           "  dns:       192.0.2.53, 192.0.2.54\n"
                           "  ipv4_peer: -\n"
                           "Tunnel 1: peer 192.0.2.1:1701 (lac1), established\n");
    free(s);

    s = render("show-tunnel", "{\"ok\":true,\"tunnel\":{\"local_id\":3,\"state\":\"established\","
                              "\"sessions\":[{\"tunnel_id\":3,\"local_id\":1,\"peer_id\":2,"
                              "\"state\":\"established\",\"uptime_s\":5,\"rx_bytes\":0,"
                              "\"tx_bytes\":0}]}}");
    assert_string_equal(
        s, "Tunnel 3\n"
           "  local_id: 3\n"
           "  state:    established\n"
           "\n"
           "Sessions: 1\n"
           "TUNNEL  ID  PEER ID  STATE        USER  ADDRESS  IPV6  IFACE  UPTIME   RX   TX\n"
           "     3   1        2  established  -     -        -     -          5s  0 B  0 B\n");
    free(s);

    s = render("disconnect-user", "{\"ok\":true,\"disconnected\":[{\"tunnel\":1,\"session\":2},"
                                  "{\"tunnel\":1,\"session\":3}]}");
    assert_string_equal(s, "disconnected session 1/2\ndisconnected session 1/3\n");
    free(s);
    s = render("disconnect-tunnel", "{\"ok\":true,\"disconnected\":[{\"tunnel\":4}]}");
    assert_string_equal(s, "disconnected tunnel 4\n");
    free(s);
    s = render("version", "{\"ok\":true,\"version\":\"9.9\"}");
    assert_non_null(strstr(s, "\nl2tpxd 9.9\n"));
    assert_true(strncmp(s, "l2tpxctl ", 9) == 0);
    free(s);
    s = render("disconnect-tunnel", "{\"ok\":true}"); /* an older daemon */
    assert_string_equal(s, "ok\n");
    free(s);
}

/* ---- socket ---- */

static int connect_to(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    return fd;
}

/* Runs the loop until fd has a full line (or gives up). */
static char *read_line(struct lx_ev *ev, int fd, char *buf, size_t cap)
{
    size_t got = 0;
    for (int i = 0; i < 100 && (got == 0 || buf[got - 1] != '\n'); i++) {
        lx_ev_run_once(ev, 10);
        ssize_t n = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT);
        if (n > 0)
            got += (size_t)n;
        if (n == 0)
            break;
    }
    buf[got] = '\0';
    return buf;
}

static void test_socket(void **state)
{
    char dir[] = "/tmp/l2tpx-ctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/sub/l2tpxd.ctl", dir); /* directory is created */
    struct lx_ev *ev = lx_ev_new();
    struct fake f = {0};
    int err;
    struct ctl_server *srv = ctl_server_new(ev, path, &ops, &f, &err);
    assert_non_null(srv);

    /* a second server on the same path refuses: one is running */
    struct lx_ev *ev2 = lx_ev_new();
    assert_null(ctl_server_new(ev2, path, &ops, &f, &err));
    assert_int_equal(err, EADDRINUSE);
    lx_ev_free(ev2);

    int fd = connect_to(path);
    char buf[8192];
    assert_int_equal(send(fd, "{\"cmd\":\"tunnels\"}\n{\"cmd\":\"sessions\"}\n", 37, 0), 37);
    read_line(ev, fd, buf, sizeof buf);
    assert_non_null(strstr(buf, "{\"ok\":true,\"tunnels\":[]}\n"));
    if (strchr(buf, '\n') == strrchr(buf, '\n'))
        read_line(ev, fd, buf + strlen(buf), sizeof buf - strlen(buf));
    assert_non_null(strstr(buf, "{\"ok\":true,\"sessions\":[]}\n"));
    assert_int_equal(ctl_server_client_count(srv), 1);

    /* an over-long request: error, then the connection is closed */
    int fd2 = connect_to(path);
    char big[CTL_MAX_LINE + 10];
    memset(big, 'x', sizeof big);
    assert_int_equal(send(fd2, big, CTL_MAX_LINE, 0), CTL_MAX_LINE);
    read_line(ev, fd2, buf, sizeof buf);
    assert_non_null(strstr(buf, "request too long"));
    close(fd2);

    /* clients beyond the limit are turned away */
    int fds[CTL_MAX_CLIENTS + 2];
    for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++) {
        fds[i] = connect_to(path);
        lx_ev_run_once(ev, 5); /* accept: a full backlog blocks connect() */
    }
    for (int i = 0; i < 20; i++)
        lx_ev_run_once(ev, 5);
    assert_int_equal(ctl_server_client_count(srv), CTL_MAX_CLIENTS);
    for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++)
        close(fds[i]);
    for (int i = 0; i < 20; i++)
        lx_ev_run_once(ev, 5);
    assert_int_equal(ctl_server_client_count(srv), 1);

    close(fd);
    ctl_server_free(srv);
    assert_int_equal(access(path, F_OK), -1); /* socket file removed */
    lx_ev_free(ev);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    rmdir(sub);
    rmdir(dir);
}

/* A client that asks for a big answer and does not read: the server keeps
 * serving others, and drops that answer once the client goes. */
static void test_slow_client(void **state)
{
    enum { N = 2000 };
    wire_up(N);
    wire_tag();
    char dir[] = "/tmp/l2tpx-ctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/l2tpxd.ctl", dir);
    struct lx_ev *ev = lx_ev_new();
    struct fake f = {.eng = lns.e};
    int err;
    struct ctl_server *srv = ctl_server_new(ev, path, &hook_ops, &f, &err);
    assert_non_null(srv);

    int slow = connect_to(path);
    assert_int_equal(send(slow, "{\"cmd\":\"status\"}\n", 18, 0), 18);
    for (int i = 0; i < 10; i++)
        lx_ev_run_once(ev, 5);
    int fd = connect_to(path);
    assert_int_equal(send(fd, "{\"cmd\":\"version\"}\n", 19, 0), 19);
    char buf[512];
    read_line(ev, fd, buf, sizeof buf);
    assert_non_null(strstr(buf, "\"version\""));
    close(fd);
    close(slow);
    for (int i = 0; i < 20 && ctl_server_client_count(srv) > 0; i++)
        lx_ev_run_once(ev, 5);
    assert_int_equal(ctl_server_client_count(srv), 0);
    ctl_server_free(srv);
    lx_ev_free(ev);
    rmdir(dir);
    wire_down();
}

/* ---- l2tpxctl end to end, the server in a thread ---- */

struct srv_thread {
    struct lx_ev *ev;
    atomic_bool stop;
};

static void *srv_main(void *arg)
{
    struct srv_thread *st = arg;
    while (!atomic_load(&st->stop))
        lx_ev_run_once(st->ev, 5);
    return NULL;
}

struct cli_out {
    int rc;
    char *out, *err;
};

static struct cli_out cli(const char *path, const char *words)
{
    char copy[512], *argv[24];
    int argc = 0;
    argv[argc++] = "l2tpxctl";
    if (path) {
        argv[argc++] = "--control";
        argv[argc++] = (char *)path;
    }
    snprintf(copy, sizeof copy, "%s", words);
    for (char *tok = strtok(copy, " "); tok && argc < 23; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    struct cli_out r = {0};
    size_t a, b;
    FILE *out = open_memstream(&r.out, &a), *err = open_memstream(&r.err, &b);
    r.rc = ctl_cli_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    return r;
}

static void cli_free(struct cli_out *r)
{
    free(r->out);
    free(r->err);
}

static void test_cli_end_to_end(void **state)
{
    wire_up(3);
    wire_tag();
    uint16_t tid = lns_tid();
    char dir[] = "/tmp/l2tpx-ctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/l2tpxd.ctl", dir);
    struct srv_thread st = {.ev = lx_ev_new()};
    struct fake f = {.eng = lns.e};
    int err;
    struct ctl_server *srv = ctl_server_new(st.ev, path, &hook_ops, &f, &err);
    assert_non_null(srv);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, srv_main, &st), 0);

    struct cli_out r = cli(path, "list sessions");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_int_equal(count_lines(r.out), 4);
    assert_non_null(strstr(r.out, "alice"));
    assert_non_null(strstr(r.out, "l2tpx0"));
    assert_string_equal(r.err, "");
    cli_free(&r);

    r = cli(path, "--json tunnels");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_int_equal(count_lines(r.out), 1);
    struct json_object *j = json_tokener_parse(r.out);
    assert_non_null(j);
    check_tunnel(json_object_array_get_idx(ok_get(j, "tunnels"), 0), false);
    json_object_put(j);
    cli_free(&r);

    r = cli(path, "--pretty status");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_true(count_lines(r.out) > 50);
    j = json_tokener_parse(r.out);
    assert_int_equal(json_object_array_length(ok_get(j, "sessions")), 3);
    json_object_put(j);
    cli_free(&r);

    char words[128];
    snprintf(words, sizeof words, "show tunnel %u", tid);
    r = cli(path, words);
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_non_null(strstr(r.out, "peer_host_name: lac1\n"));
    assert_non_null(strstr(r.out, "uptime_s:"));
    assert_non_null(strstr(r.out, "section:        default\n"));
    assert_non_null(strstr(r.out, "Sessions: 3\n"));
    cli_free(&r);

    r = cli(path, "show tunnel 4242");
    assert_int_equal(r.rc, CTL_EXIT_ERROR);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "l2tpxctl: no such tunnel 4242\n");
    cli_free(&r);
    r = cli(path, "--json disconnect-tunnel 4242");
    assert_int_equal(r.rc, CTL_EXIT_ERROR);
    assert_string_equal(r.out, "{\"ok\":false,\"error\":\"no such tunnel 4242\"}\n");
    cli_free(&r);

    r = cli(path, "version");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_non_null(strstr(r.out, "l2tpxd "));
    cli_free(&r);

    r = cli(path, "disconnect user alice");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    assert_int_equal(count_lines(r.out), 2);
    assert_non_null(strstr(r.out, "disconnected session "));
    cli_free(&r);
    snprintf(words, sizeof words, "disconnect ip %s", lns.meta[1].ip);
    r = cli(path, words);
    assert_int_equal(r.rc, CTL_EXIT_OK);
    cli_free(&r);
    r = cli(path, "sessions");
    assert_string_equal(r.out, "no sessions\n");
    cli_free(&r);

    /* usage errors never reach the daemon */
    r = cli(path, "show session 1");
    assert_int_equal(r.rc, CTL_EXIT_USAGE);
    assert_non_null(strstr(r.err, "usage: l2tpxctl show session TID SID"));
    cli_free(&r);
    r = cli(path, "--frob status");
    assert_int_equal(r.rc, CTL_EXIT_USAGE);
    cli_free(&r);
    r = cli(path, "");
    assert_int_equal(r.rc, CTL_EXIT_USAGE);
    cli_free(&r);
    r = cli(path, "--timeout 0 status");
    assert_int_equal(r.rc, CTL_EXIT_USAGE);
    cli_free(&r);
    r = cli(path, "--help");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    const char *doc[] = {"--control",
                         "--json",
                         "--pretty",
                         "--timeout",
                         "L2TPX_CONTROL",
                         CTL_DEFAULT_PATH,
                         "list tunnels",
                         "list sessions",
                         "show tunnel TID",
                         "show session TID SID",
                         "disconnect session TID SID",
                         "disconnect tunnel TID",
                         "disconnect user NAME",
                         "disconnect ip ADDR",
                         "version",
                         "status",
                         "stats",
                         "exit status"};
    for (size_t i = 0; i < sizeof doc / sizeof doc[0]; i++)
        if (strstr(r.out, doc[i]) == NULL)
            fail_msg("--help does not mention %s", doc[i]);
    cli_free(&r);

    /* the path: --control beats $L2TPX_CONTROL beats the default */
    setenv(CTL_ENV_PATH, path, 1);
    r = cli(NULL, "version");
    assert_int_equal(r.rc, CTL_EXIT_OK);
    cli_free(&r);
    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "%s/nothing.ctl", dir);
    r = cli(nowhere, "version");
    assert_int_equal(r.rc, CTL_EXIT_ERROR);
    assert_non_null(strstr(r.err, "cannot reach l2tpxd at"));
    cli_free(&r);
    unsetenv(CTL_ENV_PATH);

    atomic_store(&st.stop, true);
    pthread_join(th, NULL);
    ctl_server_free(srv);
    lx_ev_free(st.ev);
    rmdir(dir);

    /* the peer saw the disconnects */
    g_now = lx_now_ms();
    pump();
    assert_int_equal(lac.sess_down, 3);
    assert_int_equal(lac.sess_result, L2TP_CDN_ADMIN);
    wire_down();
}

/* A daemon that accepts and never answers: l2tpxctl gives up in time. */
static void test_cli_timeout(void **state)
{
    char dir[] = "/tmp/l2tpx-ctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/mute.ctl", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(lfd, 4), 0);
    double t0 = mono_s();
    struct cli_out r = cli(path, "--timeout 1 status");
    double dt = mono_s() - t0;
    assert_int_equal(r.rc, CTL_EXIT_ERROR);
    assert_non_null(strstr(r.err, "timed out"));
    assert_true(dt >= 0.9 && dt < 5.0);
    cli_free(&r);
    close(lfd);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_lists_and_show),
        cmocka_unit_test(test_disconnect_session_and_tunnel),
        cmocka_unit_test(test_disconnect_user),
        cmocka_unit_test(test_disconnect_ip),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cli_requests),
        cmocka_unit_test(test_cli_render),
        cmocka_unit_test(test_socket),
        cmocka_unit_test(test_slow_client),
        cmocka_unit_test(test_cli_end_to_end),
        cmocka_unit_test(test_cli_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
