/* version: the tool's version and the versions of the libraries it runs on,
 * which is what a bug report needs. */
#include <archive.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libssh2.h>
#include <libxml/xmlversion.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#include "cli/cli.h"

static cli_common common;
static int as_json;

static const opt_def options[] = {
    {OPT_FLAG, 0, "json", NULL, "Print the versions as one JSON object.", NULL, &as_json, 0, 0, 0},
    CLI_COMMON_OPTIONS(&common),
    {0},
};

static const cli_doc doc = {
    .name = "version",
    .summary = "print the version of mtv-validate and of its libraries",
    .usage = "version [--json]",
    .description = "Prints the tool version and the runtime versions of libcurl, OpenSSL, cJSON, "
                   "libssh2, libarchive, libxml2, libyaml and libmicrohttpd. Include this output "
                   "in bug reports.",
    .examples = "$ mtv-validate version\n$ mtv-validate --version",
    .options = options,
};

int cmd_version(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    free(pos);
    const char *curl = curl_version_info(CURLVERSION_NOW)->version;
    const char *ssl = OpenSSL_version(OPENSSL_VERSION);
    const char *ssh2 = libssh2_version(0);
    if (as_json) {
        printf("{\"mtv-validate\":\"%s\",\"libcurl\":\"%s\",\"openssl\":\"%s\",\"cjson\":\"%s\","
               "\"libssh2\":\"%s\",\"libarchive\":\"%s\",\"libxml2\":\"%s\",\"libyaml\":\"%s\","
               "\"libmicrohttpd\":\"%s\"}\n",
               MTV_VERSION, curl, ssl, cJSON_Version(), ssh2, archive_version_details(),
               LIBXML_DOTTED_VERSION, yaml_get_version_string(), MHD_get_version());
        return MTV_EXIT_OK;
    }
    printf("mtv-validate %s\n", MTV_VERSION);
    printf("  libcurl       %s\n  openssl       %s\n  cjson         %s\n  libssh2       %s\n"
           "  libarchive    %s\n  libxml2       %s\n  libyaml       %s\n  libmicrohttpd %s\n",
           curl, ssl, cJSON_Version(), ssh2, archive_version_string(), LIBXML_DOTTED_VERSION,
           yaml_get_version_string(), MHD_get_version());
    return MTV_EXIT_OK;
}
