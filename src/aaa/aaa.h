/* Authentication backends behind one asynchronous interface.
 *
 * The PPP authenticator (ppp_authr_*) asks its owner to verify a struct
 * ppp_auth_request; the owner submits it here and later feeds the verdict
 * back with ppp_authr_verdict(). A backend may know the answer at once (the
 * chap-secrets file) or only much later (RADIUS): either way the completion
 * callback runs from aaa_poll(), NEVER from inside aaa_submit(), so callers
 * need no re-entrancy guards (a callback may submit, cancel or reload).
 *
 *   struct aaa_backend *b = aaa_secrets_backend_new(&cfg, &err...);
 *   h = aaa_submit(b, &req, on_done, session);   // 0 = could not queue
 *   ...event loop: if (aaa_next_timeout(b) <= now) aaa_poll(b, now);
 *   on_done(session, h, &verdict)                // exactly once per handle
 *   aaa_cancel(b, h);                            // session gone: no callback
 *
 * Event-loop glue: aaa_next_timeout() is `now`-or-earlier (0) while
 * completions wait for delivery, otherwise the backend's own next deadline
 * (RADIUS retransmissions); aaa_set_notify() installs a hook called when a
 * completion becomes ready (to wake a sleeping loop, e.g. an eventfd). The
 * notify hook must not call back into aaa_*.
 *
 * Writing a backend: fill struct aaa_driver and call aaa_backend_new(); the
 * driver answers a job with aaa_complete() — from inside its start() or any
 * time later — and must forget a job when abort() is called. */
#ifndef L2TPX_AAA_AAA_H
#define L2TPX_AAA_AAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/clock.h"
#include "ppp/auth.h"

typedef uint64_t aaa_handle_t; /* 0 = none; never reused */

struct aaa_backend;

/* Runs once per submitted handle (unless cancelled), from aaa_poll(). The
 * verdict is only valid during the call. */
typedef void (*aaa_done_fn)(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v);

/* The public operations. */
aaa_handle_t aaa_submit(struct aaa_backend *b, const struct ppp_auth_request *req, aaa_done_fn cb,
                        void *cookie);
/* The callback for h will not run. Unknown or finished handles: no-op. */
void aaa_cancel(struct aaa_backend *b, aaa_handle_t h);
/* Re-reads configuration (e.g. SIGHUP). 0 on success; on error the backend
 * keeps serving with its previous data and returns -1. */
int aaa_reload(struct aaa_backend *b);
/* Cancels everything outstanding (no callbacks) and frees. Not from inside
 * a completion callback. */
void aaa_free(struct aaa_backend *b);
/* Delivers ready completions (those ready when the call began; completions
 * that become ready during callbacks wait for the next call) and runs the
 * driver's timers. Returns the number of callbacks run. */
unsigned aaa_poll(struct aaa_backend *b, lx_ms_t now);
/* 0 while completions wait; else the driver's next deadline or LX_MS_NEVER. */
lx_ms_t aaa_next_timeout(const struct aaa_backend *b);
void aaa_set_notify(struct aaa_backend *b, void (*fn)(void *ctx), void *ctx);
const char *aaa_backend_name(const struct aaa_backend *b);
/* Jobs submitted and not yet delivered or cancelled. */
size_t aaa_outstanding(const struct aaa_backend *b);

#define AAA_MAX_OUTSTANDING 65536 /* aaa_submit() returns 0 beyond this */

/* ---- for backend implementations ---------------------------------------- */

struct aaa_driver {
    const char *name;
    /* Start verifying job h. req stays valid until the job completes or is
     * aborted. May call aaa_complete(b, h, ...) before returning. Return
     * false to refuse the job (the submitter then gets a reject). */
    bool (*start)(void *impl, struct aaa_backend *b, aaa_handle_t h,
                  const struct ppp_auth_request *req);
    /* Forget job h (cancelled); never called for completed jobs. Optional. */
    void (*abort)(void *impl, aaa_handle_t h);
    int (*reload)(void *impl); /* optional; 0 or -1 */
    void (*destroy)(void *impl);
    lx_ms_t (*next_timeout)(const void *impl); /* optional */
    void (*timeout)(void *impl, lx_ms_t now);  /* optional */
};

struct aaa_backend *aaa_backend_new(const struct aaa_driver *drv, void *impl);
/* Records the verdict of job h; delivered by the next aaa_poll(). Ignored
 * for unknown, cancelled or already completed jobs. */
void aaa_complete(struct aaa_backend *b, aaa_handle_t h, const struct ppp_auth_verdict *v);

/* A reject verdict with message text (RFC 2759 §6 error 691 for MS-CHAP). */
void aaa_verdict_reject(struct ppp_auth_verdict *v, enum ppp_auth_method m, const char *msg);

#endif
