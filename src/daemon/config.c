#include "daemon/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/udp.h"

#define G(f)   offsetof(struct cfg_global, f), sizeof(((struct cfg_global *)0)->f)
#define S(f)   offsetof(struct cfg_section, f), sizeof(((struct cfg_section *)0)->f)
#define LNSLAC (CFG_LNS | CFG_LAC)

/* One row per key. xl2tpd spellings where they fit. */
static const struct cfg_key cfg_key_table[] = {
    /* ---- [global] ---- */
    {"listen-addr", CFG_GLOBAL, CFG_T_LISTEN, G(listen), 0, 0, 0, 0},
    {"port", CFG_GLOBAL, CFG_T_UINT, G(port), 1, 65535, 1, 0},
    {"max tunnels", CFG_GLOBAL, CFG_T_UINT, G(engine.max_tunnels), 1, 65535, 1, 0},
    {"max half-open", CFG_GLOBAL, CFG_T_UINT, G(engine.max_halfopen), 1, 65535, 1, 0},
    {"max half-open per peer", CFG_GLOBAL, CFG_T_UINT, G(engine.max_halfopen_per_peer), 1, 65535, 1,
     0},
    {"debug", CFG_GLOBAL, CFG_T_BOOL, G(debug), 0, 0, 0, 0},
    {"debug tunnel", CFG_GLOBAL, CFG_T_BOOL, G(debug_tunnel), 0, 0, 0, 0},
    {"debug state", CFG_GLOBAL, CFG_T_BOOL, G(debug_state), 0, 0, 0, 0},
    {"debug avp", CFG_GLOBAL, CFG_T_BOOL, G(debug_avp), 0, 0, 0, 0},
    {"debug network", CFG_GLOBAL, CFG_T_BOOL, G(debug_network), 0, 0, 0, 0},
    {"debug packet", CFG_GLOBAL, CFG_T_BOOL, G(debug_packet), 0, 0, 0, 0},
    {"access control", CFG_GLOBAL, CFG_T_BOOL, G(access_control), 0, 0, 0, 0},
    {"log", CFG_GLOBAL, CFG_T_LOG, G(log_syslog), 0, 0, 0, 0},
    {"max retries", CFG_GLOBAL, CFG_T_UINT, G(max_retries), 1, 100, 1, 0},
    {"rand source", CFG_GLOBAL, CFG_T_STR, G(rand_source), 0, 0, 0, CFG_KF_IGNORED},
    {"auth file", CFG_GLOBAL, CFG_T_STR, G(auth_file), 0, 0, 0, CFG_KF_IGNORED},
    {"ipsec saref", CFG_GLOBAL, CFG_T_BOOL, G(ipsec_saref), 0, 0, 0, CFG_KF_IGNORED},

    /* ---- [lns] and [lac]: the tunnel ---- */
    {"hostname", LNSLAC, CFG_T_HOSTNAME, S(tunnel.host_name), 0, 0, 0, 0},
    {"secret", LNSLAC, CFG_T_SECRET, S(tunnel.secret), 0, 0, 0, 0},
    {"challenge", LNSLAC, CFG_T_BOOL, S(tunnel.auth_required), 0, 0, 0, 0},
    {"hidden bit", LNSLAC, CFG_T_BOOL, S(tunnel.hide_avps), 0, 0, 0, 0},
    {"tunnel rws", LNSLAC, CFG_T_UINT, S(tunnel.rws), 1, 65535, 1, 0},
    {"max retries", LNSLAC, CFG_T_UINT, S(tunnel.max_retries), 1, 100, 1, 0},
    {"hello interval", LNSLAC, CFG_T_UINT, S(tunnel.hello_ms), 0, 86400, 1000, 0},
    {"length bit", LNSLAC, CFG_T_BOOL, S(tunnel.data_len_bit), 0, 0, 0, 0},
    {"flow bit", LNSLAC, CFG_T_BOOL, S(tunnel.seq_required), 0, 0, 0, 0},
    {"sequencing", LNSLAC, CFG_T_BOOL, S(tunnel.seq_required), 0, 0, 0, 0},
    {"max sessions", LNSLAC, CFG_T_UINT, S(tunnel.max_sessions), 1, 65535, 1, 0},

    /* ---- [lns] ---- */
    {"lac", CFG_LNS, CFG_T_RANGES, S(lac), 0, 0, 0, 0},
    {"exclusive", CFG_LNS, CFG_T_BOOL, S(exclusive), 0, 0, 0, 0},

    /* ---- [lac] ---- */
    {"lns", CFG_LAC, CFG_T_LNS, S(lns_host), 0, 0, 0, 0},
    {"port", CFG_LAC, CFG_T_UINT, S(lns_port), 1, 65535, 1, 0},
    {"autodial", CFG_LAC, CFG_T_BOOL, S(autodial), 0, 0, 0, 0},
    {"redial", CFG_LAC, CFG_T_BOOL, S(redial), 0, 0, 0, 0},
    {"redial timeout", CFG_LAC, CFG_T_UINT, S(redial_timeout_s), 1, 86400, 1, 0},
    {"max redials", CFG_LAC, CFG_T_UINT, S(max_redials), 0, 1000000, 1, 0},

    /* ---- PPP side: the next issue wires these (CFG_KF_LATER) ---- */
    {"ip range", CFG_LNS, CFG_T_RANGESTR, S(ppp.ip_range), 0, 0, 0, CFG_KF_LATER},
    {"local ip", LNSLAC, CFG_T_IPSTR, S(ppp.local_ip), 0, 0, 0, CFG_KF_LATER},
    {"local ip range", CFG_LNS, CFG_T_RANGESTR, S(ppp.local_ip_range), 0, 0, 0, CFG_KF_LATER},
    {"remote ip", CFG_LAC, CFG_T_IPSTR, S(ppp.remote_ip), 0, 0, 0, CFG_KF_LATER},
    {"assign ip", CFG_LNS, CFG_T_BOOL, S(ppp.assign_ip), 0, 0, 0, CFG_KF_LATER},
    {"require authentication", LNSLAC, CFG_T_BOOL, S(ppp.require_auth), 0, 0, 0, CFG_KF_LATER},
    {"refuse authentication", LNSLAC, CFG_T_BOOL, S(ppp.refuse_auth), 0, 0, 0, CFG_KF_LATER},
    {"require chap", LNSLAC, CFG_T_BOOL, S(ppp.require_chap), 0, 0, 0, CFG_KF_LATER},
    {"refuse chap", LNSLAC, CFG_T_BOOL, S(ppp.refuse_chap), 0, 0, 0, CFG_KF_LATER},
    {"require pap", LNSLAC, CFG_T_BOOL, S(ppp.require_pap), 0, 0, 0, CFG_KF_LATER},
    {"refuse pap", LNSLAC, CFG_T_BOOL, S(ppp.refuse_pap), 0, 0, 0, CFG_KF_LATER},
    {"unix authentication", CFG_LNS, CFG_T_BOOL, S(ppp.unix_auth), 0, 0, 0, CFG_KF_LATER},
    {"name", LNSLAC, CFG_T_STR, S(ppp.name), 0, 0, 0, CFG_KF_LATER},
    {"pppoptfile", LNSLAC, CFG_T_STR, S(ppp.pppoptfile), 0, 0, 0, CFG_KF_LATER},
    {"ppp debug", LNSLAC, CFG_T_BOOL, S(ppp.ppp_debug), 0, 0, 0, CFG_KF_LATER},
    {"defaultroute", CFG_LAC, CFG_T_BOOL, S(ppp.defaultroute), 0, 0, 0, CFG_KF_LATER},
    {"call rws", LNSLAC, CFG_T_UINT, S(ppp.call_rws), 0, 65535, 1, CFG_KF_LATER},
    {"tx bps", LNSLAC, CFG_T_UINT, S(ppp.tx_bps), 0, UINT32_MAX, 1, CFG_KF_LATER},
    {"rx bps", LNSLAC, CFG_T_UINT, S(ppp.rx_bps), 0, UINT32_MAX, 1, CFG_KF_LATER},
};

