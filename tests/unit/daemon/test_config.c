#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "net/udp.h"

struct diags {
    int n_err, n_warn;
    char err[16][512];
    char warn[16][512];
};

static void collect(void *arg, bool error, const char *msg)
{
    struct diags *d = arg;
    if (error) {
        if (d->n_err < 16)
            snprintf(d->err[d->n_err], sizeof d->err[0], "%s", msg);
        d->n_err++;
    } else {
        if (d->n_warn < 16)
            snprintf(d->warn[d->n_warn], sizeof d->warn[0], "%s", msg);
        d->n_warn++;
    }
}

static int load(struct cfg *c, struct diags *d, const char *text)
{
    memset(d, 0, sizeof *d);
    cfg_init(c);
    return cfg_load_string(c, "t.conf", text, collect, d);
}

static void test_xl2tpd_style(void **state)
{
    struct cfg c;
    struct diags d;
    const char *text = "; xl2tpd.conf as shipped, more or less\n"
                       "[global]\n"
                       "listen-addr = 192.0.2.1\n"
                       "port = 1702\n"
                       "auth file = /etc/ppp/chap-secrets\n"
                       "access control = no\n"
                       "debug tunnel = yes\n"
                       "\n"
                       "[lns default]\n"
                       "  ip range = 192.168.1.128-192.168.1.254\n"
                       "  local ip = 192.168.1.99\n"
                       "  require chap = yes\n"
                       "  refuse pap = yes\n"
                       "  require authentication = yes\n"
                       "  name = LinuxVPNserver\n"
                       "  ppp debug = yes\n"
                       "  pppoptfile = /etc/ppp/options.xl2tpd\n"
                       "  length bit = yes\n"
                       "  hidden bit = no\n"
                       "  tunnel rws = 8\n"
                       "  hello interval = 30\n"
                       "  Max  Retries = 7\n"
                       "\n"
                       "[lac office]\n"
                       "lns = vpn.example.com:1800\n"
                       "redial = yes\n"
                       "redial timeout = 15\n"
                       "max redials = 5\n"
                       "autodial = yes\n"
                       "require pap = yes\n"
                       "name = joe\n";
    assert_int_equal(load(&c, &d, text), 0);
    assert_int_equal(d.n_err, 0);
    /* auth file (ignored) + one warning per PPP key, once each */
    assert_true(d.n_warn >= 9);
    assert_string_equal(d.warn[0], "t.conf:5: key 'auth file' ignored");
    bool found = false;
    for (int i = 0; i < d.n_warn && i < 16; i++) {
        if (strstr(d.warn[i], "key 'name'"))
            found = true;
        /* the second 'name' (line 31) is not warned about again */
        assert_null(strstr(d.warn[i], "t.conf:31:"));
    }
    assert_true(found);

    assert_int_equal(c.global.port, 1702);
    assert_int_equal(c.global.n_listen, 1);
    assert_false(c.global.listen_default);
    assert_int_equal(net_addr_port(&c.global.listen[0]), 1702);
    assert_true(c.global.debug_tunnel);
    assert_int_equal(c.n_sections, 2);

    const struct cfg_section *lns = cfg_find(&c, CFG_LNS, "default");
    assert_non_null(lns);
    assert_int_equal(lns->line, 9);
    assert_true(lns->tunnel.data_len_bit);
    assert_false(lns->tunnel.hide_avps);
    assert_int_equal(lns->tunnel.rws, 8);
    assert_int_equal(lns->tunnel.hello_ms, 30000);
    assert_int_equal(lns->tunnel.max_retries, 7);
    assert_ptr_equal(lns->tunnel.profile, lns);
    assert_string_equal(lns->ppp.ip_range, "192.168.1.128-192.168.1.254");
    assert_string_equal(lns->ppp.local_ip, "192.168.1.99");
    assert_true(lns->ppp.require_chap);
    assert_true(lns->ppp.refuse_pap);
    assert_string_equal(lns->ppp.name, "LinuxVPNserver");
    assert_true(lns->tunnel.host_name[0] != '\0'); /* system host name */

    const struct cfg_section *lac = cfg_find(&c, CFG_LAC, "office");
    assert_non_null(lac);
    assert_string_equal(lac->lns_host, "vpn.example.com");
    assert_int_equal(lac->lns_port, 1800);
    assert_true(lac->redial);
    assert_true(lac->autodial);
    assert_int_equal(lac->redial_timeout_s, 15);
    assert_int_equal(lac->max_redials, 5);
    assert_true(lac->ppp.require_pap);
    assert_null(cfg_find(&c, CFG_LNS, "office"));
    cfg_free(&c);
}

