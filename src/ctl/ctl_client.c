#include "ctl/ctl_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl_server.h"

#ifndef L2TPX_VERSION
#define L2TPX_VERSION "unknown"
#endif

#define CTL_MAX_RESPONSE  (256u << 20)
#define CTL_DEFAULT_TMO_S 10
#define CTL_CELL_MAX      256 /* bytes of one rendered value */

/* ---- formatting ---- */

void ctl_fmt_duration(uint64_t s, char *buf, size_t cap)
{
    unsigned long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, x = s % 60;
    if (d)
        snprintf(buf, cap, "%llud%02lluh%02llum%02llus", d, h, m, x);
    else if (h)
        snprintf(buf, cap, "%lluh%02llum%02llus", h, m, x);
    else if (m)
        snprintf(buf, cap, "%llum%02llus", m, x);
    else
        snprintf(buf, cap, "%llus", x);
}

void ctl_fmt_bytes(uint64_t n, char *buf, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
        return;
    }
    double v = (double)n / 1024.0;
    size_t u = 0;
    while (v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

/* Text from the daemon, much of it from the network (host names, user
 * names): nothing a terminal would act on. ASCII and C1 controls become
 * '?'; other UTF-8 passes. Returns the display width. */
static size_t clean(const char *s, char *buf, size_t cap)
{
    size_t o = 0, width = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && o + 1 < cap) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f) {
            buf[o++] = '?';
            p++;
        } else if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            buf[o++] = '?';
            p += 2;
        } else {
            buf[o++] = (char)c;
            p++;
        }
        if ((c & 0xc0) != 0x80)
            width++;
    }
    buf[o] = '\0';
    return width;
}

