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

#include "aaa/secrets.h"
#include "compat/pppopts.h"
#include "net/udp.h"
#include "ppp/link.h"

#define G(f)   offsetof(struct cfg_global, f), sizeof(((struct cfg_global *)0)->f)
#define S(f)   offsetof(struct cfg_section, f), sizeof(((struct cfg_section *)0)->f)
#define LNSLAC (CFG_LNS | CFG_LAC)

/* One row per key: every key of xl2tpd.conf(5) (xl2tpd's file.c keyword
 * table), then l2tpx's own. */
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
    {"auth file", CFG_GLOBAL, CFG_T_STR, G(auth_file), 0, 0, 0, 0},
    {"rand source", CFG_GLOBAL, CFG_T_STR, G(rand_source), 0, 0, 0, CFG_KF_IGNORED},
    {"ipsec saref", CFG_GLOBAL, CFG_T_BOOL, G(ipsec_saref), 0, 0, 0, CFG_KF_IGNORED},
    {"saref refinfo", CFG_GLOBAL, CFG_T_UINT, G(saref_refinfo), 0, 255, 1, CFG_KF_IGNORED},
    {"force userspace", CFG_GLOBAL, CFG_T_BOOL, G(force_userspace), 0, 0, 0, CFG_KF_IGNORED},
    {"cap backoff", CFG_GLOBAL, CFG_T_UINT, G(cap_backoff), 0, 86400, 1, CFG_KF_IGNORED},

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
    {"flow bits", LNSLAC, CFG_T_BOOL, S(tunnel.seq_required), 0, 0, 0, 0}, /* man page */
    {"sequencing", LNSLAC, CFG_T_BOOL, S(tunnel.seq_required), 0, 0, 0, 0},
    {"max sessions", LNSLAC, CFG_T_UINT, S(tunnel.max_sessions), 1, 65535, 1, 0},
    {"tx bps", LNSLAC, CFG_T_UINT, S(ppp.tx_bps), 1, UINT32_MAX, 1, 0},
    {"rx bps", LNSLAC, CFG_T_UINT, S(ppp.rx_bps), 1, UINT32_MAX, 1, 0},
    {"bps", LNSLAC, CFG_T_BPS, S(ppp.tx_bps), 1, UINT32_MAX, 1, 0},
    /* RFC 2661 has no per-session receive window (xl2tpd's is a leftover) */
    {"call rws", LNSLAC, CFG_T_UINT, S(ppp.call_rws), 0, 65535, 1, CFG_KF_IGNORED},

    /* ---- [lns] ---- */
    {"lac", CFG_LNS, CFG_T_RANGES, S(lac), 0, 0, 0, 0},
    {"no lac", CFG_LNS, CFG_T_RANGES, S(lac), 0, 0, 0, CFG_KF_NEG},
    {"exclusive", CFG_LNS, CFG_T_BOOL, S(exclusive), 0, 0, 0, 0},

    /* ---- [lac] ---- */
    {"lns", CFG_LAC, CFG_T_LNS, S(lns_host), 0, 0, 0, 0},
    {"port", CFG_LAC, CFG_T_UINT, S(lns_port), 1, 65535, 1, 0},
    {"autodial", CFG_LAC, CFG_T_BOOL, S(autodial), 0, 0, 0, 0},
    {"redial", CFG_LAC, CFG_T_BOOL, S(redial), 0, 0, 0, 0},
    {"redial timeout", CFG_LAC, CFG_T_UINT, S(redial_timeout_s), 1, 86400, 1, 0},
    {"max redials", CFG_LAC, CFG_T_UINT, S(max_redials), 0, 1000000, 1, 0},

    /* ---- PPP: xl2tpd keys (passed to pppd on its command line) ---- */
    {"ip range", CFG_LNS, CFG_T_RANGES, S(ppp.ip_ranges), 0, 0, 0, CFG_KF_V4},
    {"no ip range", CFG_LNS, CFG_T_RANGES, S(ppp.ip_ranges), 0, 0, 0, CFG_KF_V4 | CFG_KF_NEG},
    {"local ip", LNSLAC, CFG_T_IPSTR, S(ppp.local_ip), 0, 0, 0, 0},
    {"local ip range", CFG_LNS, CFG_T_RANGES, S(ppp.local_ranges), 0, 0, 0, CFG_KF_V4},
    {"remote ip", CFG_LAC, CFG_T_IPSTR, S(ppp.remote_ip), 0, 0, 0, 0},
    {"assign ip", CFG_LNS, CFG_T_BOOL, S(ppp.assign_ip), 0, 0, 0, 0},
    {"require authentication", LNSLAC, CFG_T_BOOL, S(ppp.require_auth), 0, 0, 0, 0},
    {"require auth", LNSLAC, CFG_T_BOOL, S(ppp.require_auth), 0, 0, 0, 0},
    {"refuse authentication", LNSLAC, CFG_T_BOOL, S(ppp.refuse_auth), 0, 0, 0, 0},
    {"refuse auth", LNSLAC, CFG_T_BOOL, S(ppp.refuse_auth), 0, 0, 0, 0},
    {"require chap", LNSLAC, CFG_T_BOOL, S(ppp.require_chap), 0, 0, 0, 0},
    {"refuse chap", LNSLAC, CFG_T_BOOL, S(ppp.refuse_chap), 0, 0, 0, 0},
    {"require pap", LNSLAC, CFG_T_BOOL, S(ppp.require_pap), 0, 0, 0, 0},
    {"refuse pap", LNSLAC, CFG_T_BOOL, S(ppp.refuse_pap), 0, 0, 0, 0},
    /* pppd `login` (system password database): l2tpx has only secrets files */
    {"unix authentication", CFG_LNS, CFG_T_BOOL, S(ppp.unix_auth), 0, 0, 0, CFG_KF_IGNORED},
    {"unix auth", CFG_LNS, CFG_T_BOOL, S(ppp.unix_auth), 0, 0, 0, CFG_KF_IGNORED},
    {"name", LNSLAC, CFG_T_STR, S(ppp.name), 0, 0, 0, 0},
    {"pppoptfile", LNSLAC, CFG_T_STR, S(ppp.pppoptfile), 0, 0, 0, 0},
    {"ppp debug", LNSLAC, CFG_T_BOOL, S(ppp.ppp_debug), 0, 0, 0, 0},
    {"defaultroute", CFG_LAC, CFG_T_BOOL, S(ppp.defaultroute), 0, 0, 0, 0},
    /* pppd `ipparam PEER` for ip-up scripts; l2tpx runs no scripts */
    {"pass peer", LNSLAC, CFG_T_BOOL, S(ppp.pass_peer), 0, 0, 0, CFG_KF_IGNORED},

    /* ---- PPP: l2tpx keys (applied after the pppd options file) ---- */
    {"ip pool", CFG_LNS, CFG_T_POOL, S(ppp.ip_pools), 0, 0, 0, 0},
    {"chap secrets", LNSLAC, CFG_T_STR, S(ppp.chap_secrets), 0, 0, 0, 0},
    {"pap secrets", LNSLAC, CFG_T_STR, S(ppp.pap_secrets), 0, 0, 0, 0},
    {"route", CFG_LAC, CFG_T_ROUTE, S(ppp.routes), 0, 0, 0, 0},
    {"interface", LNSLAC, CFG_T_IFNAME, S(ppp.interface), 0, 0, 0, 0},
    {"mss clamp", LNSLAC, CFG_T_MSS, S(ppp.mss_clamp), 0, 0, 0, 0},
    {"lcp echo interval", LNSLAC, CFG_T_UINT, S(ppp.lcp_echo_interval), 0, 86400, 1, 0},
    {"lcp echo failure", LNSLAC, CFG_T_UINT, S(ppp.lcp_echo_failure), 0, 1000, 1, 0},
    {"ms dns", CFG_LNS, CFG_T_DNS4, S(ppp.ms_dns), 0, 0, 0, 0},
    {"mtu", LNSLAC, CFG_T_UINT, S(ppp.mtu), 128, 16384, 1, 0},
    {"mru", LNSLAC, CFG_T_UINT, S(ppp.mru), 128, 16384, 1, 0},
    {"idle timeout", LNSLAC, CFG_T_UINT, S(ppp.idle_timeout), 0, UINT32_MAX, 1, 0},
    {"session timeout", LNSLAC, CFG_T_UINT, S(ppp.session_timeout), 0, UINT32_MAX, 1, 0},
    {"require mschap", LNSLAC, CFG_T_BOOL, S(ppp.require_mschap), 0, 0, 0, 0},
    {"refuse mschap", LNSLAC, CFG_T_BOOL, S(ppp.refuse_mschap), 0, 0, 0, 0},
    {"require mschap-v2", LNSLAC, CFG_T_BOOL, S(ppp.require_mschap_v2), 0, 0, 0, 0},
    {"refuse mschap-v2", LNSLAC, CFG_T_BOOL, S(ppp.refuse_mschap_v2), 0, 0, 0, 0},
    {"ipv6 prefix", CFG_LNS, CFG_T_PREFIX6, S(ppp.ipv6_prefixes), 0, 0, 0, 0},
    {"ipv6 dns", CFG_LNS, CFG_T_DNS6, S(ppp.ipv6_dns), 0, 0, 0, 0},
    {"ra interval", CFG_LNS, CFG_T_UINT, S(ppp.ra_interval), 4, 1800, 1, 0},
    {"defaultroute6", CFG_LAC, CFG_T_BOOL, S(ppp.defaultroute6), 0, 0, 0, 0},
    {"ipv6 pd prefix", CFG_LNS, CFG_T_PREFIX6, S(ppp.ipv6_pd_prefixes), 0, 0, 0, 0},
    {"ipv6 pd length", CFG_LNS, CFG_T_UINT, S(ppp.ipv6_pd_length), 40, 64, 1, 0},
};

