/*
 * source: commands about source VMs. `source show` prints the normalised
 * record of one VM as the validator sees it (what the checks will compare
 * with the migrated VM), straight from the provider through the same adapter
 * a run uses, so a user preparing a scenario can see what mtv-validate reads
 * before running anything. It can record what it did, or replay a recording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "k8s/access.h"
#include "providers/provider.h"
#include "util/fs.h"
#include "util/log.h"

static const cli_command source_commands[] = {
    {"show", "print the normalised record of a source VM", cmd_source_show},
    {NULL, NULL, NULL},
};

int cmd_source(int argc, char **argv)
{
    return cli_dispatch("source", "inspect source VMs through the provider adapters",
                        source_commands, argc, argv);
}

typedef struct show_opts {
    cli_common common;
    const char *provider, *providers_json, *record, *replay, *ca_file, *ova_dir, *url;
    const char *kubeconfig, *context, *ns;
    opt_list endpoints;
    int json, insecure;
} show_opts;

static int run_show(show_opts *o, const char *vm, mtv_err *err)
{
    providers_file pf;
    const provider_entry *entry;
    memset(&pf, 0, sizeof pf);
    if (cli_open_provider(o->providers_json, o->provider, &pf, &entry, err)) {
        providers_file_free(&pf);
        return -1;
    }
    transport_config tc = {.mode = TRANSPORT_LIVE, .scenario = "source-show"};
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT;
    int rc = 0;
    if (o->record) {
        tc.mode = TRANSPORT_RECORD;
        rc = fs_mkdir_p(o->record, 0755, err);
        fs_join(&journal, o->record, "journal.ndjson");
        fs_join(&bundle, o->record, "source-show.tar");
        tc.journal_path = journal.buf;
    } else if (o->replay) {
        tc.mode = TRANSPORT_REPLAY;
        tc.cassette_path = o->replay;
    }
    transport *t = NULL;
    if (rc == 0)
        rc = transport_open(&t, &tc, err);
    const char **urls = calloc(o->endpoints.count + 1, sizeof *urls);
    if (!urls)
        abort();
    for (size_t i = 0; i < o->endpoints.count; i++)
        urls[i] = o->endpoints.items[i];
    source_provider *p = NULL;
    vm_record r;
    vm_record_init(&r);
    /* OpenShift: the cluster access named on the command line, else the
     * adapter logs in with the entry's user and password */
    kube_config kc;
    memset(&kc, 0, sizeof kc);
    int use_kc = entry->type == PROVIDER_OPENSHIFT && (o->kubeconfig || o->context);
    if (rc == 0 && use_kc)
        rc = k8s_access_resolve(&kc, o->kubeconfig, o->context, t, log_secrets(), err);
    if (rc == 0) {
        source_config cfg = {.t = t, .entry = entry, .file = &pf, .insecure = o->insecure,
                             .ca_file = o->ca_file, .url = o->url,
                             .service_urls = o->endpoints.count ? urls : NULL,
                             .ova_dir = o->ova_dir, .kube = use_kc ? &kc : NULL,
                             .ocp_namespace = o->ns};
        rc = source_open(&p, &cfg, err);
    }
    if (rc == 0)
        rc = source_vm_info(p, vm, &r, err);
    source_close(p);
    kubeconfig_free(&kc);
    if (rc == 0) {
        strbuf out = STRBUF_INIT;
        if (o->json) {
            cJSON *j = vm_record_to_json(&r);
            char *text = cJSON_Print(j);
            sb_addf(&out, "%s\n", text);
            free(text);
            cJSON_Delete(j);
        } else {
            vm_record_describe(&r, &out);
        }
        cli_write_masked(stdout, out.buf, out.len);
        sb_release(&out);
    }
    if (t && o->record) {
        mtv_err ferr;
        if (transport_finish(t, bundle.buf, NULL, &ferr) == 0)
            log_info("source show: recorded into %s", bundle.buf);
        else if (rc == 0)
            *err = ferr, rc = -1;
        else
            log_error("%s", ferr.msg);
    }
    if (t && o->replay) {
        strbuf unused = STRBUF_INIT;
        size_t n = transport_unused(t, &unused);
        if (n)
            log_warn("source show: %zu recorded exchange%s not replayed:\n%s", n, n == 1 ? "" : "s",
                     unused.buf);
        sb_release(&unused);
    }
    transport_free(t);
    vm_record_free(&r);
    free(urls);
    providers_file_free(&pf);
    sb_release(&journal);
    sb_release(&bundle);
    return rc;
}

