#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat/pppopts.h"
#include "daemon/config.h"
#include "net/udp.h"
#include "ppp/link.h"

#define NDIAG 64

struct diags {
    int n_err, n_warn;
    char err[NDIAG][512];
    char warn[NDIAG][512];
};

static void collect(void *arg, bool error, const char *msg)
{
    struct diags *d = arg;
    if (error) {
        if (d->n_err < NDIAG)
            snprintf(d->err[d->n_err], sizeof d->err[0], "%s", msg);
        d->n_err++;
    } else {
        if (d->n_warn < NDIAG)
            snprintf(d->warn[d->n_warn], sizeof d->warn[0], "%s", msg);
        d->n_warn++;
    }
}

/* The machine's /etc/xl2tpd and /etc/ppp never take part in a test. */
static void hermetic(struct cfg *c)
{
    cfg_init(c);
    snprintf(c->global.default_auth_file, sizeof c->global.default_auth_file,
             "/nonexistent/l2tp-secrets");
    snprintf(c->global.default_chap_secrets, sizeof c->global.default_chap_secrets,
             "/nonexistent/chap-secrets");
    snprintf(c->global.default_pap_secrets, sizeof c->global.default_pap_secrets,
             "/nonexistent/pap-secrets");
}

static int load(struct cfg *c, struct diags *d, const char *text)
{
    memset(d, 0, sizeof *d);
    hermetic(c);
    return cfg_load_string(c, "t.conf", text, collect, d);
}

/* A temporary directory with files; paths in texts say "@D@" for it. */
static char tmpdir[64];

static void mkdir_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/l2tpx-cfgtest-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

static void subst(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap;) {
        if (strncmp(in + i, "@D@", 3) == 0) {
            o += (size_t)snprintf(out + o, cap - o, "%s", tmpdir);
            i += 3;
        } else {
            out[o++] = in[i++];
        }
    }
    out[o] = '\0';
}

