/* pppd options files (xl2tpd `pppoptfile`): tokenizer, every option,
 * includes, errors with FILE:LINE, warnings once per option, the password
 * never in a message, and the mapping onto struct ppp_link_cfg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat/pppopts.h"
#include "ppp/link.h"

#define SECRET "Tr0ub4dor&3-very-secret"

static char tmpdir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_pppopts.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *tpath(const char *rel)
{
    static char path[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", tmpdir, rel);
    return path[i];
}

/* Parses text as FILE "t.opts"; returns the parser's result. */
static int parse(struct l2tpx_pppopts *o, const char *text, char *err, size_t errlen)
{
    return pppopts_parse_buffer(text, strlen(text), "t.opts", o, err, errlen);
}

static void parse_ok(struct l2tpx_pppopts *o, const char *text)
{
    char err[256];
    pppopts_init(o);
    int r = parse(o, text, err, sizeof err);
    if (r != 0)
        fail_msg("unexpected error: %s", err);
}

static void parse_err(const char *text, const char *expect)
{
    struct l2tpx_pppopts o;
    char err[256];
    pppopts_init(&o);
    assert_int_equal(parse(&o, text, err, sizeof err), -1);
    if (strstr(err, expect) == NULL)
        fail_msg("error '%s' does not contain '%s'", err, expect);
    assert_null(strstr(err, SECRET));
}

static bool has_warning(const struct l2tpx_pppopts *o, const char *sub)
{
    for (size_t i = 0; i < o->n_warnings; i++)
        if (strstr(o->warnings[i], sub) != NULL)
            return true;
    return false;
}

static size_t count_warnings(const struct l2tpx_pppopts *o, const char *sub)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n_warnings; i++)
        if (strstr(o->warnings[i], sub) != NULL)
            n++;
    return n;
}

/* ---- tokenizer -------------------------------------------------------------- */

static void test_tokenizer_comments_quotes(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "# a comment line\n"
                 "   \t# indented comment\n"
                 "name lns1#comment glued to a word\n"
                 "user \"John Smith\"   # double quotes keep blanks\n"
                 "remotename 'far end'\n"
                 "ipparam \"multi\nline\"\n"
                 "password\n"
                 "   \"" SECRET "\"\n" /* argument on the next line */
                 "logfile \"with#hash\"\n");
    assert_string_equal(o.name, "lns1");
    assert_string_equal(o.user, "John Smith");
    assert_string_equal(o.remotename, "far end");
    assert_string_equal(o.ipparam, "multi\nline");
    assert_string_equal(o.password, SECRET);
    assert_string_equal(o.logfile, "with#hash");
    pppopts_clear(&o);
}

static void test_tokenizer_escapes(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "user a\\sb\\tc\n"                /* \s \t */
                 "remotename \\101\\x42\\x4g\n"    /* octal, hex, short hex */
                 "ipparam \"q\\\"uote\\\\back\"\n" /* escaped quote and backslash */
                 "name ab\\\ncd\n"                 /* backslash-newline dropped */
                 "logfile \\#not-a-comment\n"      /* escaped # */
                 "password it\\'s\n");
    assert_string_equal(o.user, "a b\tc");
    assert_string_equal(o.remotename, "AB\x04g");
    assert_string_equal(o.ipparam, "q\"uote\\back");
    assert_string_equal(o.name, "abcd");
    assert_string_equal(o.logfile, "#not-a-comment");
    assert_string_equal(o.password, "it's");

    /* pppd: a quote only opens a quoted word at its start; a word ends
     * right after its closing quote. */
    parse_ok(&o, "user ab\"c\nremotename \"x\"noauth\n");
    assert_string_equal(o.user, "ab\"c");
    assert_string_equal(o.remotename, "x");
    assert_int_equal(o.auth, PPPOPTS_OFF);

    /* Empty quoted word; CRLF line ends; an unterminated quote at EOF ends
     * the word. */
    parse_ok(&o, "name \"\"\r\nmtu 1400\r\nuser \"open");
    assert_true(o.has_name);
    assert_string_equal(o.name, "");
    assert_int_equal(o.mtu.v, 1400);
    assert_string_equal(o.user, "open");
}

static void test_tokenizer_bounds(void **state)
{
    (void)state;
    /* A word of PPPOPTS_WORD_MAX - 1 characters is fine (as an ipparam it is
     * too long for the field, which is a different error); one more is not. */
    static char big[PPPOPTS_WORD_MAX + 64];
    strcpy(big, "logfile ");
    memset(big + 8, 'a', PPPOPTS_WORD_MAX - 1);
    big[8 + PPPOPTS_WORD_MAX - 1] = '\0';
    struct l2tpx_pppopts o;
    parse_ok(&o, big);
    assert_int_equal(strlen(o.logfile), PPPOPTS_WORD_MAX - 1);

    /* A too-long password: error names the line, never the word. */
    strcpy(big, "\n\npassword " SECRET);
    size_t n = strlen(big);
    memset(big + n, 'x', PPPOPTS_WORD_MAX);
    big[n + PPPOPTS_WORD_MAX] = '\0';
    parse_err(big, "t.opts:3: word longer than 1023 characters");

    /* NUL bytes */
    char err[256];
    pppopts_init(&o);
    static const char nul[] = "noauth\nmtu 14\0000\n";
    assert_int_equal(pppopts_parse_buffer(nul, sizeof nul - 1, "n.opts", &o, err, sizeof err), -1);
    assert_string_equal(err, "n.opts:2: NUL character in a word");
    parse_err("user a\\000b\n", "t.opts:1: NUL character in a word");

    /* Buffer over the file cap. */
    char *huge = calloc(1, PPPOPTS_MAX_FILE + 1);
    assert_non_null(huge);
    memset(huge, ' ', PPPOPTS_MAX_FILE + 1);
    assert_int_equal(pppopts_parse_buffer(huge, PPPOPTS_MAX_FILE + 1, "h", &o, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "larger than"));
    /* Exactly the cap of blanks is fine. */
    assert_int_equal(pppopts_parse_buffer(huge, PPPOPTS_MAX_FILE, "h", &o, err, sizeof err), 0);
    free(huge);

    /* Empty input and only comments. */
    parse_ok(&o, "");
    parse_ok(&o, "# nothing\n\\\n");
    assert_int_equal(o.n_warnings, 0);
}

