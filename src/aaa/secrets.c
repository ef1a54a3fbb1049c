/* pppd-style secrets files and the local AAA backend built on them. See
 * secrets.h for the format. The backend answers every request at once
 * through aaa_complete(); aaa.c delivers it from the next aaa_poll(). */
#include "aaa/secrets.h"
#include "lib/buf.h"

#include "lib/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORD_MAX 1024

struct aaa_secrets {
    struct aaa_secret *v;
    size_t n, cap;
};

/* ---- tokenizer ---------------------------------------------------------- */

struct tok {
    const char *name;
    const char *p, *end;
    unsigned line;
    char *err;
    size_t errlen;
    bool failed;
    /* one word of look-ahead */
    bool have;
    char word[WORD_MAX + 1];
    size_t wlen;
    bool wnl;       /* first word on its line */
    unsigned wline; /* line the word starts on */
    bool at_start;  /* nothing read yet on this line */
};

__attribute__((format(printf, 3, 4))) static void tok_fail(struct tok *t, unsigned line,
                                                           const char *fmt, ...)
{
    if (t->failed)
        return;
    t->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t->errlen > 0)
        snprintf(t->err, t->errlen, "%s:%u: %s", t->name, line, msg);
}

/* Handles the character after a backslash; returns -1 for a line
 * continuation (nothing to add), else the byte. */
static int tok_escape(struct tok *t)
{
    if (t->p >= t->end)
        return '\\';
    char c = *t->p++;
    switch (c) {
    case '\n':
        t->line++;
        return -1;
    case 'a':
        return '\a';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 's':
        return ' ';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    case '^':
        if (t->p < t->end && *t->p != '\n')
            return *t->p++ & 0x1f;
        return '^';
    case 'x': {
        int v = 0, n = 0;
        while (n < 2 && t->p < t->end && lx_hex_digit(*t->p) >= 0) {
            v = v * 16 + lx_hex_digit(*t->p++);
            n++;
        }
        return n ? v : 'x';
    }
    default:
        if (c >= '0' && c <= '7') {
            int v = c - '0', n = 1;
            while (n < 3 && t->p < t->end && *t->p >= '0' && *t->p <= '7') {
                v = v * 8 + (*t->p++ - '0');
                n++;
            }
            return v & 0xff;
        }
        return (unsigned char)c;
    }
}

