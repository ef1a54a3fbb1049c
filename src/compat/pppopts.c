/* pppd options files for xl2tpd compatibility (see pppopts.h).
 *
 * The tokenizer implements the word rules pppd(8) documents for options
 * files (white space, `#` comments, quotes, backslash escapes), so that a
 * file means the same to both; the option table follows pppd(8) 2.4.9. Nothing here logs: warnings
 * go into the result, errors into the caller's buffer, and the `password` value appears in neither.
 */
#include "compat/pppopts.h"
#include "lib/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ppp/link.h"

_Static_assert(PPPOPTS_NAME_MAX < sizeof(((struct ppp_link_cfg *)0)->our_name),
               "`name` must fit ppp_link_cfg.our_name");
_Static_assert(PPPOPTS_STR_MAX < sizeof(((struct ppp_link_cfg *)0)->user), "user fits");
_Static_assert(PPPOPTS_STR_MAX < sizeof(((struct ppp_link_cfg *)0)->password), "password fits");

/* pppd MINMRU / MAXMRU (pppd/lcp.h): the bounds of `mtu` and `mru`. */
#define PPPD_MINMRU 128
#define PPPD_MAXMRU 16384
/* Seconds that still fit a uint32_t millisecond count. */
#define SECS_MS_MAX (UINT32_MAX / 1000u)
#define INT_MAX_U   2147483647u

/* ---- option table --------------------------------------------------------- */

enum opt_kind {
    K_USE,      /* meaningful for l2tpx: recorded and/or mapped */
    K_SERIAL,   /* serial-line option: warn once */
    K_COMPRESS, /* compression (CCP, VJ): l2tpx never compresses; warn once */
    K_IGNORED,  /* pppd process / system / other protocol: warn once */
    K_PLUGIN,   /* option of a pppd plugin: valid only after `plugin X`; warn once */
};

enum opt_id {
    O_NONE = 0,
    O_NAME,
    O_USER,
    O_PASSWORD,
    O_REMOTENAME,
    O_REQ_PAP,
    O_REQ_CHAP,
    O_REQ_MSCHAP,
    O_REQ_MSCHAP2,
    O_REQ_EAP,
    O_REF_PAP,
    O_REF_CHAP,
    O_REF_MSCHAP,
    O_REF_MSCHAP2,
    O_REF_EAP,
    O_AUTH,
    O_NOAUTH,
    O_HIDEPW,
    O_SHOWPW,
    O_MPPE_REQ,
    O_MPPE_NO,
    O_MPPE40_REQ,
    O_MPPE40_NO,
    O_MPPE128_REQ,
    O_MPPE128_NO,
    O_MPPE_STATEFUL,
    O_MPPE_NOSTATEFUL,
    O_MPPE_OLD,
    O_MTU,
    O_MRU,
    O_DEFAULT_MRU,
    O_ASYNCMAP,
    O_DEFAULT_ASYNCMAP,
    O_NOPCOMP,
    O_NOACCOMP,
    O_NOMAGIC,
    O_ECHO_INTERVAL,
    O_ECHO_FAILURE,
    O_ECHO_ADAPTIVE,
    O_LCP_RESTART,
    O_LCP_MAXCONF,
    O_LCP_MAXTERM,
    O_LCP_MAXFAIL,
    O_PASSIVE,
    O_SILENT,
    O_NOIP,
    O_ACCEPT_LOCAL,
    O_ACCEPT_REMOTE,
    O_NOIPDEFAULT,
    O_MS_DNS,
    O_MS_WINS,
    O_USEPEERDNS,
    O_IPCP_RESTART,
    O_IPCP_MAXCONF,
    O_IPCP_MAXTERM,
    O_IPCP_MAXFAIL,
    O_IPV6_IDS,
    O_IPV6_ON,
    O_IPV6_OFF,
    O_CHAP_RESTART,
    O_CHAP_MAXCHAL,
    O_CHAP_INTERVAL,
    O_PAP_RESTART,
    O_PAP_MAXREQ,
    O_PAP_TIMEOUT,
    O_DEFROUTE,
    O_NODEFROUTE,
    O_REPLDEFROUTE,
    O_DEFROUTE6,
    O_NODEFROUTE6,
    O_NOREPLDEFROUTE,
    O_PROXYARP,
    O_NOPROXYARP,
    O_PERSIST,
    O_NOPERSIST,
    O_IDLE,
    O_MAXCONNECT,
    O_HOLDOFF,
    O_MAXFAIL,
    O_CONNECT_DELAY,
    O_DEBUG,
    O_NODEBUG,
    O_IPPARAM,
    O_LOGFILE,
    O_PLUGIN,
    O_FILE,
    O_CALL,
    /* not names: words pppd's wildcard options take */
    O_ADDRS,  /* local:remote */
    O_SPEED,  /* a number: tty speed */
    O_DEVICE, /* /dev/... or tty...: the serial device */
};

/* pppd plugins whose own options we recognise after `plugin NAME`. */
enum plugin_id {
    P_NONE = 0,
    P_WINBIND,
    P_RADIUS,
    P_PPPOL2TP,
    P_MINCONN,
    P_PASSPROMPT,
    P_PASSWORDFD,
};

static const struct {
    const char *file;
    enum plugin_id id;
} plugins[] = {
    {"winbind.so", P_WINBIND},       {"radius.so", P_RADIUS},   {"radattr.so", P_NONE},
    {"pppol2tp.so", P_PPPOL2TP},     {"minconn.so", P_MINCONN}, {"passprompt.so", P_PASSPROMPT},
    {"passwordfd.so", P_PASSWORDFD},
};

struct opt {
    const char *name;
    uint8_t nargs;  /* 0 or 1 */
    uint8_t kind;   /* enum opt_kind */
    uint8_t id;     /* enum opt_id */
    uint8_t plugin; /* enum plugin_id, K_PLUGIN only */
};

#define U0(n, id)          \
    {                      \
        n, 0, K_USE, id, 0 \
    }
#define U1(n, id)          \
    {                      \
        n, 1, K_USE, id, 0 \
    }
#define S0(n)                     \
    {                             \
        n, 0, K_SERIAL, O_NONE, 0 \
    }
#define S1(n)                     \
    {                             \
        n, 1, K_SERIAL, O_NONE, 0 \
    }
#define C0(n)                       \
    {                               \
        n, 0, K_COMPRESS, O_NONE, 0 \
    }
#define C1(n)                       \
    {                               \
        n, 1, K_COMPRESS, O_NONE, 0 \
    }
#define I0(n)                      \
    {                              \
        n, 0, K_IGNORED, O_NONE, 0 \
    }
#define I1(n)                      \
    {                              \
        n, 1, K_IGNORED, O_NONE, 0 \
    }
#define PL(n, args, p)               \
    {                                \
        n, args, K_PLUGIN, O_NONE, p \
    }

