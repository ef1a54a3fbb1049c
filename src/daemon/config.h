/* l2tpxd's configuration file: INI, xl2tpd-style.
 *
 *   [global]        listen addresses, port, limits, logging, access control
 *   [lns NAME]      how to answer tunnels from LACs (NAME may be "default")
 *   [lac NAME]      a tunnel (and call) we place towards an LNS
 *
 * Every key is described by one row of a table (name, the section kinds it
 * is allowed in, its type and range, the field it sets), so adding a key is
 * one line. Every key of xl2tpd.conf(5) is accepted with xl2tpd's meaning;
 * the few that mean nothing to l2tpx are accepted with one warning each
 * (CFG_KF_IGNORED). l2tpx's own keys extend the format. The pppd options
 * file named by `pppoptfile` is read by cfg_load (its errors are errors of
 * the load, with the options file's FILE:LINE). docs/CONFIG.md lists every
 * key.
 *
 * Any unknown key, unknown section or bad value is an error that names
 * file, line and key: `FILE:LINE: key 'KEY': problem`. */
#ifndef L2TPX_DAEMON_CONFIG_H
#define L2TPX_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/engine.h"

#define CFG_NAME_MAX     64
#define CFG_MAX_LISTEN   16
#define CFG_MAX_RANGES   64
#define CFG_MAX_KEYS     128 /* rows in the key table (checked by a test) */
#define CFG_MAX_SECTIONS 4096

enum cfg_kind {
    CFG_GLOBAL = 1u,
    CFG_LNS = 2u,
    CFG_LAC = 4u,
};

/* An inclusive range of IPv4 or IPv6 addresses (network byte order; IPv4 in
 * the first 4 bytes). */
struct cfg_ip_range {
    int family;
    uint8_t lo[16], hi[16];
    bool deny; /* xl2tpd "no lac", "no ip range": the last range containing
                  an address decides */
};

#define CFG_MAX_POOLS  4
#define CFG_MAX_ROUTES 8

/* PPP-side settings (xl2tpd / pppd keys and l2tpx's PPP keys) as written;
 * cfg_section_ppp() combines them with the pppd options file. */
struct cfg_ppp {
    char ip_range[512];       /* text of the last "ip range" (informational) */
    char local_ip[64];        /* "local ip" */
    char local_ip_range[512]; /* text of the last "local ip range" (informational) */
    char remote_ip[64];       /* "remote ip" (LAC) */
    char name[128];           /* "name": our PPP auth name */
    char pppoptfile[256];
    bool assign_ip; /* default yes (xl2tpd) */
    bool require_auth, refuse_auth;
    bool require_chap, refuse_chap;
    bool require_pap, refuse_pap;
    bool unix_auth;
    bool ppp_debug;
    bool defaultroute;
    uint32_t call_rws;
    uint32_t tx_bps, rx_bps; /* Tx/Rx Connect Speed AVPs; default 10000000 (xl2tpd) */
    /* ---- issue 4 ---- */
    /* "ip range" / "no ip range" and "local ip range", in file order
     * (IPv4). The counts follow their arrays (the parser relies on it). */
    struct cfg_ip_range ip_ranges[CFG_MAX_RANGES];
    unsigned n_ip_ranges;
    struct cfg_ip_range local_ranges[CFG_MAX_RANGES];
    unsigned n_local_ranges;
    char ip_pools[CFG_MAX_POOLS][512]; /* l2tpx "ip pool": one pool per line */
    unsigned n_ip_pools;
    char routes[CFG_MAX_ROUTES][64]; /* l2tpx "route" (CIDR, normalised) */
    unsigned n_routes;
    uint32_t ms_dns[2]; /* l2tpx "ms dns", host order */
    unsigned n_ms_dns;
    char interface[16]; /* l2tpx "interface" */
    uint16_t mss_clamp; /* l2tpx "mss clamp": 0 = yes (derive), 1 = no, else MSS */
    uint32_t lcp_echo_interval, lcp_echo_failure; /* l2tpx spellings */
    uint32_t mtu, mru;
    uint32_t idle_timeout, session_timeout; /* s (pppd idle / maxconnect) */
    bool require_mschap, refuse_mschap, require_mschap_v2, refuse_mschap_v2;
    char chap_secrets[256], pap_secrets[256]; /* l2tpx "chap secrets", "pap secrets" */
    bool pass_peer;                           /* xl2tpd "pass peer" (ignored) */
    /* IPv6 beyond link-local (l2tpx keys): [lns] "ipv6 prefix" blocks
     * carved into one /64 per session, advertised by RA (RFC 4861,
     * RFC 4862 SLAAC); "ipv6 dns" (RFC 8106 RDNSS); "ra interval" (s,
     * MaxRtrAdvInterval); [lac] "defaultroute6". */
    uint32_t ra_interval;                  /* (first: aligns the arrays below to their counts) */
    char ipv6_prefixes[CFG_MAX_POOLS][64]; /* "2001:db8:100::/48", normalised */
    unsigned n_ipv6_prefixes;
    uint8_t ipv6_dns[3][16];
    unsigned n_ipv6_dns;
    bool defaultroute6;
    /* DHCPv6 prefix delegation (RFC 8415 IA_PD): "ipv6 pd prefix" blocks
     * carved into "ipv6 pd length" prefixes, one per session on request. */
    uint32_t ipv6_pd_length;
    char ipv6_pd_prefixes[CFG_MAX_POOLS][64];
    unsigned n_ipv6_pd_prefixes;
};

