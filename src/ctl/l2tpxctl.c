/* l2tpxctl: talks to l2tpxd over its control socket (ctl_server.h). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_server.h"

#define MAX_RESPONSE (256u << 20)

static void usage(FILE *f)
{
    fprintf(f, "usage: l2tpxctl [--control PATH] [--json] COMMAND\n"
               "commands:\n"
               "  status                      tunnels, sessions and counters\n"
               "  tunnels                     list tunnels\n"
               "  sessions                    list sessions\n"
               "  stats                       counters\n"
               "  disconnect-session TID SID  hang up a session (our IDs)\n"
               "  disconnect-tunnel TID       close a tunnel (StopCCN)\n");
}

static int parse_id(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < 1 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* Sends one request line and reads one response line. NULL on failure
 * (message printed). */
static char *transact(const char *path, const char *req)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        fprintf(stderr, "l2tpxctl: control socket path too long: %s\n", path);
        return NULL;
    }
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "l2tpxctl: socket: %s\n", strerror(errno));
        return NULL;
    }
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        fprintf(stderr, "l2tpxctl: cannot reach l2tpxd at %s: %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    size_t len = strlen(req);
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "l2tpxctl: send: %s\n", strerror(errno));
            close(fd);
            return NULL;
        }
        off += (size_t)n;
    }
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }
    for (;;) {
        if (got + 1 >= cap) {
            if (cap >= MAX_RESPONSE) {
                fprintf(stderr, "l2tpxctl: response too large\n");
                goto fail;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                goto fail;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "l2tpxctl: no answer from l2tpxd: %s\n", strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        char *nl = memchr(buf + got, '\n', (size_t)n);
        got += (size_t)n;
        if (nl != NULL) {
            got = (size_t)(nl - buf);
            break;
        }
    }
    close(fd);
    if (got == 0) {
        fprintf(stderr, "l2tpxctl: l2tpxd closed the connection without answering\n");
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    return buf;
fail:
    close(fd);
    free(buf);
    return NULL;
}

static const char *jstr(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return "-";
    return json_object_get_string(v);
}

static long long jint(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return 0;
    return (long long)json_object_get_int64(v);
}

static bool jbool(struct json_object *o, const char *k)
{
    struct json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static void fmt_dur(long long s, char *buf, size_t cap)
{
    if (s >= 86400)
        snprintf(buf, cap, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
    else if (s >= 3600)
        snprintf(buf, cap, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else if (s >= 60)
        snprintf(buf, cap, "%lldm%02llds", s / 60, s % 60);
    else
        snprintf(buf, cap, "%llds", s);
}

static void print_tunnels(struct json_object *arr)
{
    size_t n = json_object_array_length(arr);
    printf("Tunnels: %zu\n", n);
    if (n == 0)
        return;
    printf("  %-6s %-6s %-16s %-28s %-20s %5s %4s %4s %9s\n", "ID", "PEER", "STATE", "PEER ADDRESS",
           "PEER HOST", "SESS", "INIT", "AUTH", "UPTIME");
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = json_object_array_get_idx(arr, i);
        char up[32];
        fmt_dur(jint(t, "uptime_s"), up, sizeof up);
        printf("  %-6lld %-6lld %-16s %-28s %-20.20s %5lld %4s %4s %9s\n", jint(t, "local_id"),
               jint(t, "peer_id"), jstr(t, "state"), jstr(t, "peer"), jstr(t, "peer_host_name"),
               jint(t, "n_sessions"), jbool(t, "initiator") ? "yes" : "no",
               jbool(t, "authenticated") ? "yes" : "no", up);
    }
}

static void print_sessions(struct json_object *arr)
{
    size_t n = json_object_array_length(arr);
    printf("Sessions: %zu\n", n);
    if (n == 0)
        return;
    printf("  %-6s %-6s %-6s %-16s %-4s %-4s %9s %10s %10s %12s %12s\n", "TUNNEL", "ID", "PEER",
           "STATE", "ROLE", "DIR", "UPTIME", "RX PKTS", "TX PKTS", "RX BYTES", "TX BYTES");
    for (size_t i = 0; i < n; i++) {
        struct json_object *s = json_object_array_get_idx(arr, i);
        char up[32];
        fmt_dur(jint(s, "uptime_s"), up, sizeof up);
        printf("  %-6lld %-6lld %-6lld %-16s %-4s %-4s %9s %10lld %10lld %12lld %12lld\n",
               jint(s, "tunnel_id"), jint(s, "local_id"), jint(s, "peer_id"), jstr(s, "state"),
               jbool(s, "lac") ? "lac" : "lns", jbool(s, "incoming") ? "in" : "out", up,
               jint(s, "rx_pkts"), jint(s, "tx_pkts"), jint(s, "rx_bytes"), jint(s, "tx_bytes"));
    }
}

static void print_stats(struct json_object *st)
{
    printf("Counters:\n");
    json_object_object_foreach(st, k, v)
    {
        printf("  %-24s %s\n", k, json_object_get_string(v));
    }
}

int main(int argc, char **argv)
{
    const char *path = CTL_DEFAULT_PATH;
    bool json = false;
    static const struct option opts[] = {
        {"control", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "+C:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'C':
            path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    struct json_object *req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string(cmd));
    if (!strcmp(cmd, "status") || !strcmp(cmd, "tunnels") || !strcmp(cmd, "sessions") ||
        !strcmp(cmd, "stats")) {
        if (nargs != 0)
            goto bad_args;
    } else if (!strcmp(cmd, "disconnect-session")) {
        long tid, sid;
        if (nargs != 2 || parse_id(args[0], &tid) < 0 || parse_id(args[1], &sid) < 0)
            goto bad_args;
        json_object_object_add(req, "tunnel", json_object_new_int64(tid));
        json_object_object_add(req, "session", json_object_new_int64(sid));
    } else if (!strcmp(cmd, "disconnect-tunnel")) {
        long tid;
        if (nargs != 1 || parse_id(args[0], &tid) < 0)
            goto bad_args;
        json_object_object_add(req, "tunnel", json_object_new_int64(tid));
    } else {
        fprintf(stderr, "l2tpxctl: unknown command '%s'\n", cmd);
        usage(stderr);
        json_object_put(req);
        return 2;
    }

    char line[512];
    snprintf(line, sizeof line, "%s\n",
             json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
    json_object_put(req);
    char *resp = transact(path, line);
    if (resp == NULL)
        return 1;
    struct json_object *r = json_tokener_parse(resp);
    if (r == NULL || !json_object_is_type(r, json_type_object)) {
        fprintf(stderr, "l2tpxctl: malformed answer from l2tpxd\n");
        json_object_put(r);
        free(resp);
        return 1;
    }
    bool ok = jbool(r, "ok");
    if (json) {
        printf("%s\n", resp);
    } else if (!ok) {
        fprintf(stderr, "l2tpxctl: %s\n", jstr(r, "error"));
    } else {
        struct json_object *v;
        bool any = false;
        if (json_object_object_get_ex(r, "tunnels", &v)) {
            print_tunnels(v);
            any = true;
        }
        if (json_object_object_get_ex(r, "sessions", &v)) {
            print_sessions(v);
            any = true;
        }
        if (json_object_object_get_ex(r, "stats", &v)) {
            print_stats(v);
            any = true;
        }
        if (!any)
            printf("ok\n");
    }
    json_object_put(r);
    free(resp);
    return ok ? 0 : 1;

bad_args:
    fprintf(stderr, "l2tpxctl: bad arguments for '%s'\n", cmd);
    usage(stderr);
    json_object_put(req);
    return 2;
}