static const struct opt opts[] = {
    /* pppd(8) auth.c */
    U1("name", O_NAME),
    U1("user", O_USER),
    U1("password", O_PASSWORD),
    U1("remotename", O_REMOTENAME),
    U0("require-pap", O_REQ_PAP),
    U0("+pap", O_REQ_PAP),
    U0("require-chap", O_REQ_CHAP),
    U0("+chap", O_REQ_CHAP),
    U0("require-mschap", O_REQ_MSCHAP),
    U0("+mschap", O_REQ_MSCHAP),
    U0("require-mschap-v2", O_REQ_MSCHAP2),
    U0("+mschap-v2", O_REQ_MSCHAP2),
    U0("require-eap", O_REQ_EAP),
    U0("+eap", O_REQ_EAP),
    U0("refuse-pap", O_REF_PAP),
    U0("-pap", O_REF_PAP),
    U0("refuse-chap", O_REF_CHAP),
    U0("-chap", O_REF_CHAP),
    U0("refuse-mschap", O_REF_MSCHAP),
    U0("-mschap", O_REF_MSCHAP),
    U0("refuse-mschap-v2", O_REF_MSCHAP2),
    U0("-mschap-v2", O_REF_MSCHAP2),
    U0("refuse-eap", O_REF_EAP),
    U0("-eap", O_REF_EAP),
    U0("auth", O_AUTH),
    U0("noauth", O_NOAUTH),
    U0("hide-password", O_HIDEPW),
    U0("show-password", O_SHOWPW),
    U1("chap-restart", O_CHAP_RESTART),
    U1("chap-max-challenge", O_CHAP_MAXCHAL),
    U1("chap-interval", O_CHAP_INTERVAL),
    U1("pap-restart", O_PAP_RESTART),
    U1("pap-max-authreq", O_PAP_MAXREQ),
    U1("pap-timeout", O_PAP_TIMEOUT),
    /* ccp.c: MPPE */
    U0("require-mppe", O_MPPE_REQ),
    U0("+mppe", O_MPPE_REQ),
    U0("nomppe", O_MPPE_NO),
    U0("-mppe", O_MPPE_NO),
    U0("require-mppe-40", O_MPPE40_REQ),
    U0("+mppe-40", O_MPPE40_REQ),
    U0("nomppe-40", O_MPPE40_NO),
    U0("-mppe-40", O_MPPE40_NO),
    U0("require-mppe-128", O_MPPE128_REQ),
    U0("+mppe-128", O_MPPE128_REQ),
    U0("nomppe-128", O_MPPE128_NO),
    U0("-mppe-128", O_MPPE128_NO),
    U0("mppe-stateful", O_MPPE_STATEFUL),
    U0("nomppe-stateful", O_MPPE_NOSTATEFUL),
    U1("mppe", O_MPPE_OLD), /* MPPE/MPPC patch syntax: mppe required,stateless */
    /* lcp.c */
    U1("mtu", O_MTU),
    U1("mru", O_MRU),
    U0("default-mru", O_DEFAULT_MRU),
    U0("-mru", O_DEFAULT_MRU),
    U1("asyncmap", O_ASYNCMAP),
    U1("-as", O_ASYNCMAP),
    U0("default-asyncmap", O_DEFAULT_ASYNCMAP),
    U0("-am", O_DEFAULT_ASYNCMAP),
    U0("nopcomp", O_NOPCOMP),
    U0("-pc", O_NOPCOMP),
    U0("noaccomp", O_NOACCOMP),
    U0("-ac", O_NOACCOMP),
    U0("nomagic", O_NOMAGIC),
    U0("-mn", O_NOMAGIC),
    U1("lcp-echo-interval", O_ECHO_INTERVAL),
    U1("lcp-echo-failure", O_ECHO_FAILURE),
    U0("lcp-echo-adaptive", O_ECHO_ADAPTIVE),
    U1("lcp-restart", O_LCP_RESTART),
    U1("lcp-max-configure", O_LCP_MAXCONF),
    U1("lcp-max-terminate", O_LCP_MAXTERM),
    U1("lcp-max-failure", O_LCP_MAXFAIL),
    U0("passive", O_PASSIVE),
    U0("-p", O_PASSIVE),
    U0("silent", O_SILENT),
    /* ipcp.c */
    U0("noip", O_NOIP),
    U0("ipcp-accept-local", O_ACCEPT_LOCAL),
    U0("ipcp-accept-remote", O_ACCEPT_REMOTE),
    U0("noipdefault", O_NOIPDEFAULT),
    U1("ms-dns", O_MS_DNS),
    U1("ms-wins", O_MS_WINS),
    U0("usepeerdns", O_USEPEERDNS),
    U1("ipcp-restart", O_IPCP_RESTART),
    U1("ipcp-max-configure", O_IPCP_MAXCONF),
    U1("ipcp-max-terminate", O_IPCP_MAXTERM),
    U1("ipcp-max-failure", O_IPCP_MAXFAIL),
    U0("defaultroute", O_DEFROUTE),
    U0("nodefaultroute", O_NODEFROUTE),
    U0("-defaultroute", O_NODEFROUTE),
    U0("replacedefaultroute", O_REPLDEFROUTE),
    U0("defaultroute6", O_DEFROUTE6),
    U0("nodefaultroute6", O_NODEFROUTE6),
    U0("-defaultroute6", O_NODEFROUTE6),
    U0("noreplacedefaultroute", O_NOREPLDEFROUTE),
    U0("proxyarp", O_PROXYARP),
    U0("noproxyarp", O_NOPROXYARP),
    U0("-proxyarp", O_NOPROXYARP),
    /* ipv6cp.c */
    U1("ipv6", O_IPV6_IDS),
    U0("+ipv6", O_IPV6_ON),
    U0("-ipv6", O_IPV6_OFF),
    U0("noipv6", O_IPV6_OFF),
    /* options.c / main.c */
    U0("persist", O_PERSIST),
    U0("nopersist", O_NOPERSIST),
    U1("idle", O_IDLE),
    U1("maxconnect", O_MAXCONNECT),
    U1("holdoff", O_HOLDOFF),
    U1("maxfail", O_MAXFAIL),
    U0("debug", O_DEBUG),
    U0("-d", O_DEBUG),
    U0("nodebug", O_NODEBUG),
    U1("ipparam", O_IPPARAM),
    U1("logfile", O_LOGFILE),
    U1("plugin", O_PLUGIN),
    U1("file", O_FILE),
    U1("call", O_CALL),
    /* tty.c: serial lines. connect-delay only applies with connect/pty. */
    {"connect-delay", 1, K_SERIAL, O_CONNECT_DELAY, 0},
    S0("crtscts"),
    S0("nocrtscts"),
    S0("-crtscts"),
    S0("cdtrcts"),
    S0("nocdtrcts"),
    S0("xonxoff"),
    S0("modem"),
    S0("local"),
    S0("lock"),
    S0("nolock"),
    S1("escape"),
    S0("receive-all"),
    S0("sync"),
    S1("stop-bits"),
    S1("connect"),
    S1("disconnect"),
    S1("init"),
    S1("welcome"),
    S1("pty"),
    S0("notty"),
    S1("record"),
    S1("socket"),
    /* ccp.c, ipcp.c: compression */
    C0("noccp"),
    C0("-ccp"),
    C0("nobsdcomp"),
    C0("-bsdcomp"),
    C1("bsdcomp"),
    C0("nodeflate"),
    C0("-deflate"),
    C1("deflate"),
    C0("nodeflatedraft"),
    C0("nopredictor1"),
    C0("-predictor1"),
    C0("predictor1"),
    C0("novj"),
    C0("-vj"),
    C0("novjccomp"),
    C0("-vjccomp"),
    C1("vj-max-slots"),
    /* process, system, other protocols, EAP */
    I0("nodetach"),
    I0("-detach"),
    I0("updetach"),
    I0("up_sdnotify"),
    I0("master_detach"),
    I0("dump"),
    I0("dryrun"),
    I0("ktune"),
    I0("noktune"),
    I1("kdebug"),
    I1("logfd"),
    I0("nologfd"),
    I0("nolog"),
    I1("linkname"),
    I1("unit"),
    I1("ifname"),
    I0("usehostname"),
    I1("domain"),
    I0("demand"),
    I0("noipx"),
    I0("-ipx"),
    I0("ipx"),
    I0("multilink"),
    I0("mp"),
    I0("nomultilink"),
    I0("nomp"),
    I0("-mp"),
    I0("noendpoint"),
    I1("endpoint"),
    I1("mrru"),
    I0("mpshortseq"),
    I0("nompshortseq"),
    I1("defaultroute-metric"),
    I0("noremoteip"),
    I0("ipcp-no-address"),
    I0("ipcp-no-addresses"),
    I1("active-filter"),
    I1("pass-filter"),
    I1("allow-ip"),
    I1("allow-number"),
    I0("ipv6cp-accept-local"),
    I0("ipv6cp-accept-remote"),
    I0("ipv6cp-use-ipaddr"),
    I0("ipv6cp-use-persistent"),
    I1("ipv6cp-restart"),
    I1("ipv6cp-max-configure"),
    I1("ipv6cp-max-terminate"),
    I1("ipv6cp-max-failure"),
    I1("chap-timeout"),
    I1("eap-interval"),
    I1("eap-max-rreq"),
    I1("eap-max-sreq"),
    I1("eap-restart"),
    I1("eap-timeout"),
    I1("srp-interval"),
    I1("srp-pn-secret"),
    I0("srp-use-pseudonym"),
    I0("need-peer-eap"),
    I1("ca"),
    I1("cert"),
    I1("key"),
    I1("crl"),
    I1("crl-dir"),
    I0("ms-lanman"),
    I0("papcrypt"),
    I0("login"),
    I0("enable-session"),
    I0("chapms-strip-domain"),
    I1("privgroup"),
    I1("set"),
    I1("unset"),
    I1("remotenumber"),
    I1("child-timeout"),
    I1("ip-up-script"),
    I1("ip-down-script"),
    I1("ipv6-up-script"),
    I1("ipv6-down-script"),
    I1("maxoctets"),
    I1("mo-direction"),
    I1("mo-timeout"),
    /* plugin options */
    PL("ntlm_auth-helper", 1, P_WINBIND),
    PL("radius-config-file", 1, P_RADIUS),
    PL("avpair", 1, P_RADIUS),
    PL("map-to-ttyname", 0, P_RADIUS),
    PL("map-to-ifname", 0, P_RADIUS),
    PL("pppol2tp", 1, P_PPPOL2TP),
    PL("pppol2tp_lns_mode", 0, P_PPPOL2TP),
    PL("pppol2tp_send_seq", 0, P_PPPOL2TP),
    PL("pppol2tp_recv_seq", 0, P_PPPOL2TP),
    PL("pppol2tp_debug_mask", 1, P_PPPOL2TP),
    PL("pppol2tp_ifname", 1, P_PPPOL2TP),
    PL("pppol2tp_reorder_timeout", 1, P_PPPOL2TP),
    PL("pppol2tp_tunnel_id", 1, P_PPPOL2TP),
    PL("pppol2tp_session_id", 1, P_PPPOL2TP),
    PL("minconnect", 1, P_MINCONN),
    PL("promptprog", 1, P_PASSPROMPT),
    PL("passwordfd", 1, P_PASSWORDFD),
    /* pppd's wildcard options, last and never matched by name: an IP
     * address pair, a tty speed, a device name. */
    {"local:remote", 0, K_USE, O_ADDRS, 0},
    {"<speed>", 0, K_SERIAL, O_SPEED, 0},
    {"<device>", 0, K_SERIAL, O_DEVICE, 0},
};

