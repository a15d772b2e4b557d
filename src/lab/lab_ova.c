/*
 * lab_ova: see lab_ova.h. The OVF is written with libxml2's text writer
 * (namespaced, escaped), the archive with libarchive in POSIX ustar
 * format, each file written to a temporary name and renamed, so a reader
 * never sees half an OVA.
 */
#include "lab/lab_ova.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/codec.h"
#include "util/fs.h"

#define OVF_NS "http://schemas.dmtf.org/ovf/envelope/1"
#define RASD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
#define VSSD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
#define VMW_NS "http://www.vmware.com/schema/ovf"

typedef xmlTextWriterPtr W;

static void el(W w, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void el(W w, const char *name, const char *fmt, ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v);
}

static void at(W w, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void at(W w, const char *name, const char *fmt, ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
}

static void open_(W w, const char *name)
{
    xmlTextWriterStartElement(w, BAD_CAST name);
}

static void close_(W w)
{
    xmlTextWriterEndElement(w);
}

static void vmdk_descriptor(const lab_vm *vm, size_t i, strbuf *out)
{
    const lab_disk *d = &vm->disks[i];
    long long sectors = d->capacity / 512;
    sb_addf(out,
            "# Disk DescriptorFile\n"
            "version=1\n"
            "CID=fffffffe\n"
            "parentCID=ffffffff\n"
            "createType=\"monolithicFlat\"\n"
            "\n"
            "# Extent description\n"
            "RW %lld ZERO\n"
            "\n"
            "# The Disk Data Base\n"
            "#DDB\n"
            "\n"
            "ddb.adapterType = \"lsilogic\"\n"
            "ddb.geometry.cylinders = \"%lld\"\n"
            "ddb.geometry.heads = \"255\"\n"
            "ddb.geometry.sectors = \"63\"\n"
            "ddb.longContentID = \"%.32s\"\n"
            "ddb.uuid = \"%s\"\n"
            "ddb.virtualHWVersion = \"13\"\n",
            sectors, sectors / (255 * 63), d->serial ? d->serial : "", d->serial ? d->serial : "");
}

void lab_ova_ovf(const lab_vm *vm, strbuf *out)
{
    xmlBufferPtr buf = xmlBufferCreate();
    W w = xmlNewTextWriterMemory(buf, 0);
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
    open_(w, "Envelope");
    at(w, "vmw:buildId", "build-20800274");
    at(w, "xmlns", OVF_NS);
    at(w, "xmlns:ovf", OVF_NS);
    at(w, "xmlns:cim", "http://schemas.dmtf.org/wbem/wscim/1/common");
    at(w, "xmlns:rasd", RASD_NS);
    at(w, "xmlns:vmw", VMW_NS);
    at(w, "xmlns:vssd", VSSD_NS);
    at(w, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    open_(w, "References");
    for (size_t i = 0; i < vm->ndisks; i++) {
        strbuf desc = STRBUF_INIT;
        vmdk_descriptor(vm, i, &desc);
        open_(w, "File");
        at(w, "ovf:href", "%s-disk%zu.vmdk", vm->name, i + 1);
        at(w, "ovf:id", "file%zu", i + 1);
        at(w, "ovf:size", "%zu", desc.len);
        close_(w);
        sb_release(&desc);
    }
    close_(w);
    open_(w, "DiskSection");
    el(w, "Info", "Virtual disk information");
    for (size_t i = 0; i < vm->ndisks; i++) {
        const lab_disk *d = &vm->disks[i];
        open_(w, "Disk");
        at(w, "ovf:capacity", "%lld", d->capacity >> 30);
        at(w, "ovf:capacityAllocationUnits", "byte * 2^30");
        at(w, "ovf:diskId", "vmdisk%zu", i + 1);
        at(w, "ovf:fileRef", "file%zu", i + 1);
        at(w, "ovf:format", "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized");
        at(w, "ovf:populatedSize", "%lld", d->thin ? d->capacity / 4 : d->capacity);
        close_(w);
    }
    close_(w);
    open_(w, "NetworkSection");
    el(w, "Info", "The list of logical networks");
    for (size_t i = 0; i < vm->nnics; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(vm->nics[j].network, vm->nics[i].network);
        if (dup)
            continue;
        open_(w, "Network");
        at(w, "ovf:name", "%s", vm->nics[i].network);
        el(w, "Description", "The %s network", vm->nics[i].network);
        close_(w);
    }
    close_(w);
    open_(w, "VirtualSystem");
    at(w, "ovf:id", "%s", vm->name);
    el(w, "Info", "A virtual machine");
    el(w, "Name", "%s", vm->name);
    open_(w, "OperatingSystemSection");
    at(w, "ovf:id", "%s", vm->is_windows ? "112" : "80");
    at(w, "vmw:osType", "%s", vm->guest_id);
    el(w, "Info", "The kind of installed guest operating system");
    close_(w);
    open_(w, "VirtualHardwareSection");
    el(w, "Info", "Virtual hardware requirements");
    open_(w, "System");
    el(w, "vssd:ElementName", "Virtual Hardware Family");
    el(w, "vssd:InstanceID", "0");
    el(w, "vssd:VirtualSystemIdentifier", "%s", vm->name);
    el(w, "vssd:VirtualSystemType", "vmx-13");
    close_(w);
    int instance = 1;
    open_(w, "Item");
    el(w, "rasd:AllocationUnits", "hertz * 10^6");
    el(w, "rasd:Description", "Number of Virtual CPUs");
    el(w, "rasd:ElementName", "%d virtual CPU(s)", vm->cpus);
    el(w, "rasd:InstanceID", "%d", instance++);
    el(w, "rasd:ResourceType", "3");
    el(w, "rasd:VirtualQuantity", "%d", vm->cpus);
    open_(w, "vmw:CoresPerSocket");
    at(w, "ovf:required", "false");
    xmlTextWriterWriteFormatString(w, "%d", vm->cores_per_socket);
    close_(w);
    close_(w);
    open_(w, "Item");
    el(w, "rasd:AllocationUnits", "byte * 2^20");
    el(w, "rasd:Description", "Memory Size");
    el(w, "rasd:ElementName", "%lldMB of memory", vm->memory_mb);
    el(w, "rasd:InstanceID", "%d", instance++);
    el(w, "rasd:ResourceType", "4");
    el(w, "rasd:VirtualQuantity", "%lld", vm->memory_mb);
    close_(w);
    int scsi = instance++;
    open_(w, "Item");
    el(w, "rasd:Address", "0");
    el(w, "rasd:Description", "SCSI Controller");
    el(w, "rasd:ElementName", "SCSI controller 0");
    el(w, "rasd:InstanceID", "%d", scsi);
    el(w, "rasd:ResourceSubType", "VirtualSCSI");
    el(w, "rasd:ResourceType", "6");
    close_(w);
    for (size_t i = 0; i < vm->ndisks; i++) {
        open_(w, "Item");
        el(w, "rasd:AddressOnParent", "%zu", i);
        el(w, "rasd:ElementName", "Hard disk %zu", i + 1);
        el(w, "rasd:HostResource", "ovf:/disk/vmdisk%zu", i + 1);
        el(w, "rasd:InstanceID", "%d", instance++);
        el(w, "rasd:Parent", "%d", scsi);
        el(w, "rasd:ResourceType", "17");
        close_(w);
    }
    for (size_t i = 0; i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        open_(w, "Item");
        el(w, "rasd:Address", "%s", n->mac);
        el(w, "rasd:AddressOnParent", "%zu", 7 + i);
        el(w, "rasd:AutomaticAllocation", "%s", n->connected ? "true" : "false");
        el(w, "rasd:Connection", "%s", n->network);
        el(w, "rasd:Description", "VmxNet3 ethernet adapter on \"%s\"", n->network);
        el(w, "rasd:ElementName", "Network adapter %zu", i + 1);
        el(w, "rasd:InstanceID", "%d", instance++);
        el(w, "rasd:ResourceSubType", "VmxNet3");
        el(w, "rasd:ResourceType", "10");
        open_(w, "vmw:Config");
        at(w, "ovf:required", "false");
        at(w, "vmw:key", "slotInfo.pciSlotNumber");
        at(w, "vmw:value", "%zu", 160 + 32 * i);
        close_(w);
        close_(w);
    }
    open_(w, "vmw:Config");
    at(w, "ovf:required", "false");
    at(w, "vmw:key", "firmware");
    at(w, "vmw:value", "%s", vm->firmware);
    close_(w);
    if (!strcmp(vm->firmware, "efi")) {
        open_(w, "vmw:Config");
        at(w, "ovf:required", "false");
        at(w, "vmw:key", "bootOptions.efiSecureBootEnabled");
        at(w, "vmw:value", "%s", vm->secure_boot ? "true" : "false");
        close_(w);
    }
    open_(w, "vmw:Config");
    at(w, "ovf:required", "false");
    at(w, "vmw:key", "uuid");
    at(w, "vmw:value", "%s", vm->uuid);
    close_(w);
    close_(w); /* VirtualHardwareSection */
    close_(w); /* VirtualSystem */
    close_(w); /* Envelope */
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    sb_add(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
}

static int add_member(struct archive *a, const char *name, const void *data, size_t n)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1767225600, 0); /* 2026-01-01: the same bytes every run */
    int rc = archive_write_header(a, e) == ARCHIVE_OK &&
             (n == 0 || archive_write_data(a, data, n) == (la_ssize_t)n);
    archive_entry_free(e);
    return rc ? 0 : -1;
}

static int write_one(const lab_vm *vm, const char *dir, mtv_err *err)
{
    strbuf path = STRBUF_INIT, tmp = STRBUF_INIT, name = STRBUF_INIT, ovf = STRBUF_INIT,
           mf = STRBUF_INIT;
    sb_addf(&path, "%s/%s.ova", dir, vm->name);
    sb_addf(&tmp, "%s.tmp.%d", path.buf, (int)getpid());
    lab_ova_ovf(vm, &ovf);
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    int rc = archive_write_open_filename(a, tmp.buf) == ARCHIVE_OK ? 0 : -1;
    char sha[65];
    if (rc == 0) {
        sb_addf(&name, "%s.ovf", vm->name);
        rc = add_member(a, name.buf, ovf.buf, ovf.len);
        sha256_hex(ovf.buf, ovf.len, sha);
        sb_addf(&mf, "SHA256(%s)= %s\n", name.buf, sha);
    }
    strbuf *descs = calloc(vm->ndisks ? vm->ndisks : 1, sizeof *descs);
    if (!descs)
        abort();
    for (size_t i = 0; i < vm->ndisks; i++) {
        vmdk_descriptor(vm, i, &descs[i]);
        sha256_hex(descs[i].buf, descs[i].len, sha);
        sb_addf(&mf, "SHA256(%s-disk%zu.vmdk)= %s\n", vm->name, i + 1, sha);
    }
    if (rc == 0) {
        sb_reset(&name);
        sb_addf(&name, "%s.mf", vm->name);
        rc = add_member(a, name.buf, mf.buf, mf.len);
    }
    for (size_t i = 0; rc == 0 && i < vm->ndisks; i++) {
        sb_reset(&name);
        sb_addf(&name, "%s-disk%zu.vmdk", vm->name, i + 1);
        rc = add_member(a, name.buf, descs[i].buf, descs[i].len);
    }
    for (size_t i = 0; i < vm->ndisks; i++)
        sb_release(&descs[i]);
    free(descs);
    if (rc < 0)
        mtv_err_set(err, MTV_EXIT_ENV, "writing %s: %s", path.buf, archive_error_string(a)
                                                                     ? archive_error_string(a)
                                                                     : "archive error");
    if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "writing %s: %s", path.buf, archive_error_string(a));
    archive_write_free(a);
    if (rc == 0 && rename(tmp.buf, path.buf) < 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "renaming %s: %m", tmp.buf);
    if (rc < 0)
        unlink(tmp.buf);
    sb_release(&path);
    sb_release(&tmp);
    sb_release(&name);
    sb_release(&ovf);
    sb_release(&mf);
    return rc;
}

int lab_ova_write_all(const lab_source *src, const char *dir, mtv_err *err)
{
    if (fs_mkdir_p(dir, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < src->nvms; i++)
        if (write_one(&src->vms[i], dir, err) < 0)
            return -1;
    return (int)src->nvms;
}