static void test_defaults(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d, "[global]\n"), 0);
    assert_int_equal(c.global.port, 1701);
    assert_true(c.global.listen_default);
    assert_int_equal(c.global.n_listen, 2);
    assert_int_equal(c.global.listen[0].sa.sa_family, AF_INET);
    assert_int_equal(c.global.listen[1].sa.sa_family, AF_INET6);
    assert_true(net_addr_is_any(&c.global.listen[0]));
    assert_int_equal(net_addr_port(&c.global.listen[1]), 1701);
    assert_false(c.global.log_syslog);
    assert_int_equal(c.n_sections, 0);
    cfg_free(&c);
    /* an empty file is fine too */
    assert_int_equal(load(&c, &d, ""), 0);
    cfg_free(&c);
}

static void test_unknown_key(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d, "[global]\nport = 1701\nfrobnicate = yes\n"), 1);
    assert_string_equal(d.err[0], "t.conf:3: unknown key 'frobnicate' in [global]");
    cfg_free(&c);
    /* a key of another section kind */
    assert_int_equal(load(&c, &d, "[lns x]\n\nautodial = yes\n"), 1);
    assert_non_null(strstr(d.err[0], "t.conf:3: unknown key 'autodial' in [lns x]"));
    cfg_free(&c);
}

static void test_bad_values(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "[global]\n"
                          "port = abc\n"
                          "port = 70000\n"
                          "listen-addr = 1.2.3.4, nonsense\n"
                          "access control = maybe\n"
                          "max tunnels = -1\n"
                          "log = file\n"),
                     6);
    assert_string_equal(d.err[0], "t.conf:2: key 'port': 'abc' is not an integer from 1 to 65535");
    assert_string_equal(d.err[1],
                        "t.conf:3: key 'port': '70000' is not an integer from 1 to 65535");
    assert_string_equal(d.err[2],
                        "t.conf:4: key 'listen-addr': 'nonsense' is not an IPv4 or IPv6 address");
    assert_string_equal(d.err[3], "t.conf:5: key 'access control': 'maybe' is not yes or no");
    assert_non_null(strstr(d.err[4], "t.conf:6: key 'max tunnels':"));
    assert_string_equal(d.err[5], "t.conf:7: key 'log': 'file' is not stderr or syslog");
    cfg_free(&c);

    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char text[512];
    snprintf(text, sizeof text, "[lns a]\nsecret = %s\n", big);
    assert_int_equal(load(&c, &d, text), 1);
    assert_non_null(strstr(d.err[0], "t.conf:2: key 'secret': must be 1 to 128"));
    cfg_free(&c);

    assert_int_equal(load(&c, &d, "[lns a]\nlac = 10.0.0.9-10.0.0.1\n"), 1);
    assert_non_null(strstr(d.err[0], "t.conf:2: key 'lac': '10.0.0.9-10.0.0.1'"));
    cfg_free(&c);
    assert_int_equal(load(&c, &d, "[lac a]\nlns = bad host!\n"), 1);
    assert_non_null(strstr(d.err[0], "t.conf:2: key 'lns':"));
    cfg_free(&c);
    assert_int_equal(load(&c, &d, "[lns a]\nhello interval = 1.5\ntunnel rws = 0\n"), 2);
    assert_non_null(strstr(d.err[0], "t.conf:2: key 'hello interval':"));
    assert_non_null(strstr(d.err[1], "t.conf:3: key 'tunnel rws':"));
    cfg_free(&c);
}

