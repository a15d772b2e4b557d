/* Unit tests for the OVA files the lab writes: they open with the
 * system's tar (OVF first, then the manifest, then the disks), the OVF is
 * well-formed XML in the OVF envelope namespace whose hardware matches the
 * world (CPUs, cores per socket, memory, disk capacities, NIC MACs and
 * networks, firmware), the manifest's SHA-256 sums are right, and a lab
 * started with an OVA world writes them where its .providers.json says. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab_ova.h"
#include "labtest.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"

static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    strbuf out = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(&out, buf, n);
    int rc = pclose(p);
    cr_assert_eq(rc, 0, "%s failed: %s", cmd, sb_str(&out));
    return out.buf ? sb_detach(&out, NULL) : strdup("");
}

static char *xp(xmlDocPtr d, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(d);
    xmlXPathRegisterNs(ctx, BAD_CAST "ovf", BAD_CAST "http://schemas.dmtf.org/ovf/envelope/1");
    xmlXPathRegisterNs(ctx, BAD_CAST "rasd",
                       BAD_CAST "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData");
    xmlXPathRegisterNs(ctx, BAD_CAST "vmw", BAD_CAST "http://www.vmware.com/schema/ovf");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    cr_assert_not_null(o, "bad xpath %s", expr);
    char *s = (char *)xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

static void expect(xmlDocPtr d, const char *expr, const char *want)
{
    char *got = xp(d, expr);
    cr_assert_str_eq(got, want, "%s", expr);
    xmlFree(got);
}

Test(lab_ova, files_open_with_tar_and_describe_the_world)
{
    lab_world w;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_world_load(&w, NULL, &err), 0, "%s", err.msg);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ova", tu_tmpdir());
    int n = lab_ova_write_all(&w.src[LAB_SRC_OVA], dir, &err);
    cr_assert_eq(n, (int)w.src[LAB_SRC_OVA].nvms, "%s", err.msg);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "tar -tf '%s/mtv-win2019-3disks.ova'", dir);
    char *list = run(cmd);
    cr_assert_str_eq(list, "mtv-win2019-3disks.ovf\nmtv-win2019-3disks.mf\n"
                           "mtv-win2019-3disks-disk1.vmdk\nmtv-win2019-3disks-disk2.vmdk\n"
                           "mtv-win2019-3disks-disk3.vmdk\n");
    free(list);
    snprintf(cmd, sizeof cmd, "tar -xOf '%s/mtv-win2019-3disks.ova' mtv-win2019-3disks.ovf", dir);
    char *ovf = run(cmd);
    xmlDocPtr d = xmlReadMemory(ovf, (int)strlen(ovf), "ovf", NULL, XML_PARSE_NONET);
    cr_assert_not_null(d, "the OVF is not well-formed XML");
    cr_assert_str_eq((const char *)xmlDocGetRootElement(d)->ns->href,
                     "http://schemas.dmtf.org/ovf/envelope/1");
    expect(d, "/ovf:Envelope/ovf:VirtualSystem/ovf:Name", "mtv-win2019-3disks");
    expect(d, "//ovf:Item[rasd:ResourceType='3']/rasd:VirtualQuantity", "4");
    expect(d, "//ovf:Item[rasd:ResourceType='3']/vmw:CoresPerSocket", "2");
    expect(d, "//ovf:Item[rasd:ResourceType='4']/rasd:VirtualQuantity", "8192");
    expect(d, "count(//ovf:Item[rasd:ResourceType='17'])", "3");
    expect(d, "//ovf:DiskSection/ovf:Disk[@ovf:diskId='vmdisk1']/@ovf:capacity", "60");
    expect(d, "//ovf:Item[rasd:ResourceType='10'][1]/rasd:Address", "00:50:56:aa:00:03");
    expect(d, "//ovf:Item[rasd:ResourceType='10'][2]/rasd:Connection", "mtv-net-a");
    expect(d, "//vmw:Config[@vmw:key='firmware']/@vmw:value", "efi");
    expect(d, "//ovf:OperatingSystemSection/@vmw:osType", "windows9Server64Guest");
    xmlFreeDoc(d);
    /* the manifest's sum of the OVF is right */
    char sha[65];
    sha256_hex(ovf, strlen(ovf), sha);
    snprintf(cmd, sizeof cmd, "tar -xOf '%s/mtv-win2019-3disks.ova' mtv-win2019-3disks.mf", dir);
    char *mf = run(cmd);
    char want[200];
    snprintf(want, sizeof want, "SHA256(mtv-win2019-3disks.ovf)= %s\n", sha);
    cr_assert(strstr(mf, want), "%s", mf);
    free(mf);
    free(ovf);
    snprintf(cmd, sizeof cmd, "tar -xOf '%s/mtv-win2019-3disks.ova' mtv-win2019-3disks-disk2.vmdk",
             dir);
    char *vmdk = run(cmd);
    cr_assert(strstr(vmdk, "# Disk DescriptorFile"));
    cr_assert(strstr(vmdk, "RW 20971520 ZERO"), "10 GiB in sectors: %s", vmdk);
    free(vmdk);
    lab_world_free(&w);
}

Test(lab_ova, a_lab_writes_them_where_providers_json_says)
{
    labtest lab;
    labtest_start(&lab, NULL);
    char *pj = tu_read(lab_mtv_providers_path(lab.mtv), NULL);
    cJSON *j = cJSON_Parse(pj);
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ova"), "api_url"));
    cr_assert_not_null(url, "%s", pj);
    cr_assert(strchr(url, ':'), "an NFS share, server:/path: %s", url);
    char path[4300];
    snprintf(path, sizeof path, "%s/mtv-tests-rhel8.ova", strchr(url, ':') + 1);
    cr_assert(fs_exists(path), "%s", path);
    cJSON_Delete(j);
    free(pj);
    labtest_stop(&lab);
}