/* Array fields appended to by the parser keep their count right after. */
#define CFG_COUNT_AFTER(arr, cnt)                                                                  \
    _Static_assert(offsetof(struct cfg_section, cnt) ==                                            \
                       offsetof(struct cfg_section, arr) + sizeof(((struct cfg_section *)0)->arr), \
                   #cnt " must follow " #arr)
CFG_COUNT_AFTER(lac, n_lac);
CFG_COUNT_AFTER(ppp.ip_ranges, ppp.n_ip_ranges);
CFG_COUNT_AFTER(ppp.local_ranges, ppp.n_local_ranges);
CFG_COUNT_AFTER(ppp.ip_pools, ppp.n_ip_pools);
CFG_COUNT_AFTER(ppp.routes, ppp.n_routes);
CFG_COUNT_AFTER(ppp.ms_dns, ppp.n_ms_dns);
CFG_COUNT_AFTER(ppp.ipv6_prefixes, ppp.n_ipv6_prefixes);
CFG_COUNT_AFTER(ppp.ipv6_dns, ppp.n_ipv6_dns);
CFG_COUNT_AFTER(ppp.ipv6_pd_prefixes, ppp.n_ipv6_pd_prefixes);
CFG_COUNT_AFTER(ppp.tx_bps, ppp.rx_bps);

#define CFG_NKEYS (sizeof cfg_key_table / sizeof cfg_key_table[0])
_Static_assert(CFG_NKEYS <= CFG_MAX_KEYS, "raise CFG_MAX_KEYS");

const struct cfg_key *cfg_keys(size_t *n)
{
    *n = CFG_NKEYS;
    return cfg_key_table;
}

#define CFG_LINE_MAX 4096

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
    /* xl2tpd's yesno() also takes "y" and "n" */
    static const char *const yes[] = {"yes", "true", "on", "1", "y"};
    static const char *const no[] = {"no", "false", "off", "0", "n"};
    for (size_t i = 0; i < 5; i++) {
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
    unsigned flags; /* CFG_KF_NEG, CFG_KF_V4 */
    char *out;      /* CFG_T_POOL: normalised list */
    size_t out_cap;
    unsigned n;
    int family; /* CFG_T_DNS4 / CFG_T_DNS6: AF_INET or AF_INET6 */
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

/* Formats an IPv4 range as pool.h wants it: "a.b.c.d" or "a.b.c.d-e.f.g.h". */
static void fmt_range4(uint32_t lo, uint32_t hi, char *out, size_t cap)
{
    struct in_addr a = {htonl(lo)}, b = {htonl(hi)};
    char x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, x, sizeof x);
    inet_ntop(AF_INET, &b, y, sizeof y);
    if (lo == hi)
        snprintf(out, cap, "%s", x);
    else
        snprintf(out, cap, "%s-%s", x, y);
}

static uint32_t range_lo4(const struct cfg_ip_range *r)
{
    return (uint32_t)r->lo[0] << 24 | (uint32_t)r->lo[1] << 16 | (uint32_t)r->lo[2] << 8 | r->lo[3];
}

static uint32_t range_hi4(const struct cfg_ip_range *r)
{
    return (uint32_t)r->hi[0] << 24 | (uint32_t)r->hi[1] << 16 | (uint32_t)r->hi[2] << 8 | r->hi[3];
}

/* dst: an array of CFG_MAX_RANGES ranges followed by its count (or NULL:
 * validate only). */
static int add_range(void *vctx, const char *item)
{
    struct list_ctx *lc = vctx;
    struct cfg_ip_range r;
    if (cfg_parse_range(item, &r) < 0) {
        diag(lc->p, true, lc->line, "key '%s': '%s' is not an address, range (a-b) or prefix (a/n)",
             lc->key, item);
        lc->failed_reported = true;
        return -1;
    }
    if ((lc->flags & CFG_KF_V4) && r.family != AF_INET) {
        diag(lc->p, true, lc->line, "key '%s': '%s' is not an IPv4 range", lc->key, item);
        lc->failed_reported = true;
        return -1;
    }
    r.deny = (lc->flags & CFG_KF_NEG) != 0;
    if (lc->out != NULL) {
        /* CFG_T_POOL: collect the normalised text */
        char one[64];
        fmt_range4(range_lo4(&r), range_hi4(&r), one, sizeof one);
        size_t used = strlen(lc->out);
        if (used + strlen(one) + 2 > lc->out_cap) {
            diag(lc->p, true, lc->line, "key '%s': value too long", lc->key);
            lc->failed_reported = true;
            return -1;
        }
        snprintf(lc->out + used, lc->out_cap - used, "%s%s", used ? "," : "", one);
        return 0;
    }
    if (lc->dst == NULL)
        return 0; /* validation only */
    struct cfg_ip_range *arr = lc->dst;
    unsigned *n = (unsigned *)(arr + CFG_MAX_RANGES);
    if (*n >= CFG_MAX_RANGES) {
        diag(lc->p, true, lc->line, "key '%s': more than %d ranges", lc->key, CFG_MAX_RANGES);
        lc->failed_reported = true;
        return -1;
    }
    arr[(*n)++] = r;
    return 0;
}

/* One server of an "ms dns" (IPv4, at most 2, stored host order) or an
 * "ipv6 dns" list (IPv6 unicast, at most 3); the count follows the array. */
static int add_dns(void *vctx, const char *item)
{
    struct list_ctx *lc = vctx;
    bool v6 = lc->family == AF_INET6;
    unsigned max = v6 ? 3 : 2;
    size_t alen = v6 ? 16 : 4;
    unsigned *n = (unsigned *)((uint8_t *)lc->dst + max * alen);
    uint8_t a[16];
    static const uint8_t unspec[16];
    if (inet_pton(lc->family, item, a) != 1 || (v6 && (a[0] == 0xff || !memcmp(a, unspec, 16)))) {
        diag(lc->p, true, lc->line, "key '%s': '%s' is not an %s address", lc->key, item,
             v6 ? "IPv6 unicast" : "IPv4");
        lc->failed_reported = true;
        return -1;
    }
    if (*n >= max) {
        diag(lc->p, true, lc->line, "key '%s': at most %u servers", lc->key, max);
        lc->failed_reported = true;
        return -1;
    }
    if (v6) {
        memcpy((uint8_t *)lc->dst + 16 * (*n)++, a, 16);
    } else {
        uint32_t v;
        memcpy(&v, a, 4);
        ((uint32_t *)lc->dst)[(*n)++] = ntohl(v);
    }
    return 0;
}

/* xl2tpd writes ranges as "a - b" too: drop blanks around '-' so the list
 * splitter sees one item. */
static void squeeze_dashes(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap; i++) {
        if (isspace((unsigned char)in[i])) {
            size_t j = i;
            while (isspace((unsigned char)in[j]))
                j++;
            if (in[j] == '-' || (o > 0 && out[o - 1] == '-')) {
                i = j - 1;
                continue;
            }
        }
        out[o++] = in[i];
    }
    out[o] = '\0';
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
        struct list_ctx lc = {.p = p, .key = name, .line = line, .dst = &p->c->global};
        if (foreach_item(value, add_listen, &lc) < 0) {
            if (!lc.failed_reported)
                diag(p, true, line, "key '%s': '%s' is not a list of IP addresses", name, value);
            return 1;
        }
        break;
    }
    case CFG_T_RANGES:
    case CFG_T_RANGESTR:
    case CFG_T_POOL: {
        char sq[CFG_LINE_MAX + 1], pool[sizeof sec->ppp.ip_pools[0]] = "";
        squeeze_dashes(value, sq, sizeof sq);
        struct list_ctx lc = {.p = p,
                              .key = name,
                              .line = line,
                              .dst = k->type == CFG_T_RANGES ? field : NULL,
                              .flags = k->flags};
        if (k->type == CFG_T_POOL) {
            lc.flags |= CFG_KF_V4;
            lc.out = pool;
            lc.out_cap = sizeof pool;
        }
        if (foreach_item(sq, add_range, &lc) < 0) {
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
        } else if (k->type == CFG_T_POOL) {
            if (sec->ppp.n_ip_pools >= CFG_MAX_POOLS) {
                diag(p, true, line, "key '%s': more than %d pools", name, CFG_MAX_POOLS);
                return 1;
            }
            memcpy(sec->ppp.ip_pools[sec->ppp.n_ip_pools++], pool, sizeof pool);
        } else if (strcmp(k->name, "ip range") == 0) {
            snprintf(sec->ppp.ip_range, sizeof sec->ppp.ip_range, "%.*s",
                     (int)sizeof sec->ppp.ip_range - 1, sq);
        } else if (strcmp(k->name, "local ip range") == 0) {
            snprintf(sec->ppp.local_ip_range, sizeof sec->ppp.local_ip_range, "%.*s",
                     (int)sizeof sec->ppp.local_ip_range - 1, sq);
        }
        break;
    }
    case CFG_T_ROUTE: {
        struct cfg_ip_range r;
        const char *slash = strchr(value, '/');
        uint32_t plen = 0;
        if (slash == NULL || slash == value || parse_u32(slash + 1, &plen) < 0 ||
            cfg_parse_range(value, &r) < 0) {
            diag(p, true, line, "key '%s': '%s' is not a prefix (a.b.c.d/n or x::/n)", name, value);
            return 1;
        }
        char txt[INET6_ADDRSTRLEN];
        inet_ntop(r.family, r.lo, txt, sizeof txt); /* the network address */
        if (sec->ppp.n_routes >= CFG_MAX_ROUTES) {
            diag(p, true, line, "key '%s': more than %d routes", name, CFG_MAX_ROUTES);
            return 1;
        }
        snprintf(sec->ppp.routes[sec->ppp.n_routes++], sizeof sec->ppp.routes[0], "%s/%u", txt,
                 (unsigned)plen);
        break;
    }
    case CFG_T_PREFIX6: {
        /* RFC 4862 §5.5.3: SLAAC needs a /64 per link, so the block must
         * hold at least one. */
        char buf[64];
        struct in6_addr a;
        uint32_t plen = 0;
        const char *slash = strchr(value, '/');
        size_t alen = slash ? (size_t)(slash - value) : 0;
        if (slash == NULL || alen == 0 || alen >= sizeof buf || parse_u32(slash + 1, &plen) < 0 ||
            plen < 16 || plen > 64) {
            diag(p, true, line, "key '%s': '%s' is not an IPv6 prefix from /16 to /64", name,
                 value);
            return 1;
        }
        memcpy(buf, value, alen);
        buf[alen] = '\0';
        if (inet_pton(AF_INET6, buf, &a) != 1) {
            diag(p, true, line, "key '%s': '%s' is not an IPv6 prefix from /16 to /64", name,
                 value);
            return 1;
        }
        for (unsigned b = plen; b < 128; b++)
            a.s6_addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
        if (IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_MULTICAST(&a)) {
            diag(p, true, line, "key '%s': '%s' is link-local or multicast", name, value);
            return 1;
        }
        char(*arr)[64] = field;
        unsigned *n = (unsigned *)((char *)field + k->size);
        if (*n >= CFG_MAX_POOLS) {
            diag(p, true, line, "key '%s': more than %d prefixes", name, CFG_MAX_POOLS);
            return 1;
        }
        char txt[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a, txt, sizeof txt);
        snprintf(arr[(*n)++], 64, "%s/%u", txt, (unsigned)plen);
        break;
    }
    case CFG_T_DNS4:
    case CFG_T_DNS6: {
        int fam = k->type == CFG_T_DNS6 ? AF_INET6 : AF_INET;
        struct list_ctx lc = {.p = p, .key = name, .line = line, .dst = field, .family = fam};
        if (foreach_item(value, add_dns, &lc) < 0) {
            if (!lc.failed_reported)
                diag(p, true, line, "key '%s': '%s' is not a list of IPv%c addresses", name, value,
                     fam == AF_INET6 ? '6' : '4');
            return 1;
        }
        break;
    }
    case CFG_T_MSS: {
        bool b;
        uint32_t v;
        if (cfg_parse_bool(value, &b) == 0) {
            *(uint16_t *)field = b ? 0 : 1;
        } else if (parse_u32(value, &v) == 0 && v >= 64 && v <= 65495) {
            *(uint16_t *)field = (uint16_t)v;
        } else {
            diag(p, true, line, "key '%s': '%s' is not yes, no or an MSS from 64 to 65495", name,
                 value);
            return 1;
        }
        break;
    }
    case CFG_T_IFNAME: {
        size_t n = strlen(value);
        bool ok = n > 0 && n < k->size && strcmp(value, ".") != 0 && strcmp(value, "..") != 0;
        for (size_t i = 0; ok && i < n; i++) {
            unsigned char ch = (unsigned char)value[i];
            ok = isgraph(ch) && ch != '/' && ch != ':' && ch != '%';
        }
        if (!ok) {
            diag(p, true, line, "key '%s': '%s' is not an interface name (1 to %zu characters)",
                 name, value, k->size - 1);
            return 1;
        }
        memcpy(field, value, n + 1);
        break;
    }
    case CFG_T_BPS: {
        uint32_t v;
        if (parse_u32(value, &v) < 0 || v < k->min || v > k->max) {
            diag(p, true, line, "key '%s': '%s' is not an integer from %u to %u", name, value,
                 k->min, k->max);
            return 1;
        }
        ((uint32_t *)field)[0] = v;
        ((uint32_t *)field)[1] = v;
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
        if (sec->lns_host[0] != '\0') {
            /* xl2tpd keeps a list but dials the first */
            diag(p, false, line, "key '%s': only the first LNS of [%s] is dialled; '%s' ignored",
                 name, p->cur_label, value);
            break;
        }
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
            diag(p, false, line, "key '%s' ignored (no meaning for l2tpx)", name);
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
    /* Shorter than CFG_NAME_MAX: checked when the header was split. */
    size_t name_len = strnlen(name, CFG_NAME_MAX - 1);
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
    memcpy(s->name, name, name_len + 1);
    l2tp_tunnel_cfg_defaults(&s->tunnel);
    s->lns_port = L2TP_PORT;
    s->redial_timeout_s = 30;
    s->max_redials = 0;
    /* xl2tpd file.c new_lns() / new_lac() */
    s->ppp.assign_ip = true;
    s->ppp.tx_bps = s->ppp.rx_bps = 10000000;
    p->cur = CUR_SECTION;
    p->cur_idx = c->n_sections++;
}

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

