/* l2tpxd's configuration file: INI, xl2tpd-style.
 *
 *   [global]        listen addresses, port, limits, logging, access control
 *   [lns NAME]      how to answer tunnels from LACs (NAME may be "default")
 *   [lac NAME]      a tunnel (and call) we place towards an LNS
 *
 * Every key is described by one row of a table (name, the section kinds it
 * is allowed in, its type and range, the field it sets), so adding a key is
 * one line. xl2tpd's spellings are accepted where they mean the same thing;
 * keys that belong to the PPP side are parsed, validated and stored but
 * flagged CFG_KF_LATER (one warning: not used yet) until PPP lands.
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
};

/* PPP-side settings (xl2tpd / pppd keys). Parsed and stored now; the PPP
 * issue wires them (see CFG_KF_LATER in config.c). */
struct cfg_ppp {
    char ip_range[512];       /* "ip range" (LNS: pool for peers) */
    char local_ip[64];        /* "local ip" */
    char local_ip_range[512]; /* "local ip range" */
    char remote_ip[64];       /* "remote ip" (LAC) */
    char name[128];           /* "name": our PPP auth name */
    char pppoptfile[256];
    bool assign_ip;
    bool require_auth, refuse_auth;
    bool require_chap, refuse_chap;
    bool require_pap, refuse_pap;
    bool unix_auth;
    bool ppp_debug;
    bool defaultroute;
    uint32_t call_rws;
    uint32_t tx_bps, rx_bps;
};

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
    char auth_file[256];
    char rand_source[64];
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
};

#define CFG_KF_LATER   0x1u /* belongs to a later issue (PPP): stored, warned once */
#define CFG_KF_IGNORED 0x2u /* accepted for xl2tpd compatibility, no effect */

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
/* The [lns] whose `lac` ranges contain peer; else (unless access control)
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
    /* LNS: addresses handed to peers. Each pool is a range string in the
     * syntax of src/aaa/pool.h ("10.0.0.2-10.0.0.200", CIDR); the daemon
     * creates them; `local_ip` is the LNS end of every session. */
    char pools[4][512];
    unsigned n_pools;
    uint32_t local_ip;      /* host order; 0 = none */
    bool assign_ip;         /* false: the peer must bring its own (secrets file) */
    /* Authentication backend files (pppd style); "" = not configured. */
    char chap_secrets[256];
    char pap_secrets[256];
    /* Session life (pppd `idle`, `maxconnect`); 0 = none. */
    uint32_t idle_timeout_s;
    uint32_t session_timeout_s;
    /* LAC client: routes to add through the session's interface. */
    bool defaultroute;
    bool replacedefaultroute;
    char routes[8][64];     /* "10.1.0.0/16", "fd00::/48" (l2tpx key `route`) */
    unsigned n_routes;
    bool usepeerdns;
    char tun_name[16];      /* interface name ("" = kernel chooses) */
    uint16_t mss_clamp;     /* 0 = derive from the MTU; 1 = off (l2tpx key `mss clamp`) */
    bool ppp_debug;
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