#define N_OPTS   (sizeof(opts) / sizeof(opts[0]))
#define N_NAMED  (N_OPTS - 3)
#define W_ADDRS  (&opts[N_NAMED])
#define W_SPEED  (&opts[N_NAMED + 1])
#define W_DEVICE (&opts[N_NAMED + 2])
_Static_assert(N_OPTS <= 8 * sizeof(((struct l2tpx_pppopts *)0)->warned_),
               "warned_ bitmap too small");

static const struct opt *find_opt(const char *name)
{
    for (size_t i = 0; i < N_NAMED; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

/* ---- context, messages ------------------------------------------------------ */

struct ctx {
    struct l2tpx_pppopts *o;
    char *err;
    size_t errlen;
    unsigned depth;
};

/* Where an option came from: "FILE:LINE" or, for line 0, "SOURCE". */
struct where {
    const char *fname;
    unsigned line;
    const char *base; /* file that anchors relative includes; NULL = cwd */
};

static int where_prefix(char *buf, size_t len, const struct where *w)
{
    int n = w->line ? snprintf(buf, len, "%s:%u: ", w->fname, w->line)
                    : snprintf(buf, len, "%s: ", w->fname);
    if (n < 0)
        return 0;
    return (size_t)n >= len ? (int)(len ? len - 1 : 0) : n;
}

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const struct where *w,
                                                      const char *fmt, ...)
{
    if (c->err == NULL || c->errlen == 0)
        return -1;
    int n = where_prefix(c->err, c->errlen, w);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Printable, bounded copy of user text for messages (never the password). */
static const char *shown(const char *s, char out[72])
{
    size_t i = 0;
    for (; s[i] != '\0' && i < 64; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (s[i] != '\0') {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

__attribute__((format(printf, 4, 5))) static void
warn_once(struct ctx *c, size_t key, const struct where *w, const char *fmt, ...)
{
    struct l2tpx_pppopts *o = c->o;
    if (o->warned_[key / 8] & (1u << (key % 8)))
        return;
    o->warned_[key / 8] |= (uint8_t)(1u << (key % 8));
    if (o->n_warnings >= PPPOPTS_MAX_WARNINGS) {
        o->warnings_dropped++;
        return;
    }
    char *b = o->warnings[o->n_warnings++];
    int n = where_prefix(b, PPPOPTS_WARNING_LEN, w);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, PPPOPTS_WARNING_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- values ---------------------------------------------------------------- */

/* pppd number_option(): strtoul with base 0 (so 0x.. is hex and a leading
 * 0 octal). Unlike pppd, trailing garbage and signs are errors. */
static bool parse_u32(const char *s, int base, uint32_t *v)
{
    if (!((s[0] >= '0' && s[0] <= '9') ||
          (base == 16 && ((s[0] >= 'a' && s[0] <= 'f') || (s[0] >= 'A' && s[0] <= 'F')))))
        return false;
    errno = 0;
    char *end;
    unsigned long x = strtoul(s, &end, base);
    if (errno != 0 || *end != '\0' || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

static bool parse_ipv4(const char *s, uint32_t *host)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *host = ntohl(a.s_addr);
    return true;
}

/* pppd bad_ip_adrs(): loopback net, multicast and class E are refused. */
static bool bad_ip(uint32_t a)
{
    return (a >> 24) == 127 || (a >> 28) == 0xe || (a >> 28) == 0xf;
}

/* pppd ipv6cp.c setifaceid(): an identifier is written as an IPv6 address
 * whose upper 64 bits are zero and lower 64 bits are not (VALIDID). */
static bool parse_ifid(const char *s, uint64_t *id)
{
    struct in6_addr a;
    if (inet_pton(AF_INET6, s, &a) != 1)
        return false;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = (hi << 8) | a.s6_addr[i];
        lo = (lo << 8) | a.s6_addr[8 + i];
    }
    if (hi != 0 || lo == 0)
        return false;
    *id = lo;
    return true;
}

static int set_str(struct ctx *c, const struct where *w, const char *opt, const char *arg,
                   char *dst, size_t cap, bool *has)
{
    size_t n = strlen(arg);
    if (n >= cap)
        return fail(c, w, "option '%s': value too long (at most %zu characters)", opt, cap - 1);
    memcpy(dst, arg, n + 1);
    if (has)
        *has = true;
    return 0;
}

static int set_num(struct ctx *c, const struct where *w, const char *opt, const char *arg,
                   uint32_t lo, uint32_t hi, struct pppopts_num *dst)
{
    uint32_t v;
    char sh[72];
    if (!parse_u32(arg, 0, &v) || v < lo || v > hi)
        return fail(c, w, "option '%s': bad value '%s' (expected %u..%u)", opt, shown(arg, sh), lo,
                    hi);
    dst->set = true;
    dst->v = v;
    return 0;
}

/* pppd setdnsaddr() / setwinsaddr(): the last two given are primary and
 * secondary; a single one is both. */
static void push_addr(uint32_t a[2], unsigned *n, uint32_t v)
{
    if (*n == 0) {
        a[0] = a[1] = v;
    } else {
        a[0] = a[1];
        a[1] = v;
    }
    if (*n < UINT32_MAX)
        (*n)++;
}

/* ---- includes --------------------------------------------------------------- */

static int parse_text(struct ctx *c, const char *buf, size_t len, const char *fname);

static int read_whole(struct ctx *c, const struct where *w, const char *path, char **out,
                      size_t *outlen)
{
    /* O_NONBLOCK: a FIFO must not hang the daemon; only regular files pass. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(c, w, "cannot open options file '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(c, w, "options file '%s' is not a regular file", path);
    }
    if (st.st_size > (off_t)PPPOPTS_MAX_FILE) {
        close(fd);
        return fail(c, w, "options file '%s' is larger than %u bytes", path, PPPOPTS_MAX_FILE);
    }
    /* The size may change under us: read at most the cap plus one byte. */
    char *buf = malloc(PPPOPTS_MAX_FILE + 1);
    if (buf == NULL) {
        close(fd);
        return fail(c, w, "out of memory reading '%s'", path);
    }
    size_t len = 0;
    while (len <= PPPOPTS_MAX_FILE) {
        ssize_t n = read(fd, buf + len, PPPOPTS_MAX_FILE + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return fail(c, w, "cannot read options file '%s': %s", path, strerror(e));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > PPPOPTS_MAX_FILE) {
        explicit_bzero(buf, len);
        free(buf);
        return fail(c, w, "options file '%s' is larger than %u bytes", path, PPPOPTS_MAX_FILE);
    }
    *out = buf;
    *outlen = len;
    return 0;
}

static int include_path(struct ctx *c, const struct where *w, const char *path)
{
    if (c->o->no_include)
        return fail(c, w, "including options files is disabled here");
    if (c->depth >= PPPOPTS_MAX_DEPTH)
        return fail(c, w, "options files nested deeper than %d", PPPOPTS_MAX_DEPTH);
    char *buf;
    size_t len;
    if (read_whole(c, w, path, &buf, &len) != 0)
        return -1;
    c->depth++;
    int r = parse_text(c, buf, len, path);
    c->depth--;
    explicit_bzero(buf, len); /* may hold a password */
    free(buf);
    return r;
}

/* `file NAME`: relative names are taken relative to the including file. */
static int do_file(struct ctx *c, const struct where *w, const char *arg)
{
    char sh[72];
    if (arg[0] == '\0')
        return fail(c, w, "option 'file': empty file name");
    if (arg[0] == '/' || w->base == NULL)
        return include_path(c, w, arg);
    const char *slash = strrchr(w->base, '/');
    if (slash == NULL)
        return include_path(c, w, arg);
    char path[4096];
    int n = snprintf(path, sizeof path, "%.*s/%s", (int)(slash - w->base), w->base, arg);
    if (n < 0 || (size_t)n >= sizeof path)
        return fail(c, w, "option 'file': path too long ('%s')", shown(arg, sh));
    return include_path(c, w, path);
}

/* pppd callfile(): `call NAME` reads /etc/ppp/peers/NAME; NAME may not
 * start with / nor contain a ".." component. */
static int do_call(struct ctx *c, const struct where *w, const char *arg)
{
    bool ok = arg[0] != '/' && arg[0] != '\0';
    for (const char *p = arg; ok && *p != '\0';) {
        if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
            ok = false;
        while (*p != '/' && *p != '\0')
            p++;
        if (*p == '/')
            p++;
    }
    if (!ok)
        return fail(c, w, "option 'call': value may not contain .. or start with /");
    char path[4096];
    int n = snprintf(path, sizeof path, "%s%s", PPPOPTS_PEERS_DIR, arg);
    if (n < 0 || (size_t)n >= sizeof path)
        return fail(c, w, "option 'call': name too long");
    return include_path(c, w, path);
}

/* ---- one option -------------------------------------------------------------- */

static enum plugin_id plugin_of(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++)
        if (strcmp(b, plugins[i].file) == 0)
            return plugins[i].id;
    return P_NONE;
}

/* pppd setipaddr(): "local:remote", either side may be empty. Host names
 * (pppd resolves them) are not accepted: no DNS lookups at startup. */
static int do_addrs(struct ctx *c, const struct where *w, const char *word)
{
    struct l2tpx_pppopts *o = c->o;
    char sh[72];
    const char *colon = strchr(word, ':');
    char part[64];
    uint32_t local = 0, remote = 0;
    size_t ll = (size_t)(colon - word);
    if (ll > 0) {
        if (ll >= sizeof part)
            return fail(c, w, "bad local IP address in '%s'", shown(word, sh));
        memcpy(part, word, ll);
        part[ll] = '\0';
        if (!parse_ipv4(part, &local))
            return fail(c, w, "bad local IP address in '%s' (dotted IPv4 expected)",
                        shown(word, sh));
        if (bad_ip(local))
            return fail(c, w, "bad local IP address in '%s'", shown(word, sh));
    }
    if (colon[1] != '\0') {
        if (!parse_ipv4(colon + 1, &remote))
            return fail(c, w, "bad remote IP address in '%s' (dotted IPv4 expected)",
                        shown(word, sh));
        if (bad_ip(remote))
            return fail(c, w, "bad remote IP address in '%s'", shown(word, sh));
    }
    if (local != 0)
        o->local_ip = local;
    if (remote != 0)
        o->remote_ip = remote;
    return 0;
}

static int do_ipv6_ids(struct ctx *c, const struct where *w, const char *arg)
{
    struct l2tpx_pppopts *o = c->o;
    char sh[72];
    const char *comma = strchr(arg, ',');
    size_t ll = comma ? (size_t)(comma - arg) : strlen(arg);
    uint64_t lid = 0, rid = 0;
    char part[64];
    if (ll > 0) {
        if (ll >= sizeof part)
            return fail(c, w, "option 'ipv6': illegal local interface identifier");
        memcpy(part, arg, ll);
        part[ll] = '\0';
        if (!parse_ifid(part, &lid))
            return fail(c, w, "option 'ipv6': illegal local interface identifier '%s'",
                        shown(part, sh));
    }
    if (comma != NULL && comma[1] != '\0') {
        if (!parse_ifid(comma + 1, &rid))
            return fail(c, w, "option 'ipv6': illegal remote interface identifier '%s'",
                        shown(comma + 1, sh));
    }
    if (lid)
        o->ipv6_local_ifid = lid;
    if (rid)
        o->ipv6_remote_ifid = rid;
    o->ipv6 = PPPOPTS_ON; /* setifaceid() also turns +ipv6 on */
    return 0;
}

static int do_mppe_old(struct ctx *c, const struct where *w, const char *arg)
{
    struct l2tpx_pppopts *o = c->o;
    char sh[72];
    const char *p = arg;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n == 8 && strncmp(p, "required", n) == 0)
            o->mppe = PPPOPTS_ON;
        else if (n == 9 && strncmp(p, "stateless", n) == 0)
            o->mppe_stateful = PPPOPTS_OFF;
        else if (n == 8 && strncmp(p, "stateful", n) == 0)
            o->mppe_stateful = PPPOPTS_ON;
        else if (n == 4 && strncmp(p, "no40", n) == 0)
            o->mppe_40 = PPPOPTS_OFF;
        else if (n == 5 && strncmp(p, "no128", n) == 0)
            o->mppe_128 = PPPOPTS_OFF;
        else if (!((n == 4 && strncmp(p, "no56", n) == 0) || n == 0))
            return fail(c, w, "option 'mppe': unknown keyword in '%s'", shown(arg, sh));
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static void require(struct l2tpx_pppopts *o, enum ppp_auth_method m)
{
    o->require_mask |= 1u << m;
    o->auth = PPPOPTS_ON; /* pppd reqpap()/reqchap(): setauth() */
}

static int handle(struct ctx *c, const struct opt *op, const char *name, const char *arg,
                  const struct where *w)
{
    struct l2tpx_pppopts *o = c->o;
    char sh[72];
    size_t key = (size_t)(op - opts);

    switch (op->kind) {
    case K_SERIAL:
        if (op->id == O_CONNECT_DELAY &&
            set_num(c, w, name, arg, 0, INT_MAX_U, &o->connect_delay) != 0)
            return -1;
        warn_once(c, key, w, "pppd option '%s' is for serial lines; no effect with l2tpx",
                  op->id == O_SPEED || op->id == O_DEVICE ? shown(name, sh) : name);
        return 0;
    case K_COMPRESS:
        warn_once(c, key, w,
                  "pppd option '%s' concerns compression, which l2tpx never does; ignored", name);
        return 0;
    case K_IGNORED:
        warn_once(c, key, w, "pppd option '%s' has no effect with l2tpx; ignored", name);
        return 0;
    case K_PLUGIN:
        if (!(o->plugins_ & (1u << op->plugin)))
            return fail(c, w, "unknown pppd option '%s' (needs its pppd plugin)", name);
        warn_once(c, key, w, "option '%s' of a pppd plugin has no effect with l2tpx; ignored",
                  name);
        return 0;
    default:
        break;
    }

    switch ((enum opt_id)op->id) {
    case O_NAME:
        return set_str(c, w, name, arg, o->name, sizeof o->name, &o->has_name);
    case O_USER:
        return set_str(c, w, name, arg, o->user, sizeof o->user, &o->has_user);
    case O_PASSWORD:
        return set_str(c, w, name, arg, o->password, sizeof o->password, &o->has_password);
    case O_REMOTENAME:
        return set_str(c, w, name, arg, o->remotename, sizeof o->remotename, &o->has_remotename);
    case O_REQ_PAP:
        require(o, PPP_AUTH_PAP);
        return 0;
    case O_REQ_CHAP:
        require(o, PPP_AUTH_CHAP_MD5);
        return 0;
    case O_REQ_MSCHAP:
        require(o, PPP_AUTH_MSCHAP_V1);
        return 0;
    case O_REQ_MSCHAP2:
        require(o, PPP_AUTH_MSCHAP_V2);
        return 0;
    case O_REQ_EAP:
        /* Accepting it silently would authenticate with something weaker. */
        return fail(c, w, "option '%s': EAP is not supported by l2tpx", name);
    case O_REF_PAP:
        o->refuse_mask |= 1u << PPP_AUTH_PAP;
        return 0;
    case O_REF_CHAP:
        o->refuse_mask |= 1u << PPP_AUTH_CHAP_MD5;
        return 0;
    case O_REF_MSCHAP:
        o->refuse_mask |= 1u << PPP_AUTH_MSCHAP_V1;
        return 0;
    case O_REF_MSCHAP2:
        o->refuse_mask |= 1u << PPP_AUTH_MSCHAP_V2;
        return 0;
    case O_REF_EAP:
        o->refuse_eap = true; /* we never authenticate with EAP anyway */
        return 0;
    case O_AUTH:
        o->auth = PPPOPTS_ON;
        return 0;
    case O_NOAUTH:
        o->auth = PPPOPTS_OFF;
        return 0;
    case O_HIDEPW:
        o->hide_password = PPPOPTS_ON;
        return 0;
    case O_SHOWPW:
        o->hide_password = PPPOPTS_OFF;
        return 0;
    case O_MPPE_REQ:
    case O_MPPE40_REQ:
    case O_MPPE128_REQ:
        /* pppd(8): require-mppe enables 40 and 128 bit; -40/-128 one of them. */
        o->mppe = PPPOPTS_ON;
        if (op->id != O_MPPE128_REQ)
            o->mppe_40 = PPPOPTS_ON;
        if (op->id != O_MPPE40_REQ)
            o->mppe_128 = PPPOPTS_ON;
        warn_once(c, key, w,
                  "pppd option '%s': l2tpx does not implement MPPE; sessions will not be encrypted",
                  name);
        return 0;
    case O_MPPE_NO:
        o->mppe = PPPOPTS_OFF;
        return 0;
    case O_MPPE40_NO:
        o->mppe_40 = PPPOPTS_OFF;
        return 0;
    case O_MPPE128_NO:
        o->mppe_128 = PPPOPTS_OFF;
        return 0;
    case O_MPPE_STATEFUL:
        o->mppe_stateful = PPPOPTS_ON;
        return 0;
    case O_MPPE_NOSTATEFUL:
        o->mppe_stateful = PPPOPTS_OFF;
        return 0;
    case O_MPPE_OLD:
        if (do_mppe_old(c, w, arg) != 0)
            return -1;
        if (o->mppe == PPPOPTS_ON)
            warn_once(c, key, w,
                      "pppd option 'mppe required': l2tpx does not implement MPPE; "
                      "sessions will not be encrypted");
        return 0;
    case O_MTU:
        return set_num(c, w, name, arg, PPPD_MINMRU, PPPD_MAXMRU, &o->mtu);
    case O_MRU:
        if (set_num(c, w, name, arg, PPPD_MINMRU, PPPD_MAXMRU, &o->mru) != 0)
            return -1;
        o->default_mru = false;
        return 0;
    case O_DEFAULT_MRU:
        o->default_mru = true;
        o->mru.set = false;
        return 0;
    case O_ASYNCMAP: {
        /* pppd setasyncmap(): hexadecimal, ORed into what we ask for. */
        uint32_t v;
        if (!parse_u32(arg, 16, &v))
            return fail(c, w, "option '%s': bad value '%s' (32-bit hexadecimal expected)", name,
                        shown(arg, sh));
        o->asyncmap |= v;
        o->has_asyncmap = true;
        o->default_asyncmap = false;
        return 0;
    }
    case O_DEFAULT_ASYNCMAP:
        o->default_asyncmap = true;
        o->has_asyncmap = false;
        o->asyncmap = 0;
        return 0;
    case O_NOPCOMP:
        o->nopcomp = true;
        return 0;
    case O_NOACCOMP:
        o->noaccomp = true;
        return 0;
    case O_NOMAGIC:
        o->nomagic = true;
        return 0;
    case O_ECHO_INTERVAL:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->lcp_echo_interval);
    case O_ECHO_FAILURE:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->lcp_echo_failure);
    case O_ECHO_ADAPTIVE:
        o->lcp_echo_adaptive = true;
        return 0;
    case O_LCP_RESTART:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->lcp_restart);
    case O_LCP_MAXCONF:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->lcp_max_configure);
    case O_LCP_MAXTERM:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->lcp_max_terminate);
    case O_LCP_MAXFAIL:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->lcp_max_failure);
    case O_PASSIVE:
        o->passive = true;
        return 0;
    case O_SILENT:
        o->silent = true;
        return 0;
    case O_NOIP:
        o->noip = true;
        return 0;
    case O_ACCEPT_LOCAL:
        o->ipcp_accept_local = true;
        return 0;
    case O_ACCEPT_REMOTE:
        o->ipcp_accept_remote = true;
        return 0;
    case O_NOIPDEFAULT:
        o->noipdefault = true;
        return 0;
    case O_MS_DNS:
    case O_MS_WINS: {
        uint32_t a;
        if (!parse_ipv4(arg, &a))
            return fail(c, w, "option '%s': bad address '%s' (dotted IPv4 expected)", name,
                        shown(arg, sh));
        if (op->id == O_MS_DNS)
            push_addr(o->dns, &o->n_dns, a);
        else
            push_addr(o->wins, &o->n_wins, a);
        return 0;
    }
    case O_USEPEERDNS:
        o->usepeerdns = true;
        return 0;
    case O_IPCP_RESTART:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->ipcp_restart);
    case O_IPCP_MAXCONF:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->ipcp_max_configure);
    case O_IPCP_MAXTERM:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->ipcp_max_terminate);
    case O_IPCP_MAXFAIL:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->ipcp_max_failure);
    case O_IPV6_IDS:
        return do_ipv6_ids(c, w, arg);
    case O_IPV6_ON:
        o->ipv6 = PPPOPTS_ON;
        return 0;
    case O_IPV6_OFF:
        o->ipv6 = PPPOPTS_OFF;
        return 0;
    case O_CHAP_RESTART:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->chap_restart);
    case O_CHAP_MAXCHAL:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->chap_max_challenge);
    case O_CHAP_INTERVAL:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->chap_interval);
    case O_PAP_RESTART:
        return set_num(c, w, name, arg, 0, SECS_MS_MAX, &o->pap_restart);
    case O_PAP_MAXREQ:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->pap_max_authreq);
    case O_PAP_TIMEOUT:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->pap_timeout);
    case O_DEFROUTE:
        o->defaultroute = PPPOPTS_ON;
        return 0;
    case O_NODEFROUTE:
        o->defaultroute = PPPOPTS_OFF;
        return 0;
    case O_REPLDEFROUTE:
        o->replacedefaultroute = PPPOPTS_ON;
        return 0;
    case O_DEFROUTE6:
        o->defaultroute6 = PPPOPTS_ON;
        return 0;
    case O_NODEFROUTE6:
        o->defaultroute6 = PPPOPTS_OFF;
        return 0;
    case O_NOREPLDEFROUTE:
        o->replacedefaultroute = PPPOPTS_OFF;
        return 0;
    case O_PROXYARP:
        o->proxyarp = PPPOPTS_ON;
        return 0;
    case O_NOPROXYARP:
        o->proxyarp = PPPOPTS_OFF;
        return 0;
    case O_PERSIST:
        o->persist = PPPOPTS_ON;
        return 0;
    case O_NOPERSIST:
        o->persist = PPPOPTS_OFF;
        return 0;
    case O_IDLE:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->idle);
    case O_MAXCONNECT:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->maxconnect);
    case O_HOLDOFF:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->holdoff);
    case O_MAXFAIL:
        return set_num(c, w, name, arg, 0, INT_MAX_U, &o->maxfail);
    case O_DEBUG:
        if (o->debug < 100)
            o->debug++;
        return 0;
    case O_NODEBUG:
        o->debug = 0;
        return 0;
    case O_IPPARAM:
        return set_str(c, w, name, arg, o->ipparam, sizeof o->ipparam, &o->has_ipparam);
    case O_LOGFILE:
        return set_str(c, w, name, arg, o->logfile, sizeof o->logfile, &o->has_logfile);
    case O_PLUGIN: {
        enum plugin_id p = plugin_of(arg);
        o->plugins_ |= 1u << p;
        if (o->n_plugins < UINT32_MAX)
            o->n_plugins++;
        warn_once(c, key, w, "pppd plugin '%s' cannot be loaded by l2tpx; ignored", shown(arg, sh));
        return 0;
    }
    case O_FILE:
        return do_file(c, w, arg);
    case O_CALL:
        return do_call(c, w, arg);
    case O_ADDRS:
        return do_addrs(c, w, name);
    default:
        return fail(c, w, "internal error: option '%s'", name);
    }
}