static void put(const char *name, const char *text)
{
    char path[256], body[8192];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    subst(text, body, sizeof body);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

static void rm_tmp(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

static int load_file(struct cfg *c, struct diags *d, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    memset(d, 0, sizeof *d);
    hermetic(c);
    return cfg_load(c, path, collect, d);
}

static bool has_diag(const struct diags *d, bool error, const char *needle)
{
    int n = error ? d->n_err : d->n_warn;
    for (int i = 0; i < n && i < NDIAG; i++)
        if (strstr(error ? d->err[i] : d->warn[i], needle))
            return true;
    return false;
}

static void dump(const struct diags *d)
{
    for (int i = 0; i < d->n_err && i < NDIAG; i++)
        print_message("ERR %s\n", d->err[i]);
    for (int i = 0; i < d->n_warn && i < NDIAG; i++)
        print_message("WRN %s\n", d->warn[i]);
}

static int count_diag(const struct diags *d, bool error, const char *needle)
{
    int n = error ? d->n_err : d->n_warn, k = 0;
    for (int i = 0; i < n && i < NDIAG; i++)
        if (strstr(error ? d->err[i] : d->warn[i], needle))
            k++;
    return k;
}

static void no_secret_in_diags(const struct diags *d, const char *secret)
{
    for (int i = 0; i < d->n_err && i < NDIAG; i++)
        assert_null(strstr(d->err[i], secret));
    for (int i = 0; i < d->n_warn && i < NDIAG; i++)
        assert_null(strstr(d->warn[i], secret));
}

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return ntohl(a.s_addr);
}

static void test_xl2tpd_style(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("options.xl2tpd", "ms-dns 192.0.2.53\n");
    char text[4096];
    subst("; xl2tpd.conf as shipped, more or less\n"
          "[global]\n"
          "listen-addr = 192.0.2.1\n"
          "port = 1702\n"
          "rand source = dev\n"
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
          "  pppoptfile = @D@/options.xl2tpd\n"
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
          "name = joe\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    assert_int_equal(d.n_err, 0);
    /* an ignored key warns once; the LAC has no password anywhere */
    assert_string_equal(d.warn[0], "t.conf:5: key 'rand source' ignored (no meaning for l2tpx)");
    assert_true(has_diag(&d, false, "t.conf:24: [lac office]: no password for PPP user 'joe'"));
    assert_true(has_diag(&d, false, "t.conf:30: key 'require pap': no effect without"));
    assert_int_equal(d.n_warn, 3);

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
    rm_tmp();
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
    assert_int_equal(
        load(&c, &d, "[lns a]\n\nhidden bit = yes\n[lns b]\nchallenge = yes\n[lac b]\n"), 3);
    assert_string_equal(
        d.err[0],
        "t.conf:3: key 'hidden bit': needs a 'secret' (auth file /nonexistent/l2tp-secrets: No "
        "such file or directory)");
    assert_non_null(strstr(d.err[1], "t.conf:5: key 'challenge': needs a 'secret'"));
    assert_string_equal(d.err[2], "t.conf:6: [lac b]: missing key 'lns'");
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

/* ---- issue 4: the xl2tpd + pppd drop-in ---- */

/* A Debian-style setup: /etc/xl2tpd/xl2tpd.conf, /etc/ppp/options.xl2tpd,
 * /etc/ppp/chap-secrets, /etc/xl2tpd/l2tp-secrets, all in a temp dir. */
static const char *debian_conf = "; /etc/xl2tpd/xl2tpd.conf\n"
                                 "[global]\n"
                                 "port = 1701\n"
                                 "auth file = @D@/l2tp-secrets\n"
                                 "access control = no\n"
                                 "ipsec saref = yes\n"
                                 "force userspace = yes\n"
                                 "debug avp = no\n"
                                 "\n"
                                 "[lns default]\n"
                                 "ip range = 10.10.0.10-10.10.0.50\n"
                                 "no ip range = 10.10.0.20 - 29\n"
                                 "local ip = 10.10.0.1\n"
                                 "require chap = yes\n"
                                 "refuse pap = yes\n"
                                 "require authentication = yes\n"
                                 "name = l2tpd\n"
                                 "ppp debug = yes\n"
                                 "pppoptfile = @D@/options.xl2tpd\n"
                                 "length bit = yes\n"
                                 "challenge = yes\n"
                                 "hostname = lns.example\n"
                                 "unix authentication = no\n"
                                 "chap secrets = @D@/chap-secrets\n"
                                 "\n"
                                 "[lac corp]\n"
                                 "lns = lns.example\n"
                                 "redial = yes\n"
                                 "redial timeout = 10\n"
                                 "max redials = 3\n"
                                 "require chap = yes\n"
                                 "refuse pap = yes\n"
                                 "require authentication = no\n"
                                 "name = alice\n"
                                 "ppp debug = no\n"
                                 "pppoptfile = @D@/options.client\n"
                                 "length bit = yes\n"
                                 "autodial = yes\n"
                                 "chap secrets = @D@/chap-secrets\n"
                                 "hostname = lac.example\n"
                                 "route = 10.20.0.0/16\n"
                                 "route = fd00:1::/48\n";

static const char *debian_options = "# /etc/ppp/options.xl2tpd\n"
                                    "ipcp-accept-local\n"
                                    "ipcp-accept-remote\n"
                                    "require-mschap-v2\n"
                                    "ms-dns 192.0.2.53\n"
                                    "ms-dns 192.0.2.54\n"
                                    "noccp\n"
                                    "auth\n"
                                    "crtscts\n"
                                    "idle 1800\n"
                                    "mtu 1410\n"
                                    "mru 1410\n"
                                    "nodefaultroute\n"
                                    "debug\n"
                                    "lock\n"
                                    "proxyarp\n"
                                    "connect-delay 5000\n"
                                    "lcp-echo-interval 30\n"
                                    "lcp-echo-failure 4\n"
                                    "maxconnect 86400\n";

static const char *client_options = "ipcp-accept-local\n"
                                    "ipcp-accept-remote\n"
                                    "refuse-eap\n"
                                    "noccp\n"
                                    "noauth\n"
                                    "mtu 1280\n"
                                    "mru 1280\n"
                                    "noipdefault\n"
                                    "defaultroute\n"
                                    "usepeerdns\n"
                                    "lock\n"
                                    "lcp-echo-interval 20\n";

static const char *chap_secrets = "# client  server  secret  IP addresses\n"
                                  "bob      l2tpd   \"bob pw\"  10.10.0.77\n"
                                  "alice    *       \"al1ce s3cret\"  *\n";

static const char *l2tp_secrets = "# us  them  secret\n"
                                  "lns.example  special  peer-only-key\n"
                                  "*  *  tunnel-k3y ; comment\n";

static void write_debian(void)
{
    mkdir_tmp();
    put("xl2tpd.conf", debian_conf);
    put("options.xl2tpd", debian_options);
    put("options.client", client_options);
    put("chap-secrets", chap_secrets);
    put("l2tp-secrets", l2tp_secrets);
}

static void test_debian_setup(void **state)
{
    struct cfg c;
    struct diags d;
    write_debian();
    int rc = load_file(&c, &d, "xl2tpd.conf");
    if (rc != 0)
        dump(&d);
    assert_int_equal(rc, 0);
    /* one warning per ignored key or option, nothing else */
    assert_true(has_diag(&d, false, "xl2tpd.conf:6: key 'ipsec saref' ignored"));
    assert_true(has_diag(&d, false, "xl2tpd.conf:7: key 'force userspace' ignored"));
    assert_true(has_diag(&d, false, "xl2tpd.conf:23: key 'unix authentication' ignored"));
    assert_true(has_diag(&d, false, "options.xl2tpd:7:"));  /* noccp */
    assert_true(has_diag(&d, false, "options.xl2tpd:9:"));  /* crtscts */
    assert_true(has_diag(&d, false, "options.xl2tpd:15:")); /* lock */
    assert_true(has_diag(&d, false, "options.xl2tpd:17:")); /* connect-delay */
    assert_true(has_diag(&d, false, "options.client:4:"));  /* noccp (other file) */
    assert_true(has_diag(&d, false, "options.client:11:")); /* lock */
    assert_true(has_diag(&d, false, "xl2tpd.conf:31: key 'require chap': no effect without"));
    assert_int_equal(d.n_warn, 10);
    no_secret_in_diags(&d, "al1ce");
    no_secret_in_diags(&d, "tunnel-k3y");

    const struct cfg_section *lns = cfg_find(&c, CFG_LNS, "default");
    assert_non_null(lns);
    assert_non_null(lns->pppopts);
    /* tunnel secret from xl2tpd's auth file */
    assert_int_equal(lns->tunnel.secret_len, strlen("tunnel-k3y"));
    assert_memory_equal(lns->tunnel.secret, "tunnel-k3y", 10);
    assert_non_null(strstr(lns->secret_origin, "l2tp-secrets:3"));
    /* the named-peer line serves the peer whose Host Name AVP says so */
    const struct l2tp_tunnel_cfg *tc = cfg_tunnel_for_peer(lns, "Special");
    assert_ptr_not_equal(tc, &lns->tunnel);
    assert_int_equal(tc->secret_len, strlen("peer-only-key"));
    assert_memory_equal(tc->secret, "peer-only-key", tc->secret_len);
    assert_ptr_equal(tc->profile, lns);
    assert_string_equal(tc->host_name, lns->tunnel.host_name);
    assert_ptr_equal(cfg_tunnel_for_peer(lns, "someone"), &lns->tunnel);
    assert_ptr_equal(cfg_tunnel_for_peer(lns, NULL), &lns->tunnel);

    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    assert_int_equal(cfg_section_ppp(lns, true, &l, &r, err, sizeof err), 0);
    assert_int_equal(l.role, PPP_LINK_AUTHENTICATOR);
    /* require-chap (xl2tpd) + require-mschap-v2 (file), pppd's preference */
    assert_int_equal(l.auth_require[0], PPP_AUTH_MSCHAP_V2);
    assert_int_equal(l.auth_require[1], PPP_AUTH_CHAP_MD5);
    assert_int_equal(l.auth_require[2], PPP_AUTH_NONE);
    assert_string_equal(l.our_name, "l2tpd");
    assert_int_equal(l.dns[0], ip4("192.0.2.53"));
    assert_int_equal(l.dns[1], ip4("192.0.2.54"));
    assert_int_equal(l.mtu, 1410);
    assert_int_equal(l.mru, 1410);
    assert_int_equal(l.echo_interval_ms, 30000);
    assert_int_equal(l.echo_failures, 4);
    assert_int_equal(l.local_ip, ip4("10.10.0.1"));
    assert_int_equal(r.local_ip, ip4("10.10.0.1"));
    assert_true(r.assign_ip);
    assert_int_equal(r.n_pools, 1);
    assert_string_equal(r.pools[0], "10.10.0.10-10.10.0.19,10.10.0.30-10.10.0.50");
    assert_string_equal(r.local_pool, "");
    assert_int_equal(r.idle_timeout_s, 1800);
    assert_int_equal(r.session_timeout_s, 86400);
    assert_true(r.proxyarp);
    assert_false(r.defaultroute);
    assert_true(r.ppp_debug);
    assert_non_null(strstr(r.chap_secrets, "/chap-secrets"));
    assert_string_equal(r.pap_secrets, "");

    const struct cfg_section *lac = cfg_find(&c, CFG_LAC, "corp");
    assert_non_null(lac);
    /* auth file, matched against the `lns` host */
    assert_int_equal(lac->tunnel.secret_len, 10);
    assert_int_equal(cfg_section_ppp(lac, false, &l, &r, err, sizeof err), 0);
    assert_int_equal(l.role, PPP_LINK_PEER);
    assert_string_equal(l.user, "alice");
    assert_string_equal(l.password, "al1ce s3cret");    /* chap-secrets (alice, *) */
    assert_int_equal(l.auth_require[0], PPP_AUTH_NONE); /* noauth */
    /* refuse pap (xl2tpd): the other three stay */
    assert_int_equal(l.auth_allow[0], PPP_AUTH_MSCHAP_V2);
    assert_int_equal(l.auth_allow[1], PPP_AUTH_MSCHAP_V1);
    assert_int_equal(l.auth_allow[2], PPP_AUTH_CHAP_MD5);
    assert_int_equal(l.auth_allow[3], PPP_AUTH_NONE);
    assert_int_equal(l.mtu, 1280);
    assert_int_equal(l.echo_interval_ms, 20000);
    assert_true(l.request_dns);
    assert_true(r.defaultroute);
    assert_true(r.usepeerdns);
    assert_false(r.ppp_debug);
    assert_int_equal(r.n_pools, 0);
    assert_int_equal(r.n_routes, 2);
    assert_string_equal(r.routes[0], "10.20.0.0/16");
    assert_string_equal(r.routes[1], "fd00:1::/48");
    explicit_bzero(&l, sizeof l);
    cfg_free(&c);
    rm_tmp();
}

/* Sections not built by cfg_load (pppopts NULL) resolve the same way. */
static void test_section_ppp_without_load(void **state)
{
    struct cfg c;
    struct diags d;
    assert_int_equal(load(&c, &d,
                          "[lns a]\n"
                          "require authentication = yes\n"
                          "require pap = yes\n"
                          "ip range = 10.1.0.2-10.1.0.9\n"
                          "ip pool = 10.2.0.0/24, 10.3.0.1-10.3.0.5\n"
                          "ip pool = 10.4.0.1\n"
                          "local ip = 10.1.0.1\n"
                          "ms dns = 192.0.2.1\n"
                          "interface = l2tp0\n"
                          "mss clamp = 1360\n"
                          "lcp echo interval = 10\n"
                          "lcp echo failure = 0\n"
                          "[lac b]\n"
                          "lns = 192.0.2.9\n"
                          "local ip = 10.9.0.2\n"
                          "remote ip = 10.9.0.1\n"
                          "defaultroute = yes\n"
                          "refuse authentication = yes\n"
                          "mss clamp = no\n"),
                     0);
    struct cfg_section copy = *cfg_find(&c, CFG_LNS, "a");
    copy.pppopts = NULL;
    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    assert_int_equal(cfg_section_ppp(&copy, true, &l, &r, err, sizeof err), 0);
    assert_int_equal(l.auth_require[0], PPP_AUTH_PAP);
    assert_int_equal(l.auth_require[1], PPP_AUTH_NONE);
    assert_int_equal(r.n_pools, 3);
    assert_string_equal(r.pools[0], "10.1.0.2-10.1.0.9");
    assert_string_equal(r.pools[1], "10.2.0.0-10.2.0.255,10.3.0.1-10.3.0.5");
    assert_string_equal(r.pools[2], "10.4.0.1");
    assert_int_equal(r.local_ip, ip4("10.1.0.1"));
    assert_int_equal(l.dns[0], ip4("192.0.2.1"));
    assert_int_equal(l.dns[1], ip4("192.0.2.1"));
    assert_string_equal(r.tun_name, "l2tp0");
    assert_int_equal(r.mss_clamp, 1360);
    assert_int_equal(l.echo_interval_ms, 10000);
    assert_int_equal(l.echo_failures, UINT32_MAX); /* pppd: 0 = never */
    assert_string_equal(r.chap_secrets, "");

    const struct cfg_section *lac = cfg_find(&c, CFG_LAC, "b");
    assert_int_equal(cfg_section_ppp(lac, false, &l, &r, err, sizeof err), 0);
    assert_int_equal(l.local_ip, ip4("10.9.0.2"));
    assert_int_equal(l.peer_ip, ip4("10.9.0.1"));
    assert_int_equal(l.auth_allow[0], PPP_AUTH_MSCHAP_V2); /* refuse-chap leaves MS-CHAP */
    assert_int_equal(l.auth_allow[1], PPP_AUTH_MSCHAP_V1);
    assert_int_equal(l.auth_allow[2], PPP_AUTH_NONE);
    assert_true(r.defaultroute);
    assert_int_equal(r.mss_clamp, 1);
    assert_int_equal(d.n_warn, 0); /* refuse authentication: no password needed */
    cfg_free(&c);
}

/* l2tpx's keys come after the options file; xl2tpd's before it. */
static void test_precedence(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("opts", "require-mschap-v2\nrequire-pap\nms-dns 192.0.2.9\nmtu 1300\nname fromfile\n"
                "lcp-echo-interval 60\nidle 100\n");
    char text[2048];
    subst("[lns a]\n"
          "name = fromconf\n"
          "pppoptfile = @D@/opts\n"
          "require mschap-v2 = no\n"
          "refuse mschap = yes\n"
          "ms dns = 192.0.2.1, 192.0.2.2\n"
          "mtu = 1400\n"
          "lcp echo interval = 5\n"
          "idle timeout = 60\n"
          "session timeout = 3600\n"
          "assign ip = no\n"
          "ip range = 10.0.0.1-10.0.0.9\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LNS, "a"), true, &l, &r, err, sizeof err), 0);
    assert_string_equal(l.our_name, "fromfile"); /* the file follows xl2tpd's `name` */
    assert_int_equal(l.auth_require[0], PPP_AUTH_PAP);
    assert_int_equal(l.auth_require[1], PPP_AUTH_NONE);
    assert_int_equal(l.dns[0], ip4("192.0.2.1"));
    assert_int_equal(l.dns[1], ip4("192.0.2.2"));
    assert_int_equal(l.mtu, 1400);
    assert_int_equal(l.echo_interval_ms, 5000);
    assert_int_equal(r.idle_timeout_s, 60);
    assert_int_equal(r.session_timeout_s, 3600);
    assert_false(r.assign_ip);
    assert_int_equal(r.n_pools, 0); /* assign ip = no */
    cfg_free(&c);
    rm_tmp();
}

static void test_lac_password(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("chap", "carol  lns1  chap-pw-1\ncarol  *  chap-pw-2\n");
    put("pap", "dave  *  pap-pw\n");
    put("opts-pw", "user erin\npassword opt-pw\n");
    put("opts-remote", "remotename lns1\n");
    char text[2048];
    subst("[lac a]\nlns = 192.0.2.1\nname = carol\nchap secrets = @D@/chap\n"
          "[lac b]\nlns = 192.0.2.1\nname = carol\nchap secrets = @D@/chap\n"
          "pppoptfile = @D@/opts-remote\n"
          "[lac c]\nlns = 192.0.2.1\nname = dave\nchap secrets = @D@/chap\npap secrets = @D@/pap\n"
          "[lac d]\nlns = 192.0.2.1\nname = carol\nchap secrets = @D@/chap\n"
          "pppoptfile = @D@/opts-pw\n"
          "[lac e]\nlns = 192.0.2.1\nname = frank\nchap secrets = @D@/chap\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    const char *want[][2] = {{"carol", "chap-pw-2"}, /* (carol, *) */
                             {"carol", "chap-pw-1"}, /* remotename picks the server column */
                             {"dave", "pap-pw"},     /* falls back to pap-secrets */
                             {"erin", "opt-pw"},     /* pppd `password` wins */
                             {"frank", ""}};
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
        const struct cfg_section *s = cfg_find(&c, CFG_LAC, names[i]);
        assert_int_equal(cfg_section_ppp(s, false, &l, &r, err, sizeof err), 0);
        assert_string_equal(l.user, want[i][0]);
        assert_string_equal(l.password, want[i][1]);
    }
    assert_int_equal(d.n_warn, 1);
    assert_true(has_diag(&d, false, "[lac e]: no password for PPP user 'frank'"));
    no_secret_in_diags(&d, "pw");
    explicit_bzero(&l, sizeof l);
    cfg_free(&c);
    rm_tmp();
}

static void test_errors_name_file_line(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("bad-opts", "mtu 1400\n\nfrobnicate\n");
    put("bad-val", "# x\nlcp-echo-interval abc\n");
    put("pw-opts", "password hunter2-secret\nmtu 99999\n");
    put("bad-chap", "alice\n");
    char text[2048];

    subst("[lns a]\npppoptfile = @D@/bad-opts\n", text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    char want[256];
    snprintf(want, sizeof want, "%s/bad-opts:3: unknown pppd option 'frobnicate'", tmpdir);
    assert_string_equal(d.err[0], want);
    cfg_free(&c);

    subst("[lns a]\npppoptfile = @D@/bad-val\n", text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    snprintf(want, sizeof want, "%s/bad-val:2:", tmpdir);
    assert_non_null(strstr(d.err[0], want));
    assert_non_null(strstr(d.err[0], "lcp-echo-interval"));
    cfg_free(&c);

    subst("[lac a]\nlns = h\npppoptfile = @D@/pw-opts\n", text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    snprintf(want, sizeof want, "%s/pw-opts:2:", tmpdir);
    assert_non_null(strstr(d.err[0], want));
    no_secret_in_diags(&d, "hunter2");
    cfg_free(&c);

    subst("[lns a]\n\npppoptfile = @D@/missing\n", text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    assert_non_null(strstr(d.err[0], "missing"));
    cfg_free(&c);

    subst("[lns a]\nchap secrets = @D@/bad-chap\n", text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    snprintf(want, sizeof want, "%s/bad-chap:1:", tmpdir);
    assert_non_null(strstr(d.err[0], want));
    cfg_free(&c);
    rm_tmp();

    /* the conf's own errors: FILE:LINE: key 'KEY' */
    assert_int_equal(
        load(&c, &d,
             "[lns a]\n"
             "ip range = 10.0.0.1-fe80::1\n"
             "ip range = fd00::1-fd00::9\n"
             "ms dns = 192.0.2.1, 192.0.2.2, 192.0.2.3\n"
             "mss clamp = 20\n"
             "interface = a/b\n"
             "local ip = 10.0.0.1\n"
             "local ip range = 10.0.0.2-10.0.0.9\n"
             "mtu = 100000\n"
             "name = bad name is too long for pppd aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaa\n"
             "[lac b]\n"
             "lns = h\n"
             "route = 10.0.0.0\n"
             "remote ip = fd00::1\n"
             "bps = 0\n"),
        12);
    assert_non_null(strstr(d.err[0], "t.conf:2: key 'ip range':"));
    assert_string_equal(d.err[1],
                        "t.conf:3: key 'ip range': 'fd00::1-fd00::9' is not an IPv4 range");
    assert_string_equal(d.err[2], "t.conf:4: key 'ms dns': at most 2 servers");
    assert_non_null(strstr(d.err[3], "t.conf:5: key 'mss clamp':"));
    assert_non_null(strstr(d.err[4], "t.conf:6: key 'interface':"));
    assert_non_null(strstr(d.err[5], "t.conf:9: key 'mtu':"));
    assert_non_null(strstr(d.err[6], "t.conf:13: key 'route':"));
    assert_non_null(strstr(d.err[7], "t.conf:15: key 'bps':"));
    assert_string_equal(d.err[8],
                        "t.conf:8: 'local ip range' and 'local ip' are mutually exclusive");
    assert_non_null(strstr(d.err[9], "t.conf:10: "));
    assert_non_null(strstr(d.err[9], "name"));
    assert_non_null(strstr(d.err[10], "t.conf:14: key 'remote ip':"));
    cfg_free(&c);
}

/* Every key of xl2tpd.conf(5) (xl2tpd's file.c keyword table) loads. */
static void test_every_xl2tpd_key(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("l2tp-secrets", "* * s\n");
    put("opts", "\n");
    char text[8192];
    subst("[global]\n"
          "listen-addr = 127.0.0.1\n"
          "port = 1701\n"
          "saref refinfo = 30\n" /* 4 */
          "rand source = dev\n"  /* 5 */
          "auth file = @D@/l2tp-secrets\n"
          "access control = no\n"
          "force userspace = yes\n" /* 8 */
          "debug avp = yes\n"
          "debug network = yes\n"
          "debug packet = yes\n"
          "debug tunnel = yes\n"
          "debug state = yes\n"
          "ipsec saref = no\n" /* 14 */
          "max retries = 5\n"
          "cap backoff = 0\n" /* 16 */
          "[lns default]\n"
          "exclusive = no\n"
          "lac = 192.0.2.0/24\n"
          "no lac = 192.0.2.7\n"
          "ip range = 10.0.0.2-10.0.0.100\n"
          "no ip range = 10.0.0.50\n"
          "assign ip = yes\n"
          "local ip range = 10.0.1.1-10.0.1.20\n"
          "require chap = yes\n"
          "refuse chap = no\n"
          "require pap = no\n"
          "refuse pap = yes\n"
          "require authentication = yes\n"
          "require auth = yes\n"
          "refuse authentication = no\n"
          "refuse auth = no\n"
          "unix authentication = no\n" /* 33 */
          "unix auth = no\n"           /* 34 */
          "hostname = lns1\n"
          "name = lns1\n"
          "ppp debug = no\n"
          "pass peer = yes\n" /* 38 */
          "pppoptfile = @D@/opts\n"
          "call rws = 4\n" /* 40 */
          "tunnel rws = 4\n"
          "flow bit = no\n"
          "challenge = yes\n"
          "tx bps = 100000\n"
          "rx bps = 100000\n"
          "bps = 100000\n"
          "hidden bit = no\n"
          "length bit = yes\n"
          "[lac x]\n"
          "lns = 192.0.2.1\n"
          "lns = 192.0.2.2\n" /* 51: a second LNS */
          "port = 1701\n"
          "redial = yes\n"
          "redial timeout = 15\n"
          "max redials = 5\n"
          "hidden bit = no\n"
          "length bit = yes\n"
          "require pap = no\n"
          "require chap = no\n"
          "require authentication = no\n"
          "refuse pap = no\n"
          "refuse chap = no\n"
          "refuse authentication = yes\n"
          "name = x\n"
          "hostname = lac1\n"
          "ppp debug = yes\n"
          "pass peer = no\n"
          "pppoptfile = @D@/opts\n"
          "call rws = 4\n"
          "tunnel rws = 4\n"
          "flow bit = yes\n"
          "challenge = no\n"
          "tx bps = 1\n"
          "rx bps = 1\n"
          "bps = 1\n"
          "autodial = y\n"
          "defaultroute = n\n"
          "local ip = 10.5.0.2\n"
          "remote ip = 10.5.0.1\n",
          text, sizeof text);
    int rc = load(&c, &d, text);
    if (rc)
        dump(&d);
    assert_int_equal(rc, 0);
    const unsigned ignored[] = {4, 5, 8, 14, 16, 33, 34, 38, 40};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "t.conf:%u: key '", ignored[i]);
        assert_int_equal(count_diag(&d, false, want), 1);
    }
    assert_true(has_diag(&d, false, "t.conf:51: key 'lns': only the first LNS"));
    assert_int_equal(d.n_warn, 10); /* once each: the second 'call rws', 'pass peer' are quiet */
    const struct cfg_section *lns = cfg_find(&c, CFG_LNS, "default");
    assert_true(lns->tunnel.auth_required);
    assert_int_equal(lns->tunnel.secret_len, 1);
    assert_int_equal(lns->ppp.tx_bps, 100000);
    assert_int_equal(lns->ppp.rx_bps, 100000);
    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    assert_int_equal(cfg_section_ppp(lns, true, &l, &r, err, sizeof err), 0);
    assert_string_equal(r.pools[0], "10.0.0.2-10.0.0.49,10.0.0.51-10.0.0.100");
    assert_string_equal(r.local_pool, "10.0.1.1-10.0.1.20");
    assert_int_equal(l.auth_require[0], PPP_AUTH_CHAP_MD5);
    assert_int_equal(l.auth_require[1], PPP_AUTH_NONE);
    const struct cfg_section *lac = cfg_find(&c, CFG_LAC, "x");
    assert_string_equal(lac->lns_host, "192.0.2.1");
    assert_true(lac->autodial);
    assert_false(lac->ppp.defaultroute);
    assert_int_equal(lac->ppp.tx_bps, 1);
    assert_int_equal(cfg_section_ppp(lac, false, &l, &r, err, sizeof err), 0);
    assert_int_equal(l.auth_allow[0], PPP_AUTH_MSCHAP_V2); /* refuse-chap: MD5 only */
    assert_int_equal(l.auth_allow[1], PPP_AUTH_MSCHAP_V1);
    assert_int_equal(l.auth_allow[2], PPP_AUTH_NONE);
    assert_true(r.ppp_debug);
    cfg_free(&c);

    /* 'no lac': the last range containing the peer decides */
    struct l2tp_addr a;
    assert_int_equal(load(&c, &d, text), 0);
    net_addr_parse("192.0.2.8", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), cfg_find(&c, CFG_LNS, "default"));
    cfg_free(&c);
    assert_int_equal(load(&c, &d,
                          "[global]\naccess control = yes\n"
                          "[lns corp]\nlac = 192.0.2.0/24\nno lac = 192.0.2.7\n"),
                     0);
    net_addr_parse("192.0.2.8", 1701, &a);
    assert_ptr_equal(cfg_select_lns(&c, &a), cfg_find(&c, CFG_LNS, "corp"));
    net_addr_parse("192.0.2.7", 1701, &a);
    assert_null(cfg_select_lns(&c, &a));
    cfg_free(&c);
    rm_tmp();
}

static void test_auth_file(void **state)
{
    struct cfg c;
    struct diags d;
    mkdir_tmp();
    put("s1", "# us them secret\n"
              "lac1 lns.example   lac-secret with spaces  \n"
              "LNS1 * lns-secret\n"
              "* other.example other-secret\n");
    char text[2048];
    subst("[global]\nauth file = @D@/s1\n"
          "[lns a]\nhostname = lns1\nchallenge = yes\n"
          "[lac b]\nhostname = lac1\nlns = lns.example\nchallenge = yes\n"
          "[lac c]\nhostname = lac2\nlns = other.example\nhidden bit = yes\n"
          "[lac d]\nhostname = lac3\nlns = nobody.example\n"
          "[lac e]\nhostname = lac3\nlns = nobody.example\nsecret = own\nchallenge = yes\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    const struct cfg_section *s = cfg_find(&c, CFG_LNS, "a");
    assert_int_equal(s->tunnel.secret_len, strlen("lns-secret"));
    assert_memory_equal(s->tunnel.secret, "lns-secret", s->tunnel.secret_len);
    s = cfg_find(&c, CFG_LAC, "b");
    assert_int_equal(s->tunnel.secret_len, strlen("lac-secret with spaces"));
    assert_memory_equal(s->tunnel.secret, "lac-secret with spaces", s->tunnel.secret_len);
    s = cfg_find(&c, CFG_LAC, "c");
    assert_memory_equal(s->tunnel.secret, "other-secret", s->tunnel.secret_len);
    s = cfg_find(&c, CFG_LAC, "d"); /* not required, no entry: none */
    assert_int_equal(s->tunnel.secret_len, 0);
    s = cfg_find(&c, CFG_LAC, "e"); /* `secret` wins */
    assert_int_equal(s->tunnel.secret_len, 3);
    assert_string_equal(s->secret_origin, "");
    no_secret_in_diags(&d, "lns-secret");
    no_secret_in_diags(&d, "lac-secret");
    no_secret_in_diags(&d, "other-secret");
    assert_int_equal(count_diag(&d, false, "not used by"), 0); /* "* *"-like line came first */
    cfg_free(&c);

    /* [lns]: named peers before the first "them = *" line are matched at
     * tunnel time by Host Name; lines after it never match (xl2tpd takes
     * the first matching line). Only named lines: a required secret is
     * satisfied for those peers. */
    put("s2", "lns2 Peer-A key-a\n"
              "* peer-b key-b\n"
              "lns2 * key-any\n"
              "lns2 peer-c key-c-never\n");
    put("s3", "lns3 peer-a key-a3\n");
    subst("[global]\nauth file = @D@/s2\n[lns x]\nhostname = lns2\nchallenge = yes\n", text,
          sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    s = cfg_find(&c, CFG_LNS, "x");
    assert_int_equal(s->n_peer_secrets, 2);
    assert_memory_equal(cfg_tunnel_for_peer(s, "peer-a")->secret, "key-a", 5);
    assert_memory_equal(cfg_tunnel_for_peer(s, "PEER-B")->secret, "key-b", 5);
    assert_ptr_equal(cfg_tunnel_for_peer(s, "peer-c"), &s->tunnel);
    assert_memory_equal(s->tunnel.secret, "key-any", 7);
    assert_true(cfg_tunnel_for_peer(s, "peer-a")->auth_required);
    no_secret_in_diags(&d, "key-");
    cfg_free(&c);
    subst("[global]\nauth file = @D@/s3\n[lns y]\nhostname = lns3\nchallenge = yes\n", text,
          sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    s = cfg_find(&c, CFG_LNS, "y");
    assert_int_equal(s->tunnel.secret_len, 0);
    assert_memory_equal(cfg_tunnel_for_peer(s, "peer-a")->secret, "key-a3", 6);
    cfg_free(&c);

    subst("[global]\nauth file = @D@/s1\n[lac d]\nhostname = lac3\nlns = nobody.example\n"
          "challenge = yes\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 1);
    char want[256];
    snprintf(want, sizeof want,
             "t.conf:6: key 'challenge': needs a 'secret' (no entry for 'lac3' in %s/s1)", tmpdir);
    assert_string_equal(d.err[0], want);
    cfg_free(&c);
    rm_tmp();
}

/* IPv6 keys: `ipv6 prefix` (normalised, /16../64, no link-local or
 * multicast, at most 4), `ipv6 dns` (1..3 unicast), `ra interval`
 * (4..1800, default 600), `defaultroute6` ([lac] only; key over the
 * options file's `defaultroute6` / `nodefaultroute6`). */
static void test_ipv6_keys(void **state)
{
    struct cfg c;
    struct diags d;
    struct ppp_link_cfg l;
    struct cfg_ppp_resolved r;
    char err[256];
    assert_int_equal(load(&c, &d,
                          "[lns a]\n"
                          "ipv6 prefix = 2001:db8:100:0:1::/48\n"
                          "ipv6 prefix = 2001:DB8:200::/64\n"
                          "ipv6 dns = 2001:db8::53, 2001:db8::54\n"
                          "ra interval = 30\n"),
                     0);
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LNS, "a"), true, &l, &r, err, sizeof err), 0);
    assert_int_equal(r.n_ipv6_prefixes, 2);
    assert_string_equal(r.ipv6_prefixes[0], "2001:db8:100::/48"); /* host bits cleared */
    assert_string_equal(r.ipv6_prefixes[1], "2001:db8:200::/64");
    assert_int_equal(r.n_ipv6_dns, 2);
    assert_int_equal(r.ipv6_dns[1][15], 0x54);
    assert_int_equal(r.ra_interval_s, 30);
    cfg_free(&c);

    assert_int_equal(load(&c, &d, "[lns a]\n"), 0);
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LNS, "a"), true, &l, &r, err, sizeof err), 0);
    assert_int_equal(r.n_ipv6_prefixes, 0);
    assert_int_equal(r.ra_interval_s, 600);
    assert_int_equal(r.n_ipv6_pd_prefixes, 0);
    assert_int_equal(r.ipv6_pd_length, 56);
    cfg_free(&c);

    /* DHCPv6 prefix delegation: blocks and the delegated length. */
    assert_int_equal(
        load(&c, &d, "[lns a]\nipv6 pd prefix = 2001:db8:200::/40\nipv6 pd length = 48\n"), 0);
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LNS, "a"), true, &l, &r, err, sizeof err), 0);
    assert_int_equal(r.n_ipv6_pd_prefixes, 1);
    assert_string_equal(r.ipv6_pd_prefixes[0], "2001:db8:200::/40");
    assert_int_equal(r.ipv6_pd_length, 48);
    cfg_free(&c);
    /* A block smaller than one delegated prefix: refused at load. */
    assert_int_equal(load(&c, &d, "[lns a]\nipv6 pd prefix = 2001:db8:200::/60\n"), 1);
    assert_non_null(strstr(d.err[0], "'ipv6 pd prefix' 2001:db8:200::/60 is longer than 'ipv6 pd "
                                     "length' /56"));
    cfg_free(&c);
    assert_int_equal(load(&c, &d, "[lns a]\nipv6 pd length = 39\n"), 1);
    cfg_free(&c);

    assert_int_equal(load(&c, &d,
                          "[lns a]\n"
                          "ipv6 prefix = 2001:db8::/65\n"
                          "ipv6 prefix = 2001:db8::\n"
                          "ipv6 prefix = fe80::/64\n"
                          "ipv6 prefix = 10.0.0.0/8\n"
                          "ipv6 dns = ::\n"
                          "ipv6 dns = 2001:db8::1 2001:db8::2 2001:db8::3 2001:db8::4\n"
                          "ra interval = 3\n"
                          "defaultroute6 = yes\n"),
                     8);
    assert_string_equal(d.err[0], "t.conf:2: key 'ipv6 prefix': '2001:db8::/65' is not an IPv6 "
                                  "prefix from /16 to /64");
    assert_non_null(strstr(d.err[1], "t.conf:3: key 'ipv6 prefix':"));
    assert_string_equal(d.err[2], "t.conf:4: key 'ipv6 prefix': 'fe80::/64' is link-local or "
                                  "multicast");
    assert_non_null(strstr(d.err[3], "t.conf:5: key 'ipv6 prefix':"));
    assert_non_null(strstr(d.err[4], "t.conf:6: key 'ipv6 dns': '::'"));
    assert_string_equal(d.err[5], "t.conf:7: key 'ipv6 dns': at most 3 servers");
    assert_non_null(strstr(d.err[6], "t.conf:8: key 'ra interval':"));
    assert_non_null(strstr(d.err[7], "t.conf:9:"));
    assert_non_null(strstr(d.err[7], "defaultroute6"));
    cfg_free(&c);

    mkdir_tmp();
    put("on", "defaultroute6\n");
    put("off", "nodefaultroute6\n");
    char text[512];
    subst("[lac x]\nlns = 192.0.2.1\npppoptfile = @D@/on\n"
          "[lac y]\nlns = 192.0.2.1\npppoptfile = @D@/on\ndefaultroute6 = no\n"
          "[lac z]\nlns = 192.0.2.1\npppoptfile = @D@/off\ndefaultroute6 = yes\n",
          text, sizeof text);
    assert_int_equal(load(&c, &d, text), 0);
    for (int i = 0; i < d.n_warn && i < NDIAG; i++) /* the option is real, not ignored */
        assert_null(strstr(d.warn[i], "defaultroute6"));
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LAC, "x"), false, &l, &r, err, sizeof err),
                     0);
    assert_true(r.defaultroute6);
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LAC, "y"), false, &l, &r, err, sizeof err),
                     0);
    assert_false(r.defaultroute6);
    assert_int_equal(cfg_section_ppp(cfg_find(&c, CFG_LAC, "z"), false, &l, &r, err, sizeof err),
                     0);
    assert_true(r.defaultroute6);
    cfg_free(&c);
    rm_tmp();
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
        cmocka_unit_test(test_debian_setup),
        cmocka_unit_test(test_section_ppp_without_load),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_lac_password),
        cmocka_unit_test(test_errors_name_file_line),
        cmocka_unit_test(test_every_xl2tpd_key),
        cmocka_unit_test(test_auth_file),
        cmocka_unit_test(test_ipv6_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