/* ---- PPP: xl2tpd's pppd command line, the options file, l2tpx's keys ---- */

static const struct cfg_key *key_row(unsigned kind, const char *name, size_t *idx)
{
    for (size_t i = 0; i < CFG_NKEYS; i++) {
        if ((cfg_key_table[i].kinds & kind) && strcmp(cfg_key_table[i].name, name) == 0) {
            *idx = i;
            return &cfg_key_table[i];
        }
    }
    return NULL;
}

/* Line of key `name` in section s; 0 = not set. */
static unsigned key_at(const struct cfg_section *s, const char *name)
{
    size_t i;
    return key_row(s->kind, name, &i) ? s->key_line[i] : 0;
}

static void diag_raw(struct cfg_parse *p, bool error, const char *msg)
{
    if (error)
        p->errors++;
    if (p->diag)
        p->diag(p->arg, error, msg);
}

/* One option as xl2tpd puts it on pppd's command line; errors read
 * "CONF:LINE: ..." with the line of the key it comes from. */
static int cmdline(struct l2tpx_pppopts *o, const char *conf, unsigned line, const char *opt,
                   const char *arg, char *err, size_t errlen)
{
    char src[300];
    snprintf(src, sizeof src, "%s:%u", conf, line);
    return pppopts_set(o, src, opt, arg, err, errlen);
}