static void test_sections(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "[global]\n"
                          "[peers]\n"   /* 2: unknown */
                          "foo = bar\n" /* skipped: no cascade */
                          "[lns]\n"     /* 4: needs a name */
                          "[lns a]\n"   /* 5 */
                          "[lns a]\n"   /* 6: duplicate */
                          "[lac a]\n"   /* 7: same name, other kind: ok, but no lns */
                          "lns = 10.0.0.1\n"
                          "[global]\n" /* 9: duplicate */
                          "[lns b\n"), /* 10: syntax */
                     5);
    assert_string_equal(d.err[0], "t.conf:2: unknown section [peers]");
    assert_non_null(strstr(d.err[1], "t.conf:4: section [lns] needs a name"));
    assert_string_equal(d.err[2], "t.conf:6: duplicate section [lns a]");
    assert_string_equal(d.err[3], "t.conf:9: duplicate section [global]");
    assert_non_null(strstr(d.err[4], "t.conf:10: syntax error"));
    cfg_free(&c);

    assert_int_equal(load(&c, &d, "port = 1\n"), 1);
    assert_string_equal(d.err[0], "t.conf:1: key 'port' outside of any section");
    cfg_free(&c);

    assert_int_equal(load(&c, &d, "[global]\nthis line has no equals sign\n"), 1);
    assert_non_null(strstr(d.err[0], "t.conf:2: syntax error"));
    cfg_free(&c);
}

static void test_semantic_checks(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d, "[lns a]\n\nhidden bit = yes\nchallenge = yes\n[lac b]\n"), 3);
    assert_string_equal(d.err[0], "t.conf:3: key 'hidden bit': needs a 'secret'");
    assert_string_equal(d.err[1], "t.conf:4: key 'challenge': needs a 'secret'");
    assert_string_equal(d.err[2], "t.conf:5: [lac b]: missing key 'lns'");
    cfg_free(&c);
    assert_int_equal(load(&c, &d, "[lns a]\nsecret = s3cr3t\nhidden bit = yes\nchallenge = 1\n"),
                     0);
    const struct cfg_section *s = cfg_find(&c, CFG_LNS, "a");
    assert_int_equal(s->tunnel.secret_len, 6);
    assert_memory_equal(s->tunnel.secret, "s3cr3t", 6);
    assert_true(s->tunnel.auth_required);
    assert_true(s->tunnel.hide_avps);
    cfg_free(&c);
}

static void test_line_numbers_and_comments(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "# comment\r\n"
                          "; another\r\n"
                          "\r\n"
                          "[global]\r\n"
                          "\tport = 1701 ; inline comment\r\n"
                          "    debug = yes\r\n"
                          "    bogus = 1\r\n"),
                     1);
    assert_string_equal(d.err[0], "t.conf:7: unknown key 'bogus' in [global]");
    assert_true(c.global.debug);
    assert_int_equal(c.global.port, 1701);
    cfg_free(&c);

    /* an over-long line is an error with its line number */
    size_t n = 6000;
    char *text = malloc(n + 64);
    int off = snprintf(text, 64, "[global]\nrand source = ");
    memset(text + off, 'a', n);
    strcpy(text + off + n, "\nport = 1\n");
    assert_int_equal(load(&c, &d, text), 1);
    assert_non_null(strstr(d.err[0], "t.conf:2: line too long"));
    assert_int_equal(c.global.port, 1);
    cfg_free(&c);
    free(text);
}

static void test_listen_and_ranges(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "[global]\n"
                          "listen-addr = 10.0.0.1, 2001:db8::1 10.0.0.1\n"
                          "listen-addr = ::1\n"
                          "access control = yes\n"
                          "[lns corp]\n"
                          "lac = 10.1.0.0/16, 192.0.2.10-192.0.2.20\n"
                          "lac = 198.51.100.7-9\n"
                          "lac = 2001:db8:1::/48\n"
                          "[lns default]\n"),
                     0);
    assert_int_equal(c.global.n_listen, 3);
    assert_int_equal(c.global.listen[1].sa.sa_family, AF_INET6);
    const struct cfg_section *corp = cfg_find(&c, CFG_LNS, "corp");
    assert_int_equal(corp->n_lac, 4);

    struct l2tp_addr a;
    net_addr_parse("10.1.200.3", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), corp);
    net_addr_parse("192.0.2.20", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), corp);
    net_addr_parse("198.51.100.9", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), corp);
    net_addr_parse("2001:db8:1:ffff::1", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), corp);
    /* access control: nobody else */
    net_addr_parse("192.0.2.21", 1701, &a);
    assert_null(cfg_select_lns(&c, &a));
    c.global.access_control = false;
    assert_ptr_equal(cfg_select_lns(&c, &a), cfg_find(&c, CFG_LNS, "default"));
    cfg_free(&c);

    struct cfg_ip_range r;
    assert_int_equal(cfg_parse_range("10.0.0.0/8", &r), 0);
    assert_int_equal(r.lo[0], 10);
    assert_int_equal(r.hi[3], 255);
    assert_int_equal(cfg_parse_range("0.0.0.0/0", &r), 0);
    assert_int_equal(cfg_parse_range("10.0.0.0/33", &r), -1);
    assert_int_equal(cfg_parse_range("10.0.0.1-::1", &r), -1);
    assert_int_equal(cfg_parse_range("10.0.0.1-300", &r), -1);
    assert_int_equal(cfg_parse_range("", &r), -1);
    assert_int_equal(cfg_parse_range("10.0.0.1/8-9", &r), -1);
}