/* ---- every option ------------------------------------------------------------ */

static void test_auth_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "name lns\nuser bob\npassword " SECRET "\nremotename peer\n"
                 "require-pap\nrequire-chap\nrequire-mschap\nrequire-mschap-v2\n"
                 "refuse-pap\nrefuse-chap\nrefuse-mschap\nrefuse-mschap-v2\nrefuse-eap\n"
                 "hide-password\n");
    assert_string_equal(o.name, "lns");
    assert_string_equal(o.user, "bob");
    assert_string_equal(o.password, SECRET);
    assert_string_equal(o.remotename, "peer");
    assert_int_equal(o.require_mask, (1u << PPP_AUTH_PAP) | (1u << PPP_AUTH_CHAP_MD5) |
                                         (1u << PPP_AUTH_MSCHAP_V1) | (1u << PPP_AUTH_MSCHAP_V2));
    assert_int_equal(o.refuse_mask, o.require_mask);
    assert_true(o.refuse_eap);
    assert_int_equal(o.auth, PPPOPTS_ON); /* require-* implies auth */
    assert_int_equal(o.hide_password, PPPOPTS_ON);
    assert_int_equal(o.n_warnings, 0);

    /* +pap / -chap aliases; the last of auth/noauth wins (pppd). */
    parse_ok(&o, "+pap\n-chap\nnoauth\nshow-password\n");
    assert_int_equal(o.require_mask, 1u << PPP_AUTH_PAP);
    assert_int_equal(o.refuse_mask, 1u << PPP_AUTH_CHAP_MD5);
    assert_int_equal(o.auth, PPPOPTS_OFF);
    assert_int_equal(o.hide_password, PPPOPTS_OFF);
    parse_ok(&o, "noauth\nrequire-mschap-v2\n");
    assert_int_equal(o.auth, PPPOPTS_ON);
    parse_ok(&o, "auth\n");
    assert_int_equal(o.auth, PPPOPTS_ON);
    assert_int_equal(o.require_mask, 0);

    parse_err("require-eap\n", "t.opts:1: option 'require-eap': EAP is not supported");
    parse_err("name 0123456789012345678901234567890123456789012345678901234567890123\n",
              "t.opts:1: option 'name': value too long (at most 63 characters)");
}

static void test_lcp_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "mtu 1410\nmru 0x582\nlcp-echo-interval 30\nlcp-echo-failure 4\n"
                 "lcp-echo-adaptive\nasyncmap 0a\nasyncmap 0xA0000\nnopcomp\nnoaccomp\n"
                 "nomagic\nlcp-restart 5\nlcp-max-configure 12\nlcp-max-terminate 2\n"
                 "lcp-max-failure 7\nsilent\npassive\n");
    assert_true(o.mtu.set);
    assert_int_equal(o.mtu.v, 1410);
    assert_int_equal(o.mru.v, 1410);
    assert_int_equal(o.lcp_echo_interval.v, 30);
    assert_int_equal(o.lcp_echo_failure.v, 4);
    assert_true(o.lcp_echo_adaptive);
    assert_true(o.has_asyncmap);
    assert_int_equal(o.asyncmap, 0xA000A); /* ORed, hexadecimal */
    assert_true(o.nopcomp && o.noaccomp && o.nomagic);
    assert_int_equal(o.lcp_restart.v, 5);
    assert_int_equal(o.lcp_max_configure.v, 12);
    assert_int_equal(o.lcp_max_terminate.v, 2);
    assert_int_equal(o.lcp_max_failure.v, 7);
    assert_true(o.silent && o.passive);

    parse_ok(&o, "asyncmap 0\ndefault-asyncmap\nmru 1400\ndefault-mru\n");
    assert_false(o.has_asyncmap);
    assert_true(o.default_asyncmap);
    assert_false(o.mru.set);
    assert_true(o.default_mru);

    /* Octal like pppd's strtoul(..., 0). */
    parse_ok(&o, "lcp-echo-interval 010\n");
    assert_int_equal(o.lcp_echo_interval.v, 8);

    parse_err("\n\nmtu 127\n", "t.opts:3: option 'mtu': bad value '127' (expected 128..16384)");
    parse_err("mru 16385\n", "t.opts:1: option 'mru': bad value '16385'");
    parse_err("mtu 1400x\n", "option 'mtu': bad value '1400x'");
    parse_err("mtu -1\n", "option 'mtu': bad value '-1'");
    parse_err("lcp-echo-interval abc\n", "t.opts:1: option 'lcp-echo-interval': bad value 'abc'");
    parse_err("lcp-echo-failure 99999999999\n", "option 'lcp-echo-failure': bad value");
    parse_err("asyncmap zz\n", "t.opts:1: option 'asyncmap': bad value 'zz'");
    parse_err("asyncmap 1ffffffff\n", "option 'asyncmap': bad value");
    parse_err("noauth\nmtu", "t.opts:2: option 'mtu' needs an argument");
    parse_err("lcp-restart 4294968\n", "option 'lcp-restart': bad value");
}