/* l2tpx's own PPP keys: applied after the options file (they are the
 * more specific, l2tpx-aware configuration). */
static void apply_l2tpx_keys(const struct cfg_section *s, struct l2tpx_pppopts *o)
{
    const struct cfg_ppp *pp = &s->ppp;
    const struct {
        const char *key;
        bool val;
        enum ppp_auth_method m;
        bool refuse;
    } am[] = {
        {"require mschap", pp->require_mschap, PPP_AUTH_MSCHAP_V1, false},
        {"refuse mschap", pp->refuse_mschap, PPP_AUTH_MSCHAP_V1, true},
        {"require mschap-v2", pp->require_mschap_v2, PPP_AUTH_MSCHAP_V2, false},
        {"refuse mschap-v2", pp->refuse_mschap_v2, PPP_AUTH_MSCHAP_V2, true},
    };
    for (size_t i = 0; i < sizeof am / sizeof am[0]; i++) {
        if (!key_at(s, am[i].key))
            continue;
        unsigned bit = 1u << am[i].m;
        if (am[i].refuse) {
            o->refuse_mask = am[i].val ? o->refuse_mask | bit : o->refuse_mask & ~bit;
        } else if (am[i].val) {
            o->require_mask |= bit;
            o->auth = PPPOPTS_ON; /* pppd: every require-* implies auth */
        } else {
            o->require_mask &= ~bit;
        }
    }
    if (pp->n_ms_dns) {
        /* as pppd: a single server is primary and secondary */
        o->dns[0] = pp->ms_dns[0];
        o->dns[1] = pp->n_ms_dns > 1 ? pp->ms_dns[1] : pp->ms_dns[0];
        o->n_dns = pp->n_ms_dns;
    }
    const struct {
        const char *key;
        uint32_t v;
        struct pppopts_num *dst;
    } nums[] = {
        {"lcp echo interval", pp->lcp_echo_interval, &o->lcp_echo_interval},
        {"lcp echo failure", pp->lcp_echo_failure, &o->lcp_echo_failure},
        {"mtu", pp->mtu, &o->mtu},
        {"mru", pp->mru, &o->mru},
        {"idle timeout", pp->idle_timeout, &o->idle},
        {"session timeout", pp->session_timeout, &o->maxconnect},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (key_at(s, nums[i].key)) {
            nums[i].dst->set = true;
            nums[i].dst->v = nums[i].v;
        }
    }
    if (key_at(s, "mru"))
        o->default_mru = false;
}