/* pppd's wildcard options (find_option() with dowild): an IP address pair,
 * a tty speed, a device name. */
static const struct opt *find_wild(const char *word)
{
    if (strchr(word, ':') != NULL)
        return W_ADDRS;
    size_t n = strlen(word);
    if (n > 0 && strspn(word, "0123456789") == n)
        return W_SPEED;
    if (strncmp(word, "/dev/", 5) == 0 || strncmp(word, "tty", 3) == 0)
        return W_DEVICE;
    return NULL;
}

/* ---- tokenizer: pppd options.c getword() -------------------------------------- */

struct tok {
    const char *p;
    size_t len, off;
    unsigned line;
};

#define TOK_EOF (-1)

static int tgetc(struct tok *t)
{
    if (t->off >= t->len)
        return TOK_EOF;
    int ch = (unsigned char)t->p[t->off++];
    if (ch == '\n')
        t->line++;
    return ch;
}

/* Puts back the character just read (pppd ungetc) */
static void tungetc(struct tok *t, int ch)
{
    if (ch == TOK_EOF)
        return;
    t->off--;
    if (ch == '\n')
        t->line--;
}

static bool is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static bool is_octal(int ch)
{
    return ch >= '0' && ch <= '7';
}

enum { W_EOF = 0, W_WORD = 1, W_TOOLONG = -1, W_NUL = -2 };

