#include "lib/rand.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

static lx_rand_fn rand_fn;
static void *rand_ctx;

void lx_random_set_source(lx_rand_fn fn, void *ctx)
{
    rand_fn = fn;
    rand_ctx = ctx;
}

void lx_random_bytes(void *buf, size_t len)
{
    if (rand_fn != NULL) {
        rand_fn(rand_ctx, buf, len);
        return;
    }
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* no entropy source at all: nothing safe to do */
        }
        p += n;
        len -= (size_t)n;
    }
}

uint16_t lx_random_u16(void)
{
    uint16_t v;
    lx_random_bytes(&v, sizeof v);
    return v;
}

uint32_t lx_random_u32(void)
{
    uint32_t v;
    lx_random_bytes(&v, sizeof v);
    return v;
}
