/* The asynchronous AAA front: job table, deferred completion queue and the
 * dispatch to a backend driver. See aaa.h for the contract; the point of
 * this file is that a completion is never delivered inside the caller's
 * aaa_submit(), whether the driver answered at once or not. */
#include "aaa/aaa.h"

#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AAA_BUCKETS 1024 /* power of two */

struct aaa_job {
    struct aaa_job *hnext;         /* hash chain */
    struct aaa_job *rprev, *rnext; /* ready queue */
    aaa_handle_t h;
    aaa_done_fn cb;
    void *cookie;
    bool ready;
    uint64_t ready_seq;          /* order of completion */
    struct ppp_auth_request req; /* may hold a PAP password: wiped on free */
    struct ppp_auth_verdict v;
};

struct aaa_backend {
    struct aaa_driver drv;
    void *impl;
    struct aaa_job *bucket[AAA_BUCKETS];
    struct aaa_job *rhead, *rtail;
    size_t n_jobs, n_ready;
    aaa_handle_t last_h;
    uint64_t ready_seq;
    void (*notify)(void *ctx);
    void *notify_ctx;
};

static struct aaa_job **slot(struct aaa_backend *b, aaa_handle_t h)
{
    struct aaa_job **pp = &b->bucket[h & (AAA_BUCKETS - 1)];
    while (*pp != NULL && (*pp)->h != h)
        pp = &(*pp)->hnext;
    return pp;
}

static void ready_unlink(struct aaa_backend *b, struct aaa_job *j)
{
    if (j->rprev != NULL)
        j->rprev->rnext = j->rnext;
    else
        b->rhead = j->rnext;
    if (j->rnext != NULL)
        j->rnext->rprev = j->rprev;
    else
        b->rtail = j->rprev;
    j->rprev = j->rnext = NULL;
    b->n_ready--;
}

/* Removes j from the table (and the ready queue) and frees it. */
static void job_drop(struct aaa_backend *b, struct aaa_job *j)
{
    struct aaa_job **pp = slot(b, j->h);
    if (*pp == j)
        *pp = j->hnext;
    if (j->ready)
        ready_unlink(b, j);
    b->n_jobs--;
    explicit_bzero(j, sizeof *j);
    free(j);
}

struct aaa_backend *aaa_backend_new(const struct aaa_driver *drv, void *impl)
{
    if (drv == NULL || drv->start == NULL)
        return NULL;
    struct aaa_backend *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->drv = *drv;
    b->impl = impl;
    return b;
}

void aaa_verdict_reject(struct ppp_auth_verdict *v, enum ppp_auth_method m, const char *msg)
{
    memset(v, 0, sizeof *v);
    v->accept = false;
    if (m == PPP_AUTH_MSCHAP_V1 || m == PPP_AUTH_MSCHAP_V2)
        v->mschap_error = 691; /* RFC 2759 §6 ERROR_AUTHENTICATION_FAILURE */
    if (msg != NULL)
        snprintf(v->message, sizeof v->message, "%s", msg);
}

aaa_handle_t aaa_submit(struct aaa_backend *b, const struct ppp_auth_request *req, aaa_done_fn cb,
                        void *cookie)
{
    if (b == NULL || req == NULL || cb == NULL)
        return 0;
    if (b->n_jobs >= AAA_MAX_OUTSTANDING) {
        LX_LOG_RL(LX_LOG_WARN, "aaa %s: %zu requests outstanding, refusing more", b->drv.name,
                  b->n_jobs);
        return 0;
    }
    struct aaa_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return 0;
    j->h = ++b->last_h;
    j->cb = cb;
    j->cookie = cookie;
    j->req = *req;
    j->req.user[sizeof j->req.user - 1] = '\0';
    struct aaa_job **pp = slot(b, j->h);
    *pp = j;
    b->n_jobs++;
    aaa_handle_t h = j->h;
    if (!b->drv.start(b->impl, b, h, &j->req)) {
        /* refused: the submitter still hears back, through aaa_poll() */
        struct ppp_auth_verdict v;
        aaa_verdict_reject(&v, req->method, NULL);
        aaa_complete(b, h, &v);
    }
    return h;
}

void aaa_complete(struct aaa_backend *b, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    if (b == NULL || v == NULL || h == 0)
        return;
    struct aaa_job *j = *slot(b, h);
    if (j == NULL || j->ready)
        return;
    j->v = *v;
    j->v.message[sizeof j->v.message - 1] = '\0';
    j->v.mschap_auth_response[sizeof j->v.mschap_auth_response - 1] = '\0';
    j->ready = true;
    j->ready_seq = ++b->ready_seq;
    j->rprev = b->rtail;
    j->rnext = NULL;
    if (b->rtail != NULL)
        b->rtail->rnext = j;
    else
        b->rhead = j;
    b->rtail = j;
    b->n_ready++;
    if (b->notify != NULL)
        b->notify(b->notify_ctx);
}

void aaa_cancel(struct aaa_backend *b, aaa_handle_t h)
{
    if (b == NULL || h == 0)
        return;
    struct aaa_job *j = *slot(b, h);
    if (j == NULL)
        return;
    if (!j->ready && b->drv.abort != NULL)
        b->drv.abort(b->impl, h);
    job_drop(b, j);
}

int aaa_reload(struct aaa_backend *b)
{
    if (b == NULL || b->drv.reload == NULL)
        return 0;
    return b->drv.reload(b->impl);
}

void aaa_free(struct aaa_backend *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < AAA_BUCKETS; i++) {
        while (b->bucket[i] != NULL) {
            struct aaa_job *j = b->bucket[i];
            if (!j->ready && b->drv.abort != NULL)
                b->drv.abort(b->impl, j->h);
            job_drop(b, j);
        }
    }
    if (b->drv.destroy != NULL)
        b->drv.destroy(b->impl);
    free(b);
}

unsigned aaa_poll(struct aaa_backend *b, lx_ms_t now)
{
    if (b == NULL)
        return 0;
    if (b->drv.timeout != NULL && b->drv.next_timeout != NULL &&
        b->drv.next_timeout(b->impl) <= now)
        b->drv.timeout(b->impl, now);
    /* Only what is ready now: a callback that submits to a backend which
     * answers at once must not make this loop run forever. */
    uint64_t limit = b->ready_seq;
    unsigned ran = 0;
    while (b->rhead != NULL && b->rhead->ready_seq <= limit) {
        struct aaa_job *j = b->rhead;
        aaa_done_fn cb = j->cb;
        void *cookie = j->cookie;
        aaa_handle_t h = j->h;
        struct ppp_auth_verdict v = j->v;
        /* drop first: the callback may cancel (a no-op now) or resubmit */
        job_drop(b, j);
        cb(cookie, h, &v);
        explicit_bzero(&v, sizeof v);
        ran++;
    }
    return ran;
}

lx_ms_t aaa_next_timeout(const struct aaa_backend *b)
{
    if (b == NULL)
        return LX_MS_NEVER;
    if (b->n_ready > 0)
        return 0;
    if (b->drv.next_timeout != NULL)
        return b->drv.next_timeout(b->impl);
    return LX_MS_NEVER;
}

void aaa_set_notify(struct aaa_backend *b, void (*fn)(void *ctx), void *ctx)
{
    b->notify = fn;
    b->notify_ctx = ctx;
}

const char *aaa_backend_name(const struct aaa_backend *b)
{
    return b != NULL && b->drv.name != NULL ? b->drv.name : "?";
}

size_t aaa_outstanding(const struct aaa_backend *b)
{
    return b != NULL ? b->n_jobs : 0;
}