struct l2tpx_pppopts;

/* [lns]: a line of xl2tpd's auth file for a named peer. xl2tpd matches
 * `them` against the peer's Host Name AVP when the SCCRQ arrives; so does
 * cfg_tunnel_for_peer(). `tunnel` is the section's own configuration with
 * this secret (stable for the life of the cfg: the engine keeps it). */
struct cfg_peer_secret {
    char them[64];
    struct l2tp_tunnel_cfg tunnel;
    unsigned line; /* in the auth file */
};
#define CFG_MAX_PEER_SECRETS 4096

struct cfg_section {
    enum cfg_kind kind;
    char name[CFG_NAME_MAX];
    unsigned line; /* of the [header] */
    struct l2tp_tunnel_cfg tunnel;
    /* [lns] */
    struct cfg_ip_range lac[CFG_MAX_RANGES]; /* "lac": allowed peers */
    unsigned n_lac;
    bool exclusive; /* one tunnel per peer address */
    /* [lac] */
    char lns_host[256]; /* "lns": host name or IP literal */
    uint16_t lns_port;  /* "lns = host:port" or "port"; default 1701 */
    bool autodial;
    bool redial;
    uint32_t redial_timeout_s;
    uint32_t max_redials; /* 0 = no limit */
    struct cfg_ppp ppp;
    /* The pppd options in effect for this section (what xl2tpd passes on
     * pppd's command line, then `pppoptfile`, then l2tpx's PPP keys), with
     * the LAC client's password resolved. Built by cfg_load; owned by the
     * cfg (cfg_free). NULL only for sections not made by cfg_load. */
    struct l2tpx_pppopts *pppopts;
    /* Where the tunnel secret came from when taken from xl2tpd's `auth
     * file`: "FILE:LINE" ("" = the `secret` key or none). */
    char secret_origin[300];
    /* [lns] without `secret`: the auth file's named-peer lines that come
     * before its first `them` = '*' line (whose secret is tunnel.secret),
     * in file order. */
    struct cfg_peer_secret *peer_secrets;
    unsigned n_peer_secrets;
    /* Line of each key (key table index) set in this section; 0 = unset. */
    uint32_t key_line[CFG_MAX_KEYS];
};