/* Reads the next word into t->word; false at the end or on error. */
static bool tok_read(struct tok *t)
{
    bool nl = t->at_start;
    /* blanks, newlines, comments, continuations */
    for (;;) {
        if (t->p >= t->end)
            return false;
        char c = *t->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            t->p++;
        } else if (c == '\n') {
            t->p++;
            t->line++;
            nl = true;
        } else if (c == '#') {
            while (t->p < t->end && *t->p != '\n')
                t->p++;
        } else if (c == '\\' && t->p + 1 < t->end && t->p[1] == '\n') {
            t->p += 2;
            t->line++;
        } else {
            break;
        }
    }
    t->wnl = nl;
    t->wline = t->line;
    t->at_start = false;
    size_t n = 0;
    char quote = 0;
    bool nul = false;
    while (t->p < t->end) {
        char c = *t->p;
        int out;
        if (quote == 0 &&
            (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'))
            break;
        t->p++;
        if (quote != 0 && c == quote) {
            quote = 0;
            continue;
        }
        if (quote == 0 && (c == '"' || c == '\'')) {
            quote = c;
            continue;
        }
        if (c == '\n') {
            tok_fail(t, t->wline, "newline inside a quoted word");
            return false;
        }
        if (c == '\\') {
            out = tok_escape(t);
            if (out < 0)
                continue;
        } else {
            out = (unsigned char)c;
        }
        if (out == 0)
            nul = true;
        if (n >= WORD_MAX) {
            tok_fail(t, t->wline, "word longer than %d characters", WORD_MAX);
            return false;
        }
        t->word[n++] = (char)out;
    }
    if (quote != 0) {
        tok_fail(t, t->wline, "unterminated quote");
        return false;
    }
    if (nul) {
        tok_fail(t, t->wline, "NUL character in a word");
        return false;
    }
    t->word[n] = '\0';
    t->wlen = n;
    return true;
}

/* Next word; with same_line, only one that continues the current line. */
static const char *tok_next(struct tok *t, bool same_line)
{
    if (!t->have) {
        if (t->failed || !tok_read(t))
            return NULL;
        t->have = true;
    }
    if (same_line && t->wnl)
        return NULL;
    t->have = false;
    return t->word;
}

/* ---- table -------------------------------------------------------------- */

static void entry_free(struct aaa_secret *e)
{
    free(e->client);
    free(e->server);
    if (e->secret != NULL) {
        explicit_bzero(e->secret, strlen(e->secret));
        free(e->secret);
    }
}

void aaa_secrets_free(struct aaa_secrets *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        entry_free(&t->v[i]);
    free(t->v);
    free(t);
}

size_t aaa_secrets_count(const struct aaa_secrets *t)
{
    return t != NULL ? t->n : 0;
}

const struct aaa_secret *aaa_secrets_entry(const struct aaa_secrets *t, size_t i)
{
    return t != NULL && i < t->n ? &t->v[i] : NULL;
}

/* Reads the first line of an "@file" secret; never logs its content. */
static char *read_secret_file(struct tok *t, const char *path)
{
    char buf[PPP_AUTH_NAME_MAX + 2];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tok_fail(t, t->wline, "cannot open secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0) {
        tok_fail(t, t->wline, "cannot read secret file %s: %s", path, strerror(e));
        return NULL;
    }
    buf[n] = '\0';
    size_t len = strcspn(buf, "\r\n");
    if (len == (size_t)n && (size_t)n > PPP_AUTH_NAME_MAX) {
        explicit_bzero(buf, sizeof buf);
        tok_fail(t, t->wline, "secret in %s is longer than %d characters", path, PPP_AUTH_NAME_MAX);
        return NULL;
    }
    if (memchr(buf, 0, len) != NULL) {
        explicit_bzero(buf, sizeof buf);
        tok_fail(t, t->wline, "NUL character in secret file %s", path);
        return NULL;
    }
    char *s = strndup(buf, len);
    explicit_bzero(buf, sizeof buf);
    if (s == NULL)
        tok_fail(t, t->wline, "out of memory");
    return s;
}

static bool parse_addr(struct tok *t, struct aaa_secret *e, const char *w)
{
    if (strcmp(w, "*") == 0) {
        e->any_addr = true;
        return true;
    }
    if (strcmp(w, "-") == 0) {
        e->no_addr = true;
        return true;
    }
    char a[32];
    size_t len = strlen(w);
    const char *slash = strchr(w, '/');
    unsigned prefix = 32;
    if (len >= sizeof a)
        goto bad;
    if (slash != NULL) {
        char *end;
        if (slash[1] < '0' || slash[1] > '9')
            goto bad;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || p > 32)
            goto bad;
        prefix = (unsigned)p;
        len = (size_t)(slash - w);
    }
    memcpy(a, w, len);
    a[len] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, a, &in) != 1)
        goto bad;
    if (e->n_addr >= AAA_SECRETS_MAX_ADDRS) {
        tok_fail(t, t->wline, "more than %d addresses", AAA_SECRETS_MAX_ADDRS);
        return false;
    }
    e->addr[e->n_addr] = ntohl(in.s_addr);
    e->prefix[e->n_addr] = (uint8_t)prefix;
    e->n_addr++;
    return true;
bad:
    /* addresses are not secret; still bounded and made printable */
    {
        char shown[40];
        size_t i = 0;
        for (; w[i] != '\0' && i < sizeof shown - 1; i++)
            shown[i] = (w[i] > 0x20 && w[i] < 0x7f) ? w[i] : '?';
        shown[i] = '\0';
        tok_fail(t, t->wline, "bad address \"%s\" (IPv4 address, a.b.c.d/n, * or -)", shown);
    }
    return false;
}

static bool add_entry(struct tok *t, struct aaa_secrets *tab, struct aaa_secret *e)
{
    if (tab->n == tab->cap) {
        size_t cap = tab->cap ? tab->cap * 2 : 16;
        struct aaa_secret *v = realloc(tab->v, cap * sizeof *v);
        if (v == NULL) {
            tok_fail(t, e->line, "out of memory");
            return false;
        }
        tab->v = v;
        tab->cap = cap;
    }
    tab->v[tab->n++] = *e;
    return true;
}

