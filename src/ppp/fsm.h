/* The option-negotiation automaton of RFC 1661 §4, shared by LCP and every
 * NCP. One generic automaton plus a small per-protocol callback table
 * (struct ppp_fsm_proto) that builds our Configure-Request, judges the
 * peer's, and digests Ack/Nak/Reject.
 *
 * Sans-I/O: every event takes `now`; the Restart timer is a deadline the
 * owner polls with ppp_fsm_next_timeout() and fires with ppp_fsm_timeout().
 * Packets leave through owner->send (code, id, length, data; the owner adds
 * the protocol field). No allocation. */
#ifndef L2TPX_PPP_FSM_H
#define L2TPX_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/clock.h"

/* RFC 1661 §4.2; numbered as in the §4.1 state table. */
enum ppp_fsm_state {
    PPP_FSM_INITIAL = 0,
    PPP_FSM_STARTING = 1,
    PPP_FSM_CLOSED = 2,
    PPP_FSM_STOPPED = 3,
    PPP_FSM_CLOSING = 4,
    PPP_FSM_STOPPING = 5,
    PPP_FSM_REQSENT = 6,
    PPP_FSM_ACKRCVD = 7,
    PPP_FSM_ACKSENT = 8,
    PPP_FSM_OPENED = 9,
    PPP_FSM_STATE_COUNT
};

/* Why the automaton last left (or failed to reach) Opened. */
enum ppp_fsm_why {
    PPP_FSM_WHY_NONE = 0,
    PPP_FSM_WHY_CLOSE,          /* administrative Close */
    PPP_FSM_WHY_TIMEOUT,        /* Max-Configure Configure-Requests unanswered (TO-) */
    PPP_FSM_WHY_PEER_TERM,      /* Terminate-Request received */
    PPP_FSM_WHY_REJECTED,       /* RXJ-: catastrophic Code-/Protocol-Reject */
    PPP_FSM_WHY_NOT_CONVERGING, /* §4.5 loop detection: too many Nak/Reject rounds */
    PPP_FSM_WHY_LOWER_DOWN,     /* Down event */
};

/* RFC 1661 §4.6 defaults. */
#define PPP_FSM_DEF_RESTART_MS    3000
#define PPP_FSM_DEF_MAX_CONFIGURE 10
#define PPP_FSM_DEF_MAX_TERMINATE 2
#define PPP_FSM_DEF_MAX_FAILURE   5

/* Largest option list we put in our own Configure-Request (kept to check
 * that an Ack repeats it exactly, RFC 1661 §5.2). */
#define PPP_FSM_MAX_OPTS 128

struct ppp_fsm_cfg {
    uint32_t restart_ms;    /* Restart timer; 0 = default */
    unsigned max_configure; /* 0 = default */
    unsigned max_terminate; /* 0 = default */
    unsigned max_failure;   /* 0 = default */
};

struct ppp_fsm;

/* Per-protocol behaviour (the pppd "callbacks" idea). All optional except
 * build_req and req. */
struct ppp_fsm_proto {
    const char *name;
    /* A new negotiation starts: reset the options we want from the config. */
    void (*reset)(struct ppp_fsm *f);
    /* Write our Configure-Request options. */
    void (*build_req)(struct ppp_fsm *f, struct lx_wr *w);
    /* The peer acked our last request (the fsm has checked it is an exact
     * copy, RFC 1661 §5.2). */
    void (*ack)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
    /* Configure-Nak for our last request (§5.3); false = invalid, discard. */
    bool (*nak)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
    /* Configure-Reject (§5.4); the fsm has checked it is an unmodified
     * subset of our request. false = invalid, discard. */
    bool (*rej)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
    /* Judge the peer's Configure-Request (options already checked to be
     * well formed). Returns PPP_CONFACK, or PPP_CONFNAK / PPP_CONFREJ with
     * the options to send written to `out`. no_nak: Max-Failure reached,
     * turn every Nak into a Reject and append nothing (§4.6). On PPP_CONFACK
     * the protocol commits the peer's values. */
    uint8_t (*req)(struct ppp_fsm *f, const uint8_t *opts, size_t len, struct lx_wr *out,
                   bool no_nak);
    /* This-Layer-Up/-Down/-Started/-Finished for the protocol itself; the
     * owner hears about them right after through struct ppp_fsm_owner. */
    void (*up)(struct ppp_fsm *f, lx_ms_t now);
    void (*down)(struct ppp_fsm *f, lx_ms_t now);
    void (*started)(struct ppp_fsm *f, lx_ms_t now);
    void (*finished)(struct ppp_fsm *f, lx_ms_t now);
    /* Codes beyond 7 (LCP: 8-13). true = understood; false makes it an
     * unknown code (RUC, Code-Reject). */
    bool (*extcode)(struct ppp_fsm *f, lx_ms_t now, uint8_t code, uint8_t id, const uint8_t *data,
                    size_t len);
    /* The peer Code-Rejected one of our codes >= 8 (RXJ+). */
    void (*code_rejected)(struct ppp_fsm *f, uint8_t code);
};

