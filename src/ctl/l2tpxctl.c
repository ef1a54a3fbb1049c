/* l2tpxctl: talks to l2tpxd over its control socket (ctl_server.h); the
 * work is in ctl_client.c. */
#include <stdio.h>

#include "ctl/ctl_client.h"

int main(int argc, char **argv)
{
    int rc = ctl_cli_main(argc, argv, stdout, stderr);
    if (fflush(stdout) != 0 && rc == CTL_EXIT_OK)
        rc = CTL_EXIT_ERROR; /* e.g. a full disk or a closed pipe */
    return rc;
}
