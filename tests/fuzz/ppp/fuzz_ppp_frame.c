/* libFuzzer target: arbitrary PPP frames into a ppp_link.
 *
 * Input: byte 0 selects the scenario (which side receives the frames:
 * authenticator or peer; the phase it is driven to first: Establish,
 * Authenticate, Network or Terminate; the authentication method); the
 * rest is a list of records [len][frame bytes] (len 0: advance the clock
 * to the next deadline). Each frame goes to the chosen link, then the
 * simulated wire runs a few steps so both automata keep reacting. The
 * frame parser and the option walker are also fed each record directly. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/log.h"
#include "ppp/frame.h"
#include "ppp/fsm.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in_phase_auth(struct sim *s)
{
    return ppp_link_phase(s->ep[0].link) == PPP_PHASE_AUTHENTICATE &&
           ppp_link_phase(s->ep[1].link) == PPP_PHASE_AUTHENTICATE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        lx_log_open(LX_LOG_SINK_NONE, "fuzz", LX_LOG_ERR);
        init = true;
    }
    if (size < 1)
        return 0;
    static uint64_t rseed;
    rseed = 0x9e3779b97f4a7c15ULL;
    lx_random_set_source(rand_xs_e2e, &rseed);

    uint8_t sel = data[0];
    int target = sel & 1;        /* which link gets the frames */
    int phase = (sel >> 1) & 3;  /* 0 Establish 1 Authenticate 2 Network 3 Terminate */
    int method = (sel >> 3) % 5; /* PPP_AUTH_NONE .. MSCHAP_V2 */
    bool echo = (sel >> 6) & 1;

    static struct sim s;
    sim_init(&s, 1);
    struct ppp_link_cfg a, b;
    ppp_link_cfg_defaults(&a, PPP_LINK_AUTHENTICATOR);
    memset(a.auth_require, 0, sizeof(a.auth_require));
    a.auth_require[0] = (enum ppp_auth_method)method;
    a.local_ip = 0x0a000001;
    a.peer_ip = 0x0a000002;
    a.dns[0] = 0x08080808;
    a.echo_interval_ms = echo ? 2000 : 0;
    a.request_accm = (sel >> 7) & 1;
    ppp_link_cfg_defaults(&b, PPP_LINK_PEER);
    b.request_pfc = b.request_acfc = true;
    b.echo_interval_ms = echo ? 2000 : 0;
    snprintf(b.user, sizeof(b.user), "%s", "u");
    snprintf(b.password, sizeof(b.password), "%s", "p");
    sim_add(&s, 0, &a);
    sim_add(&s, 1, &b);
    s.ep[0].secret = "p";
    s.ep[0].attrs.framed_ip = 0x0a000003;
    ppp_link_open(s.ep[0].link, s.now);
    ppp_link_open(s.ep[1].link, s.now);

    switch (phase) {
    case 0:
        break;
    case 1:
        if (method != PPP_AUTH_NONE)
            sim_run(&s, 20000, in_phase_auth);
        break;
    case 2:
        sim_run(&s, 20000, sim_both_up);
        break;
    case 3:
        sim_run(&s, 20000, sim_both_up);
        ppp_link_close(s.ep[target].link, s.now, "fuzz");
        break;
    }

    struct ppp_link *l = s.ep[target].link;
    size_t off = 1;
    int steps = 0;
    while (off < size && steps < 256) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        const uint8_t *f = data + off;
        off += len;
        if (len == 0) {
            lx_ms_t t = ppp_link_next_timeout(l);
            if (t != LX_MS_NEVER && t > s.now)
                s.now = t;
            ppp_link_timeout(l, s.now);
        } else {
            struct ppp_frame fr;
            if (ppp_frame_parse(f, len, &fr) == 0)
                (void)ppp_fsm_opts_valid(fr.info, fr.len);
            ppp_link_input(l, s.now, f, len);
            s.now += 1;
        }
        for (int i = 0; i < 4 && sim_step(&s); i++)
            ;
        steps++;
    }
    /* let it settle (bounded) so timers and the backend run too */
    for (int i = 0; i < 64 && sim_step(&s); i++)
        ;
    struct ppp_link_info info;
    ppp_link_get_info(l, &info);
    sim_free(&s);
    return 0;
}