/* Reads one word into word[PPPOPTS_WORD_MAX]; *wline = line it starts on. */
static int next_word(struct tok *t, char *word, unsigned *wline)
{
    size_t len = 0;
    bool escape = false, comment = false, toolong = false, nul = false;
    int ch;

    /* Skip white space and comments; a newline ends a comment and an
     * escaped newline is ignored. */
    for (;;) {
        ch = tgetc(t);
        if (ch == TOK_EOF)
            break;
        if (ch == '\n') {
            if (!escape)
                comment = false;
            else
                escape = false;
            continue;
        }
        if (comment)
            continue;
        if (escape)
            break;
        if (ch == '\\') {
            escape = true;
            continue;
        }
        if (ch == '#') {
            comment = true;
            continue;
        }
        if (!is_space(ch))
            break;
    }
    *wline = t->line;

    /* A quote only opens a quoted word at its start. */
    int quoted = 0;
    if (!escape && (ch == '"' || ch == '\'')) {
        quoted = ch;
        ch = tgetc(t);
    }

#define PUT(v)                          \
    do {                                \
        if ((v) == 0)                   \
            nul = true;                 \
        if (len < PPPOPTS_WORD_MAX - 1) \
            word[len++] = (char)(v);    \
        else                            \
            toolong = true;             \
    } while (0)

    while (ch != TOK_EOF) {
        if (escape) {
            escape = false;
            if (ch == '\n') { /* backslash-newline is dropped */
                ch = tgetc(t);
                continue;
            }
            int value;
            bool got = false; /* ch already holds the next character */
            switch (ch) {
            case 'a':
                value = '\a';
                break;
            case 'b':
                value = '\b';
                break;
            case 'f':
                value = '\f';
                break;
            case 'n':
                value = '\n';
                break;
            case 'r':
                value = '\r';
                break;
            case 's':
                value = ' ';
                break;
            case 't':
                value = '\t';
                break;
            default:
                if (is_octal(ch)) { /* \ddd */
                    value = 0;
                    for (int n = 0; n < 3 && is_octal(ch); n++) {
                        value = (value << 3) + (ch - '0');
                        ch = tgetc(t);
                    }
                    value &= 0xff;
                    got = true;
                } else if (ch == 'x') { /* \xHH */
                    value = 0;
                    ch = tgetc(t);
                    for (int n = 0; n < 2 && lx_hex_digit(ch) >= 0; n++) {
                        value = (value << 4) + lx_hex_digit(ch);
                        ch = tgetc(t);
                    }
                    got = true;
                } else {
                    value = ch;
                }
                break;
            }
            PUT(value);
            if (!got)
                ch = tgetc(t);
            continue;
        }
        if (quoted) {
            if (ch == quoted)
                break;
        } else if (is_space(ch) || ch == '#') {
            tungetc(t, ch);
            break;
        }
        if (ch == '\\') {
            escape = true;
            ch = tgetc(t);
            continue;
        }
        PUT(ch);
        ch = tgetc(t);
    }
#undef PUT

    if (ch == TOK_EOF && len == 0 && !toolong && !nul)
        return W_EOF;
    word[len] = '\0';
    if (toolong)
        return W_TOOLONG;
    if (nul)
        return W_NUL;
    return W_WORD;
}