#define CFG_NKEYS (sizeof cfg_key_table / sizeof cfg_key_table[0])
_Static_assert(CFG_NKEYS <= CFG_MAX_KEYS, "raise CFG_MAX_KEYS");

const struct cfg_key *cfg_keys(size_t *n)
{
    *n = CFG_NKEYS;
    return cfg_key_table;
}

/* ---- parse state ---- */

struct cfg_parse {
    struct cfg *c;
    const char *file;
    cfg_diag_fn diag;
    void *arg;
    unsigned lineno;
    int errors;
    /* current section: global, a section index, or none (invalid header:
     * its keys are skipped so one mistake gives one message) */
    enum { CUR_NONE, CUR_GLOBAL, CUR_SECTION, CUR_SKIP } cur;
    unsigned cur_idx;
    char cur_label[CFG_NAME_MAX + 8];
    bool warned[CFG_NKEYS];
    /* reader */
    const char *text;
    size_t text_len, text_off;
    FILE *fp;
    bool global_seen;
};

static void diag(struct cfg_parse *p, bool error, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag(struct cfg_parse *p, bool error, unsigned line, const char *fmt, ...)
{
    if (error)
        p->errors++;
    if (p->diag == NULL)
        return;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s:%u: ", p->file, line);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    p->diag(p->arg, error, msg);
}

/* ---- value parsers ---- */

int cfg_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int parse_u32(const char *v, uint32_t *out)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end != '\0' || x > UINT32_MAX)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int parse_ip(const char *s, int *family, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

/* "a.b.c.d", "a.b.c.d-a.b.c.e", "a.b.c.d-e" (xl2tpd: last octet),
 * "a.b.c.d/n", and the IPv6 forms "x::1", "x::1-x::9", "x::/64". */
int cfg_parse_range(const char *v, struct cfg_ip_range *out)
{
    char buf[128];
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, v, n + 1);
    memset(out, 0, sizeof *out);
    char *dash = strchr(buf, '-');
    char *slash = strchr(buf, '/');
    if (dash && slash)
        return -1;
    if (slash) {
        *slash++ = '\0';
        if (parse_ip(buf, &out->family, out->lo) < 0)
            return -1;
        uint32_t plen;
        unsigned bits = out->family == AF_INET ? 32 : 128;
        if (parse_u32(slash, &plen) < 0 || plen > bits)
            return -1;
        memcpy(out->hi, out->lo, 16);
        for (unsigned b = plen; b < bits; b++) {
            uint8_t m = (uint8_t)(0x80u >> (b % 8));
            out->lo[b / 8] &= (uint8_t)~m;
            out->hi[b / 8] |= m;
        }
        return 0;
    }
    if (dash)
        *dash++ = '\0';
    if (parse_ip(buf, &out->family, out->lo) < 0)
        return -1;
    memcpy(out->hi, out->lo, 16);
    if (dash) {
        int fam2;
        uint32_t octet;
        if (out->family == AF_INET && strchr(dash, '.') == NULL) {
            if (parse_u32(dash, &octet) < 0 || octet > 255)
                return -1;
            out->hi[3] = (uint8_t)octet;
        } else if (parse_ip(dash, &fam2, out->hi) < 0 || fam2 != out->family) {
            return -1;
        }
        if (memcmp(out->lo, out->hi, 16) > 0)
            return -1;
    }
    return 0;
}