struct cfg_global {
    struct l2tp_addr listen[CFG_MAX_LISTEN]; /* ports = `port` after cfg_load */
    unsigned n_listen;
    bool listen_default; /* no listen-addr given: 0.0.0.0 and :: */
    uint16_t port;
    struct l2tp_engine_cfg engine;
    bool debug, debug_tunnel, debug_state, debug_avp, debug_network, debug_packet;
    bool access_control;
    bool ipsec_saref; /* accepted, ignored */
    bool log_syslog;
    uint32_t max_retries; /* default for sections without their own */
    char auth_file[256];  /* xl2tpd l2tp-secrets; "" = default_auth_file */
    char rand_source[64];
    bool force_userspace;   /* accepted, ignored */
    uint32_t saref_refinfo; /* accepted, ignored */
    uint32_t cap_backoff;   /* accepted, ignored (xl2tpd ignores it too) */
    /* Defaults for files nobody named (cfg_init sets them; tests may change
     * them before cfg_load): xl2tpd's l2tp-secrets, pppd's secrets files. */
    char default_auth_file[256];
    char default_chap_secrets[256];
    char default_pap_secrets[256];
    uint32_t key_line[CFG_MAX_KEYS];
};

struct cfg {
    char path[256];
    struct cfg_global global;
    struct cfg_section *sections; /* stable once cfg_load returned */
    unsigned n_sections;
};

/* Key table row. */
enum cfg_type {
    CFG_T_BOOL,
    CFG_T_UINT,
    CFG_T_STR,
    CFG_T_SECRET,
    CFG_T_HOSTNAME,
    CFG_T_LISTEN,
    CFG_T_RANGES,   /* address ranges into cfg_section.lac */
    CFG_T_RANGESTR, /* address ranges, validated, kept as text */
    CFG_T_IPSTR,    /* one IP literal, kept as text */
    CFG_T_LNS,      /* host[:port] */
    CFG_T_LOG,      /* stderr | syslog */
    CFG_T_POOL,     /* IPv4 range list, appended to an array of strings */
    CFG_T_ROUTE,    /* CIDR prefix, appended to an array of strings */
    CFG_T_DNS4,     /* 1 or 2 IPv4 addresses, appended (at most 2) */
    CFG_T_MSS,      /* yes | no | number */
    CFG_T_IFNAME,   /* network interface name */
    CFG_T_BPS,      /* sets two uint32_t: the field and the one after it */
    CFG_T_PREFIX6,  /* IPv6 prefix of length <= 64, appended to an array of strings */
    CFG_T_DNS6,     /* 1 to 3 IPv6 addresses, appended (at most 3) */
};

#define CFG_KF_LATER   0x1u /* belongs to a later issue: stored, warned once (unused now) */
#define CFG_KF_IGNORED 0x2u /* accepted for xl2tpd compatibility, no effect: warned once */
#define CFG_KF_NEG     0x4u /* CFG_T_RANGES: "no ..." form (deny ranges) */
#define CFG_KF_V4      0x8u /* CFG_T_RANGES: IPv4 only */

struct cfg_key {
    const char *name; /* lower case, single spaces */
    unsigned kinds;   /* enum cfg_kind bits; never CFG_GLOBAL mixed with others */
    enum cfg_type type;
    size_t off;               /* into struct cfg_global or struct cfg_section */
    size_t size;              /* of the field */
    uint32_t min, max, scale; /* CFG_T_UINT: accepted range; stored value * scale */
    unsigned flags;
};

const struct cfg_key *cfg_keys(size_t *n);

/* Diagnostics: one line each, "FILE:LINE: ...", without a trailing newline. */
typedef void (*cfg_diag_fn)(void *arg, bool error, const char *msg);

void cfg_init(struct cfg *c);
/* Parses path into c (which cfg_init prepared). Returns the number of
 * errors (0 = usable), or -1 if the file cannot be read. Warnings do not
 * count. diag may be NULL. */
int cfg_load(struct cfg *c, const char *path, cfg_diag_fn diag, void *arg);
/* Same, from a string (tests). `name` stands in for the file name. */
int cfg_load_string(struct cfg *c, const char *name, const char *text, cfg_diag_fn diag, void *arg);
void cfg_free(struct cfg *c);

const struct cfg_section *cfg_find(const struct cfg *c, enum cfg_kind kind, const char *name);
bool cfg_range_contains(const struct cfg_ip_range *r, const struct l2tp_addr *a);
/* The tunnel configuration for an SCCRQ from a peer calling itself
 * peer_host_name (NULL = unknown) on [lns] sec: the first auth-file line
 * naming that host (case-insensitive, as xl2tpd), else the section's own. */