static void test_ipcp_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "ipcp-accept-local\nipcp-accept-remote\nnoipdefault\n"
                 "10.0.0.1:10.0.0.2\nms-dns 192.168.1.1\nms-dns 192.168.1.3\n"
                 "ms-wins 192.168.1.2\nusepeerdns\nipcp-restart 4\nipcp-max-configure 9\n"
                 "ipcp-max-terminate 3\nipcp-max-failure 6\nproxyarp\ndefaultroute\n"
                 "replacedefaultroute\n");
    assert_true(o.ipcp_accept_local && o.ipcp_accept_remote && o.noipdefault);
    assert_int_equal(o.local_ip, 0x0a000001);
    assert_int_equal(o.remote_ip, 0x0a000002);
    assert_int_equal(o.n_dns, 2);
    assert_int_equal(o.dns[0], 0xc0a80101);
    assert_int_equal(o.dns[1], 0xc0a80103);
    /* pppd setwinsaddr(): a single one is primary and secondary. */
    assert_int_equal(o.n_wins, 1);
    assert_int_equal(o.wins[0], 0xc0a80102);
    assert_int_equal(o.wins[1], 0xc0a80102);
    assert_true(o.usepeerdns);
    assert_int_equal(o.ipcp_restart.v, 4);
    assert_int_equal(o.ipcp_max_configure.v, 9);
    assert_int_equal(o.ipcp_max_terminate.v, 3);
    assert_int_equal(o.ipcp_max_failure.v, 6);
    assert_int_equal(o.proxyarp, PPPOPTS_ON);
    assert_int_equal(o.defaultroute, PPPOPTS_ON);
    assert_int_equal(o.replacedefaultroute, PPPOPTS_ON);

    /* Only the remote side; the last two ms-dns win (pppd setdnsaddr()). */
    parse_ok(&o, ":10.9.9.9\nms-dns 1.1.1.1\nms-dns 2.2.2.2\nms-dns 3.3.3.3\n"
                 "noproxyarp\nnodefaultroute\nnoip\n");
    assert_int_equal(o.local_ip, 0);
    assert_int_equal(o.remote_ip, 0x0a090909);
    assert_int_equal(o.dns[0], 0x02020202);
    assert_int_equal(o.dns[1], 0x03030303);
    assert_int_equal(o.proxyarp, PPPOPTS_OFF);
    assert_int_equal(o.defaultroute, PPPOPTS_OFF);
    assert_true(o.noip);
    parse_ok(&o, "10.1.1.1:\n");
    assert_int_equal(o.local_ip, 0x0a010101);
    assert_int_equal(o.remote_ip, 0);

    parse_err("ms-dns dns.example.com\n",
              "t.opts:1: option 'ms-dns': bad address 'dns.example.com'");
    parse_err("ms-wins 1.2.3\n", "option 'ms-wins': bad address");
    parse_err("10.0.0.1:gw.example\n", "t.opts:1: bad remote IP address in '10.0.0.1:gw.example'");
    parse_err("127.0.0.1:10.0.0.2\n", "bad local IP address");
    parse_err(":224.0.0.1\n", "bad remote IP address");
}

static void test_ipv6_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "+ipv6\n");
    assert_int_equal(o.ipv6, PPPOPTS_ON);
    parse_ok(&o, "+ipv6\n-ipv6\n");
    assert_int_equal(o.ipv6, PPPOPTS_OFF);
    parse_ok(&o, "noipv6\n");
    assert_int_equal(o.ipv6, PPPOPTS_OFF);
    /* pppd ipv6 <local>,<remote>: sets the identifiers and turns IPv6CP on. */
    parse_ok(&o, "noipv6\nipv6 ::1,::dead:beef\n");
    assert_int_equal(o.ipv6, PPPOPTS_ON);
    assert_true(o.ipv6_local_ifid == 1);
    assert_true(o.ipv6_remote_ifid == 0xdeadbeefULL);
    parse_ok(&o, "ipv6 ,::2\n");
    assert_true(o.ipv6_local_ifid == 0);
    assert_true(o.ipv6_remote_ifid == 2);
    parse_err("ipv6 fe80::1,::2\n", "t.opts:1: option 'ipv6': illegal local interface identifier");
    parse_err("ipv6 ::1,::\n", "option 'ipv6': illegal remote interface identifier");
    parse_err("ipv6", "option 'ipv6' needs an argument");
}