bool cfg_range_contains(const struct cfg_ip_range *r, const struct l2tp_addr *a)
{
    uint8_t ip[16] = {0};
    if (a->sa.sa_family != r->family)
        return false;
    if (a->sa.sa_family == AF_INET)
        memcpy(ip, &a->in4.sin_addr, 4);
    else if (a->sa.sa_family == AF_INET6)
        memcpy(ip, &a->in6.sin6_addr, 16);
    else
        return false;
    return memcmp(ip, r->lo, 16) >= 0 && memcmp(ip, r->hi, 16) <= 0;
}

/* Calls fn on each element of a comma/space separated list. */
static int foreach_item(const char *v, int (*fn)(void *ctx, const char *item), void *ctx)
{
    char item[128];
    int count = 0;
    while (*v) {
        while (*v == ',' || isspace((unsigned char)*v))
            v++;
        if (*v == '\0')
            break;
        size_t n = 0;
        while (v[n] && v[n] != ',' && !isspace((unsigned char)v[n]))
            n++;
        if (n >= sizeof item)
            return -1;
        memcpy(item, v, n);
        item[n] = '\0';
        v += n;
        if (fn(ctx, item) < 0)
            return -1;
        count++;
    }
    return count ? 0 : -1;
}

struct list_ctx {
    struct cfg_parse *p;
    const char *key;
    unsigned line;
    void *dst;
    bool failed_reported;
};

