/* pppd options files, as named by `pppoptfile` in xl2tpd.conf(5)
 * ([lns] and [lac] sections), e.g. /etc/ppp/options.xl2tpd.
 *
 * l2tpx runs PPP itself, so it reads the file pppd would have read and
 * keeps what an LNS or LAC needs, with pppd(8) semantics taken literally:
 *
 *  - Words (pppd "OPTIONS FILES", options.c getword()): separated by
 *    whitespace; `#` starts a comment to the end of the line (also right
 *    after a word: `mtu 1400#x` is `mtu 1400`); a word that *starts* with
 *    " or ' runs to the matching quote (newlines included); a backslash
 *    escapes the next character anywhere (\a \b \f \n \r \s \t, \ooo octal,
 *    \xHH, others stand for themselves) and backslash-newline is dropped.
 *    Options with an argument take the next word, wherever it is.
 *  - Options are those of pppd(8) an LNS/LAC can mean (see pppopts.c's
 *    table). Options that make no sense for l2tpx (serial lines,
 *    compression, process/daemon control, plugins) are accepted and produce
 *    one warning per option, kept in the result for the caller to log once.
 *    Anything else is an error "FILE:LINE: unknown pppd option 'X'". Bad
 *    values are errors naming file, line and option.
 *  - `file NAME` includes another options file (relative names are taken
 *    relative to the including file's directory), at most PPPOPTS_MAX_DEPTH
 *    deep; `call NAME` includes /etc/ppp/peers/NAME as pppd does.
 *  - Bounded: files larger than PPPOPTS_MAX_FILE or words longer than
 *    PPPOPTS_WORD_MAX - 1 are errors (pppd truncates; a truncated password
 *    must not pass silently).
 *  - The `password` value never appears in an error or a warning.
 *
 * Everything accumulates into one struct l2tpx_pppopts, so the caller can
 * first replay the options xl2tpd itself puts on pppd's command line
 * (pppopts_set(): "passive", "require-chap", "name X", "noauth", ...) and
 * then parse `pppoptfile`, which pppd reads after them: the later option
 * wins, exactly as with xl2tpd + pppd. */
#ifndef L2TPX_COMPAT_PPPOPTS_H
#define L2TPX_COMPAT_PPPOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ppp/auth.h"

struct ppp_link_cfg;

#define PPPOPTS_MAX_FILE     (1u << 20)        /* bytes per options file */
#define PPPOPTS_WORD_MAX     1024              /* pppd MAXWORDLEN, including the NUL */
#define PPPOPTS_MAX_DEPTH    4                 /* nested `file` / `call` includes */
#define PPPOPTS_NAME_MAX     63                /* `name`: fits ppp_link_cfg.our_name */
#define PPPOPTS_STR_MAX      PPP_AUTH_NAME_MAX /* user, password, remotename, ipparam */
#define PPPOPTS_PATH_MAX     1023
#define PPPOPTS_MAX_WARNINGS 48
#define PPPOPTS_WARNING_LEN  200
#define PPPOPTS_PEERS_DIR    "/etc/ppp/peers/"

/* A yes/no option pair that may also be absent (then the caller's own
 * default stands). */
enum pppopts_tri {
    PPPOPTS_UNSET = 0,
    PPPOPTS_ON,
    PPPOPTS_OFF,
};

/* A numeric option; .set tells whether it appeared. */
struct pppopts_num {
    bool set;
    uint32_t v;
};

struct l2tpx_pppopts {
    /* Input knob (not an option): when true, `file` and `call` are errors.
     * Used by fuzzing; the daemon leaves it false. */
    bool no_include;

    /* ---- authentication (pppd(8) AUTHENTICATION) ---- */
    bool has_name, has_user, has_password, has_remotename;
    char name[PPPOPTS_NAME_MAX + 1]; /* our name: CHAP Name, secrets server column */
    char user[PPPOPTS_STR_MAX + 1];  /* name we authenticate ourselves with */
    char password[PPPOPTS_STR_MAX + 1];
    char remotename[PPPOPTS_STR_MAX + 1];
    /* `auth` / `noauth`, and every require-* implies `auth` (pppd setauth);
     * the last one wins. UNSET: neither appeared. */
    enum pppopts_tri auth;
    /* Bit (1u << enum ppp_auth_method) per require-* / refuse-* seen. */
    unsigned require_mask;
    unsigned refuse_mask;
    bool refuse_eap;                /* accepted; l2tpx has no EAP */
    enum pppopts_tri hide_password; /* show-password = OFF (l2tpx never logs them) */

    /* ---- MPPE (recorded; l2tpx has no CCP/MPPE) ---- */
    enum pppopts_tri mppe; /* require-mppe / nomppe */
    enum pppopts_tri mppe_40, mppe_128, mppe_stateful;

    /* ---- LCP ---- */
    struct pppopts_num mtu, mru; /* 128..16384 (pppd MINMRU..MAXMRU) */
    bool default_mru;            /* after the last `mru`: no MRU of ours */
    bool has_asyncmap;
    uint32_t asyncmap; /* ORed over every `asyncmap` (pppd) */
    bool default_asyncmap;
    bool nopcomp, noaccomp, nomagic;
    struct pppopts_num lcp_echo_interval; /* seconds */
    struct pppopts_num lcp_echo_failure;
    bool lcp_echo_adaptive;
    struct pppopts_num lcp_restart; /* seconds */
    struct pppopts_num lcp_max_configure, lcp_max_terminate, lcp_max_failure;
    bool passive, silent;

