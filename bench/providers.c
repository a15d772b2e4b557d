/* bench providers: how fast the vSphere property parser turns a large
 * RetrievePropertiesEx answer into VM records (a run reads every source VM,
 * and a vCenter inventory page holds hundreds), and how much memory reading
 * an OVA costs as its disks grow (it must stay flat: the archive is
 * streamed). Prints numbers; asserts nothing. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "providers/ova.h"
#include "providers/vim.h"
#include "providers/vsphere.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A page of n VMs, each with 4 disks, 2 NICs and guest networking. */
static void page(strbuf *out, int n)
{
    sb_adds(out, "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                 "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
                 "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>");
    for (int v = 0; v < n; v++) {
        sb_addf(out, "<objects><obj type=\"VirtualMachine\">vm-%d</obj>"
                     "<propSet><name>name</name><val xsi:type=\"xsd:string\">vm-name-%d</val></propSet>"
                     "<propSet><name>runtime.powerState</name><val xsi:type=\"VirtualMachinePowerState\">"
                     "poweredOn</val></propSet>"
                     "<propSet><name>config.hardware.numCPU</name><val xsi:type=\"xsd:int\">4</val></propSet>"
                     "<propSet><name>config.hardware.numCoresPerSocket</name><val xsi:type=\"xsd:int\">2"
                     "</val></propSet><propSet><name>config.hardware.device</name>"
                     "<val xsi:type=\"ArrayOfVirtualDevice\">", v, v);
        for (int d = 0; d < 4; d++)
            sb_addf(out, "<VirtualDevice xsi:type=\"VirtualDisk\"><key>%d</key><deviceInfo><label>Hard "
                         "disk %d</label></deviceInfo><backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\">"
                         "<fileName>[ds1] vm-%d/vm-%d_%d.vmdk</fileName><datastore type=\"Datastore\">"
                         "datastore-1</datastore><diskMode>persistent</diskMode><thinProvisioned>true"
                         "</thinProvisioned></backing><controllerKey>1000</controllerKey><unitNumber>%d"
                         "</unitNumber><capacityInKB>10485760</capacityInKB></VirtualDevice>",
                    2000 + d, d + 1, v, v, d, d);
        for (int k = 0; k < 2; k++)
            sb_addf(out, "<VirtualDevice xsi:type=\"VirtualVmxnet3\"><key>%d</key><deviceInfo><label>"
                         "Network adapter %d</label></deviceInfo><backing xsi:type=\""
                         "VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName>"
                         "<network type=\"Network\">network-7</network></backing><addressType>assigned"
                         "</addressType><macAddress>00:50:56:%02x:%02x:%02x</macAddress></VirtualDevice>",
                    4000 + k, k + 1, (v >> 8) & 0xff, v & 0xff, k);
        sb_adds(out, "</val></propSet><propSet><name>guest.net</name><val xsi:type=\"ArrayOfGuestNicInfo\">");
        for (int k = 0; k < 2; k++)
            sb_addf(out, "<GuestNicInfo><macAddress>00:50:56:%02x:%02x:%02x</macAddress><deviceConfigId>%d"
                         "</deviceConfigId><ipConfig><ipAddress><ipAddress>10.%d.%d.%d</ipAddress>"
                         "<prefixLength>24</prefixLength><origin>manual</origin></ipAddress></ipConfig>"
                         "</GuestNicInfo>", (v >> 8) & 0xff, v & 0xff, k, 4000 + k, k, (v >> 8) & 0xff,
                    v & 0xff);
        sb_adds(out, "</val></propSet></objects>");
    }
    sb_adds(out, "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>");
}

static const char OVF[] =
    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\""
    " xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\">"
    "<References><File ovf:id=\"f1\" ovf:href=\"disk1.vmdk\"/></References>"
    "<DiskSection><Disk ovf:diskId=\"d1\" ovf:fileRef=\"f1\" ovf:capacity=\"100\" "
    "ovf:capacityAllocationUnits=\"byte * 2^30\"/></DiskSection>"
    "<VirtualSystem ovf:id=\"big\"><VirtualHardwareSection>"
    "<Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>"
    "<Item><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>"
    "</VirtualHardwareSection></VirtualSystem></Envelope>";

static void write_ova(const char *path, size_t disk_mb)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    archive_write_open_filename(a, path);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "big.ovf");
    archive_entry_set_size(e, (la_int64_t)strlen(OVF));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, OVF, strlen(OVF));
    archive_entry_clear(e);
    archive_entry_set_pathname(e, "disk1.vmdk");
    archive_entry_set_size(e, (la_int64_t)disk_mb << 20);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    static char chunk[1 << 20];
    memset(chunk, 0x5a, sizeof chunk);
    for (size_t i = 0; i < disk_mb; i++)
        archive_write_data(a, chunk, sizeof chunk);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

int main(void)
{
    const int vms = 500, rounds = 5;
    strbuf text = STRBUF_INIT;
    page(&text, vms);
    double parse = 0, convert = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        xmlDoc *doc;
        xmlNode *resp;
        mtv_err err;
        if (vim_parse_response("RetrievePropertiesEx", 200, text.buf, text.len, &doc, &resp, NULL,
                               &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        vim_objset set = {0};
        vim_objset_take(&set, doc, resp, NULL);
        double t1 = now();
        for (size_t i = 0; i < set.count; i++) {
            vm_record rec;
            vm_record_init(&rec);
            vsphere_record_from(&set.objs[i], NULL, &rec);
            vm_record_free(&rec);
        }
        double t2 = now();
        vim_objset_free(&set);
        parse += t1 - t0;
        convert += t2 - t1;
    }
    printf("vsphere page of %d VMs (%.1f MB): parse %.1f ms, records %.1f ms (%.0f records/s)\n",
           vms, (double)text.len / 1e6, parse * 1e3 / rounds, convert * 1e3 / rounds,
           vms * rounds / convert);
    sb_release(&text);

    char dir[] = "/tmp/bench-ova-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    static const size_t sizes[] = {16, 256, 1024};
    for (size_t i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/big-%zu.ova", dir, sizes[i]);
        write_ova(path, sizes[i]);
        long before = peak_rss_kb();
        double t0 = now();
        vm_record rec;
        mtv_err err;
        if (ova_read(path, "big.ova", &rec, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t1 = now();
        vm_record_free(&rec);
        printf("ova with a %4zu MiB disk: read in %.1f ms, peak RSS %ld KiB (was %ld KiB)\n",
               sizes[i], (t1 - t0) * 1e3, peak_rss_kb(), before);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