static void test_link_life_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "idle 1800\nmaxconnect 86400\npersist\nholdoff 10\nmaxfail 0\n"
                 "debug\ndebug\nipparam \"vpn users\"\nlogfile /var/log/xl2tpd.log\n"
                 "chap-restart 4\nchap-max-challenge 5\nchap-interval 600\n"
                 "pap-restart 2\npap-max-authreq 6\npap-timeout 30\n");
    assert_int_equal(o.idle.v, 1800);
    assert_int_equal(o.maxconnect.v, 86400);
    assert_int_equal(o.persist, PPPOPTS_ON);
    assert_int_equal(o.holdoff.v, 10);
    assert_true(o.maxfail.set);
    assert_int_equal(o.maxfail.v, 0);
    assert_int_equal(o.debug, 2);
    assert_string_equal(o.ipparam, "vpn users");
    assert_string_equal(o.logfile, "/var/log/xl2tpd.log");
    assert_int_equal(o.chap_restart.v, 4);
    assert_int_equal(o.chap_max_challenge.v, 5);
    assert_int_equal(o.chap_interval.v, 600);
    assert_int_equal(o.pap_restart.v, 2);
    assert_int_equal(o.pap_max_authreq.v, 6);
    assert_int_equal(o.pap_timeout.v, 30);
    assert_int_equal(o.n_warnings, 0);
    parse_ok(&o, "debug\nnodebug\nnopersist\n");
    assert_int_equal(o.debug, 0);
    assert_int_equal(o.persist, PPPOPTS_OFF);
    parse_err("idle -5\n", "t.opts:1: option 'idle': bad value '-5'");
}

static void test_mppe_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "require-mppe-128\nnomppe-40\nmppe-stateful\n");
    assert_int_equal(o.mppe, PPPOPTS_ON);
    assert_int_equal(o.mppe_128, PPPOPTS_ON);
    assert_int_equal(o.mppe_40, PPPOPTS_OFF);
    assert_int_equal(o.mppe_stateful, PPPOPTS_ON);
    assert_true(has_warning(&o, "t.opts:1: pppd option 'require-mppe-128': l2tpx does not "
                                "implement MPPE"));
    parse_ok(&o, "nomppe\nnomppe-128\nnomppe-stateful\n");
    assert_int_equal(o.mppe, PPPOPTS_OFF);
    assert_int_equal(o.mppe_128, PPPOPTS_OFF);
    assert_int_equal(o.mppe_stateful, PPPOPTS_OFF);
    assert_int_equal(o.n_warnings, 0);
    parse_ok(&o, "mppe required,stateless,no40\n");
    assert_int_equal(o.mppe, PPPOPTS_ON);
    assert_int_equal(o.mppe_stateful, PPPOPTS_OFF);
    assert_int_equal(o.mppe_40, PPPOPTS_OFF);
    assert_int_equal(o.n_warnings, 1);
    parse_err("mppe sideways\n", "t.opts:1: option 'mppe': unknown keyword");
}

/* ---- warnings ------------------------------------------------------------------ */

static void test_warnings_once(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "crtscts\nlock\nmodem\nlocal\nnocrtscts\nnobsdcomp\nnodeflate\nnovj\n"
                 "novjccomp\nnoccp\ncrtscts\nconnect-delay 5000\nlock\n115200\n/dev/ttyS0\n"
                 "nodetach\nplugin radius.so\nradius-config-file /etc/radiusclient/x.conf\n"
                 "crtscts\n");
    /* one per option, first occurrence */
    assert_int_equal(count_warnings(&o, "'crtscts'"), 1);
    assert_true(has_warning(&o, "t.opts:1: pppd option 'crtscts' is for serial lines"));
    assert_int_equal(count_warnings(&o, "'lock'"), 1);
    assert_true(has_warning(&o, "t.opts:2: pppd option 'lock'"));
    assert_true(has_warning(&o, "'modem'"));
    assert_true(has_warning(&o, "'local'"));
    assert_true(has_warning(&o, "'nocrtscts'"));
    assert_true(has_warning(&o, "t.opts:6: pppd option 'nobsdcomp' concerns compression"));
    assert_true(has_warning(&o, "'nodeflate'"));
    assert_true(has_warning(&o, "'novj'"));
    assert_true(has_warning(&o, "'novjccomp'"));
    assert_true(has_warning(&o, "'noccp'"));
    assert_true(has_warning(&o, "t.opts:12: pppd option 'connect-delay'"));
    assert_true(has_warning(&o, "t.opts:14: pppd option '115200' is for serial lines"));
    assert_true(has_warning(&o, "t.opts:15: pppd option '/dev/ttyS0'"));
    assert_true(has_warning(&o, "'nodetach' has no effect"));
    assert_true(has_warning(&o, "t.opts:17: pppd plugin 'radius.so' cannot be loaded"));
    assert_true(has_warning(&o, "t.opts:18: option 'radius-config-file' of a pppd plugin"));
    assert_int_equal(o.connect_delay.v, 5000);
    assert_int_equal(o.n_plugins, 1);
    assert_int_equal(o.n_warnings, 16);
    assert_int_equal(o.warnings_dropped, 0);

    /* A second parse into the same struct (an include, or pppoptfile after
     * the command line) does not repeat a warning. */
    char err[256];
    assert_int_equal(pppopts_parse_buffer("crtscts\nnoccp\n", 14, "u.opts", &o, err, sizeof err),
                     0);
    assert_int_equal(o.n_warnings, 16);

    /* A plugin's option without its plugin is unknown, as in pppd. */
    parse_err("ntlm_auth-helper /usr/bin/ntlm_auth\n",
              "t.opts:1: unknown pppd option 'ntlm_auth-helper'");
    parse_ok(&o, "plugin /usr/lib/pppd/2.4.9/winbind.so\nntlm_auth-helper "
                 "'/usr/bin/ntlm_auth --helper-protocol=ntlm-server-1'\n");
    assert_int_equal(o.n_warnings, 2);
}