static int word_error(struct ctx *c, const struct where *w, int r)
{
    /* Never echo the word: it may be a password. */
    if (r == W_TOOLONG)
        return fail(c, w, "word longer than %d characters", PPPOPTS_WORD_MAX - 1);
    return fail(c, w, "NUL character in a word");
}

static int parse_text(struct ctx *c, const char *buf, size_t len, const char *fname)
{
    struct tok t = {.p = buf, .len = len, .off = 0, .line = 1};
    char word[PPPOPTS_WORD_MAX], arg[PPPOPTS_WORD_MAX];
    unsigned line, aline;
    int r;
    int ret = 0;

    while ((r = next_word(&t, word, &line)) != W_EOF) {
        struct where w = {.fname = fname, .line = line, .base = fname};
        if (r < 0) {
            ret = word_error(c, &w, r);
            break;
        }
        const struct opt *op = find_opt(word);
        if (op == NULL)
            op = find_wild(word);
        if (op == NULL) {
            char sh[72];
            ret = fail(c, &w, "unknown pppd option '%s'", shown(word, sh));
            break;
        }
        const char *a = NULL;
        if (op->nargs) {
            int ra = next_word(&t, arg, &aline);
            if (ra == W_EOF) {
                ret = fail(c, &w, "option '%s' needs an argument", op->name);
                break;
            }
            if (ra < 0) {
                w.line = aline;
                ret = word_error(c, &w, ra);
                break;
            }
            a = arg;
        }
        if (handle(c, op, word, a, &w) != 0) {
            ret = -1;
            break;
        }
    }
    explicit_bzero(word, sizeof word);
    explicit_bzero(arg, sizeof arg);
    return ret;
}