static int add_listen(void *vctx, const char *item)
{
    struct list_ctx *lc = vctx;
    struct cfg_global *g = lc->dst;
    struct l2tp_addr a;
    if (net_addr_parse(item, 0, &a) < 0) {
        diag(lc->p, true, lc->line, "key '%s': '%s' is not an IPv4 or IPv6 address", lc->key, item);
        lc->failed_reported = true;
        return -1;
    }
    for (unsigned i = 0; i < g->n_listen; i++)
        if (net_addr_same_ip(&g->listen[i], &a))
            return 0; /* listed twice: one socket */
    if (g->n_listen >= CFG_MAX_LISTEN) {
        diag(lc->p, true, lc->line, "key '%s': more than %d addresses", lc->key, CFG_MAX_LISTEN);
        lc->failed_reported = true;
        return -1;
    }
    g->listen[g->n_listen++] = a;
    return 0;
}

static int add_range(void *vctx, const char *item)
{
    struct list_ctx *lc = vctx;
    struct cfg_section *s = lc->dst;
    struct cfg_ip_range r;
    if (cfg_parse_range(item, &r) < 0) {
        diag(lc->p, true, lc->line, "key '%s': '%s' is not an address, range (a-b) or prefix (a/n)",
             lc->key, item);
        lc->failed_reported = true;
        return -1;
    }
    if (s == NULL)
        return 0; /* validation only */
    if (s->n_lac >= CFG_MAX_RANGES) {
        diag(lc->p, true, lc->line, "key '%s': more than %d ranges", lc->key, CFG_MAX_RANGES);
        lc->failed_reported = true;
        return -1;
    }
    s->lac[s->n_lac++] = r;
    return 0;
}

static bool valid_hostname(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_')
            return false;
    }
    return true;
}

/* "host", "host:port", "a.b.c.d:port", "[v6]:port", "v6" */
static int parse_lns(struct cfg_parse *p, unsigned line, const char *key, const char *v,
                     struct cfg_section *s)
{
    char host[256];
    uint32_t port = 0;
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof host)
        goto bad;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (close == NULL || close == v + 1)
            goto bad;
        size_t hl = (size_t)(close - v - 1);
        memcpy(host, v + 1, hl);
        host[hl] = '\0';
        struct l2tp_addr a;
        if (net_addr_parse(host, 0, &a) < 0 || a.sa.sa_family != AF_INET6)
            goto bad;
        if (close[1] == ':') {
            if (parse_u32(close + 2, &port) < 0 || port == 0 || port > 65535)
                goto bad;
        } else if (close[1] != '\0') {
            goto bad;
        }
    } else {
        memcpy(host, v, n + 1);
        const char *c1 = strchr(host, ':');
        if (c1 != NULL && strchr(c1 + 1, ':') == NULL) {
            /* exactly one colon: host:port */
            char *c = (char *)c1;
            *c = '\0';
            if (parse_u32(c + 1, &port) < 0 || port == 0 || port > 65535)
                goto bad;
        }
        struct l2tp_addr a;
        if (net_addr_parse(host, 0, &a) < 0 && !valid_hostname(host))
            goto bad;
    }
    snprintf(s->lns_host, sizeof s->lns_host, "%s", host);
    if (port)
        s->lns_port = (uint16_t)port;
    return 0;
bad:
    diag(p, true, line, "key '%s': '%s' is not a host, IP address or host:port", key, v);
    return -1;
}

static int set_uint(void *field, size_t size, uint32_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)field = (uint8_t)v;
        return 0;
    case 2:
        *(uint16_t *)field = (uint16_t)v;
        return 0;
    case 4:
        *(uint32_t *)field = v;
        return 0;
    case 8:
        *(uint64_t *)field = v;
        return 0;
    default:
        return -1;
    }
}

/* Lower case, runs of blanks (and '_') become one space: "Max  Retries" ==
 * "max retries". */