static void test_lac_forms(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "[lac a]\nlns = 192.0.2.1\n"
                          "[lac b]\nlns = [2001:db8::2]:1800\n"
                          "[lac c]\nlns = 2001:db8::3\nport = 1900\n"
                          "[lac d]\nlns = host.example\n"),
                     0);
    assert_string_equal(cfg_find(&c, CFG_LAC, "a")->lns_host, "192.0.2.1");
    assert_int_equal(cfg_find(&c, CFG_LAC, "a")->lns_port, 1701);
    assert_string_equal(cfg_find(&c, CFG_LAC, "b")->lns_host, "2001:db8::2");
    assert_int_equal(cfg_find(&c, CFG_LAC, "b")->lns_port, 1800);
    assert_string_equal(cfg_find(&c, CFG_LAC, "c")->lns_host, "2001:db8::3");
    assert_int_equal(cfg_find(&c, CFG_LAC, "c")->lns_port, 1900);
    assert_false(cfg_find(&c, CFG_LAC, "d")->autodial);
    cfg_free(&c);
}

static void test_global_max_retries(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d, "[global]\nmax retries = 9\n[lns a]\n[lns b]\nmax retries = 3\n"),
                     0);
    assert_int_equal(cfg_find(&c, CFG_LNS, "a")->tunnel.max_retries, 9);
    assert_int_equal(cfg_find(&c, CFG_LNS, "b")->tunnel.max_retries, 3);
    cfg_free(&c);
}

static void test_file(void **state)
{
    char path[] = "/tmp/l2tpx-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[global]\nport = 1701\n\n[lns default]\nhostname = lns1\nbad key = 1\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct cfg c;
    struct diags d = {0};
    cfg_init(&c);
    assert_int_equal(cfg_load(&c, path, collect, &d), 1);
    char want[128];
    snprintf(want, sizeof want, "%s:6: unknown key 'bad key' in [lns default]", path);
    assert_string_equal(d.err[0], want);
    assert_string_equal(cfg_find(&c, CFG_LNS, "default")->tunnel.host_name, "lns1");
    cfg_free(&c);
    unlink(path);

    memset(&d, 0, sizeof d);
    cfg_init(&c);
    assert_int_equal(cfg_load(&c, "/nonexistent/l2tpxd.conf", collect, &d), -1);
    assert_non_null(strstr(d.err[0], "/nonexistent/l2tpxd.conf"));
    cfg_free(&c);
}

static void test_key_table(void **state)
{
    size_t n;
    const struct cfg_key *k = cfg_keys(&n);
    assert_true(n <= CFG_MAX_KEYS);
    for (size_t i = 0; i < n; i++) {
        /* a row targets either struct cfg_global or struct cfg_section */
        assert_true(k[i].kinds == CFG_GLOBAL || (k[i].kinds & CFG_GLOBAL) == 0);
        for (const char *p = k[i].name; *p; p++)
            assert_false(*p >= 'A' && *p <= 'Z');
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(k[i].name, k[j].name) == 0)
                assert_int_equal(k[i].kinds & k[j].kinds, 0);
    }
}

static void test_bool(void **state)
{
    bool b;
    const char *yes[] = {"yes", "YES", "true", "1", "on"};
    const char *no[] = {"no", "False", "0", "off"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(cfg_parse_bool(yes[i], &b), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cfg_parse_bool(no[i], &b), 0);
        assert_false(b);
    }
    assert_int_equal(cfg_parse_bool("", &b), -1);
    assert_int_equal(cfg_parse_bool("yess", &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xl2tpd_style),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_semantic_checks),
        cmocka_unit_test(test_line_numbers_and_comments),
        cmocka_unit_test(test_listen_and_ranges),
        cmocka_unit_test(test_lac_forms),
        cmocka_unit_test(test_global_max_retries),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
