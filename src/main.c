/* mtv-validate: entry point. Everything happens in the subcommands (src/cli). */
#include <curl/curl.h>
#include <libssh2.h>
#include <libxml/parser.h>

#include "cli/cli.h"
#include "util/log.h"

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    libssh2_init(0);
    xmlInitParser();
    int rc = cli_main(argc, argv);
    log_shutdown();
    xmlCleanupParser();
    libssh2_exit();
    curl_global_cleanup();
    return rc;
}
