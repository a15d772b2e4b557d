/* commands: the table of top-level subcommands, in the order help lists them.
 * Add a command here and in cli.h when its file lands; never before. */
#include "cli/cli.h"

const cli_command cli_commands[] = {
    {"help", "show this overview, or a command's help", cmd_help},
    {"version", "print the version of mtv-validate and of its libraries", cmd_version},
    {"list", "show the scenarios a selection takes, with steps, VMs and skip reasons", cmd_list},
    {"config", "check configuration files (config check)", cmd_config},
    {"cassette", "inspect, compare, verify and repair recorded cassettes", cmd_cassette},
    {"lab", "serve a simulated Kubernetes API (OpenShift + MTV) on loopback", cmd_lab},
    {"report", "make reports from a run's results: JUnit, summary, Jira tickets", cmd_report},
    {"cluster", "check cluster access: credentials, TLS, identity, MTV and KubeVirt APIs", cmd_cluster},
    {"guest", "run commands in migrated VMs over SSH, as the checks do (guest exec|probe)", cmd_guest},
    {"run", "migrate the selected scenarios' VMs through MTV on a cluster, recording them", cmd_run},
    {"replay", "re-run a recorded run offline and compare its verdicts with the recording", cmd_replay},
    {"cleanup", "remove what an earlier run left on the cluster, from its resources.json", cmd_cleanup},
    {"source", "show a source VM's normalised record (source show)", cmd_source},
    {NULL, NULL, NULL},
};
