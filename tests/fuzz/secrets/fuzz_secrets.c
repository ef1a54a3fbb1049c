/* fuzz target: pppd chap-secrets / pap-secrets parser (aaa_secrets_parse)
 * and lookup.
 *
 * A secret written "@/path" makes the parser open that file (pppd
 * semantics). A fuzzer must not open arbitrary paths (a FIFO would block it,
 * /dev/... could do anything), so the input is scrubbed first: every '@'
 * byte becomes '_', and the escapes that could spell '@' are defused
 * (octal \1xx -> \0xx, hex \x4. -> \x5.). Everything else reaches the
 * parser unchanged.
 *
 * Invariants: a failed parse leaves a non-empty, NUL-terminated error and no
 * table; a table's entries are well formed; lookup is consistent with the
 * entries (what it returns is one of them). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aaa/secrets.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lx_log_open(LX_LOG_SINK_NONE, "fuzz", LX_LOG_ERR);
    return 0;
}

static bool is_entry(const struct aaa_secrets *t, const struct aaa_secret *e)
{
    for (size_t i = 0; i < aaa_secrets_count(t); i++)
        if (aaa_secrets_entry(t, i) == e)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *text = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    for (size_t i = 0; i < size; i++) {
        if (text[i] == '@')
            text[i] = '_';
        if (text[i] == '\\' && i + 1 < size && text[i + 1] == '1')
            text[i + 1] = '0';
        if (text[i] == '\\' && i + 2 < size && text[i + 1] == 'x' && text[i + 2] == '4')
            text[i + 2] = '5';
    }

    struct aaa_secrets *t = NULL;
    char err[256];
    memset(err, 'X', sizeof err);
    int r = aaa_secrets_parse("/fuzz/chap-secrets", text, size, &t, err, sizeof err);
    if (r != 0) {
        if (r != -1 || memchr(err, 0, sizeof err) == NULL || err[0] == '\0')
            abort();
        if (t != NULL)
            aaa_secrets_free(t);
        free(text);
        return 0;
    }
    if (t == NULL)
        abort();

    size_t n = aaa_secrets_count(t);
    for (size_t i = 0; i < n; i++) {
        const struct aaa_secret *e = aaa_secrets_entry(t, i);
        if (e == NULL || e->client == NULL || e->server == NULL || e->secret == NULL ||
            e->n_addr > AAA_SECRETS_MAX_ADDRS)
            abort();
        for (size_t k = 0; k < e->n_addr; k++)
            if (e->prefix[k] > 32)
                abort();
        /* Every entry's own names find an entry (maybe a better one). */
        const struct aaa_secret *f = aaa_secrets_lookup(t, e->client, e->server);
        if (f == NULL || !is_entry(t, f))
            abort();
        f = aaa_secrets_lookup(t, e->client, NULL);
        if (f == NULL || !is_entry(t, f))
            abort();
    }
    if (aaa_secrets_entry(t, n) != NULL)
        abort();
    const struct aaa_secret *f = aaa_secrets_lookup(t, "user", "l2tpx");
    if (f != NULL && !is_entry(t, f))
        abort();
    aaa_secrets_free(t);
    free(text);
    return 0;
}