/* ---- public API ------------------------------------------------------------------ */

void pppopts_init(struct l2tpx_pppopts *o)
{
    memset(o, 0, sizeof *o);
}

void pppopts_clear(struct l2tpx_pppopts *o)
{
    explicit_bzero(o, sizeof *o);
}

int pppopts_parse_buffer(const char *buf, size_t len, const char *fname, struct l2tpx_pppopts *o,
                         char *err, size_t errlen)
{
    struct ctx c = {.o = o, .err = err, .errlen = errlen, .depth = 0};
    if (err && errlen)
        err[0] = '\0';
    if (fname == NULL)
        fname = "(buffer)";
    if (buf == NULL && len != 0) {
        struct where w = {.fname = fname};
        return fail(&c, &w, "no data");
    }
    if (len > PPPOPTS_MAX_FILE) {
        struct where w = {.fname = fname};
        return fail(&c, &w, "options file larger than %u bytes", PPPOPTS_MAX_FILE);
    }
    return parse_text(&c, buf, len, fname);
}

int pppopts_parse_file(const char *path, struct l2tpx_pppopts *o, char *err, size_t errlen)
{
    struct ctx c = {.o = o, .err = err, .errlen = errlen, .depth = 0};
    struct where w = {.fname = path};
    char *buf;
    size_t len;
    if (err && errlen)
        err[0] = '\0';
    if (read_whole(&c, &w, path, &buf, &len) != 0)
        return -1;
    int r = parse_text(&c, buf, len, path);
    explicit_bzero(buf, len);
    free(buf);
    return r;
}