/* The pppd options of a section, in pppd's order: what xl2tpd's
 * control.c puts on pppd's command line (ICCN on the LNS, ICRP/OCRP on
 * the LAC), then `file pppoptfile`; then l2tpx's keys. *file_warn is the
 * index of the first warning that comes from the options file. */
static int build_pppopts(const struct cfg_section *s, const char *conf, struct l2tpx_pppopts *o,
                         size_t *file_warn, char *err, size_t errlen)
{
    const struct cfg_ppp *pp = &s->ppp;
    bool lns = s->kind == CFG_LNS;
    unsigned hl = s->line;
    pppopts_init(o);
    *file_warn = 0;
    /* "nodetach" has no meaning here and "login" (unix authentication) is
     * warned about as a key. */
    if (cmdline(o, conf, hl, "passive", NULL, err, errlen) < 0)
        return -1;
    if (!lns && pp->defaultroute &&
        cmdline(o, conf, key_at(s, "defaultroute"), "defaultroute", NULL, err, errlen) < 0)
        return -1;
    /* LNS: "local:remote", the remote being the address taken from `ip
     * range` per call (the daemon's pools); LAC: `local ip`:`remote ip`. */
    if (pp->local_ip[0] || (!lns && pp->remote_ip[0])) {
        char addrs[160];
        snprintf(addrs, sizeof addrs, "%s:%s", pp->local_ip, lns ? "" : pp->remote_ip);
        unsigned ln = pp->local_ip[0] ? key_at(s, "local ip") : key_at(s, "remote ip");
        if (cmdline(o, conf, ln, addrs, NULL, err, errlen) < 0)
            return -1;
    }
    /* xl2tpd: refuse-* only while we authenticate ourselves at all. */
    unsigned ln_ra = key_at(s, "refuse authentication") | key_at(s, "refuse auth");
    if (pp->refuse_auth) {
        if (cmdline(o, conf, ln_ra, "refuse-pap", NULL, err, errlen) < 0 ||
            cmdline(o, conf, ln_ra, "refuse-chap", NULL, err, errlen) < 0)
            return -1;
    } else {
        if (pp->refuse_pap &&
            cmdline(o, conf, key_at(s, "refuse pap"), "refuse-pap", NULL, err, errlen) < 0)
            return -1;
        if (pp->refuse_chap &&
            cmdline(o, conf, key_at(s, "refuse chap"), "refuse-chap", NULL, err, errlen) < 0)
            return -1;
    }
    /* ... and require-* only with `require authentication = yes`. */
    if (pp->require_auth) {
        unsigned ln = key_at(s, "require authentication") | key_at(s, "require auth");
        if (cmdline(o, conf, ln, "auth", NULL, err, errlen) < 0)
            return -1;
        if (pp->require_pap &&
            cmdline(o, conf, key_at(s, "require pap"), "require-pap", NULL, err, errlen) < 0)
            return -1;
        if (pp->require_chap &&
            cmdline(o, conf, key_at(s, "require chap"), "require-chap", NULL, err, errlen) < 0)
            return -1;
    } else if (lns) {
        /* xl2tpd passes nothing here and leaves the choice to pppd's default,
         * which depends on the host's routes. An operator who writes
         * `require authentication = no` means it: pass "noauth" (an `auth`
         * in the pppoptfile, read later, still wins, as with pppd). Without
         * the key the LNS keeps requiring authentication. */
        unsigned ln = key_at(s, "require authentication") | key_at(s, "require auth");
        if (ln && cmdline(o, conf, ln, "noauth", NULL, err, errlen) < 0)
            return -1;
    }
    if (pp->name[0] && cmdline(o, conf, key_at(s, "name"), "name", pp->name, err, errlen) < 0)
        return -1;
    if (pp->ppp_debug && cmdline(o, conf, key_at(s, "ppp debug"), "debug", NULL, err, errlen) < 0)
        return -1;
    *file_warn = o->n_warnings;
    if (pp->pppoptfile[0] && pppopts_parse_file(pp->pppoptfile, o, err, errlen) < 0)
        return -1;
    apply_l2tpx_keys(s, o);
    return 0;
}

/* IPv4 "ip range" / "no ip range" list -> pool.h ranges, comma-separated:
 * an address is in the pool if the last range containing it allows it
 * (xl2tpd aaa.c get_addr(), which is equivalent). -1 if it does not fit. */
static int ranges_to_pool(const struct cfg_ip_range *r, unsigned n, char *out, size_t cap)
{
    uint64_t pts[2 * CFG_MAX_RANGES];
    size_t np = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n && i < CFG_MAX_RANGES; i++) {
        if (r[i].family != AF_INET)
            continue;
        pts[np++] = range_lo4(&r[i]);
        pts[np++] = (uint64_t)range_hi4(&r[i]) + 1;
    }
    /* insertion sort, few points */
    for (size_t i = 1; i < np; i++)
        for (size_t j = i; j > 0 && pts[j - 1] > pts[j]; j--) {
            uint64_t t = pts[j];
            pts[j] = pts[j - 1];
            pts[j - 1] = t;
        }
    size_t used = 0;
    bool open = false;
    uint64_t start = 0;
    for (size_t i = 0; i + 1 <= np; i++) {
        if (i + 1 < np && pts[i] == pts[i + 1])
            continue;
        bool allow = false;
        if (i + 1 < np) {
            uint32_t a = (uint32_t)pts[i];
            for (unsigned k = 0; k < n; k++)
                if (r[k].family == AF_INET && a >= range_lo4(&r[k]) && a <= range_hi4(&r[k]))
                    allow = !r[k].deny;
        }
        if (allow && !open) {
            open = true;
            start = pts[i];
        } else if (!allow && open) {
            open = false;
            char one[40];
            fmt_range4((uint32_t)start, (uint32_t)(pts[i] - 1), one, sizeof one);
            int w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", one);
            if (w < 0 || (size_t)w >= cap - used)
                return -1;
            used += (size_t)w;
        }
    }
    return 0;
}