/* Who owns the automaton (the link). */
struct ppp_fsm_owner {
    /* pkt = code, identifier, length, data; the owner adds the protocol. */
    void (*send)(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len);
    void (*up)(void *ctx, struct ppp_fsm *f, lx_ms_t now);       /* tlu */
    void (*down)(void *ctx, struct ppp_fsm *f, lx_ms_t now);     /* tld */
    void (*started)(void *ctx, struct ppp_fsm *f, lx_ms_t now);  /* tls */
    void (*finished)(void *ctx, struct ppp_fsm *f, lx_ms_t now); /* tlf */
};

struct ppp_fsm_stats {
    uint64_t rx_pkts, tx_pkts;
    uint64_t rx_bad;       /* malformed: short, bad length, bad options */
    uint64_t rx_discarded; /* well formed but out of sequence / wrong state */
    uint64_t rx_unknown;   /* unknown codes (Code-Rejected) */
    uint64_t confreq_tx, confack_tx, confnak_tx, confrej_tx;
    uint64_t termreq_tx, termack_tx, coderej_tx;
    uint64_t illegal_events; /* "-" cells of the state table */
};

struct ppp_fsm {
    uint16_t proto;
    const struct ppp_fsm_proto *cb;
    void *pctx; /* the protocol object (struct ppp_lcp, ...) */
    const struct ppp_fsm_owner *owner;
    void *octx;
    struct ppp_fsm_cfg cfg;

    enum ppp_fsm_state state;
    uint8_t id;          /* last identifier used */
    uint8_t reqid;       /* identifier of our last Configure-Request */
    bool reqid_answered; /* a valid Ack/Nak/Rej for reqid was processed */
    unsigned restart;    /* Restart counter */
    lx_ms_t deadline;    /* Restart timer, LX_MS_NEVER when stopped */
    unsigned naks_sent;  /* Configure-Naks sent without an Ack (Max-Failure) */
    unsigned neg_rounds; /* Nak/Reject rounds, both directions (§4.5) */
    enum ppp_fsm_why why;
    size_t peer_mru; /* our packets never exceed this (default 1500) */

    uint8_t req_opts[PPP_FSM_MAX_OPTS];
    size_t req_len;
    uint8_t term_data[64]; /* reason carried in our Terminate-Request */
    size_t term_len;
    struct ppp_fsm_stats stats;
};

void ppp_fsm_init(struct ppp_fsm *f, uint16_t proto, const struct ppp_fsm_proto *cb, void *pctx,
                  const struct ppp_fsm_cfg *cfg, const struct ppp_fsm_owner *owner, void *octx);

/* Administrative and lower-layer events (RFC 1661 §4.3). */
void ppp_fsm_up(struct ppp_fsm *f, lx_ms_t now);
void ppp_fsm_down(struct ppp_fsm *f, lx_ms_t now);
void ppp_fsm_open(struct ppp_fsm *f, lx_ms_t now);
/* reason (may be NULL) travels in the Terminate-Request data. */
void ppp_fsm_close(struct ppp_fsm *f, lx_ms_t now, const char *reason);

/* One packet of this protocol: code, identifier, length, data. Octets
 * beyond Length are padding (§5) and ignored. */
void ppp_fsm_input(struct ppp_fsm *f, lx_ms_t now, const uint8_t *pkt, size_t len);

/* RXJ+ / RXJ- from outside the packet path (LCP Protocol-Reject of this
 * protocol: catastrophic for the NCP itself). */
void ppp_fsm_rxj(struct ppp_fsm *f, lx_ms_t now, bool catastrophic);

lx_ms_t ppp_fsm_next_timeout(const struct ppp_fsm *f);
void ppp_fsm_timeout(struct ppp_fsm *f, lx_ms_t now);

/* Sends code/id/data as a packet of this protocol (data truncated to the
 * peer's MRU); for the protocols' extended codes. */
void ppp_fsm_send(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);
/* Sends code/id with two data parts (e.g. magic + echoed data). */
void ppp_fsm_send2(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen);
/* Next identifier for packets the protocol originates. */
uint8_t ppp_fsm_next_id(struct ppp_fsm *f);

const char *ppp_fsm_state_name(enum ppp_fsm_state s);

/* Configuration Option walking (RFC 1661 §6: Type, Length, Data). */
struct ppp_fsm_opt {
    uint8_t type;
    const uint8_t *raw;  /* whole option, type and length included */
    size_t raw_len;      /* == Length field */
    const uint8_t *data; /* after type and length */
    size_t len;          /* Length - 2 */
};

struct ppp_fsm_opt_iter {
    struct lx_rd r;
    bool bad;
};

void ppp_fsm_opt_iter_init(struct ppp_fsm_opt_iter *it, const uint8_t *opts, size_t len);
/* false at the end or on a malformed option (then it->bad). */
bool ppp_fsm_opt_next(struct ppp_fsm_opt_iter *it, struct ppp_fsm_opt *o);
/* Whole list well formed (every Length >= 2 and inside the list). */
bool ppp_fsm_opts_valid(const uint8_t *opts, size_t len);
/* Appends one option; no-op if it would not fit (w->err). */
void ppp_fsm_opt_put(struct lx_wr *w, uint8_t type, const void *data, size_t len);
void ppp_fsm_opt_put_u16(struct lx_wr *w, uint8_t type, uint16_t v);
void ppp_fsm_opt_put_u32(struct lx_wr *w, uint8_t type, uint32_t v);

#endif