int cmd_source_show(int argc, char **argv)
{
    show_opts o;
    memset(&o, 0, sizeof o);
    const opt_def options[] = {
        {OPT_STRING, 'p', "provider", "KEY", "The providers-file entry to read from (required).",
         NULL, &o.provider, 0, 0, 0},
        {OPT_STRING, 0, "providers-json", "PATH", "Providers file.",
         "$PROVIDERS_JSON_PATH, else ./.providers.json", &o.providers_json, 0, 0, 0},
        {OPT_FLAG, 0, "json", NULL, "Print the record as JSON with upstream's key names.", NULL,
         &o.json, 0, 0, 0},
        {OPT_STRING, 0, "record", "DIR",
         "Record every exchange; the bundle is DIR/source-show.tar (secrets redacted).", NULL,
         &o.record, 0, 0, 0},
        {OPT_STRING, 0, "replay", "BUNDLE",
         "Answer every request from a recorded bundle instead of the provider.", NULL, &o.replay,
         0, 0, 0},
        {OPT_STRING, 0, "ca-file", "PATH", "Trust this PEM CA bundle for the provider's TLS.",
         "the system's CAs", &o.ca_file, 0, 0, 0},
        {OPT_FLAG, 0, "insecure", NULL,
         "Do not verify the provider's TLS certificate (explicit opt-in; never the default).",
         NULL, &o.insecure, 0, 0, 0},
        {OPT_STRING, 0, "url", "URL", "Use this API URL instead of the entry's api_url.",
         "the entry's api_url", &o.url, 0, 0, 0},
        {OPT_LIST, 0, "endpoint", "SERVICE=URL",
         "OpenStack: use URL for a catalog service (compute, network, volume, image).", NULL,
         &o.endpoints, 0, 0, 0},
        {OPT_STRING, 0, "ova-dir", "DIR", "OVA: the local folder where the entry's share is mounted.",
         "api_url when it is a local path", &o.ova_dir, 0, 0, 0},
        {OPT_STRING, 0, "kubeconfig", "PATH",
         "OpenShift: reach the cluster with this kubeconfig instead of logging in with the "
         "entry's username and password.", "log in as the entry's user", &o.kubeconfig, 0, 0, 0},
        {OPT_STRING, 0, "context", "NAME", "OpenShift: the kubeconfig context to use.",
         "the current context", &o.context, 0, 0, 0},
        {OPT_STRING, 'n', "namespace", "NS",
         "OpenShift: the namespace of the VM (or name it NS/VM).",
         "the kubeconfig context's namespace, else default", &o.ns, 0, 0, 0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    const cli_doc doc = {
        .name = "source show",
        .summary = "print the normalised record of a source VM",
        .usage = "source show --provider KEY VM [--providers-json PATH] [--json] "
                 "[--record DIR | --replay BUNDLE]\n"
                 "source show --provider KEY VM [--ca-file PATH | --insecure] [--url URL] "
                 "[--endpoint SERVICE=URL]... [--ova-dir DIR]\n"
                 "source show --provider KEY [NS/]VM [--kubeconfig PATH] [--context NAME] "
                 "[-n NS]",
        .description =
            "Connects to the provider named by --provider (an entry of the providers file), finds "
            "the VM by name and prints what mtv-validate reads about it: the same normalised record "
            "the post-migration checks compare with the migrated VM, and that a run stores as the "
            "scenario's source_vms_data in results.json. Nothing on the provider is changed.\n"
            "\n"
            "The record holds: id, name, uuid, power state (on/off/other); CPU sockets, cores per "
            "socket (and threads); memory in MiB; firmware (bios/efi), secure boot and TPM; guest OS, "
            "whether the guest agent (VMware Tools, oVirt guest agent, KubeVirt's qemu-guest-agent) "
            "runs, and whether it is "
            "Windows; every NIC with its MAC, network and IPv4 addresses (prefix, gateway, origin, "
            "static or not); every disk with its size, storage, device key, controller and unit; "
            "and the snapshots. --json prints it with upstream mtv-api-tests' key names "
            "(network_interfaces, macAddress, ip_addresses, size_in_kb, snapshots_data, ...); see "
            "docs/providers-adapters.md for every field and where each type reads it.\n"
            "\n"
            "On vSphere, when the VM's tools run and the entry has a guest login "
            "(guest_vm_linux_user/_password or guest_vm_win_user/_password), each NIC's guest name "
            "(and, on Linux, the origin of addresses tools leave unknown) is read inside the guest "
            "through VMware guest operations (`ip -j link show`, `ipconfig /all`, nmcli); a refused "
            "guest login is a configuration error.\n"
            "\n"
            "Provider types: vsphere (vCenter or ESXi, vim25 SOAP), ovirt (REST API v4; needs the "
            "MTV-CNV data center), openstack (Keystone v3 with the entry's project, domains and "
            "region), openshift (KubeVirt VirtualMachines: the VM, its running instance and its "
            "PVCs; the adapter logs in with the entry's username and password as `oc login` does, "
            "or uses --kubeconfig/--context), ova (archives on the share; mount it and give "
            "--ova-dir). TLS is verified "
            "against the system CAs or --ca-file; --insecure turns verification off.\n"
            "\n"
            "--record DIR keeps every exchange, redacted, in DIR/source-show.tar; --replay BUNDLE "
            "answers the same command from such a bundle with no provider at all (use it to share "
            "what a VM looked like, or to reproduce a report). Passwords, tokens and session "
            "cookies never appear in the output, the log or the bundle.",
        .examples = "$ mtv-validate source show --provider vsphere-8 mtv-tests-rhel8\n"
                    "  a summary of the VM\n"
                    "$ mtv-validate source show -p vsphere-8 mtv-tests-rhel8 --json > rhel8.json\n"
                    "  the record as JSON, upstream key names\n"
                    "$ mtv-validate source show -p ova --ova-dir /mnt/ova mtv-win2019-3disks\n"
                    "  a VM inside an OVA on a mounted NFS share\n"
                    "$ mtv-validate source show -p ocp --kubeconfig ~/.kube/config -n src-vms rhel9-vm\n"
                    "  a KubeVirt VM, read with your own cluster access\n"
                    "$ mtv-validate source show -p vsphere-8 mtv-tests-rhel8 --record out/\n"
                    "$ mtv-validate source show -p vsphere-8 mtv-tests-rhel8 --replay out/source-show.tar\n"
                    "  record once, replay anywhere",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    if (rc) {
        opt_list_free(&o.endpoints);
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    }
    mtv_err err;
    mtv_err_clear(&err);
    if (!o.provider)
        mtv_err_set(&err, MTV_EXIT_USAGE, "source show: --provider KEY is required (an entry of "
                                          "the providers file)");
    else if (npos != 1)
        mtv_err_set(&err, MTV_EXIT_USAGE, "source show: give exactly one VM name (got %d)", npos);
    else if (o.record && o.replay)
        mtv_err_set(&err, MTV_EXIT_USAGE, "source show: --record and --replay exclude each other");
    else if (o.insecure && o.ca_file)
        mtv_err_set(&err, MTV_EXIT_USAGE, "source show: --insecure and --ca-file exclude each other");
    int exit_code = MTV_EXIT_OK;
    if (mtv_err_is_set(&err) || run_show(&o, pos[0], &err))
        exit_code = cli_fail(&err);
    free(pos);
    opt_list_free(&o.endpoints);
    return exit_code;
}