/* xl2tpd's l2tp-secrets (`auth file`): lines "us them secret", '#' or ';'
 * starts a comment, the secret is the rest of the line. xl2tpd (aaa.c
 * get_secret) takes the first line whose `us` is our host name or '*' and
 * whose `them` is the peer's Host Name AVP or '*', at tunnel time. l2tpx
 * resolves at load: on a [lac], `them` is matched against the `lns` host as
 * written; on an [lns], where the peer is known only when its SCCRQ
 * arrives, the `them` = '*' line gives the section's secret and the
 * named-peer lines before it are kept for cfg_tunnel_for_peer(). */
static int secret_from_auth_file(struct cfg_parse *p, struct cfg_section *s, bool required,
                                 unsigned req_line, const char *req_key)
{
    const struct cfg_global *g = &p->c->global;
    const char *path = g->auth_file[0] ? g->auth_file : g->default_auth_file;
    FILE *f = path[0] ? fopen(path, "re") : NULL;
    if (f == NULL) {
        if (required)
            diag(p, true, req_line, "key '%s': needs a 'secret' (auth file %s: %s)", req_key,
                 path[0] ? path : "(none)", path[0] ? strerror(errno) : "not set");
        return required ? -1 : 0;
    }
    char line[1024];
    unsigned ln = 0, warn_line = 0;
    bool found = false, bad = false;
    while (!found && !bad && fgets(line, sizeof line, f) != NULL) {
        ln++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s:%u: line too long", path, ln);
            diag_raw(p, true, msg);
            bad = true;
            break;
        }
        line[strcspn(line, "#;")] = '\0';
        char *us = line;
        while (isspace((unsigned char)*us))
            us++;
        size_t ul = strcspn(us, " \t\r\n");
        if (ul == 0)
            continue;
        char *them = us + ul;
        while (isspace((unsigned char)*them))
            *them++ = '\0';
        us[ul] = '\0';
        size_t tl = strcspn(them, " \t\r\n");
        char *sec = them + tl;
        while (isspace((unsigned char)*sec))
            *sec++ = '\0';
        them[tl] = '\0';
        char *end = sec + strlen(sec);
        while (end > sec && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (tl == 0 || *sec == '\0')
            continue; /* xl2tpd skips incomplete lines */
        if (strcasecmp(us, s->tunnel.host_name) != 0 && strcmp(us, "*") != 0)
            continue;
        bool them_ok =
            strcmp(them, "*") == 0 || (s->kind == CFG_LAC && strcasecmp(them, s->lns_host) == 0);
        size_t sl = strlen(sec);
        if (sl > sizeof s->tunnel.secret) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s:%u: secret longer than %zu bytes", path, ln,
                     sizeof s->tunnel.secret);
            diag_raw(p, true, msg);
            bad = true;
            break;
        }
        if (!them_ok && s->kind == CFG_LNS) {
            if (s->n_peer_secrets >= CFG_MAX_PEER_SECRETS || tl >= sizeof s->peer_secrets->them) {
                if (!warn_line)
                    warn_line = ln;
                continue;
            }
            struct cfg_peer_secret *ps =
                realloc(s->peer_secrets, (s->n_peer_secrets + 1) * sizeof *s->peer_secrets);
            if (ps == NULL) {
                diag(p, true, s->line, "out of memory");
                bad = true;
                break;
            }
            s->peer_secrets = ps;
            ps = &ps[s->n_peer_secrets++];
            memset(ps, 0, sizeof *ps);
            memcpy(ps->them, them, tl + 1);
            /* the rest of tunnel is filled in by finalize() */
            memcpy(ps->tunnel.secret, sec, sl);
            ps->tunnel.secret_len = sl;
            ps->line = ln;
            continue;
        }
        if (!them_ok)
            continue;
        memcpy(s->tunnel.secret, sec, sl);
        s->tunnel.secret_len = sl;
        snprintf(s->secret_origin, sizeof s->secret_origin, "%s:%u", path, ln);
        found = true;
    }
    explicit_bzero(line, sizeof line);
    fclose(f);
    if (bad)
        return -1;
    if (warn_line) {
        char msg[700];
        snprintf(msg, sizeof msg,
                 "%s:%u: [lns %s]: more than %d named-peer secrets (or a host name over 63 "
                 "bytes): the rest are not used",
                 path, warn_line, s->name, CFG_MAX_PEER_SECRETS);
        diag_raw(p, false, msg);
    }
    if (!found && required && s->n_peer_secrets == 0) {
        diag(p, true, req_line, "key '%s': needs a 'secret' (no entry for '%s' in %s)", req_key,
             s->tunnel.host_name, path);
        return -1;
    }
    return 0;
}

/* Loads a secrets file to check it (LNS) or to find the LAC client's
 * password. explicit: named by a key (then a missing file is an error). */
static int load_secrets(struct cfg_parse *p, const char *path, bool explicit,
                        struct aaa_secrets **out)
{
    *out = NULL;
    if (path[0] == '\0' || (!explicit && access(path, F_OK) != 0))
        return 0;
    char err[512];
    if (aaa_secrets_load(path, out, err, sizeof err) < 0) {
        diag_raw(p, true, err);
        return -1;
    }
    return 0;
}

/* pppd as a client: the password comes from `password`, else from the
 * secrets file entry with client = our user name and server = `remotename`
 * (any when not given), chap-secrets first, then pap-secrets. */
static int resolve_ppp_files(struct cfg_parse *p, struct cfg_section *s, struct l2tpx_pppopts *o,
                             const char *sysname)
{
    const struct cfg_global *g = &p->c->global;
    struct cfg_ppp *pp = &s->ppp;
    bool chap_explicit = pp->chap_secrets[0] != '\0';
    bool pap_explicit = pp->pap_secrets[0] != '\0';
    /* the files in effect, for cfg_section_ppp() */
    if (!chap_explicit && access(g->default_chap_secrets, F_OK) == 0)
        snprintf(pp->chap_secrets, sizeof pp->chap_secrets, "%s", g->default_chap_secrets);
    if (!pap_explicit && access(g->default_pap_secrets, F_OK) == 0)
        snprintf(pp->pap_secrets, sizeof pp->pap_secrets, "%s", g->default_pap_secrets);

    bool need_pw = s->kind == CFG_LAC && !o->has_password && !pp->refuse_auth;
    if (need_pw && !o->has_user && !(o->has_name && o->name[0])) {
        /* pppd: user defaults to our name, which defaults to the host name */
        snprintf(o->user, sizeof o->user, "%s", sysname);
        o->has_user = true;
    }
    const char *user = o->has_user ? o->user : o->name;
    const char *paths[2] = {pp->chap_secrets, pp->pap_secrets};
    const bool expl[2] = {chap_explicit, pap_explicit};
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        struct aaa_secrets *t;
        if (load_secrets(p, paths[i], expl[i], &t) < 0) {
            rc = -1;
            continue;
        }
        if (t == NULL || !need_pw || o->has_password) {
            aaa_secrets_free(t);
            continue;
        }
        /* (user, remotename) if pppd's `remotename` is given; else the
         * entry for (user, *), else any entry for user (the LNS's CHAP
         * name is only known at session time). */
        const struct aaa_secret *e =
            aaa_secrets_lookup(t, user, o->has_remotename ? o->remotename : "*");
        if (e == NULL && !o->has_remotename)
            e = aaa_secrets_lookup(t, user, NULL);
        if (e != NULL) {
            if (strlen(e->secret) > PPPOPTS_STR_MAX) {
                char msg[600];
                snprintf(msg, sizeof msg, "%s:%u: secret for '%s' longer than %d characters",
                         paths[i], e->line, user, PPPOPTS_STR_MAX);
                diag_raw(p, true, msg);
                rc = -1;
            } else {
                snprintf(o->password, sizeof o->password, "%s", e->secret);
                o->has_password = true;
            }
        }
        aaa_secrets_free(t);
    }
    if (rc == 0 && need_pw && !o->has_password) {
        char files[600];
        if (pp->chap_secrets[0] || pp->pap_secrets[0])
            snprintf(files, sizeof files, "no entry in %s%s%s", pp->chap_secrets,
                     pp->chap_secrets[0] && pp->pap_secrets[0] ? " or " : "", pp->pap_secrets);
        else
            snprintf(files, sizeof files, "no %s or %s", g->default_chap_secrets,
                     g->default_pap_secrets);
        diag(p, false, s->line,
             "[lac %s]: no password for PPP user '%s' (no pppd 'password' option, %s): only "
             "an LNS that does not authenticate it will let it in",
             s->name, user, files);
    }
    return rc;
}

