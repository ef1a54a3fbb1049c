/* chap-secrets / pap-secrets parsing, lookup, the secrets backend, reload,
 * and that no secret ever reaches a log line. */
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

#include "aaa/aaa.h"
#include "aaa/secrets.h"
#include "lib/log.h"
#include "ppp/crypto.h"

/* ---- log capture -------------------------------------------------------- */

static char logbuf[65536];
static size_t loglen;

static void log_hook(void *ctx, int level, const char *line)
{
    (void)ctx;
    (void)level;
    size_t n = strlen(line);
    if (loglen + n + 2 < sizeof logbuf) {
        memcpy(logbuf + loglen, line, n);
        loglen += n;
        logbuf[loglen++] = '\n';
        logbuf[loglen] = '\0';
    }
}

static int setup(void **state)
{
    (void)state;
    loglen = 0;
    logbuf[0] = '\0';
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    lx_log_set_hook(log_hook, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lx_log_set_hook(NULL, NULL);
    return 0;
}

static struct aaa_secrets *parse_ok(const char *text)
{
    struct aaa_secrets *t = NULL;
    char err[256];
    int rc = aaa_secrets_parse("test", text, strlen(text), &t, err, sizeof err);
    if (rc != 0)
        fail_msg("unexpected parse error: %s", err);
    assert_non_null(t);
    return t;
}

static void parse_err(const char *text, const char *want)
{
    struct aaa_secrets *t = (struct aaa_secrets *)1;
    char err[256];
    assert_int_equal(aaa_secrets_parse("f.conf", text, strlen(text), &t, err, sizeof err), -1);
    assert_null(t);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

/* ---- parser ------------------------------------------------------------- */

static void test_parse_basic(void **state)
{
    (void)state;
    struct aaa_secrets *t = parse_ok("# Secrets for authentication using CHAP\n"
                                     "# client\tserver\tsecret\t\tIP addresses\n"
                                     "\n"
                                     "alice\t*\tpw1\t10.0.0.5\n"
                                     "  bob  lns  pw2   # trailing comment\n"
                                     "carol * pw#3 10.1.0.0/16 *\n"
                                     "dave * pw4 -\n");
    assert_int_equal(aaa_secrets_count(t), 4);
    const struct aaa_secret *e = aaa_secrets_entry(t, 0);
    assert_string_equal(e->client, "alice");
    assert_string_equal(e->server, "*");
    assert_string_equal(e->secret, "pw1");
    assert_int_equal(e->n_addr, 1);
    assert_int_equal(e->addr[0], 0x0a000005);
    assert_int_equal(e->prefix[0], 32);
    assert_int_equal(e->line, 4);
    e = aaa_secrets_entry(t, 1);
    assert_string_equal(e->client, "bob");
    assert_string_equal(e->server, "lns");
    assert_string_equal(e->secret, "pw2");
    assert_int_equal(e->n_addr, 0);
    assert_int_equal(e->line, 5);
    e = aaa_secrets_entry(t, 2);
    assert_string_equal(e->secret, "pw#3"); /* '#' inside a word is not a comment */
    assert_int_equal(e->n_addr, 1);
    assert_int_equal(e->addr[0], 0x0a010000);
    assert_int_equal(e->prefix[0], 16);
    assert_true(e->any_addr);
    e = aaa_secrets_entry(t, 3);
    assert_true(e->no_addr);
    aaa_secrets_free(t);
}

static void test_parse_quotes_escapes(void **state)
{
    (void)state;
    struct aaa_secrets *t = parse_ok("\"john smith\" \"*\" \"pass word\"\n"
                                     "'sq user' srv 'it''s'\n"
                                     "esc srv a\\\"b\\\\c\\sd\\te\n"
                                     "oct srv \\101\\x42\\^A\n"
                                     "mix srv pre\"fix suf\"fix\n"
                                     "cont srv \\\n"
                                     "  joined 10.0.0.9\n"
                                     "empty srv \"\"\n"
                                     "hash srv \\#notcomment\n");
    assert_int_equal(aaa_secrets_count(t), 8);
    const struct aaa_secret *e = aaa_secrets_entry(t, 0);
    assert_string_equal(e->client, "john smith");
    assert_string_equal(e->server, "*");
    assert_string_equal(e->secret, "pass word");
    e = aaa_secrets_entry(t, 1);
    assert_string_equal(e->client, "sq user");
    assert_string_equal(e->secret, "its");
    e = aaa_secrets_entry(t, 2);
    assert_string_equal(e->secret, "a\"b\\c d\te");
    e = aaa_secrets_entry(t, 3);
    assert_string_equal(e->secret, "AB\x01");
    e = aaa_secrets_entry(t, 4);
    assert_string_equal(e->secret, "prefix suffix");
    e = aaa_secrets_entry(t, 5);
    assert_string_equal(e->secret, "joined");
    assert_int_equal(e->n_addr, 1);
    assert_int_equal(e->line, 6);
    e = aaa_secrets_entry(t, 6);
    assert_string_equal(e->secret, "");
    assert_int_equal(e->line, 8);
    e = aaa_secrets_entry(t, 7);
    assert_string_equal(e->secret, "#notcomment");
    aaa_secrets_free(t);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_err("alice * pw\nbob\n", "f.conf:2: expected: client server secret");
    parse_err("alice *\n", "f.conf:1: missing secret");
    parse_err("# c\n\nalice * pw 10.0.0.300\n", "f.conf:3: bad address \"10.0.0.300\"");
    parse_err("alice * pw host.example\n", "f.conf:1: bad address");
    parse_err("alice * pw 10.0.0.1/33\n", "f.conf:1: bad address");
    parse_err("alice * pw !10.0.0.1\n", "f.conf:1: bad address");
    parse_err("alice * pw - 10.0.0.1\n", "f.conf:1: \"-\" (no address) combined");
    parse_err("ok * pw\nalice * \"unterminated\n", "f.conf:2: newline inside a quoted word");
    parse_err("alice * \"unterminated", "f.conf:1: unterminated quote");
    parse_err("alice * a\\000b\n", "f.conf:1: NUL character");
    parse_err("a * b 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9 "
              "1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17\n",
              "more than 16 addresses");
    char big[600];
    memset(big, 'x', sizeof big);
    memcpy(big, "a * ", 4);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    parse_err(big, "f.conf:1: secret longer than 255");
    char huge[2000];
    memset(huge, 'y', sizeof huge);
    huge[sizeof huge - 1] = '\0';
    parse_err(huge, "f.conf:1: word longer than 1024");

    /* errors never show the secret */
    struct aaa_secrets *t;
    char err[256];
    assert_int_equal(aaa_secrets_parse("f", "u * Sup3rS3cret bogus\n", 22, &t, err, sizeof err),
                     -1);
    assert_null(strstr(err, "Sup3rS3cret"));

    /* empty and comment-only files are fine */
    t = parse_ok("");
    assert_int_equal(aaa_secrets_count(t), 0);
    aaa_secrets_free(t);
    t = parse_ok("# nothing\n   \n\t# here\n");
    assert_int_equal(aaa_secrets_count(t), 0);
    aaa_secrets_free(t);
}

static void test_lookup_wildcards(void **state)
{
    (void)state;
    struct aaa_secrets *t = parse_ok("* * anyany\n"
                                     "alice * alice-any\n"
                                     "* lns any-lns\n"
                                     "alice lns alice-lns\n"
                                     "alice lns alice-lns-second\n"
                                     "bob other bob-other\n");
    assert_string_equal(aaa_secrets_lookup(t, "alice", "lns")->secret, "alice-lns");
    assert_string_equal(aaa_secrets_lookup(t, "alice", "x")->secret, "alice-any");
    assert_string_equal(aaa_secrets_lookup(t, "zed", "lns")->secret, "any-lns");
    assert_string_equal(aaa_secrets_lookup(t, "zed", "x")->secret, "anyany");
    assert_string_equal(aaa_secrets_lookup(t, "bob", "lns")->secret, "any-lns");
    assert_string_equal(aaa_secrets_lookup(t, "bob", "other")->secret, "bob-other");
    assert_string_equal(aaa_secrets_lookup(t, "Alice", "lns")->secret, "any-lns");
    assert_string_equal(aaa_secrets_lookup(t, "bob", NULL)->secret, "bob-other");
    aaa_secrets_free(t);

    t = parse_ok("alice lns pw\n");
    assert_null(aaa_secrets_lookup(t, "bob", "lns"));
    assert_null(aaa_secrets_lookup(t, "alice", "other"));
    aaa_secrets_free(t);
}

/* ---- backend ------------------------------------------------------------ */

static char dir[64];

static void write_file(const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

struct result {
    int calls;
    aaa_handle_t h;
    struct ppp_auth_verdict v;
};

static void on_done(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    struct result *r = cookie;
    r->calls++;
    r->h = h;
    r->v = *v;
}

static void pap_req(struct ppp_auth_request *req, const char *user, const char *pw)
{
    memset(req, 0, sizeof *req);
    req->method = PPP_AUTH_PAP;
    snprintf(req->user, sizeof req->user, "%s", user);
    req->password_len = strlen(pw);
    memcpy(req->password, pw, req->password_len);
}

static void chap_req(struct ppp_auth_request *req, const char *user, const char *pw)
{
    memset(req, 0, sizeof *req);
    req->method = PPP_AUTH_CHAP_MD5;
    snprintf(req->user, sizeof req->user, "%s", user);
    req->chap_id = 7;
    req->challenge_len = 16;
    memset(req->challenge, 0x5a, 16);
    ppp_crypto_chap_md5(7, (const uint8_t *)pw, strlen(pw), req->challenge, 16, req->response);
    req->response_len = 16;
}

static void mschapv2_req(struct ppp_auth_request *req, const char *user, const char *pw)
{
    memset(req, 0, sizeof *req);
    req->method = PPP_AUTH_MSCHAP_V2;
    snprintf(req->user, sizeof req->user, "%s", user);
    req->challenge_len = 16;
    memset(req->challenge, 0x11, 16);
    memset(req->response, 0x22, 16);
    assert_true(ppp_crypto_generate_nt_response(req->challenge, req->response, user, strlen(user),
                                                pw, strlen(pw), req->response + 24));
    req->response_len = 49;
}

static struct result run_one(struct aaa_backend *b, const struct ppp_auth_request *req)
{
    struct result r;
    memset(&r, 0, sizeof r);
    aaa_handle_t h = aaa_submit(b, req, on_done, &r);
    assert_true(h != 0);
    assert_int_equal(r.calls, 0); /* never from inside submit */
    assert_int_equal(aaa_next_timeout(b), 0);
    assert_int_equal(aaa_poll(b, 0), 1);
    assert_int_equal(r.calls, 1);
    assert_true(r.h == h);
    assert_int_equal(aaa_next_timeout(b), LX_MS_NEVER);
    assert_int_equal(aaa_outstanding(b), 0);
    return r;
}

static void test_backend(void **state)
{
    (void)state;
    char chap[128], pap[128], err[256];
    write_file("chap-secrets",
               "# client server secret addresses\n"
               "alice lns \"Sup3r S3cret!\" 10.9.0.7\n"
               "bob * b0bPass 10.9.0.0/24 *\n"
               "carol * c4rolPass -\n"
               "\"DOM\\\\dave\" * d4vePass\n",
               chap, sizeof chap);
    write_file("pap-secrets", "alice * PapOnly 10.9.0.8\n", pap, sizeof pap);
    struct aaa_secrets_cfg cfg = {.chap_secrets = chap, .pap_secrets = pap, .server_name = "lns"};
    struct aaa_backend *b = aaa_secrets_backend_new(&cfg, err, sizeof err);
    assert_non_null(b);
    assert_string_equal(aaa_backend_name(b), "secrets");

    struct ppp_auth_request req;
    struct result r;

    chap_req(&req, "alice", "Sup3r S3cret!");
    r = run_one(b, &req);
    assert_true(r.v.accept);
    assert_int_equal(r.v.attrs.framed_ip, 0x0a090007);

    chap_req(&req, "alice", "wrong");
    r = run_one(b, &req);
    assert_false(r.v.accept);
    assert_int_equal(r.v.attrs.framed_ip, 0);

    /* PAP uses pap-secrets */
    pap_req(&req, "alice", "PapOnly");
    r = run_one(b, &req);
    assert_true(r.v.accept);
    assert_int_equal(r.v.attrs.framed_ip, 0x0a090008);
    pap_req(&req, "alice", "Sup3r S3cret!");
    r = run_one(b, &req);
    assert_false(r.v.accept);

    /* subnet only: no static address */
    chap_req(&req, "bob", "b0bPass");
    r = run_one(b, &req);
    assert_true(r.v.accept);
    assert_int_equal(r.v.attrs.framed_ip, 0);

    /* "-": right password, still refused */
    chap_req(&req, "carol", "c4rolPass");
    r = run_one(b, &req);
    assert_false(r.v.accept);

    /* unknown user */
    chap_req(&req, "mallory", "x");
    r = run_one(b, &req);
    assert_false(r.v.accept);

    /* MS-CHAPv2 with a domain in the name: the S= and keys come back */
    mschapv2_req(&req, "DOM\\dave", "d4vePass");
    r = run_one(b, &req);
    assert_false(r.v.accept); /* NT-Response was computed over the full name */
    mschapv2_req(&req, "dave", "d4vePass");
    memcpy(req.user, "DOM\\dave", 9);
    r = run_one(b, &req);
    assert_true(r.v.accept);
    assert_int_equal(strlen(r.v.mschap_auth_response), 42);
    assert_true(r.v.has_mppe_keys);
    mschapv2_req(&req, "alice", "nope");
    r = run_one(b, &req);
    assert_false(r.v.accept);
    assert_int_equal(r.v.mschap_error, 691);

    /* reload: a broken file keeps the old table and names file:line */
    write_file("chap-secrets", "alice lns newpass\nbroken *\n", chap, sizeof chap);
    assert_int_equal(aaa_reload(b), -1);
    char want[200];
    snprintf(want, sizeof want, "%s:2: missing secret", chap);
    assert_non_null(strstr(logbuf, want));
    chap_req(&req, "alice", "Sup3r S3cret!");
    r = run_one(b, &req);
    assert_true(r.v.accept);

    /* a good file replaces it */
    write_file("chap-secrets", "alice lns newpass 10.9.0.99\n", chap, sizeof chap);
    assert_int_equal(aaa_reload(b), 0);
    r = run_one(b, &req);
    assert_false(r.v.accept);
    chap_req(&req, "alice", "newpass");
    r = run_one(b, &req);
    assert_true(r.v.accept);
    assert_int_equal(r.v.attrs.framed_ip, 0x0a090063);

    /* a missing file on reload also keeps the table */
    unlink(chap);
    assert_int_equal(aaa_reload(b), -1);
    r = run_one(b, &req);
    assert_true(r.v.accept);

    aaa_free(b);

    /* users are logged, secrets never */
    assert_non_null(strstr(logbuf, "alice"));
    assert_non_null(strstr(logbuf, "mallory"));
    static const char *secrets[] = {"Sup3r S3cret!", "PapOnly", "b0bPass", "c4rolPass",
                                    "d4vePass",      "newpass", "wrong"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(logbuf, secrets[i]) != NULL)
            fail_msg("secret \"%s\" found in the log:\n%s", secrets[i], logbuf);
    unlink(pap);
}

static void test_backend_errors(void **state)
{
    (void)state;
    char chap[128], err[256];
    struct aaa_secrets_cfg cfg = {.chap_secrets = "/nonexistent/chap-secrets"};
    assert_null(aaa_secrets_backend_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/chap-secrets"));

    write_file("bad-secrets", "ok * pw\n\nu * pw 1.2.3\n", chap, sizeof chap);
    cfg.chap_secrets = chap;
    assert_null(aaa_secrets_backend_new(&cfg, err, sizeof err));
    char want[200];
    snprintf(want, sizeof want, "%s:3: bad address \"1.2.3\"", chap);
    assert_non_null(strstr(err, want));
    unlink(chap);

    struct aaa_secrets_cfg none = {0};
    assert_null(aaa_secrets_backend_new(&none, err, sizeof err));
}

static void test_secret_file_indirection(void **state)
{
    (void)state;
    char sec[128], chap[128], text[300], err[256];
    write_file("alice.pw", "FromFile99\nignored second line\n", sec, sizeof sec);
    snprintf(text, sizeof text, "alice * @%s\n", sec);
    write_file("chap-ind", text, chap, sizeof chap);
    struct aaa_secrets *t;
    assert_int_equal(aaa_secrets_load(chap, &t, err, sizeof err), 0);
    assert_string_equal(aaa_secrets_lookup(t, "alice", "x")->secret, "FromFile99");
    aaa_secrets_free(t);
    unlink(sec);
    assert_int_equal(aaa_secrets_load(chap, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: cannot open secret file"));
    unlink(chap);
    assert_null(strstr(logbuf, "FromFile99"));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/l2tpx-secrets-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_quotes_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_wildcards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_file_indirection, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return rc;
}