int aaa_secrets_parse(const char *name, const char *text, size_t len, struct aaa_secrets **out,
                      char *err, size_t errlen)
{
    struct tok *t = calloc(1, sizeof *t);
    struct aaa_secrets *tab = calloc(1, sizeof *tab);
    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (t == NULL || tab == NULL) {
        free(t);
        free(tab);
        if (errlen > 0)
            snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    t->name = name;
    t->p = text;
    t->end = text + len;
    t->line = 1;
    t->err = err;
    t->errlen = errlen;
    t->at_start = true;

    const char *w;
    while ((w = tok_next(t, false)) != NULL) {
        struct aaa_secret e;
        memset(&e, 0, sizeof e);
        e.line = t->wline;
        if (t->wlen > PPP_AUTH_NAME_MAX) {
            tok_fail(t, e.line, "client name longer than %d characters", PPP_AUTH_NAME_MAX);
            break;
        }
        e.client = strdup(w);
        w = tok_next(t, true);
        if (w == NULL) {
            tok_fail(t, e.line, "expected: client server secret [addresses]");
            entry_free(&e);
            break;
        }
        if (t->wlen > PPP_AUTH_NAME_MAX) {
            tok_fail(t, e.line, "server name longer than %d characters", PPP_AUTH_NAME_MAX);
            entry_free(&e);
            break;
        }
        e.server = strdup(w);
        w = tok_next(t, true);
        if (w == NULL) {
            tok_fail(t, e.line, "missing secret");
            entry_free(&e);
            break;
        }
        if (w[0] == '@' && w[1] != '\0') {
            e.secret = read_secret_file(t, w + 1);
        } else if (t->wlen > PPP_AUTH_NAME_MAX) {
            tok_fail(t, e.line, "secret longer than %d characters", PPP_AUTH_NAME_MAX);
        } else {
            e.secret = strdup(w);
        }
        explicit_bzero(t->word, sizeof t->word);
        if (t->failed || e.client == NULL || e.server == NULL || e.secret == NULL) {
            tok_fail(t, e.line, "out of memory");
            entry_free(&e);
            break;
        }
        while ((w = tok_next(t, true)) != NULL) {
            if (!parse_addr(t, &e, w))
                break;
        }
        if (!t->failed && e.no_addr && (e.n_addr > 0 || e.any_addr))
            tok_fail(t, e.line, "\"-\" (no address) combined with other addresses");
        if (t->failed || !add_entry(t, tab, &e)) {
            entry_free(&e);
            break;
        }
    }
    bool failed = t->failed;
    explicit_bzero(t, sizeof *t);
    free(t);
    if (failed) {
        aaa_secrets_free(tab);
        return -1;
    }
    *out = tab;
    return 0;
}

int aaa_secrets_load(const char *path, struct aaa_secrets **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > AAA_SECRETS_MAX_FILE) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, AAA_SECRETS_MAX_FILE);
        close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        lx_warn("secrets file %s is accessible by group or others", path);
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }
    for (;;) {
        if (len == cap) { /* the file grew while we read it: stop at the stat size */
            break;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            explicit_bzero(buf, len);
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > (size_t)st.st_size)
        len = (size_t)st.st_size;
    int rc = aaa_secrets_parse(path, buf, len, out, err, errlen);
    explicit_bzero(buf, cap);
    free(buf);
    return rc;
}

const struct aaa_secret *aaa_secrets_lookup(const struct aaa_secrets *t, const char *client,
                                            const char *server)
{
    const struct aaa_secret *best = NULL;
    int best_score = -1;
    if (t == NULL || client == NULL)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        const struct aaa_secret *e = &t->v[i];
        int score = 0;
        if (strcmp(e->client, client) == 0)
            score += 2;
        else if (strcmp(e->client, "*") != 0)
            continue;
        if (server != NULL && strcmp(e->server, server) == 0)
            score += 1;
        else if (server != NULL && strcmp(e->server, "*") != 0)
            continue;
        if (score > best_score) {
            best = e;
            best_score = score;
        }
    }
    return best;
}

/* ---- backend ------------------------------------------------------------ */

struct secrets_impl {
    char *chap_path, *pap_path, *server_name;
    struct aaa_secrets *chap, *pap;
};

/* User names come from the network: printable, bounded, for log lines. */
static void shown_user(const char *u, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; u[i] != '\0' && o + 1 < cap; i++)
        out[o++] = (u[i] >= 0x20 && u[i] < 0x7f) ? u[i] : '?';
    out[o] = '\0';
}