static bool is_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

static void finalize_ppp(struct cfg_parse *p, struct cfg_section *s, const char *sysname)
{
    struct cfg_ppp *pp = &s->ppp;
    unsigned ln;
    if (pp->local_ip[0] && !is_ipv4(pp->local_ip))
        diag(p, true, key_at(s, "local ip"), "key 'local ip': '%s' is not an IPv4 address",
             pp->local_ip);
    if (pp->remote_ip[0] && !is_ipv4(pp->remote_ip))
        diag(p, true, key_at(s, "remote ip"), "key 'remote ip': '%s' is not an IPv4 address",
             pp->remote_ip);
    if (pp->local_ip[0] && pp->n_local_ranges) {
        ln = key_at(s, "local ip") > key_at(s, "local ip range") ? key_at(s, "local ip")
                                                                 : key_at(s, "local ip range");
        diag(p, true, ln, "'local ip range' and 'local ip' are mutually exclusive");
    }

    /* xl2tpd passes require-pap/require-chap only together with `auth`. */
    if (!pp->require_auth) {
        if (pp->require_chap)
            diag(p, false, key_at(s, "require chap"),
                 "key 'require chap': no effect without 'require authentication = yes' (as in "
                 "xl2tpd)");
        if (pp->require_pap)
            diag(p, false, key_at(s, "require pap"),
                 "key 'require pap': no effect without 'require authentication = yes' (as in "
                 "xl2tpd)");
    }

    /* Tunnel secret: `secret`, else xl2tpd's auth file. */
    if (!key_at(s, "secret")) {
        bool req = s->tunnel.auth_required || s->tunnel.hide_avps;
        const char *rk = s->tunnel.auth_required ? "challenge" : "hidden bit";
        (void)secret_from_auth_file(p, s, req, key_at(s, rk), rk);
    }

    struct l2tpx_pppopts *o = calloc(1, sizeof *o);
    if (o == NULL) {
        diag(p, true, s->line, "out of memory");
        return;
    }
    char err[700];
    size_t fw;
    if (build_pppopts(s, p->file, o, &fw, err, sizeof err) < 0) {
        diag_raw(p, true, err);
        pppopts_clear(o);
        free(o);
        return;
    }
    /* The options file's ignored options: one warning each, once per file. */
    bool seen = false;
    for (unsigned i = 0; pp->pppoptfile[0] && i < p->c->n_sections; i++) {
        const struct cfg_section *q = &p->c->sections[i];
        if (q == s)
            break;
        if (q->pppopts && strcmp(q->ppp.pppoptfile, pp->pppoptfile) == 0)
            seen = true;
    }
    if (!seen) {
        for (size_t i = fw; i < o->n_warnings; i++)
            diag_raw(p, false, o->warnings[i]);
        if (o->warnings_dropped) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s: %zu more ignored options", pp->pppoptfile,
                     o->warnings_dropped);
            diag_raw(p, false, msg);
        }
    }
    if (resolve_ppp_files(p, s, o, sysname) < 0) {
        pppopts_clear(o);
        free(o);
        return;
    }
    s->pppopts = o;

    /* Everything cfg_section_ppp() will do at session time, checked now. */
    struct ppp_link_cfg link;
    struct cfg_ppp_resolved res;
    if (cfg_section_ppp(s, s->kind == CFG_LNS, &link, &res, err, sizeof err) < 0)
        diag(p, true, s->line, "[%s %s]: %s", s->kind == CFG_LNS ? "lns" : "lac", s->name, err);
    explicit_bzero(&link, sizeof link);
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

    size_t k_hostname = 0, k_maxretries = 0, k_access = 0, k_lns = 0;
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
         * the shared secret: `secret`, or xl2tpd's auth file (finalize_ppp). */
        if (s->kind == CFG_LAC && !s->key_line[k_lns])
            diag(p, true, s->line, "[lac %s]: missing key 'lns'", s->name);
        if (s->kind == CFG_LNS && s->n_lac)
            lns_has_ranges = true;
        finalize_ppp(p, s, sysname);
        /* Each named peer's tunnel: the section's, with its own secret. */
        for (unsigned j = 0; j < s->n_peer_secrets; j++) {
            struct cfg_peer_secret *ps = &s->peer_secrets[j];
            uint8_t secret[sizeof ps->tunnel.secret];
            size_t sl = ps->tunnel.secret_len;
            memcpy(secret, ps->tunnel.secret, sl);
            ps->tunnel = s->tunnel;
            memcpy(ps->tunnel.secret, secret, sl);
            ps->tunnel.secret_len = sl;
            explicit_bzero(secret, sizeof secret);
        }
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
    /* xl2tpd file.h DEFAULT_AUTH_FILE; pppd's secrets files */
    snprintf(c->global.default_auth_file, sizeof c->global.default_auth_file, "%s",
             "/etc/xl2tpd/l2tp-secrets");
    snprintf(c->global.default_chap_secrets, sizeof c->global.default_chap_secrets, "%s",
             "/etc/ppp/chap-secrets");
    snprintf(c->global.default_pap_secrets, sizeof c->global.default_pap_secrets, "%s",
             "/etc/ppp/pap-secrets");
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
    for (unsigned i = 0; i < c->n_sections; i++) {
        struct cfg_section *s = &c->sections[i];
        if (s->pppopts) {
            pppopts_clear(s->pppopts);
            free(s->pppopts);
            s->pppopts = NULL;
        }
        explicit_bzero(s->tunnel.secret, sizeof s->tunnel.secret);
        if (s->peer_secrets)
            explicit_bzero(s->peer_secrets, s->n_peer_secrets * sizeof *s->peer_secrets);
        free(s->peer_secrets);
        s->peer_secrets = NULL;
        s->n_peer_secrets = 0;
    }
    free(c->sections);
    c->sections = NULL;
    c->n_sections = 0;
}