int pppopts_set(struct l2tpx_pppopts *o, const char *source, const char *opt, const char *arg,
                char *err, size_t errlen)
{
    struct ctx c = {.o = o, .err = err, .errlen = errlen, .depth = 0};
    struct where w = {.fname = source ? source : "(command line)", .line = 0, .base = NULL};
    char sh[72];
    if (err && errlen)
        err[0] = '\0';
    if (opt == NULL)
        return fail(&c, &w, "no option");
    const struct opt *op = find_opt(opt);
    if (op == NULL)
        op = find_wild(opt);
    if (op == NULL)
        return fail(&c, &w, "unknown pppd option '%s'", shown(opt, sh));
    if (op->nargs && arg == NULL)
        return fail(&c, &w, "option '%s' needs an argument", shown(opt, sh));
    if (!op->nargs && arg != NULL)
        return fail(&c, &w, "option '%s' takes no argument", shown(opt, sh));
    if (strlen(opt) >= PPPOPTS_WORD_MAX || (arg && strlen(arg) >= PPPOPTS_WORD_MAX))
        return fail(&c, &w, "word longer than %d characters", PPPOPTS_WORD_MAX - 1);
    return handle(&c, op, opt, arg, &w);
}

/* ---- mapping onto the PPP link --------------------------------------------------- */

static uint32_t secs_ms(uint32_t s)
{
    return s > SECS_MS_MAX ? UINT32_MAX : s * 1000u;
}

void pppopts_apply_to_link(const struct l2tpx_pppopts *o, struct ppp_link_cfg *cfg,
                           bool authenticator)
{
    /* pppd negotiates CHAP before PAP and, among CHAP digests, MS-CHAPv2,
     * then MS-CHAP, then MD5 (chap-new.c chap_mdtype preference). */
    static const enum ppp_auth_method pref[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1,
                                                PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP};
    _Static_assert(sizeof pref / sizeof pref[0] <= PPP_LINK_AUTH_LIST, "auth list size");

    /* auth.c auth_check_options(): with `auth` the peer must use one of the
     * require-* methods, or any method if none is named; with `noauth` it
     * need not authenticate. Neither: the caller's list stands (pppd's
     * default depends on the host's routes; an LNS always asks). */
    if (o->auth == PPPOPTS_ON) {
        size_t n = 0;
        memset(cfg->auth_require, 0, sizeof cfg->auth_require);
        for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++)
            if (o->require_mask == 0 || (o->require_mask & (1u << pref[i])))
                cfg->auth_require[n++] = pref[i];
    } else if (o->auth == PPPOPTS_OFF) {
        memset(cfg->auth_require, 0, sizeof cfg->auth_require);
    }

    /* refuse-*: we will not authenticate ourselves with these (pppd clears
     * them from lcp_allowoptions); the order of the rest is kept. */
    if (o->refuse_mask) {
        enum ppp_auth_method keep[PPP_LINK_AUTH_LIST] = {0};
        size_t n = 0;
        for (size_t i = 0; i < PPP_LINK_AUTH_LIST && cfg->auth_allow[i] != PPP_AUTH_NONE; i++)
            if (!(o->refuse_mask & (1u << cfg->auth_allow[i])))
                keep[n++] = cfg->auth_allow[i];
        memcpy(cfg->auth_allow, keep, sizeof keep);
    }

    /* pppd(8) name: our name, and the name we authenticate with unless
     * `user` overrides it. */
    if (o->has_name && o->name[0] != '\0')
        snprintf(cfg->our_name, sizeof cfg->our_name, "%s", o->name);
    if (o->has_user)
        snprintf(cfg->user, sizeof cfg->user, "%s", o->user);
    else if (o->has_name && o->name[0] != '\0')
        snprintf(cfg->user, sizeof cfg->user, "%s", o->name);
    if (o->has_password)
        memcpy(cfg->password, o->password, sizeof cfg->password);

    /* Authentication timers: the authenticator sends CHAP Challenges; the
     * peer sends PAP Authenticate-Requests. */
    if (authenticator) {
        if (o->chap_restart.set)
            cfg->auth_timeout_ms = secs_ms(o->chap_restart.v);
        if (o->chap_max_challenge.set)
            cfg->auth_max_tries = o->chap_max_challenge.v;
        if (o->chap_interval.set)
            cfg->chap_rechallenge_ms = secs_ms(o->chap_interval.v);
    } else {
        if (o->pap_restart.set)
            cfg->auth_timeout_ms = secs_ms(o->pap_restart.v);
        if (o->pap_max_authreq.set)
            cfg->auth_max_tries = o->pap_max_authreq.v;
    }

    /* LCP */
    if (o->mtu.set)
        cfg->mtu = (uint16_t)o->mtu.v;
    if (o->mru.set)
        cfg->mru = (uint16_t)o->mru.v;
    else if (o->default_mru)
        cfg->mru = 0; /* link default 1500, not announced */
    if (o->has_asyncmap) {
        cfg->request_accm = true;
        cfg->accm = o->asyncmap;
    } else if (o->default_asyncmap) {
        cfg->request_accm = false;
        cfg->accm = 0;
    }
    if (o->nopcomp)
        cfg->request_pfc = false;
    if (o->noaccomp)
        cfg->request_acfc = false;
    if (o->nomagic)
        cfg->no_magic = true;
    if (o->lcp_echo_interval.set)
        cfg->echo_interval_ms = secs_ms(o->lcp_echo_interval.v);
    /* pppd: lcp-echo-failure 0 never declares the peer dead. */
    if (o->lcp_echo_failure.set)
        cfg->echo_failures = o->lcp_echo_failure.v ? o->lcp_echo_failure.v : UINT32_MAX;
    if (o->lcp_restart.set)
        cfg->restart_ms = secs_ms(o->lcp_restart.v);
    if (o->lcp_max_configure.set)
        cfg->max_configure = o->lcp_max_configure.v;
    if (o->lcp_max_terminate.set)
        cfg->max_terminate = o->lcp_max_terminate.v;
    if (o->lcp_max_failure.set)
        cfg->max_failure = o->lcp_max_failure.v;

    /* IPCP */
    if (o->noip)
        cfg->no_ipcp = true;
    if (o->local_ip)
        cfg->local_ip = o->local_ip;
    if (o->remote_ip)
        cfg->peer_ip = o->remote_ip;
    if (o->n_dns) {
        cfg->dns[0] = o->dns[0];
        cfg->dns[1] = o->dns[1];
    }
    if (o->n_wins) {
        cfg->nbns[0] = o->wins[0];
        cfg->nbns[1] = o->wins[1];
    }
    if (o->usepeerdns)
        cfg->request_dns = true;

    /* IPv6CP */
    if (o->ipv6 == PPPOPTS_ON)
        cfg->no_ipv6cp = false;
    else if (o->ipv6 == PPPOPTS_OFF)
        cfg->no_ipv6cp = true;
    if (o->ipv6_local_ifid)
        cfg->ifid = o->ipv6_local_ifid;
    if (o->ipv6_remote_ifid)
        cfg->peer_ifid = o->ipv6_remote_ifid;
}
