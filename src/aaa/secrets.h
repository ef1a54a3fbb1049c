/* pppd-style secrets files (chap-secrets, pap-secrets) and the AAA backend
 * that answers from them.
 *
 * Format, one entry per line:   client  server  secret  [address ...]
 *  - words are separated by blanks; a word starting with '#' starts a
 *    comment that runs to the end of the line;
 *  - "double" or 'single' quotes group blanks into a word (also in the
 *    middle of a word); backslash escapes work inside and outside quotes:
 *    \\ \" \' \# \n \r \t \s (space) \a \b \f \v, \ooo (octal), \xHH, \^C
 *    (control), any other \c is c; a backslash at the end of a line joins
 *    the next line;
 *  - client and server may be "*" (any); an exact match beats "*", a client
 *    match beats a server match, and the first of equals wins;
 *  - a secret "@/path" is read from the first line of that file;
 *  - addresses: IPv4 "a.b.c.d" (the first one is the peer's static address,
 *    returned as framed_ip), "a.b.c.d/n" (allowed subnet), "*" (any), "-"
 *    (none: the user is refused). Host names and "!" are rejected.
 * Errors name file and line; secrets never appear in errors or logs. */
#ifndef L2TPX_AAA_SECRETS_H
#define L2TPX_AAA_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aaa/aaa.h"

#define AAA_SECRETS_MAX_ADDRS 16
#define AAA_SECRETS_MAX_FILE  (16u << 20) /* bytes */

struct aaa_secret {
    char *client;
    char *server;
    char *secret;
    uint32_t addr[AAA_SECRETS_MAX_ADDRS]; /* host order */
    uint8_t prefix[AAA_SECRETS_MAX_ADDRS];
    size_t n_addr;
    bool any_addr; /* "*" */
    bool no_addr;  /* "-" */
    unsigned line;
};

struct aaa_secrets;

/* Parse text (name is used in error messages). 0 on success; -1 with
 * "name:line: reason" in err. */
int aaa_secrets_parse(const char *name, const char *text, size_t len, struct aaa_secrets **out,
                      char *err, size_t errlen);
int aaa_secrets_load(const char *path, struct aaa_secrets **out, char *err, size_t errlen);
void aaa_secrets_free(struct aaa_secrets *t);
size_t aaa_secrets_count(const struct aaa_secrets *t);
const struct aaa_secret *aaa_secrets_entry(const struct aaa_secrets *t, size_t i);
/* Best entry for (client, server); server NULL matches every entry. */
const struct aaa_secret *aaa_secrets_lookup(const struct aaa_secrets *t, const char *client,
                                            const char *server);

struct aaa_secrets_cfg {
    const char *chap_secrets; /* CHAP, MS-CHAP (and PAP if pap_secrets is NULL) */
    const char *pap_secrets;  /* optional */
    const char *server_name;  /* our name for the server column; NULL = any */
};

/* Loads the files; NULL with "file:line: reason" in err on failure.
 * aaa_reload() re-reads them and keeps the old tables if any has errors. */
struct aaa_backend *aaa_secrets_backend_new(const struct aaa_secrets_cfg *cfg, char *err,
                                            size_t errlen);

#endif
