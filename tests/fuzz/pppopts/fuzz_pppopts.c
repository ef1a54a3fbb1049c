/* fuzz target: pppd options files (src/compat/pppopts.c), from a buffer.
 *
 * Invariants beyond "no crash, no sanitizer report":
 *  - a failed parse leaves a non-empty, NUL-terminated error;
 *  - the password never reaches an error or a warning: a marker password
 *    with control characters is set first, and every user text that the
 *    parser echoes is shown with control characters masked, so the marker
 *    can only appear in a message through a leak;
 *  - the mapping onto ppp_link_cfg works in both roles and keeps the
 *    method lists well formed.
 * `file` / `call` are disabled (no_include): the input must not make the
 * target read arbitrary files. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat/pppopts.h"
#include "ppp/link.h"

#define MARKER "\001fuzz-secret\002"

static void check_no_marker(const struct l2tpx_pppopts *o, const char *err)
{
    if (strstr(err, MARKER) != NULL)
        abort();
    for (size_t i = 0; i < o->n_warnings; i++)
        if (strstr(o->warnings[i], MARKER) != NULL)
            abort();
}

static void check_list(const enum ppp_auth_method *l)
{
    for (size_t i = 0; i < PPP_LINK_AUTH_LIST; i++)
        if ((unsigned)l[i] >= PPP_AUTH_METHOD_COUNT)
            abort();
}

static void apply_both(const struct l2tpx_pppopts *o)
{
    struct ppp_link_cfg cfg;
    ppp_link_cfg_defaults(&cfg, PPP_LINK_AUTHENTICATOR);
    pppopts_apply_to_link(o, &cfg, true);
    check_list(cfg.auth_require);
    check_list(cfg.auth_allow);
    ppp_link_cfg_defaults(&cfg, PPP_LINK_PEER);
    pppopts_apply_to_link(o, &cfg, false);
    check_list(cfg.auth_require);
    check_list(cfg.auth_allow);
    if (memchr(cfg.our_name, 0, sizeof cfg.our_name) == NULL ||
        memchr(cfg.user, 0, sizeof cfg.user) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct l2tpx_pppopts o; /* large: keep it off the stack */
    char err[256];

    pppopts_init(&o);
    o.no_include = true;
    if (pppopts_set(&o, "fuzz", "password", MARKER, err, sizeof err) != 0)
        abort();
    memset(err, 'X', sizeof err);
    int r = pppopts_parse_buffer((const char *)data, size, "/fuzz/input.opts", &o, err, sizeof err);
    if (memchr(err, 0, sizeof err) == NULL)
        abort();
    if (r != 0 && (r != -1 || err[0] == '\0'))
        abort();
    if (o.n_warnings > PPPOPTS_MAX_WARNINGS)
        abort();
    check_no_marker(&o, err);
    apply_both(&o);

    /* The same bytes as one command-line option: "opt\narg". */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ol = nl ? (size_t)(nl - data) : size;
    if (ol < 64 && (nl == NULL || size - ol - 1 < 2048)) {
        char opt[64], arg[2048];
        memcpy(opt, data, ol);
        opt[ol] = '\0';
        if (nl) {
            memcpy(arg, nl + 1, size - ol - 1);
            arg[size - ol - 1] = '\0';
        }
        pppopts_init(&o);
        o.no_include = true;
        (void)pppopts_set(&o, "fuzz", "password", MARKER, err, sizeof err);
        (void)pppopts_set(&o, "fuzz", opt, nl ? arg : NULL, err, sizeof err);
        check_no_marker(&o, err);
        apply_both(&o);
    }
    pppopts_clear(&o);
    return 0;
}