const struct l2tp_tunnel_cfg *cfg_tunnel_for_peer(const struct cfg_section *sec,
                                                  const char *peer_host_name);
/* The [lns] whose `lac` / `no lac` ranges allow peer (the last range
 * containing it decides, as in xl2tpd); else (unless access control)
 * the one without `lac` named "default", else the first without `lac`;
 * NULL if none. */
const struct cfg_section *cfg_select_lns(const struct cfg *c, const struct l2tp_addr *peer);

/* ---- Resolved PPP settings (issue 4: xl2tpd + pppd drop-in) ----------
 *
 * What the daemon needs to run PPP on a session of this [lns] or [lac]
 * section, with xl2tpd's keys, the pppd options file (`pppoptfile`, read by
 * cfg_load) and l2tpx's own keys already combined in xl2tpd + pppd's order
 * of precedence. */
struct ppp_link_cfg;

struct cfg_ppp_resolved {
    /* LNS: addresses handed to peers. Each pool is a comma-separated list
     * of ranges, each in the syntax of src/aaa/pool.h ("10.0.0.2-10.0.0.200",
     * "10.1.0.0/24"): split at ',' and aaa_pool_add_range() each. Pool 0 is
     * xl2tpd's `ip range` minus its `no ip range` exclusions; then one pool
     * per l2tpx `ip pool` line. Empty when `assign ip = no`. */
    char pools[4][512];
    unsigned n_pools;
    uint32_t local_ip; /* host order; 0 = none */
    bool assign_ip;    /* false: the peer must bring its own (secrets file) */
    /* Authentication backend files (pppd style); "" = not configured. */
    char chap_secrets[256];
    char pap_secrets[256];
    /* Session life (pppd `idle`, `maxconnect`); 0 = none. */
    uint32_t idle_timeout_s;
    uint32_t session_timeout_s;
    /* LAC client: routes to add through the session's interface. */
    bool defaultroute;
    bool replacedefaultroute;
    char routes[8][64]; /* "10.1.0.0/16", "fd00::/48" (l2tpx key `route`) */
    unsigned n_routes;
    bool usepeerdns;
    char tun_name[16];  /* interface name ("" = kernel chooses) */
    uint16_t mss_clamp; /* 0 = derive from the MTU; 1 = off (l2tpx key `mss clamp`) */
    bool ppp_debug;
    /* ---- added by issue 4 (config) ---- */
    /* LNS: xl2tpd `local ip range`: the LNS end of each session is taken
     * from this pool (same syntax as pools[]) instead of local_ip. */
    char local_pool[512];
    bool proxyarp; /* pppd `proxyarp` */
    /* LNS: IPv6 prefix pool (one /64 per session, by router advertisement),
     * RDNSS servers and the RA period; empty = link-local only. */
    char ipv6_prefixes[4][64];
    unsigned n_ipv6_prefixes;
    uint8_t ipv6_dns[3][16];
    unsigned n_ipv6_dns;
    uint32_t ra_interval_s; /* MaxRtrAdvInterval (RFC 4861 §6.2.1); default 600 */
    /* LNS: DHCPv6 prefix delegation pool (same syntax as ipv6_prefixes),
     * the delegated length (default 56). */
    char ipv6_pd_prefixes[4][64];
    unsigned n_ipv6_pd_prefixes;
    uint32_t ipv6_pd_length;
    /* LAC client: ::/0 through the interface when the LNS advertises itself
     * as a default router (pppd `defaultroute6`). */
    bool defaultroute6;
};

/* Fills a PPP link configuration for a session of section `sec` in the
 * given role (authenticator for [lns], peer for [lac]) and the resolved
 * settings above. Returns 0, or -1 with a message in err. */
int cfg_section_ppp(const struct cfg_section *sec, bool authenticator, struct ppp_link_cfg *link,
                    struct cfg_ppp_resolved *res, char *err, size_t errlen);

/* Parsers shared with tests. */
int cfg_parse_bool(const char *v, bool *out);
int cfg_parse_range(const char *v, struct cfg_ip_range *out);

#endif
