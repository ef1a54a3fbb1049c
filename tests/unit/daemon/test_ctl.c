#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl/ctl_server.h"
#include "lib/log.h"

struct fake {
    struct l2tp_engine *eng;
    int changed;
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

static const struct ctl_ops ops = {get_engine, add_stats, changed};

static void nop_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                     const uint8_t *pkt, size_t len)
{
}

static const struct l2tp_engine_ops eng_ops = {.send = nop_send};

static struct json_object *req(struct fake *f, const char *line)
{
    return ctl_handle_request(&ops, f, 1000, line, strlen(line));
}

static const char *err_of(struct json_object *r)
{
    struct json_object *v;
    assert_true(json_object_object_get_ex(r, "ok", &v));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(r, "error", &v));
    return json_object_get_string(v);
}

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

    r = req(&f, "{\"cmd\":\"disconnect-tunnel\",\"tunnel\":7}");
    assert_string_equal(err_of(r), "no tunnel 7");
    json_object_put(r);
    r = req(&f, "{\"cmd\":\"disconnect-tunnel\",\"tunnel\":70000}");
    assert_non_null(strstr(err_of(r), "'tunnel'"));
    json_object_put(r);
    r = req(&f, "{\"cmd\":\"disconnect-session\",\"tunnel\":7}");
    assert_non_null(strstr(err_of(r), "'session'"));
    json_object_put(r);
    r = req(&f, "{\"cmd\":\"nope\"}");
    assert_string_equal(err_of(r), "unknown command 'nope'");
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
}

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

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