static bool secrets_start(void *impl, struct aaa_backend *b, aaa_handle_t h,
                          const struct ppp_auth_request *req)
{
    struct secrets_impl *s = impl;
    struct ppp_auth_verdict v;
    char user[80];
    shown_user(req->user, user, sizeof user);
    const struct aaa_secrets *tab =
        (req->method == PPP_AUTH_PAP && s->pap != NULL) ? s->pap : s->chap;
    const struct aaa_secret *e = aaa_secrets_lookup(tab, req->user, s->server_name);
    if (e == NULL) {
        lx_notice("secrets: no entry for user \"%s\" (%s)", user,
                  ppp_auth_method_name(req->method));
        aaa_verdict_reject(&v, req->method, NULL);
        aaa_complete(b, h, &v);
        return true;
    }
    memset(&v, 0, sizeof v);
    ppp_auth_check_password(req, e->secret, &v);
    if (v.accept && e->no_addr) {
        lx_notice("secrets: user \"%s\" has no authorized address (line %u)", user, e->line);
        aaa_verdict_reject(&v, req->method, NULL);
    }
    if (v.accept) {
        for (size_t i = 0; i < e->n_addr; i++) {
            if (e->prefix[i] == 32) {
                v.attrs.framed_ip = e->addr[i];
                break;
            }
        }
        lx_info("secrets: user \"%s\" accepted (%s)", user, ppp_auth_method_name(req->method));
    } else {
        lx_notice("secrets: user \"%s\" rejected (%s)", user, ppp_auth_method_name(req->method));
        if (v.mschap_error == 0 &&
            (req->method == PPP_AUTH_MSCHAP_V1 || req->method == PPP_AUTH_MSCHAP_V2))
            v.mschap_error = 691;
    }
    aaa_complete(b, h, &v);
    explicit_bzero(&v, sizeof v);
    return true;
}

static int load_all(const struct secrets_impl *s, struct aaa_secrets **chap,
                    struct aaa_secrets **pap, char *err, size_t errlen)
{
    *chap = *pap = NULL;
    if (s->chap_path != NULL && aaa_secrets_load(s->chap_path, chap, err, errlen) != 0)
        return -1;
    if (s->pap_path != NULL && aaa_secrets_load(s->pap_path, pap, err, errlen) != 0) {
        aaa_secrets_free(*chap);
        *chap = NULL;
        return -1;
    }
    return 0;
}

static int secrets_reload(void *impl)
{
    struct secrets_impl *s = impl;
    struct aaa_secrets *chap, *pap;
    char err[512];
    if (load_all(s, &chap, &pap, err, sizeof err) != 0) {
        lx_err("secrets: reload failed, keeping the previous table: %s", err);
        return -1;
    }
    aaa_secrets_free(s->chap);
    aaa_secrets_free(s->pap);
    s->chap = chap;
    s->pap = pap;
    lx_info("secrets: reloaded (%zu chap, %zu pap entries)", aaa_secrets_count(chap),
            aaa_secrets_count(pap));
    return 0;
}

static void secrets_destroy(void *impl)
{
    struct secrets_impl *s = impl;
    aaa_secrets_free(s->chap);
    aaa_secrets_free(s->pap);
    free(s->chap_path);
    free(s->pap_path);
    free(s->server_name);
    free(s);
}

static const struct aaa_driver secrets_driver = {
    .name = "secrets",
    .start = secrets_start,
    .reload = secrets_reload,
    .destroy = secrets_destroy,
};

struct aaa_backend *aaa_secrets_backend_new(const struct aaa_secrets_cfg *cfg, char *err,
                                            size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (cfg == NULL || (cfg->chap_secrets == NULL && cfg->pap_secrets == NULL)) {
        snprintf(err, errlen, "secrets: no file configured");
        return NULL;
    }
    struct secrets_impl *s = calloc(1, sizeof *s);
    if (s == NULL)
        goto oom;
    if ((cfg->chap_secrets && !(s->chap_path = strdup(cfg->chap_secrets))) ||
        (cfg->pap_secrets && !(s->pap_path = strdup(cfg->pap_secrets))) ||
        (cfg->server_name && !(s->server_name = strdup(cfg->server_name))))
        goto oom;
    if (load_all(s, &s->chap, &s->pap, err, errlen) != 0) {
        secrets_destroy(s);
        return NULL;
    }
    struct aaa_backend *b = aaa_backend_new(&secrets_driver, s);
    if (b == NULL)
        goto oom;
    return b;
oom:
    snprintf(err, errlen, "secrets: out of memory");
    if (s != NULL)
        secrets_destroy(s);
    return NULL;
}