    /* ---- IPCP ---- */
    bool noip;                    /* IPCP off */
    uint32_t local_ip, remote_ip; /* `local:remote`, host order, 0 = not given */
    bool ipcp_accept_local, ipcp_accept_remote, noipdefault;
    /* ms-dns / ms-wins: pppd keeps the last two given; a single one is both
     * primary and secondary (pppd setdnsaddr()). Host order. */
    uint32_t dns[2], wins[2];
    unsigned n_dns, n_wins; /* how many times the option appeared */
    bool usepeerdns;
    struct pppopts_num ipcp_restart; /* seconds */
    struct pppopts_num ipcp_max_configure, ipcp_max_terminate, ipcp_max_failure;

    /* ---- IPv6CP ---- */
    enum pppopts_tri ipv6; /* +ipv6 or `ipv6 <l>,<r>` = ON; -ipv6 / noipv6 = OFF */
    uint64_t ipv6_local_ifid, ipv6_remote_ifid; /* 0 = not given */

    /* ---- authentication timers ---- */
    struct pppopts_num chap_restart, chap_max_challenge, chap_interval; /* s, n, s */
    struct pppopts_num pap_restart, pap_max_authreq, pap_timeout;       /* s, n, s */

    /* ---- link life, routes, scripts ---- */
    enum pppopts_tri defaultroute, replacedefaultroute, proxyarp, persist;
    enum pppopts_tri defaultroute6; /* pppd 2.4.9+: ::/0 through the link */
    struct pppopts_num idle, maxconnect, holdoff, maxfail, connect_delay; /* s, s, s, n, ms */
    unsigned debug; /* `debug` count (pppd increments); `nodebug` = 0 */
    bool has_ipparam, has_logfile;
    char ipparam[PPPOPTS_STR_MAX + 1];
    char logfile[PPPOPTS_PATH_MAX + 1];
    unsigned n_plugins;

    /* ---- diagnostics ---- */
    /* One line per ignored option (first occurrence, "FILE:LINE: ..."),
     * never containing a password. */
    char warnings[PPPOPTS_MAX_WARNINGS][PPPOPTS_WARNING_LEN];
    size_t n_warnings;
    size_t warnings_dropped; /* more than PPPOPTS_MAX_WARNINGS */

    /* private: which options have warned already, loaded plugins */
    uint8_t warned_[32];
    unsigned plugins_;
};

void pppopts_init(struct l2tpx_pppopts *o);
/* Wipes everything (the password with explicit_bzero). */
void pppopts_clear(struct l2tpx_pppopts *o);

/* Parse options from a file or a memory buffer into o (which keeps what
 * was there: later options override earlier ones). fname names the buffer
 * in messages and anchors relative `file` includes. 0 on success; -1 with
 * "FILE:LINE: reason" in err. On error o holds what was parsed so far. */
int pppopts_parse_file(const char *path, struct l2tpx_pppopts *o, char *err, size_t errlen);
int pppopts_parse_buffer(const char *buf, size_t len, const char *fname, struct l2tpx_pppopts *o,
                         char *err, size_t errlen);

/* One option as if from pppd's command line: arg is NULL for options
 * without an argument. Messages read "SOURCE: ..." with source as given
 * (e.g. "xl2tpd.conf [lns default]"). `file` works (relative to the cwd). */
int pppopts_set(struct l2tpx_pppopts *o, const char *source, const char *opt, const char *arg,
                char *err, size_t errlen);

/* Maps the options onto a PPP link configuration that the caller already
 * filled (ppp_link_cfg_defaults() and its own configuration): only what
 * the options say is changed. `authenticator` is true on the side that
 * authenticates the peer (the LNS). pppd's options are symmetric
 * (require-* always concerns the peer proving itself to us, refuse-* always
 * us proving ourselves), so the role only selects which timers apply:
 * CHAP's (chap-restart, chap-max-challenge, chap-interval) for the
 * authenticator, PAP's (pap-restart, pap-max-authreq) for the peer.
 *
 *   require-* / auth / noauth  -> auth_require (mschap-v2 > mschap > chap > pap)
 *   refuse-*                   -> removed from auth_allow
 *   name                       -> our_name, and user unless `user` is given
 *   user, password             -> user, password
 *   mtu, mru, default-mru      -> mtu, mru
 *   asyncmap, default-asyncmap -> request_accm, accm
 *   nopcomp, noaccomp, nomagic -> request_pfc, request_acfc, no_magic
 *   lcp-echo-interval/-failure -> echo_interval_ms, echo_failures
 *   lcp-restart, lcp-max-*     -> restart_ms, max_configure/terminate/failure
 *   noip, local:remote         -> no_ipcp, local_ip, peer_ip
 *   ms-dns, ms-wins            -> dns[], nbns[]
 *   usepeerdns                 -> request_dns
 *   +ipv6/-ipv6/noipv6, ipv6   -> no_ipv6cp, ifid, peer_ifid
 * Everything else is kept in the struct for the daemon (idle, maxconnect,
 * proxyarp, defaultroute, ipparam, debug, logfile, remotename, ...). */
void pppopts_apply_to_link(const struct l2tpx_pppopts *o, struct ppp_link_cfg *cfg,
                           bool authenticator);

#endif