static void normalize_key(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (; *in && o + 1 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if (isspace(ch) || ch == '_') {
            space = true;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = false;
        if (o + 1 < cap)
            out[o++] = (char)tolower(ch);
    }
    out[o] = '\0';
}

static const struct cfg_key *find_key(const char *norm, unsigned kind, bool *exists_elsewhere)
{
    *exists_elsewhere = false;
    for (size_t i = 0; i < CFG_NKEYS; i++) {
        if (strcmp(cfg_key_table[i].name, norm) != 0)
            continue;
        if (cfg_key_table[i].kinds & kind)
            return &cfg_key_table[i];
        *exists_elsewhere = true;
    }
    return NULL;
}

static int apply(struct cfg_parse *p, const char *name, const char *value)
{
    unsigned line = p->lineno;
    if (p->cur == CUR_SKIP)
        return 1;
    if (p->cur == CUR_NONE) {
        diag(p, true, line, "key '%s' outside of any section", name);
        return 1;
    }
    unsigned kind = p->cur == CUR_GLOBAL ? CFG_GLOBAL : p->c->sections[p->cur_idx].kind;
    char norm[64];
    normalize_key(name, norm, sizeof norm);
    bool elsewhere;
    const struct cfg_key *k = find_key(norm, kind, &elsewhere);
    if (k == NULL) {
        diag(p, true, line, "unknown key '%s' in [%s]%s", name, p->cur_label,
             elsewhere ? " (allowed in another section kind)" : "");
        return 1;
    }
    size_t idx = (size_t)(k - cfg_key_table);
    struct cfg_section *sec = p->cur == CUR_SECTION ? &p->c->sections[p->cur_idx] : NULL;
    uint8_t *base = sec ? (uint8_t *)sec : (uint8_t *)&p->c->global;
    uint32_t *key_line = sec ? sec->key_line : p->c->global.key_line;
    void *field = base + k->off;
    /* Recorded even if the value is bad, so that whole-file checks do not
     * pile a second message onto the same mistake. */
    key_line[idx] = line;

    switch (k->type) {
    case CFG_T_BOOL: {
        bool b;
        if (cfg_parse_bool(value, &b) < 0) {
            diag(p, true, line, "key '%s': '%s' is not yes or no", name, value);
            return 1;
        }
        *(bool *)field = b;
        break;
    }
    case CFG_T_UINT: {
        uint32_t v;
        if (parse_u32(value, &v) < 0 || v < k->min || v > k->max) {
            diag(p, true, line, "key '%s': '%s' is not an integer from %u to %u", name, value,
                 k->min, k->max);
            return 1;
        }
        if (k->scale > 1 && v > UINT32_MAX / k->scale) {
            diag(p, true, line, "key '%s': '%s' is too large", name, value);
            return 1;
        }
        set_uint(field, k->size, v * (k->scale ? k->scale : 1));
        break;
    }
    case CFG_T_STR:
    case CFG_T_HOSTNAME: {
        size_t n = strlen(value);
        if (n == 0 || n >= k->size) {
            diag(p, true, line, "key '%s': must be 1 to %zu characters", name, k->size - 1);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            if (iscntrl((unsigned char)value[i])) {
                diag(p, true, line, "key '%s': control character in value", name);
                return 1;
            }
        }
        memcpy(field, value, n + 1);
        break;
    }
    case CFG_T_SECRET: {
        size_t n = strlen(value);
        if (n == 0 || n > sizeof sec->tunnel.secret) {
            diag(p, true, line, "key '%s': must be 1 to %zu characters", name,
                 sizeof sec->tunnel.secret);
            return 1;
        }
        memcpy(sec->tunnel.secret, value, n);
        sec->tunnel.secret_len = n;
        break;
    }
    case CFG_T_LISTEN: {
        struct list_ctx lc = {p, name, line, &p->c->global, false};
        if (foreach_item(value, add_listen, &lc) < 0) {
            if (!lc.failed_reported)
                diag(p, true, line, "key '%s': '%s' is not a list of IP addresses", name, value);
            return 1;
        }
        break;
    }
    case CFG_T_RANGES:
    case CFG_T_RANGESTR: {
        struct list_ctx lc = {p, name, line, k->type == CFG_T_RANGES ? sec : NULL, false};
        if (foreach_item(value, add_range, &lc) < 0) {
            if (!lc.failed_reported)
                diag(p, true, line, "key '%s': '%s' is not a list of address ranges", name, value);
            return 1;
        }
        if (k->type == CFG_T_RANGESTR) {
            if (strlen(value) >= k->size) {
                diag(p, true, line, "key '%s': value too long", name);
                return 1;
            }
            snprintf(field, k->size, "%s", value);
        }
        break;
    }
    case CFG_T_IPSTR: {
        struct l2tp_addr a;
        if (net_addr_parse(value, 0, &a) < 0 || strlen(value) >= k->size) {
            diag(p, true, line, "key '%s': '%s' is not an IP address", name, value);
            return 1;
        }
        snprintf(field, k->size, "%s", value);
        break;
    }
    case CFG_T_LNS:
        if (parse_lns(p, line, name, value, sec) < 0)
            return 1;
        break;
    case CFG_T_LOG:
        if (strcasecmp(value, "syslog") == 0) {
            *(bool *)field = true;
        } else if (strcasecmp(value, "stderr") == 0) {
            *(bool *)field = false;
        } else {
            diag(p, true, line, "key '%s': '%s' is not stderr or syslog", name, value);
            return 1;
        }
        break;
    }
    if ((k->flags & (CFG_KF_LATER | CFG_KF_IGNORED)) && !p->warned[idx]) {
        p->warned[idx] = true;
        if (k->flags & CFG_KF_IGNORED)
            diag(p, false, line, "key '%s' ignored", name);
        else
            diag(p, false, line, "key '%s' accepted but not used yet (PPP support comes later)",
                 name);
    }
    return 1;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
    (void)section; /* tracked by the reader, which also sees empty sections */
    return apply(user, name, value ? value : "");
}

static void trim(char **s)
{
    char *b = *s;
    while (isspace((unsigned char)*b))
        b++;
    char *e = b + strlen(b);
    while (e > b && isspace((unsigned char)e[-1]))
        *--e = '\0';
    *s = b;
}

/* A "[...]" line: the reader sees it before inih does, so sections without
 * keys are validated too and errors carry their line. */
static void section_header(struct cfg_parse *p, char *line)
{
    unsigned ln = p->lineno;
    char *close = strchr(line, ']');
    if (close == NULL) {
        diag(p, true, ln, "syntax error: missing ']'");
        p->cur = CUR_SKIP;
        return;
    }
    *close = '\0';
    char *body = line + 1;
    trim(&body);
    char *rest = close + 1;
    trim(&rest);
    if (*rest != '\0' && *rest != ';' && *rest != '#') {
        diag(p, true, ln, "syntax error after ']'");
        p->cur = CUR_SKIP;
        return;
    }
    char kind[16] = "", name[CFG_NAME_MAX + 1] = "";
    size_t kl = strcspn(body, " \t");
    char *nm = body + kl;
    trim(&nm);
    snprintf(p->cur_label, sizeof p->cur_label, "%.*s%s%.*s", (int)(kl < 15 ? kl : 15), body,
             *nm ? " " : "", CFG_NAME_MAX - 1, nm);
    if (kl >= sizeof kind) {
        diag(p, true, ln, "unknown section [%s]", body);
        p->cur = CUR_SKIP;
        return;
    }
    memcpy(kind, body, kl);
    kind[kl] = '\0';
    if (strlen(nm) >= sizeof name - 1) {
        diag(p, true, ln, "section name too long (max %d characters)", CFG_NAME_MAX - 1);
        p->cur = CUR_SKIP;
        return;
    }
    snprintf(name, sizeof name, "%s", nm);

    if (strcasecmp(kind, "global") == 0) {
        if (*name) {
            diag(p, true, ln, "unknown section [%s]: [global] takes no name", body);
            p->cur = CUR_SKIP;
        } else if (p->global_seen) {
            diag(p, true, ln, "duplicate section [global]");
            p->cur = CUR_SKIP;
        } else {
            p->global_seen = true;
            p->cur = CUR_GLOBAL;
        }
        return;
    }
    enum cfg_kind k;
    if (strcasecmp(kind, "lns") == 0)
        k = CFG_LNS;
    else if (strcasecmp(kind, "lac") == 0)
        k = CFG_LAC;
    else {
        diag(p, true, ln, "unknown section [%s]", body);
        p->cur = CUR_SKIP;
        return;
    }
    if (*name == '\0') {
        diag(p, true, ln, "section [%s] needs a name: [%s NAME]", kind, kind);
        p->cur = CUR_SKIP;
        return;
    }
    for (const char *q = name; *q; q++) {
        if (isspace((unsigned char)*q) || iscntrl((unsigned char)*q)) {
            diag(p, true, ln, "section name '%s' must be one word", name);
            p->cur = CUR_SKIP;
            return;
        }
    }
    struct cfg *c = p->c;
    if (cfg_find(c, k, name) != NULL) {
        diag(p, true, ln, "duplicate section [%s %s]", kind, name);
        p->cur = CUR_SKIP;
        return;
    }
    if (c->n_sections >= CFG_MAX_SECTIONS) {
        diag(p, true, ln, "too many sections (max %d)", CFG_MAX_SECTIONS);
        p->cur = CUR_SKIP;
        return;
    }
    struct cfg_section *ns = realloc(c->sections, (c->n_sections + 1) * sizeof *ns);
    if (ns == NULL) {
        diag(p, true, ln, "out of memory");
        p->cur = CUR_SKIP;
        return;
    }
    c->sections = ns;
    struct cfg_section *s = &ns[c->n_sections];
    memset(s, 0, sizeof *s);
    s->kind = k;
    s->line = ln;
    snprintf(s->name, sizeof s->name, "%s", name);
    l2tp_tunnel_cfg_defaults(&s->tunnel);
    s->lns_port = L2TP_PORT;
    s->redial_timeout_s = 30;
    s->max_redials = 0;
    p->cur = CUR_SECTION;
    p->cur_idx = c->n_sections++;
}

#define CFG_LINE_MAX 4096

/* fgets-style reader for ini_parse_stream: exactly one physical line per
 * call (so p->lineno is the line inih works on), section headers handled
 * here, over-long lines reported and cut. */
static char *reader(char *str, int num, void *stream)
{
    struct cfg_parse *p = stream;
    char line[CFG_LINE_MAX + 2];
    size_t n = 0;
    bool eof = true, toolong = false;
    int ch;
    for (;;) {
        if (p->fp)
            ch = fgetc(p->fp);
        else
            ch = p->text_off < p->text_len ? (unsigned char)p->text[p->text_off++] : EOF;
        if (ch == EOF)
            break;
        eof = false;
        if (ch == '\n')
            break;
        if (ch == '\0')
            ch = ' ';
        if (n < CFG_LINE_MAX)
            line[n++] = (char)ch;
        else
            toolong = true;
    }
    if (eof)
        return NULL;
    p->lineno++;
    while (n > 0 && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    if (toolong || n + 2 > (size_t)num) {
        diag(p, true, p->lineno, "line too long (max %d characters)",
             (int)(num - 3 < CFG_LINE_MAX ? num - 3 : CFG_LINE_MAX));
        str[0] = '\n';
        str[1] = '\0';
        return str;
    }
    char *t = line;
    trim(&t);
    if (*t == '[') {
        section_header(p, t);
        /* Hand inih a harmless section line so it keeps its own state
         * (which we do not use) consistent. */
        snprintf(str, (size_t)num, "[x]\n");
        return str;
    }
    memcpy(str, line, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

/* ---- whole-file checks and defaults ---- */

static void finalize(struct cfg_parse *p)
{
    struct cfg *c = p->c;
    struct cfg_global *g = &c->global;
    if (g->n_listen == 0) {
        g->listen_default = true;
        net_addr_parse("0.0.0.0", 0, &g->listen[0]);
        net_addr_parse("::", 0, &g->listen[1]);
        g->n_listen = 2;
    }
    for (unsigned i = 0; i < g->n_listen; i++)
        net_addr_set_port(&g->listen[i], g->port);

    char sysname[128] = "";
    if (gethostname(sysname, sizeof sysname - 1) < 0 || sysname[0] == '\0')
        snprintf(sysname, sizeof sysname, "l2tpx");

    size_t k_hostname = 0, k_maxretries = 0, k_hidden = 0, k_challenge = 0, k_access = 0;
    size_t k_secret = 0, k_lns = 0;
    for (size_t i = 0; i < CFG_NKEYS; i++) {
        const struct cfg_key *k = &cfg_key_table[i];
        if (k->kinds == CFG_GLOBAL) {
            if (strcmp(k->name, "access control") == 0)
                k_access = i;
            continue;
        }
        if (strcmp(k->name, "hostname") == 0)
            k_hostname = i;
        else if (strcmp(k->name, "max retries") == 0)
            k_maxretries = i;
        else if (strcmp(k->name, "hidden bit") == 0)
            k_hidden = i;
        else if (strcmp(k->name, "challenge") == 0)
            k_challenge = i;
        else if (strcmp(k->name, "secret") == 0)
            k_secret = i;
        else if (strcmp(k->name, "lns") == 0)
            k_lns = i;
    }
    bool lns_has_ranges = false;
    for (unsigned i = 0; i < c->n_sections; i++) {
        struct cfg_section *s = &c->sections[i];
        s->tunnel.profile = s;
        if (!s->key_line[k_hostname])
            snprintf(s->tunnel.host_name, sizeof s->tunnel.host_name, "%s", sysname);
        if (!s->key_line[k_maxretries] && g->max_retries)
            s->tunnel.max_retries = g->max_retries;
        /* RFC 2661 §4.3 hiding and §5.1.1 tunnel authentication both need
         * the shared secret. */
        bool no_secret = s->tunnel.secret_len == 0 && !s->key_line[k_secret];
        if (s->tunnel.hide_avps && no_secret)
            diag(p, true, s->key_line[k_hidden], "key 'hidden bit': needs a 'secret'");
        if (s->tunnel.auth_required && no_secret)
            diag(p, true, s->key_line[k_challenge], "key 'challenge': needs a 'secret'");
        if (s->kind == CFG_LAC && !s->key_line[k_lns])
            diag(p, true, s->line, "[lac %s]: missing key 'lns'", s->name);
        if (s->kind == CFG_LNS && s->n_lac)
            lns_has_ranges = true;
    }
    if (g->access_control && !lns_has_ranges) {
        bool any_lns = false;
        for (unsigned i = 0; i < c->n_sections; i++)
            any_lns |= c->sections[i].kind == CFG_LNS;
        if (any_lns)
            diag(p, false, g->key_line[k_access],
                 "'access control = yes' but no [lns] has a 'lac' key: every tunnel is refused");
    }
}

void cfg_init(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    c->global.port = L2TP_PORT;
    l2tp_engine_cfg_defaults(&c->global.engine);
}

static int load(struct cfg_parse *p)
{
    /* One physical line per reader call, no continuation lines: xl2tpd
     * files are often indented, which inih would take as a continuation. */
    ini_allow_multiline = false;
    ini_allow_inline_comments = true;
    ini_inline_comment_prefixes = ";";
    ini_start_comment_prefixes = ";#";
    ini_max_line = CFG_LINE_MAX + 3;
    int rc = ini_parse_stream(reader, p, ini_cb, p);
    if (rc > 0) {
        /* inih flags lines without '=' (we never return 0 from the
         * handler). It stops reporting after the first one. */
        diag(p, true, (unsigned)rc, "syntax error: expected 'key = value' or '[section]'");
    } else if (rc < 0) {
        diag(p, true, p->lineno, "out of memory");
    }
    finalize(p);
    return p->errors;
}

int cfg_load(struct cfg *c, const char *path, cfg_diag_fn dfn, void *arg)
{
    struct cfg_parse p = {.c = c, .file = path, .diag = dfn, .arg = arg};
    snprintf(c->path, sizeof c->path, "%s", path);
    p.fp = fopen(path, "re");
    if (p.fp == NULL) {
        if (dfn) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
            dfn(arg, true, msg);
        }
        return -1;
    }
    int rc = load(&p);
    fclose(p.fp);
    return rc;
}

int cfg_load_string(struct cfg *c, const char *name, const char *text, cfg_diag_fn dfn, void *arg)
{
    struct cfg_parse p = {.c = c, .file = name, .diag = dfn, .arg = arg};
    snprintf(c->path, sizeof c->path, "%s", name);
    p.text = text;
    p.text_len = strlen(text);
    return load(&p);
}

void cfg_free(struct cfg *c)
{
    free(c->sections);
    c->sections = NULL;
    c->n_sections = 0;
}

const struct cfg_section *cfg_find(const struct cfg *c, enum cfg_kind kind, const char *name)
{
    for (unsigned i = 0; i < c->n_sections; i++)
        if (c->sections[i].kind == kind && strcmp(c->sections[i].name, name) == 0)
            return &c->sections[i];
    return NULL;
}

const struct cfg_section *cfg_select_lns(const struct cfg *c, const struct l2tp_addr *peer)
{
    for (unsigned i = 0; i < c->n_sections; i++) {
        const struct cfg_section *s = &c->sections[i];
        if (s->kind != CFG_LNS)
            continue;
        for (unsigned j = 0; j < s->n_lac; j++)
            if (cfg_range_contains(&s->lac[j], peer))
                return s;
    }
    if (c->global.access_control)
        return NULL;
    const struct cfg_section *open = NULL;
    for (unsigned i = 0; i < c->n_sections; i++) {
        const struct cfg_section *s = &c->sections[i];
        if (s->kind != CFG_LNS || s->n_lac)
            continue;
        if (strcmp(s->name, "default") == 0)
            return s;
        if (open == NULL)
            open = s;
    }
    return open;
}