static struct json_object *jget(struct json_object *o, const char *k)
{
    struct json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jstr(struct json_object *o, const char *k)
{
    struct json_object *v = jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long jint(struct json_object *o, const char *k)
{
    struct json_object *v = jget(o, k);
    return v ? (long long)json_object_get_int64(v) : 0;
}

static bool jbool(struct json_object *o, const char *k)
{
    struct json_object *v = jget(o, k);
    return v && json_object_get_boolean(v);
}

/* ---- tables ---- */

struct ctl_col {
    const char *title;
    bool right;   /* numbers */
    unsigned max; /* display width cap, 0 = none */
};

struct ctl_table {
    const struct ctl_col *cols;
    size_t ncol, nrow, cap;
    char **cells;   /* nrow * ncol, cleaned */
    size_t *widths; /* display width of each cell */
    bool oom;
};

static void table_row(struct ctl_table *t, const char *const *vals)
{
    if (t->oom)
        return;
    if (t->nrow == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **c = realloc(t->cells, cap * t->ncol * sizeof *c);
        if (c)
            t->cells = c;
        size_t *w = c ? realloc(t->widths, cap * t->ncol * sizeof *w) : NULL;
        if (w == NULL) {
            t->oom = true;
            return;
        }
        t->widths = w;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->ncol; i++) {
        char buf[CTL_CELL_MAX];
        size_t w = clean(vals[i] ? vals[i] : "-", buf, sizeof buf);
        unsigned max = t->cols[i].max;
        if (max && w > max) {
            /* cut at a character boundary, mark with '~' */
            size_t o = 0, n = 0;
            while (buf[o] && n < max - 1) {
                o++;
                while ((buf[o] & 0xc0) == 0x80)
                    o++;
                n++;
            }
            buf[o++] = '~';
            buf[o] = '\0';
            w = max;
        }
        size_t k = t->nrow * t->ncol + i;
        t->cells[k] = strdup(buf);
        t->widths[k] = w;
        if (t->cells[k] == NULL)
            t->oom = true;
    }
    t->nrow++;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void table_print(FILE *out, struct ctl_table *t)
{
    size_t w[16] = {0};
    for (size_t i = 0; i < t->ncol && i < 16; i++)
        w[i] = strlen(t->cols[i].title);
    for (size_t r = 0; r < t->nrow && !t->oom; r++)
        for (size_t i = 0; i < t->ncol; i++)
            if (t->widths[r * t->ncol + i] > w[i])
                w[i] = t->widths[r * t->ncol + i];
    for (size_t r = 0; r <= t->nrow && !t->oom; r++) {
        for (size_t i = 0; i < t->ncol; i++) {
            const char *s = r == 0 ? t->cols[i].title : t->cells[(r - 1) * t->ncol + i];
            size_t sw = r == 0 ? strlen(s) : t->widths[(r - 1) * t->ncol + i];
            bool last = i + 1 == t->ncol;
            if (t->cols[i].right)
                pad(out, w[i] - sw);
            fputs(s, out);
            if (!last && !t->cols[i].right)
                pad(out, w[i] - sw);
            fputs(last ? "\n" : "  ", out);
        }
    }
    if (t->oom)
        fputs("l2tpxctl: out of memory\n", out);
    for (size_t k = 0; k < t->nrow * t->ncol; k++)
        free(t->cells[k]);
    free(t->cells);
    free(t->widths);
}

static const struct ctl_col tunnel_cols[] = {
    {"ID", true, 0},     {"PEER ID", true, 0},  {"PEER", false, 0},  {"STATE", false, 0},
    {"HOST", false, 32}, {"SESSIONS", true, 0}, {"UPTIME", true, 0},
};

static const struct ctl_col session_cols[] = {
    {"TUNNEL", true, 0}, {"ID", true, 0},       {"PEER ID", true, 0}, {"STATE", false, 0},
    {"USER", false, 32}, {"ADDRESS", false, 0}, {"IPV6", false, 0},   {"IFACE", false, 0},
    {"UPTIME", true, 0}, {"RX", true, 0},       {"TX", true, 0},
};

static void uptime_cell(struct json_object *o, char *buf, size_t cap)
{
    const char *st = jstr(o, "state");
    if (st && strcmp(st, "established"))
        snprintf(buf, cap, "-");
    else
        ctl_fmt_duration((uint64_t)jint(o, "uptime_s"), buf, cap);
}

static void print_tunnel_table(FILE *out, struct json_object *arr)
{
    struct ctl_table t = {.cols = tunnel_cols, .ncol = sizeof tunnel_cols / sizeof tunnel_cols[0]};
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        char id[16], pid[16], ns[16], up[32];
        snprintf(id, sizeof id, "%lld", jint(o, "local_id"));
        snprintf(pid, sizeof pid, "%lld", jint(o, "peer_id"));
        snprintf(ns, sizeof ns, "%lld", jint(o, "n_sessions"));
        uptime_cell(o, up, sizeof up);
        const char *host = jstr(o, "peer_host_name");
        const char *v[] = {id, pid, jstr(o, "peer"), jstr(o, "state"), host && *host ? host : NULL,
                           ns, up};
        table_row(&t, v);
    }
    table_print(out, &t);
}

static void print_session_table(FILE *out, struct json_object *arr)
{
    struct ctl_table t = {.cols = session_cols,
                          .ncol = sizeof session_cols / sizeof session_cols[0]};
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        char tid[16], id[16], pid[16], up[32], rx[32], tx[32];
        snprintf(tid, sizeof tid, "%lld", jint(o, "tunnel_id"));
        snprintf(id, sizeof id, "%lld", jint(o, "local_id"));
        snprintf(pid, sizeof pid, "%lld", jint(o, "peer_id"));
        uptime_cell(o, up, sizeof up);
        ctl_fmt_bytes((uint64_t)jint(o, "rx_bytes"), rx, sizeof rx);
        ctl_fmt_bytes((uint64_t)jint(o, "tx_bytes"), tx, sizeof tx);
        /* The user's address: the peer's on an LNS, our own on a LAC client. */
        const char *role = jstr(o, "role");
        const char *addr =
            role != NULL && strcmp(role, "lac") == 0 ? jstr(o, "ipv4_local") : jstr(o, "ipv4_peer");
        if (addr == NULL)
            addr = jstr(o, "ip");
        if (addr == NULL)
            addr = jstr(o, "ipv6_peer");
        const char *v[] = {tid,
                           id,
                           pid,
                           jstr(o, "state"),
                           jstr(o, "user"),
                           addr,
                           jstr(o, "ipv6_prefix"),
                           jstr(o, "interface"),
                           up,
                           rx,
                           tx};
        table_row(&t, v);
    }
    table_print(out, &t);
}

/* ---- key: value blocks ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static void value_text(const char *key, struct json_object *v, char *buf, size_t cap)
{
    char tmp[CTL_CELL_MAX];
    switch (json_object_get_type(v)) {
    case json_type_null:
        snprintf(buf, cap, "-");
        break;
    case json_type_boolean:
        snprintf(buf, cap, "%s", json_object_get_boolean(v) ? "yes" : "no");
        break;
    case json_type_int: {
        int64_t x = json_object_get_int64(v);
        if (x > 0 && (ends_with(key, "_s"))) {
            ctl_fmt_duration((uint64_t)x, tmp, sizeof tmp);
            snprintf(buf, cap, "%lld (%s)", (long long)x, tmp);
        } else if (x >= 1024 && ends_with(key, "bytes")) {
            ctl_fmt_bytes((uint64_t)x, tmp, sizeof tmp);
            snprintf(buf, cap, "%lld (%s)", (long long)x, tmp);
        } else {
            snprintf(buf, cap, "%lld", (long long)x);
        }
        break;
    }
    case json_type_string:
        clean(json_object_get_string(v), buf, cap);
        break;
    case json_type_array: {
        size_t n = json_object_array_length(v), o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n && o + 1 < cap; i++) {
            struct json_object *e = json_object_array_get_idx(v, i);
            if (json_object_is_type(e, json_type_string))
                clean(json_object_get_string(e), tmp, sizeof tmp);
            else
                clean(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN), tmp, sizeof tmp);
            int k = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", tmp);
            if (k < 0)
                break;
            o += (size_t)k;
        }
        if (n == 0)
            snprintf(buf, cap, "-");
        break;
    }
    default:
        clean(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), buf, cap);
        break;
    }
}

static void print_block(FILE *out, const char *title, struct json_object *o, const char *skip)
{
    fprintf(out, "%s\n", title);
    size_t w = 0;
    json_object_object_foreach(o, k0, v0)
    {
        (void)v0;
        if (!(skip && !strcmp(k0, skip)) && strlen(k0) > w)
            w = strlen(k0);
    }
    json_object_object_foreach(o, k, v)
    {
        if (skip && !strcmp(k, skip))
            continue;
        char key[CTL_CELL_MAX], val[1024];
        clean(k, key, sizeof key);
        value_text(k, v, val, sizeof val);
        fprintf(out, "  %s:", key);
        pad(out, w - strlen(k) + 1);
        fprintf(out, "%s\n", val);
    }
}

static void print_counters(FILE *out, struct json_object *st)
{
    print_block(out, "Counters:", st, NULL);
}

static void print_tunnels(FILE *out, struct json_object *arr, bool heading)
{
    size_t n = json_object_array_length(arr);
    if (heading)
        fprintf(out, "Tunnels: %zu\n", n);
    if (n)
        print_tunnel_table(out, arr);
    else if (!heading)
        fprintf(out, "no tunnels\n");
}

static void print_sessions(FILE *out, struct json_object *arr, bool heading)
{
    size_t n = json_object_array_length(arr);
    if (heading)
        fprintf(out, "Sessions: %zu\n", n);
    if (n)
        print_session_table(out, arr);
    else if (!heading)
        fprintf(out, "no sessions\n");
}

static void print_disconnected(FILE *out, struct json_object *arr)
{
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        if (jget(o, "session"))
            fprintf(out, "disconnected session %lld/%lld\n", jint(o, "tunnel"), jint(o, "session"));
        else
            fprintf(out, "disconnected tunnel %lld\n", jint(o, "tunnel"));
    }
}

void ctl_cli_print(FILE *out, struct json_object *req, struct json_object *resp)
{
    const char *cmd = jstr(req, "cmd");
    struct json_object *v;
    if (cmd == NULL)
        cmd = "";
    if (!strcmp(cmd, "version")) {
        char ver[64];
        clean(jstr(resp, "version") ? jstr(resp, "version") : "?", ver, sizeof ver);
        fprintf(out, "l2tpxctl %s\nl2tpxd %s\n", L2TPX_VERSION, ver);
    } else if (!strcmp(cmd, "show-tunnel") && (v = jget(resp, "tunnel"))) {
        char title[64];
        snprintf(title, sizeof title, "Tunnel %lld", jint(v, "local_id"));
        print_block(out, title, v, "sessions");
        struct json_object *ss = jget(v, "sessions");
        if (ss && json_object_is_type(ss, json_type_array)) {
            fputc('\n', out);
            print_sessions(out, ss, true);
        }
    } else if (!strcmp(cmd, "show-session") && (v = jget(resp, "session"))) {
        char title[64];
        snprintf(title, sizeof title, "Session %lld/%lld", jint(v, "tunnel_id"),
                 jint(v, "local_id"));
        print_block(out, title, v, NULL);
        struct json_object *t = jget(resp, "tunnel");
        if (t) {
            char peer[160], host[160];
            clean(jstr(t, "peer") ? jstr(t, "peer") : "-", peer, sizeof peer);
            clean(jstr(t, "peer_host_name") ? jstr(t, "peer_host_name") : "", host, sizeof host);
            fprintf(out, "Tunnel %lld: peer %s%s%s%s, %s\n", jint(t, "local_id"), peer,
                    *host ? " (" : "", host, *host ? ")" : "",
                    jstr(t, "state") ? jstr(t, "state") : "?");
        }
    } else if ((v = jget(resp, "disconnected")) && json_object_is_type(v, json_type_array)) {
        print_disconnected(out, v);
    } else {
        bool status = !strcmp(cmd, "status"), any = false;
        if ((v = jget(resp, "tunnels")) && json_object_is_type(v, json_type_array)) {
            print_tunnels(out, v, status);
            any = true;
        }
        if ((v = jget(resp, "sessions")) && json_object_is_type(v, json_type_array)) {
            if (any)
                fputc('\n', out);
            print_sessions(out, v, status);
            any = true;
        }
        if ((v = jget(resp, "stats")) && json_object_is_type(v, json_type_object)) {
            if (any)
                fputc('\n', out);
            print_counters(out, v);
            any = true;
        }
        if (!any)
            fprintf(out, "ok\n");
    }
}

/* ---- command line ---- */

void ctl_cli_usage(FILE *f)
{
    fprintf(f,
            "usage: l2tpxctl [OPTIONS] COMMAND [ARGS]\n"
            "Queries and controls a running l2tpxd over its control socket.\n"
            "\n"
            "options:\n"
            "  -C, --control PATH   control socket (default: $" CTL_ENV_PATH ", else\n"
            "                       " CTL_DEFAULT_PATH ")\n"
            "  -j, --json           print the daemon's JSON answer instead of tables\n"
            "  -p, --pretty         indented JSON (implies --json)\n"
            "  -t, --timeout SECS   wait at most SECS for the daemon (default %d)\n"
            "  -V, --version        print l2tpxctl's version and exit\n"
            "  -h, --help           this text\n"
            "\n"
            "commands:\n"
            "  status                      tunnels, sessions and counters\n"
            "  list tunnels                one line per tunnel (also: tunnels)\n"
            "  list sessions               one line per session (also: sessions)\n"
            "  stats                       counters of the engine and the daemon\n"
            "  show tunnel TID             one tunnel, with its sessions\n"
            "  show session TID SID        everything about one session\n"
            "  disconnect session TID SID  hang up one session (CDN, result code 3)\n"
            "  disconnect tunnel TID       close a tunnel and its sessions (StopCCN,\n"
            "                              result code 1)\n"
            "  disconnect user NAME        hang up every session of PPP user NAME\n"
            "  disconnect ip ADDR          hang up the sessions with peer address ADDR\n"
            "  version                     versions of l2tpxctl and l2tpxd\n"
            "  help                        this text\n"
            "Dashed forms work too: disconnect-session, show-tunnel, list-sessions, ...\n"
            "TID and SID are l2tpxd's own IDs, the ID columns of the lists.\n"
            "Uptimes read 1d02h03m04s; RX/TX are L2TP payload bytes (KiB = 1024 B).\n"
            "\n"
            "exit status: 0 done, 1 the daemon refused or is unreachable, 2 usage error\n",
            CTL_DEFAULT_TMO_S);
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < 1 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* Argument kinds: 'T' tunnel ID, 'S' session ID, 'U' user name, 'I' IP. */
static const struct {
    const char *name, *cmd, *args, *synopsis;
} ctl_cli_cmds[] = {
    {"status", "status", "", "status"},
    {"tunnels", "tunnels", "", "list tunnels"},
    {"list-tunnels", "tunnels", "", "list tunnels"},
    {"sessions", "sessions", "", "list sessions"},
    {"list-sessions", "sessions", "", "list sessions"},
    {"stats", "stats", "", "stats"},
    {"show-tunnel", "show-tunnel", "T", "show tunnel TID"},
    {"show-session", "show-session", "TS", "show session TID SID"},
    {"disconnect-session", "disconnect-session", "TS", "disconnect session TID SID"},
    {"disconnect-tunnel", "disconnect-tunnel", "T", "disconnect tunnel TID"},
    {"disconnect-user", "disconnect-user", "U", "disconnect user NAME"},
    {"disconnect-ip", "disconnect-ip", "I", "disconnect ip ADDR"},
    {"version", "version", "", "version"},
};

struct json_object *ctl_cli_request(int argc, char *const *argv, char *err, size_t cap)
{
    if (argc < 1) {
        snprintf(err, cap, "no command given");
        return NULL;
    }
    /* "show session 1 2" is "show-session 1 2" */
    char name[64];
    int skip = 1;
    if (argc >= 2 &&
        (!strcmp(argv[0], "list") || !strcmp(argv[0], "show") || !strcmp(argv[0], "disconnect"))) {
        snprintf(name, sizeof name, "%s-%.40s", argv[0], argv[1]);
        skip = 2;
    } else {
        snprintf(name, sizeof name, "%.60s", argv[0]);
    }
    size_t i = 0, n = sizeof ctl_cli_cmds / sizeof ctl_cli_cmds[0];
    while (i < n && strcmp(ctl_cli_cmds[i].name, name))
        i++;
    if (i == n) {
        char safe[64];
        clean(argc >= 2 && skip == 2 ? name : argv[0], safe, sizeof safe);
        snprintf(err, cap, "unknown command '%s'", safe);
        return NULL;
    }
    const char *kinds = ctl_cli_cmds[i].args;
    int nargs = argc - skip;
    if ((size_t)nargs != strlen(kinds)) {
        snprintf(err, cap, "usage: l2tpxctl %s", ctl_cli_cmds[i].synopsis);
        return NULL;
    }
    struct json_object *req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string(ctl_cli_cmds[i].cmd));
    for (int k = 0; k < nargs; k++) {
        const char *a = argv[skip + k];
        int64_t id;
        switch (kinds[k]) {
        case 'T':
        case 'S':
            if (parse_id(a, &id) < 0) {
                snprintf(err, cap, "%s ID must be 1-65535", kinds[k] == 'T' ? "tunnel" : "session");
                goto bad;
            }
            json_object_object_add(req, kinds[k] == 'T' ? "tunnel" : "session",
                                   json_object_new_int64(id));
            break;
        case 'U':
            if (a[0] == '\0' || strlen(a) > CTL_MAX_USER) {
                snprintf(err, cap, "user name must be 1-%d bytes", CTL_MAX_USER);
                goto bad;
            }
            json_object_object_add(req, "user", json_object_new_string(a));
            break;
        case 'I': {
            unsigned char b[16];
            if (inet_pton(AF_INET, a, b) != 1 && inet_pton(AF_INET6, a, b) != 1) {
                snprintf(err, cap, "not an IPv4 or IPv6 address");
                goto bad;
            }
            json_object_object_add(req, "ip", json_object_new_string(a));
            break;
        }
        }
    }
    return req;
bad:
    json_object_put(req);
    return NULL;
}

/* ---- socket ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become ready for events before deadline. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

char *ctl_cli_transact(const char *path, const char *line, int timeout_ms, char *err, size_t cap)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        snprintf(err, cap, "control socket path too long: %s", path);
        return NULL;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, cap, "socket: %s", strerror(errno));
        return NULL;
    }
    int64_t deadline = mono_ms() + timeout_ms;
    /* A Unix stream connect() does not wait for the daemon to accept
     * (only a full backlog blocks it), so the poll()s below bound it all. */
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        snprintf(err, cap, "cannot reach l2tpxd at %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    char *buf = NULL;
    size_t len = strlen(line), got = 0, bcap = 0;
    int rc = 0;
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if ((rc = wait_fd(fd, POLLOUT, deadline)) < 0)
                goto fail_errno;
            continue;
        }
        if (n < 0) {
            rc = -errno;
            goto fail_errno;
        }
        off += (size_t)n;
    }
    for (;;) {
        if (got + 1 >= bcap) {
            if (bcap >= CTL_MAX_RESPONSE) {
                snprintf(err, cap, "answer from l2tpxd too large");
                goto fail;
            }
            size_t nc = bcap ? bcap * 2 : 65536;
            char *nb = realloc(buf, nc);
            if (nb == NULL) {
                snprintf(err, cap, "out of memory");
                goto fail;
            }
            buf = nb;
            bcap = nc;
        }
        if ((rc = wait_fd(fd, POLLIN, deadline)) < 0)
            goto fail_errno;
        ssize_t n = recv(fd, buf + got, bcap - 1 - got, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            rc = -errno;
            goto fail_errno;
        }
        if (n == 0)
            break;
        char *nl = memchr(buf + got, '\n', (size_t)n);
        got += (size_t)n;
        if (nl) {
            got = (size_t)(nl - buf);
            break;
        }
    }
    close(fd);
    if (got == 0) {
        snprintf(err, cap, "l2tpxd closed the connection without answering");
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    return buf;
fail_errno:
    snprintf(err, cap, "no answer from l2tpxd at %s: %s", path,
             rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
fail:
    close(fd);
    free(buf);
    return NULL;
}

int ctl_cli_main(int argc, char **argv, FILE *out, FILE *errf)
{
    const char *path = getenv(CTL_ENV_PATH);
    if (path == NULL || *path == '\0')
        path = CTL_DEFAULT_PATH;
    bool json = false, pretty = false;
    long timeout_s = CTL_DEFAULT_TMO_S;
    static const struct option opts[] = {
        {"control", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {"pretty", no_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0; /* full re-initialisation: callable more than once */
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "+C:jpt:Vh", opts, NULL)) != -1) {
        switch (o) {
        case 'C':
            path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'p':
            json = pretty = true;
            break;
        case 't': {
            char *end;
            errno = 0;
            timeout_s = strtol(optarg, &end, 10);
            if (errno || *optarg == '\0' || *end != '\0' || timeout_s < 1 || timeout_s > 86400) {
                fprintf(errf, "l2tpxctl: --timeout wants 1-86400 seconds\n");
                return CTL_EXIT_USAGE;
            }
            break;
        }
        case 'V':
            fprintf(out, "l2tpxctl %s\n", L2TPX_VERSION);
            return CTL_EXIT_OK;
        case 'h':
            ctl_cli_usage(out);
            return CTL_EXIT_OK;
        default:
            fprintf(errf, "l2tpxctl: unknown or incomplete option '%s' (see l2tpxctl --help)\n",
                    argv[optind - 1]);
            return CTL_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        ctl_cli_usage(errf);
        return CTL_EXIT_USAGE;
    }
    if (!strcmp(argv[optind], "help")) {
        ctl_cli_usage(out);
        return CTL_EXIT_OK;
    }
    char err[512];
    struct json_object *req = ctl_cli_request(argc - optind, argv + optind, err, sizeof err);
    if (req == NULL) {
        fprintf(errf, "l2tpxctl: %s (see l2tpxctl --help)\n", err);
        return CTL_EXIT_USAGE;
    }
    const char *txt = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    size_t tl = strlen(txt);
    char *line = malloc(tl + 2);
    if (line == NULL) {
        json_object_put(req);
        fprintf(errf, "l2tpxctl: out of memory\n");
        return CTL_EXIT_ERROR;
    }
    memcpy(line, txt, tl);
    memcpy(line + tl, "\n", 2);
    char *resp = ctl_cli_transact(path, line, (int)(timeout_s * 1000), err, sizeof err);
    free(line);
    if (resp == NULL) {
        json_object_put(req);
        fprintf(errf, "l2tpxctl: %s\n", err);
        return CTL_EXIT_ERROR;
    }
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *r = tok ? json_tokener_parse_ex(tok, resp, (int)strlen(resp)) : NULL;
    if (tok)
        json_tokener_free(tok);
    if (r == NULL || !json_object_is_type(r, json_type_object)) {
        fprintf(errf, "l2tpxctl: malformed answer from l2tpxd\n");
        json_object_put(r);
        json_object_put(req);
        free(resp);
        return CTL_EXIT_ERROR;
    }
    bool ok = jbool(r, "ok");
    if (json) {
        fprintf(out, "%s\n",
                pretty ? json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE)
                       : resp);
    }
    if (!ok) {
        char msg[512];
        clean(jstr(r, "error") ? jstr(r, "error") : "request failed", msg, sizeof msg);
        fprintf(errf, "l2tpxctl: %s\n", msg);
    } else if (!json) {
        ctl_cli_print(out, req, r);
    }
    json_object_put(r);
    json_object_put(req);
    free(resp);
    return ok ? CTL_EXIT_OK : CTL_EXIT_ERROR;
}