static void test_unknown_and_errors(void **state)
{
    (void)state;
    parse_err("noauth\n\n  frobnicate 3\n", "t.opts:3: unknown pppd option 'frobnicate'");
    parse_err("\"bad\001word\"\n", "t.opts:1: unknown pppd option 'bad?word'");
    parse_err("name\n", "t.opts:1: option 'name' needs an argument");
    /* error position is the option's line even when its argument is later */
    parse_err("auth\nmtu\n\n\nfoo\n", "t.opts:2: option 'mtu': bad value 'foo'");

    struct l2tpx_pppopts o;
    char err[32]; /* short buffers truncate, never overflow */
    pppopts_init(&o);
    assert_int_equal(parse(&o, "this-is-an-unknown-option-with-a-long-name\n", err, sizeof err),
                     -1);
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_int_equal(parse(&o, "zzz\n", NULL, 0), -1);
}

static void test_password_never_shown(void **state)
{
    (void)state;
    /* Every error and warning after a password was read. */
    static const char *const tails[] = {
        "mtu 12\n",
        "bogus\n",
        "ms-dns x\n",
        "file /nonexistent/x\n",
        "1.2.3.4:5.6\n",
        "ipv6 zz\n",
        "name 01234567890123456789012345678901234567890123456789012345678901234\n",
        "crtscts\nnoccp\nplugin x.so\nrequire-mppe\n",
    };
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "user u\npassword \"" SECRET "\"\n%s", tails[i]);
        struct l2tpx_pppopts o;
        char err[512];
        pppopts_init(&o);
        (void)parse(&o, text, err, sizeof err);
        assert_null(strstr(err, SECRET));
        for (size_t k = 0; k < o.n_warnings; k++)
            assert_null(strstr(o.warnings[k], SECRET));
        pppopts_clear(&o);
        assert_false(o.has_password);
        assert_int_equal(o.password[0], '\0');
    }
    /* The password word itself failing */
    parse_err("password", "t.opts:1: option 'password' needs an argument");
    char text[400];
    memset(text, 0, sizeof text);
    strcpy(text, "password " SECRET);
    memset(text + strlen(text), 'y', 300);
    parse_err(text, "option 'password': value too long (at most 255 characters)");
}

/* ---- includes -------------------------------------------------------------------- */