const struct l2tp_tunnel_cfg *cfg_tunnel_for_peer(const struct cfg_section *sec,
                                                  const char *peer_host_name)
{
    if (peer_host_name != NULL && peer_host_name[0] != '\0')
        for (unsigned i = 0; i < sec->n_peer_secrets; i++)
            if (strcasecmp(sec->peer_secrets[i].them, peer_host_name) == 0)
                return &sec->peer_secrets[i].tunnel;
    return &sec->tunnel;
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
        /* xl2tpd aaa.c get_lns(): the last matching range decides */
        bool allow = false;
        for (unsigned j = 0; j < s->n_lac; j++)
            if (cfg_range_contains(&s->lac[j], peer))
                allow = !s->lac[j].deny;
        if (allow)
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

int cfg_section_ppp(const struct cfg_section *sec, bool authenticator, struct ppp_link_cfg *link,
                    struct cfg_ppp_resolved *res, char *err, size_t errlen)
{
    struct l2tpx_pppopts *tmp = NULL;
    const struct l2tpx_pppopts *o = sec->pppopts;
    if (o == NULL) {
        /* a section not made by cfg_load: build the options now */
        size_t fw;
        tmp = calloc(1, sizeof *tmp);
        if (tmp == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (build_pppopts(sec, "config", tmp, &fw, err, errlen) < 0) {
            pppopts_clear(tmp);
            free(tmp);
            return -1;
        }
        o = tmp;
    }
    const struct cfg_ppp *pp = &sec->ppp;
    int rc = 0;

    ppp_link_cfg_defaults(link, authenticator ? PPP_LINK_AUTHENTICATOR : PPP_LINK_PEER);
    /* pppd: our name defaults to the host name */
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0')
        snprintf(link->our_name, sizeof link->our_name, "%s", host);
    pppopts_apply_to_link(o, link, authenticator);

    memset(res, 0, sizeof *res);
    res->assign_ip = pp->assign_ip;
    if (sec->kind == CFG_LNS && pp->assign_ip) {
        if (pp->n_ip_ranges) {
            if (ranges_to_pool(pp->ip_ranges, pp->n_ip_ranges, res->pools[0],
                               sizeof res->pools[0]) < 0) {
                snprintf(err, errlen, "'ip range': too many ranges after exclusions");
                rc = -1;
            } else if (res->pools[0][0] != '\0') {
                res->n_pools = 1;
            }
        }
        for (unsigned i = 0; i < pp->n_ip_pools && rc == 0; i++) {
            if (res->n_pools >= sizeof res->pools / sizeof res->pools[0]) {
                snprintf(err, errlen, "more than %zu pools ('ip range' and 'ip pool')",
                         sizeof res->pools / sizeof res->pools[0]);
                rc = -1;
                break;
            }
            snprintf(res->pools[res->n_pools++], sizeof res->pools[0], "%s", pp->ip_pools[i]);
        }
    }
    if (sec->kind == CFG_LNS) {
        res->local_ip = link->local_ip;
        if (pp->n_local_ranges && rc == 0 &&
            ranges_to_pool(pp->local_ranges, pp->n_local_ranges, res->local_pool,
                           sizeof res->local_pool) < 0) {
            snprintf(err, errlen, "'local ip range': too many ranges");
            rc = -1;
        }
    }
    snprintf(res->chap_secrets, sizeof res->chap_secrets, "%s", pp->chap_secrets);
    snprintf(res->pap_secrets, sizeof res->pap_secrets, "%s", pp->pap_secrets);
    res->idle_timeout_s = o->idle.set ? o->idle.v : 0;
    res->session_timeout_s = o->maxconnect.set ? o->maxconnect.v : 0;
    res->defaultroute = o->defaultroute == PPPOPTS_ON;
    res->replacedefaultroute = o->replacedefaultroute == PPPOPTS_ON;
    res->usepeerdns = o->usepeerdns;
    res->proxyarp = o->proxyarp == PPPOPTS_ON;
    for (unsigned i = 0; i < pp->n_routes && i < 8; i++)
        snprintf(res->routes[i], sizeof res->routes[i], "%s", pp->routes[i]);
    res->n_routes = pp->n_routes < 8 ? pp->n_routes : 8;
    snprintf(res->tun_name, sizeof res->tun_name, "%s", pp->interface);
    res->mss_clamp = pp->mss_clamp;
    for (unsigned i = 0; i < pp->n_ipv6_prefixes && i < 4; i++)
        snprintf(res->ipv6_prefixes[i], sizeof res->ipv6_prefixes[i], "%s", pp->ipv6_prefixes[i]);
    res->n_ipv6_prefixes = pp->n_ipv6_prefixes < 4 ? pp->n_ipv6_prefixes : 4;
    memcpy(res->ipv6_dns, pp->ipv6_dns, sizeof res->ipv6_dns);
    res->n_ipv6_dns = pp->n_ipv6_dns;
    res->ra_interval_s = pp->ra_interval ? pp->ra_interval : 600;
    for (unsigned i = 0; i < pp->n_ipv6_pd_prefixes && i < 4; i++)
        snprintf(res->ipv6_pd_prefixes[i], sizeof res->ipv6_pd_prefixes[i], "%s",
                 pp->ipv6_pd_prefixes[i]);
    res->n_ipv6_pd_prefixes = pp->n_ipv6_pd_prefixes < 4 ? pp->n_ipv6_pd_prefixes : 4;
    res->ipv6_pd_length = pp->ipv6_pd_length ? pp->ipv6_pd_length : 56;
    for (unsigned i = 0; i < res->n_ipv6_pd_prefixes && rc == 0; i++) {
        const char *slash = strrchr(res->ipv6_pd_prefixes[i], '/');
        if (slash && (unsigned)atoi(slash + 1) > res->ipv6_pd_length) {
            snprintf(err, errlen, "'ipv6 pd prefix' %s is longer than 'ipv6 pd length' /%u",
                     res->ipv6_pd_prefixes[i], (unsigned)res->ipv6_pd_length);
            rc = -1;
        }
    }
    /* The l2tpx key, where written, wins over the options file. */
    res->defaultroute6 =
        key_at(sec, "defaultroute6") ? pp->defaultroute6 : o->defaultroute6 == PPPOPTS_ON;
    res->ppp_debug = pp->ppp_debug || o->debug > 0;

    if (tmp) {
        pppopts_clear(tmp);
        free(tmp);
    }
    if (rc < 0)
        explicit_bzero(link->password, sizeof link->password);
    return rc;
}
