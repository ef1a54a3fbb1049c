/* l2tpxctl's logic, as a library so the unit tests can drive it: argument
 * parsing into a control request (ctl_server.h), the socket exchange and
 * the human rendering of the answers. */
#ifndef L2TPX_CTL_CTL_CLIENT_H
#define L2TPX_CTL_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_EXIT_OK    0 /* done */
#define CTL_EXIT_ERROR 1 /* the daemon refused, or is unreachable */
#define CTL_EXIT_USAGE 2 /* bad command line */

struct json_object;

/* The whole command line (argv[0] is the program name); writes to out and
 * err, returns a CTL_EXIT_* code. */
int ctl_cli_main(int argc, char **argv, FILE *out, FILE *err);

/* Command words ("show", "session", "1", "2") -> request object, or NULL
 * with a message in err (usage error). */
struct json_object *ctl_cli_request(int argc, char *const *argv, char *err, size_t cap);

/* Human rendering of a successful answer to req. */
void ctl_cli_print(FILE *out, struct json_object *req, struct json_object *resp);

/* One request line out, one answer line back (malloc'd, without its
 * newline). NULL with a message in err. */
char *ctl_cli_transact(const char *path, const char *line, int timeout_ms, char *err, size_t cap);

void ctl_cli_usage(FILE *f);

/* 93784 -> "1d02h03m04s", 64 -> "1m04s", 4 -> "4s". */
void ctl_fmt_duration(uint64_t secs, char *buf, size_t cap);
/* 512 -> "512 B", 1536 -> "1.5 KiB", then MiB, GiB, TiB. */
void ctl_fmt_bytes(uint64_t n, char *buf, size_t cap);

#endif