static void test_includes(void **state)
{
    (void)state;
    char err[512];
    struct l2tpx_pppopts o;

    assert_int_equal(mkdir(tpath("sub"), 0700), 0);
    write_file("main.opts", "name lns\nfile sub/a.opts\nmtu 1400\n");
    /* relative to the including file (sub/), not the cwd */
    write_file("sub/a.opts", "crtscts\nfile b.opts\nms-dns 10.0.0.53\n");
    write_file("sub/b.opts", "mru 1300\ncrtscts\nmtu 1300\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("main.opts"), &o, err, sizeof err), 0);
    assert_string_equal(o.name, "lns");
    assert_int_equal(o.mru.v, 1300);
    assert_int_equal(o.mtu.v, 1400); /* the later option wins */
    assert_int_equal(o.dns[0], 0x0a000035);
    assert_int_equal(o.n_warnings, 1); /* crtscts once across files */
    char expect[300];
    snprintf(expect, sizeof expect, "%s:1: pppd option 'crtscts'", tpath("sub/a.opts"));
    assert_true(has_warning(&o, expect));

    /* errors name the included file and its line */
    write_file("sub/bad.opts", "noauth\n\nmtu 5\n");
    write_file("inc_bad.opts", "file sub/bad.opts\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("inc_bad.opts"), &o, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s:3: option 'mtu': bad value '5' (expected 128..16384)",
             tpath("sub/bad.opts"));
    assert_string_equal(err, expect);

    /* a missing file: the including file and line */
    write_file("missing.opts", "noauth\nfile nothere.opts\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("missing.opts"), &o, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s:2: cannot open options file '%s'", tpath("missing.opts"),
             tpath("nothere.opts"));
    assert_non_null(strstr(err, expect));

    /* depth: 4 nested includes are fine, a 5th is not; a loop stops */
    write_file("d0.opts", "file d1.opts\n");
    write_file("d1.opts", "file d2.opts\n");
    write_file("d2.opts", "file d3.opts\n");
    write_file("d3.opts", "file d4.opts\n");
    write_file("d4.opts", "mtu 1280\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("d0.opts"), &o, err, sizeof err), 0);
    assert_int_equal(o.mtu.v, 1280);
    write_file("d4.opts", "file d5.opts\n");
    write_file("d5.opts", "mtu 1280\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("d0.opts"), &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "d4.opts:1: options files nested deeper than 4"));
    write_file("loop.opts", "file loop.opts\n");
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("loop.opts"), &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "nested deeper than 4"));

    /* absolute path from a buffer; `no_include` refuses */
    char text[300];
    snprintf(text, sizeof text, "file %s\n", tpath("d5.opts"));
    pppopts_init(&o);
    assert_int_equal(parse(&o, text, err, sizeof err), 0);
    assert_int_equal(o.mtu.v, 1280);
    pppopts_init(&o);
    o.no_include = true;
    assert_int_equal(parse(&o, text, err, sizeof err), -1);
    assert_string_equal(err, "t.opts:1: including options files is disabled here");

    /* not a regular file; larger than the cap */
    snprintf(text, sizeof text, "file %s\n", tmpdir);
    pppopts_init(&o);
    assert_int_equal(parse(&o, text, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a regular file"));
    FILE *f = fopen(tpath("big.opts"), "w");
    assert_non_null(f);
    for (unsigned i = 0; i < PPPOPTS_MAX_FILE / 8 + 1; i++)
        fputs("noauth\n ", f);
    fclose(f);
    pppopts_init(&o);
    assert_int_equal(pppopts_parse_file(tpath("big.opts"), &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than 1048576 bytes"));

    /* call: pppd's name rules */
    parse_err("call ../etc/passwd\n", "t.opts:1: option 'call': value may not contain ..");
    parse_err("call /etc/passwd\n", "option 'call': value may not contain .. or start with /");
}

/* ---- command line (what xl2tpd passes to pppd) ------------------------------------ */

static void test_set(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    char err[256];
    pppopts_init(&o);
    const char *src = "xl2tpd.conf [lns default]";
    assert_int_equal(pppopts_set(&o, src, "passive", NULL, err, sizeof err), 0);
    assert_int_equal(pppopts_set(&o, src, "require-chap", NULL, err, sizeof err), 0);
    assert_int_equal(pppopts_set(&o, src, "name", "LinuxVPNserver", err, sizeof err), 0);
    assert_int_equal(pppopts_set(&o, src, "10.1.2.1:10.1.2.9", NULL, err, sizeof err), 0);
    assert_int_equal(pppopts_set(&o, src, "mtu", "abc", err, sizeof err), -1);
    assert_string_equal(err, "xl2tpd.conf [lns default]: option 'mtu': bad value 'abc' "
                             "(expected 128..16384)");
    assert_int_equal(pppopts_set(&o, src, "mtu", NULL, err, sizeof err), -1);
    assert_string_equal(err, "xl2tpd.conf [lns default]: option 'mtu' needs an argument");
    assert_int_equal(pppopts_set(&o, src, "noauth", "x", err, sizeof err), -1);
    assert_string_equal(err, "xl2tpd.conf [lns default]: option 'noauth' takes no argument");
    assert_int_equal(pppopts_set(&o, src, "nope", NULL, err, sizeof err), -1);
    assert_string_equal(err, "xl2tpd.conf [lns default]: unknown pppd option 'nope'");
    /* then the pppoptfile, which pppd reads after the command line */
    assert_int_equal(parse(&o, "require-mschap-v2\nname other\n", err, sizeof err), 0);
    assert_true(o.passive);
    assert_string_equal(o.name, "other");
    assert_int_equal(o.require_mask, (1u << PPP_AUTH_CHAP_MD5) | (1u << PPP_AUTH_MSCHAP_V2));
    assert_int_equal(o.local_ip, 0x0a010201);
}

/* ---- mapping onto struct ppp_link_cfg ---------------------------------------------- */

static void assert_list(const enum ppp_auth_method *l, const enum ppp_auth_method *want, size_t n)
{
    for (size_t i = 0; i < PPP_LINK_AUTH_LIST; i++)
        assert_int_equal(l[i], i < n ? want[i] : PPP_AUTH_NONE);
}

static void test_apply_auth(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    struct ppp_link_cfg cfg;

    /* several require-*: pppd's preference, whatever the file order */
    parse_ok(&o, "require-pap\nrequire-mschap-v2\nrequire-chap\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(&o, &cfg, true);
    static const enum ppp_auth_method v2_md5_pap[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_CHAP_MD5,
                                                      PPP_AUTH_PAP};
    assert_list(cfg.auth_require, v2_md5_pap, 3);

    /* `auth` alone: any method, preferred first */
    parse_ok(&o, "auth\n");
    memset(cfg.auth_require, 0, sizeof cfg.auth_require);
    pppopts_apply_to_link(&o, &cfg, true);
    static const enum ppp_auth_method all[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1,
                                               PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP};
    assert_list(cfg.auth_require, all, 4);

    /* noauth: nothing required; neither: the caller's list stands */
    parse_ok(&o, "require-pap\nnoauth\n");
    pppopts_apply_to_link(&o, &cfg, true);
    assert_list(cfg.auth_require, NULL, 0);
    parse_ok(&o, "mtu 1400\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(&o, &cfg, true);
    assert_list(cfg.auth_require, all, 4);

    /* refuse-*: what we will not authenticate ourselves with (LAC side) */
    parse_ok(&o, "noauth\nrefuse-pap\nrefuse-mschap\nrefuse-eap\n"
                 "user alice\npassword " SECRET "\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    pppopts_apply_to_link(&o, &cfg, false);
    static const enum ppp_auth_method v2_md5[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_CHAP_MD5};
    assert_list(cfg.auth_allow, v2_md5, 2);
    assert_list(cfg.auth_require, NULL, 0);
    assert_string_equal(cfg.user, "alice");
    assert_string_equal(cfg.password, SECRET);

    /* name: our CHAP name, and our user name unless `user` is given */
    parse_ok(&o, "name gw1\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    pppopts_apply_to_link(&o, &cfg, false);
    assert_string_equal(cfg.our_name, "gw1");
    assert_string_equal(cfg.user, "gw1");
    parse_ok(&o, "user u1\nname gw1\n");
    pppopts_apply_to_link(&o, &cfg, false);
    assert_string_equal(cfg.user, "u1");

    /* timers by role */
    parse_ok(&o, "chap-restart 2\nchap-max-challenge 4\nchap-interval 60\n"
                 "pap-restart 5\npap-max-authreq 7\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(&o, &cfg, true);
    assert_int_equal(cfg.auth_timeout_ms, 2000);
    assert_int_equal(cfg.auth_max_tries, 4);
    assert_int_equal(cfg.chap_rechallenge_ms, 60000);
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    pppopts_apply_to_link(&o, &cfg, false);
    assert_int_equal(cfg.auth_timeout_ms, 5000);
    assert_int_equal(cfg.auth_max_tries, 7);
    assert_int_equal(cfg.chap_rechallenge_ms, 0);
}

static void test_apply_link(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    struct ppp_link_cfg cfg;
    parse_ok(&o, "mtu 1410\nmru 1400\nasyncmap 0\nnomagic\nlcp-echo-interval 30\n"
                 "lcp-echo-failure 0\nlcp-restart 2\nlcp-max-configure 5\nlcp-max-terminate 2\n"
                 "lcp-max-failure 4\n10.0.0.1:10.0.0.2\nms-dns 8.8.8.8\nms-wins 10.0.0.3\n"
                 "ms-wins 10.0.0.4\nipv6 ::1,::2\nusepeerdns\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(&o, &cfg, true);
    assert_int_equal(cfg.mtu, 1410);
    assert_int_equal(cfg.mru, 1400);
    assert_true(cfg.request_accm);
    assert_int_equal(cfg.accm, 0);
    assert_true(cfg.no_magic);
    assert_int_equal(cfg.echo_interval_ms, 30000);
    assert_int_equal(cfg.echo_failures, UINT32_MAX); /* pppd: 0 = never give up */
    assert_int_equal(cfg.restart_ms, 2000);
    assert_int_equal(cfg.max_configure, 5);
    assert_int_equal(cfg.max_terminate, 2);
    assert_int_equal(cfg.max_failure, 4);
    assert_int_equal(cfg.local_ip, 0x0a000001);
    assert_int_equal(cfg.peer_ip, 0x0a000002);
    assert_int_equal(cfg.dns[0], 0x08080808);
    assert_int_equal(cfg.dns[1], 0x08080808);
    assert_int_equal(cfg.nbns[0], 0x0a000003);
    assert_int_equal(cfg.nbns[1], 0x0a000004);
    assert_false(cfg.no_ipv6cp);
    assert_true(cfg.ifid == 1);
    assert_true(cfg.peer_ifid == 2);
    assert_true(cfg.request_dns);

    /* what the file does not say stays as the caller set it */
    parse_ok(&o, "noipv6\nnoip\ndefault-mru\ndefault-asyncmap\nlcp-echo-failure 6\n");
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    cfg.mru = 1450;
    cfg.request_accm = true;
    cfg.mtu = 1300;
    cfg.echo_interval_ms = 10000;
    pppopts_apply_to_link(&o, &cfg, false);
    assert_true(cfg.no_ipv6cp);
    assert_true(cfg.no_ipcp);
    assert_int_equal(cfg.mru, 0);
    assert_false(cfg.request_accm);
    assert_int_equal(cfg.mtu, 1300);
    assert_int_equal(cfg.echo_interval_ms, 10000);
    assert_int_equal(cfg.echo_failures, 6);
    assert_true(cfg.request_dns); /* peer default */
    assert_string_equal(cfg.our_name, "l2tpx");
    assert_int_equal(cfg.user[0], '\0');
}

/* ---- a real Debian / xl2tpd options.xl2tpd ---------------------------------------- */

static const char debian_options[] =
    "ipcp-accept-local\n"
    "ipcp-accept-remote\n"
    "ms-dns  192.168.1.1\n"
    "ms-dns  192.168.1.3\n"
    "ms-wins 192.168.1.2\n"
    "ms-wins 192.168.1.4\n"
    "noccp\n"
    "auth\n"
    "#obsolete: crtscts\n"
    "crtscts\n"
    "idle 1800\n"
    "mtu 1410\n"
    "mru 1410\n"
    "nodefaultroute\n"
    "debug\n"
    "lock\n"
    "proxyarp\n"
    "connect-delay 5000\n"
    "# To allow authentication against a Windows domain EXAMPLE, and require the\n"
    "# user to be in a group \"VPN Users\". Requires the samba-common package.\n"
    "#require-mschap-v2\n"
    "#plugin winbind.so\n"
    "#ntlm_auth-helper '/usr/bin/ntlm_auth --helper-protocol=ntlm-server-1 "
    "--require-membership-of=\"EXAMPLE\\\\VPN Users\"'\n"
    "require-mschap-v2\n"
    "refuse-pap\n"
    "refuse-chap\n"
    "refuse-mschap\n"
    "name l2tpd\n"
    "lcp-echo-failure 4\n"
    "lcp-echo-interval 30\n"
    "hide-password\n"
    "nobsdcomp\n"
    "nodeflate\n"
    "novj\n"
    "novjccomp\n"
    "nologfd\n"
    "logfile /var/log/xl2tpd.log\n";

static void test_debian_options_xl2tpd(void **state)
{
    (void)state;
    write_file("options.xl2tpd", debian_options);
    struct l2tpx_pppopts o;
    char err[256];
    pppopts_init(&o);
    /* xl2tpd's own command-line part first */
    assert_int_equal(pppopts_set(&o, "xl2tpd.conf", "passive", NULL, err, sizeof err), 0);
    assert_int_equal(pppopts_parse_file(tpath("options.xl2tpd"), &o, err, sizeof err), 0);

    assert_true(o.ipcp_accept_local && o.ipcp_accept_remote);
    assert_int_equal(o.dns[0], 0xc0a80101);
    assert_int_equal(o.dns[1], 0xc0a80103);
    assert_int_equal(o.wins[0], 0xc0a80102);
    assert_int_equal(o.wins[1], 0xc0a80104);
    assert_int_equal(o.auth, PPPOPTS_ON);
    assert_int_equal(o.idle.v, 1800);
    assert_int_equal(o.mtu.v, 1410);
    assert_int_equal(o.mru.v, 1410);
    assert_int_equal(o.defaultroute, PPPOPTS_OFF);
    assert_int_equal(o.debug, 1);
    assert_int_equal(o.proxyarp, PPPOPTS_ON);
    assert_int_equal(o.connect_delay.v, 5000);
    assert_int_equal(o.require_mask, 1u << PPP_AUTH_MSCHAP_V2);
    assert_string_equal(o.name, "l2tpd");
    assert_string_equal(o.logfile, "/var/log/xl2tpd.log");

    /* warnings: one each for noccp crtscts lock connect-delay nobsdcomp
     * nodeflate novj novjccomp nologfd */
    assert_int_equal(o.n_warnings, 9);
    char expect[300];
    snprintf(expect, sizeof expect, "%s:10: pppd option 'crtscts'", tpath("options.xl2tpd"));
    assert_true(has_warning(&o, expect));

    struct ppp_link_cfg cfg;
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(&o, &cfg, true);
    static const enum ppp_auth_method v2[] = {PPP_AUTH_MSCHAP_V2};
    assert_list(cfg.auth_require, v2, 1);
    assert_string_equal(cfg.our_name, "l2tpd");
    assert_int_equal(cfg.mtu, 1410);
    assert_int_equal(cfg.mru, 1410);
    assert_int_equal(cfg.echo_interval_ms, 30000);
    assert_int_equal(cfg.echo_failures, 4);
    assert_int_equal(cfg.dns[0], 0xc0a80101);
    assert_int_equal(cfg.dns[1], 0xc0a80103);
    assert_int_equal(cfg.nbns[0], 0xc0a80102);
    assert_int_equal(cfg.nbns[1], 0xc0a80104);
}

/* A LAC-side options file (xl2tpd [lac] pppoptfile). */
static void test_lac_options(void **state)
{
    (void)state;
    struct l2tpx_pppopts o;
    parse_ok(&o, "ipcp-accept-local\nipcp-accept-remote\nrefuse-eap\nrequire-mschap-v2\n"
                 "noccp\nnoauth\nidle 1800\nmtu 1410\nmru 1410\ndefaultroute\nusepeerdns\n"
                 "debug\nconnect-delay 5000\nname vpnuser\npassword " SECRET "\n");
    struct ppp_link_cfg cfg;
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    pppopts_apply_to_link(&o, &cfg, false);
    /* noauth after require-mschap-v2: we do not demand the LNS authenticate */
    assert_list(cfg.auth_require, NULL, 0);
    static const enum ppp_auth_method all[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1,
                                               PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP};
    assert_list(cfg.auth_allow, all, 4);
    assert_string_equal(cfg.user, "vpnuser");
    assert_string_equal(cfg.password, SECRET);
    assert_true(cfg.request_dns);
    assert_int_equal(o.defaultroute, PPPOPTS_ON);
    pppopts_clear(&o);
    explicit_bzero(&cfg, sizeof cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer_comments_quotes),
        cmocka_unit_test(test_tokenizer_escapes),
        cmocka_unit_test(test_tokenizer_bounds),
        cmocka_unit_test(test_auth_options),
        cmocka_unit_test(test_lcp_options),
        cmocka_unit_test(test_ipcp_options),
        cmocka_unit_test(test_ipv6_options),
        cmocka_unit_test(test_link_life_options),
        cmocka_unit_test(test_mppe_options),
        cmocka_unit_test(test_warnings_once),
        cmocka_unit_test(test_unknown_and_errors),
        cmocka_unit_test(test_password_never_shown),
        cmocka_unit_test(test_includes),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_apply_auth),
        cmocka_unit_test(test_apply_link),
        cmocka_unit_test(test_debian_options_xl2tpd),
        cmocka_unit_test(test_lac_options),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
