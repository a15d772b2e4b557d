// vcsim launcher for mtv-validate's tests and lab.
//
// Debian packages govmomi's simulator library but not its command, so this
// small program starts the simulator itself. Beyond the plain simulator it
// can build a "world": source VMs with the names, CPU, memory, disks, NICs,
// MACs, firmware, power state and guest data (VMware Tools, IPs with origin
// and prefix, default gateway) that the scenarios use. vcsim cannot set guest
// data over SOAP, so the launcher writes it in-process after creating the VMs
// through the SOAP API like any client would.
//
// It prints one JSON line {"url":..., "vms":{name: moref}} when ready, and
// stops cleanly on SIGINT/SIGTERM (removing the simulator's temp folders).
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type worldNIC struct {
	Network string `json:"network"`
	MAC     string `json:"mac"`
	IP      string `json:"ip"`
	Prefix  int32  `json:"prefix"`
	Origin  string `json:"origin"` // "manual" (static) or "dhcp"
	Gateway string `json:"gateway"`
}

type worldDisk struct {
	SizeGB int64 `json:"size_gb"`
	Thin   *bool `json:"thin"`
}

type worldVM struct {
	Name           string      `json:"name"`
	CPUs           int32       `json:"cpus"`
	CoresPerSocket int32       `json:"cores_per_socket"`
	MemoryMB       int64       `json:"memory_mb"`
	GuestID        string      `json:"guest_id"`
	Firmware       string      `json:"firmware"`
	SecureBoot     bool        `json:"secure_boot"`
	Power          string      `json:"power"`
	Tools          *bool       `json:"tools"`
	Hostname       string      `json:"hostname"`
	Template       bool        `json:"template"`
	ChangeTracking *bool       `json:"change_tracking"` // CBT (config.changeTrackingEnabled); default on, as in the lab's world
	Disks          []worldDisk `json:"disks"`
	NICs           []worldNIC  `json:"nics"`
}

type world struct {
	Networks []string  `json:"networks"`
	VMs      []worldVM `json:"vms"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	listen := flag.String("l", "127.0.0.1:8989", "listen address (port 0 picks a free one)")
	user := flag.String("user", "user", "login user")
	pass := flag.String("pass", "pass", "login password")
	vms := flag.Int("vm", 2, "model VMs per host/cluster (0 for none)")
	worldFile := flag.String("world", "", "JSON file describing source VMs to create")
	certFile := flag.String("tls-cert", "", "serve https with this PEM certificate")
	keyFile := flag.String("tls-key", "", "private key for -tls-cert")
	traceFile := flag.String("trace-file", "", "write every SOAP request/response here")
	esx := flag.Bool("esx", false, "simulate a standalone ESXi host instead of a vCenter")
	datastores := flag.Int("ds", 1, "local datastores (LocalDS_0, LocalDS_1, ...)")
	autoGuest := flag.Bool("auto-guest", false,
		"simulate VMware Tools: guest data appears when any VM powers on and goes when it powers off")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	}
	model.Machine = *vms
	model.Datastore = *datastores
	if err := model.Create(); err != nil {
		fail("creating model: %v", err)
	}
	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("loading TLS key pair: %v", err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			fail("opening trace file: %v", err)
		}
		simulator.Trace = true
		simulator.TraceFile = f
	}
	guestOpsInstall(model.Service, model.Service.TLS != nil)
	s := model.Service.NewServer()

	refs := map[string]string{}
	var w world
	if *worldFile != "" {
		data, err := ioutil.ReadFile(*worldFile)
		if err != nil {
			fail("reading world: %v", err)
		}
		if err := json.Unmarshal(data, &w); err != nil {
			fail("parsing world %s: %v", *worldFile, err)
		}
		if refs, err = build(s.URL, &w); err != nil {
			model.Remove()
			fail("building world: %v", err)
		}
	}

	if *autoGuest {
		go simulateTools(s.URL, worldNICs(&w))
	}

	u := *s.URL
	u.User = nil
	ready, _ := json.Marshal(map[string]interface{}{"url": u.String(), "vms": refs})
	fmt.Println(string(ready))
	os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	s.Close()
	model.Remove()
}

// build creates the world's networks and VMs through the SOAP API, then
// fills guest data in-process.
func build(u *url.URL, w *world) (map[string]string, error) {
	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return nil, err
	}
	finder := find.NewFinder(c.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return nil, err
	}
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range w.Networks {
		if _, err := finder.Network(ctx, name); err == nil {
			continue
		}
		dvs, err := finder.Network(ctx, "DVS0")
		if err != nil {
			return nil, fmt.Errorf("network %s: no DVS0 to add it to (an ESX model has none): %v", name, err)
		}
		sw := object.NewDistributedVirtualSwitch(c.Client, dvs.Reference())
		task, err := sw.AddPortgroup(ctx, []types.DVPortgroupConfigSpec{{Name: name, Type: "earlyBinding", NumPorts: 64}})
		if err != nil {
			return nil, err
		}
		if err := task.Wait(ctx); err != nil {
			return nil, fmt.Errorf("port group %s: %v", name, err)
		}
	}
	host, err := finder.HostSystem(ctx, "DC0_H0")
	if err != nil {
		if host, err = finder.DefaultHostSystem(ctx); err != nil {
			return nil, err
		}
	}
	pool, err := host.ResourcePool(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := finder.Datastore(ctx, "LocalDS_0")
	if err != nil {
		return nil, err
	}

	refs := map[string]string{}
	for i := range w.VMs {
		v := &w.VMs[i]
		ref, err := createVM(ctx, c, finder, folders.VmFolder, pool, ds, v)
		if err != nil {
			return nil, fmt.Errorf("vm %s: %v", v.Name, err)
		}
		refs[v.Name] = ref.Value
	}
	for i := range w.VMs {
		fillGuest(&w.VMs[i], refs[w.VMs[i].Name])
	}
	return refs, nil
}

func createVM(ctx context.Context, c *govmomi.Client, finder *find.Finder, folder *object.Folder,
	pool *object.ResourcePool, ds *object.Datastore, v *worldVM) (types.ManagedObjectReference, error) {
	var none types.ManagedObjectReference
	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController("pvscsi")
	if err != nil {
		return none, err
	}
	devices = append(devices, scsi)
	ctrl := devices.PickController(scsi.(types.BaseVirtualController))
	for n, d := range v.Disks {
		disk := devices.CreateDisk(ctrl, ds.Reference(), ds.Path(fmt.Sprintf("%s/%s_%d.vmdk", v.Name, v.Name, n)))
		disk.CapacityInKB = d.SizeGB * 1024 * 1024
		thin := d.Thin == nil || *d.Thin
		disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo).ThinProvisioned = &thin
		devices = append(devices, disk)
	}
	for _, nic := range v.NICs {
		netName := nic.Network
		if netName == "" {
			netName = "VM Network"
		}
		net, err := finder.Network(ctx, netName)
		if err != nil {
			return none, fmt.Errorf("network %q: %v", netName, err)
		}
		backing, err := net.EthernetCardBackingInfo(ctx)
		if err != nil {
			return none, err
		}
		card, err := devices.CreateEthernetCard("vmxnet3", backing)
		if err != nil {
			return none, err
		}
		if nic.MAC != "" {
			eth := card.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
			eth.AddressType = string(types.VirtualEthernetCardMacTypeManual)
			eth.MacAddress = nic.MAC
		}
		devices = append(devices, card)
	}
	changes, err := devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	if err != nil {
		return none, err
	}
	for _, ch := range changes {
		if _, ok := ch.GetVirtualDeviceConfigSpec().Device.(*types.VirtualDisk); ok {
			ch.GetVirtualDeviceConfigSpec().FileOperation = types.VirtualDeviceConfigSpecFileOperationCreate
		}
	}
	guestID := v.GuestID
	if guestID == "" {
		guestID = "rhel7_64Guest"
	}
	firmware := v.Firmware
	if firmware == "" {
		firmware = "bios"
	}
	spec := types.VirtualMachineConfigSpec{
		Name:              v.Name,
		GuestId:           guestID,
		NumCPUs:           v.CPUs,
		NumCoresPerSocket: v.CoresPerSocket,
		MemoryMB:          v.MemoryMB,
		Firmware:          firmware,
		Files:             &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", ds.Name())},
		DeviceChange:      changes,
	}
	cbt := v.ChangeTracking == nil || *v.ChangeTracking
	spec.ChangeTrackingEnabled = &cbt
	if v.SecureBoot {
		on := true
		spec.BootOptions = &types.VirtualMachineBootOptions{EfiSecureBootEnabled: &on}
	}
	task, err := folder.CreateVM(ctx, spec, pool, nil)
	if err != nil {
		return none, err
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return none, err
	}
	ref := info.Result.(types.ManagedObjectReference)
	vm := object.NewVirtualMachine(c.Client, ref)
	if v.Template {
		return ref, vm.MarkAsTemplate(ctx)
	}
	if v.Power != "off" {
		t, err := vm.PowerOn(ctx)
		if err != nil {
			return none, err
		}
		if err := t.Wait(ctx); err != nil {
			return none, err
		}
	}
	return ref, nil
}

// fillGuest gives a powered-on VM running tools, a hostname and its NICs'
// IP configuration with origin and prefix, and a default route in ipStack:
// what vCenter reports for a VM with VMware Tools running.
func fillGuest(v *worldVM, ref string) {
	obj := simulator.Map.Get(types.ManagedObjectReference{Type: "VirtualMachine", Value: ref})
	vm, ok := obj.(*simulator.VirtualMachine)
	if !ok || (v.Tools != nil && !*v.Tools) {
		return
	}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		toolsInstalled(vm)
		return
	}
	g := vm.Guest
	g.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
	g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	g.GuestState = "running"
	g.GuestId = vm.Config.GuestId
	g.HostName = v.Hostname
	if g.HostName == "" {
		g.HostName = strings.ToLower(v.Name) + ".example.test"
	}
	var routes []types.NetIpRouteConfigInfoIpRoute
	for n := range g.Net {
		if n >= len(v.NICs) || v.NICs[n].IP == "" {
			continue
		}
		nic := v.NICs[n]
		prefix := nic.Prefix
		if prefix == 0 {
			prefix = 24
		}
		origin := nic.Origin
		if origin == "" {
			origin = "dhcp"
		}
		if nic.Network != "" {
			g.Net[n].Network = nic.Network // vcsim leaves it empty for DV port groups
		}
		g.Net[n].IpAddress = []string{nic.IP}
		g.Net[n].IpConfig = &types.NetIpConfigInfo{IpAddress: []types.NetIpConfigInfoIpAddress{
			{IpAddress: nic.IP, PrefixLength: prefix, Origin: origin, State: "preferred"}}}
		if g.IpAddress == "" {
			g.IpAddress = nic.IP
		}
		if nic.Gateway != "" {
			routes = append(routes, types.NetIpRouteConfigInfoIpRoute{Network: "0.0.0.0", PrefixLength: 0,
				Gateway: types.NetIpRouteConfigInfoGateway{IpAddress: nic.Gateway, Device: fmt.Sprint(n)}})
		}
	}
	if len(routes) > 0 {
		g.IpStack = []types.GuestStackInfo{{IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: routes}}}
	}
	vm.Summary.Guest = &types.VirtualMachineGuestSummary{GuestId: vm.Config.GuestId,
		ToolsStatus: g.ToolsStatus, ToolsRunningStatus: g.ToolsRunningStatus,
		HostName: g.HostName, IpAddress: g.IpAddress}
}

// simulateTools plays VMware Tools for every VM, as vCenter reports them: a
// VM that powers on gets running tools, a host name and an IP per NIC (taken
// from the world if it had some, else 192.0.2.100+ with origin dhcp and a
// default route); a VM that powers off loses them until it powers on again.
// vcsim itself never changes guest data, and its clones even keep the source
// VM's guest.net.
func simulateTools(u *url.URL, world map[string]worldNICOf) {
	saved := map[string]types.GuestInfo{}
	savedSummary := map[string]*types.VirtualMachineGuestSummary{}
	next := 100
	origin := newOrigins(u)
	for {
		time.Sleep(50 * time.Millisecond)
		origin.learnClones()
		for _, e := range simulator.Map.All("VirtualMachine") {
			vm := e.(*simulator.VirtualMachine)
			simulator.Map.WithLock(vm, func() {
				if vm.Guest == nil || vm.Config == nil || vm.Config.Template {
					return
				}
				ref := vm.Self.Value
				on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
				running := vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
				wv := origin.of(vm, world)
				if wv != nil && wv.Tools != nil && !*wv.Tools {
					return // a copy of a world VM without tools has none either
				}
				switch {
				case !on && !running && wv != nil:
					toolsInstalled(vm)
				case on && !running:
					if g, ok := saved[ref]; ok {
						*vm.Guest = g
						vm.Summary.Guest = savedSummary[ref]
						return
					}
					if wv == nil && origin.wait(ref) {
						return // perhaps a clone whose event is not read yet
					}
					autoGuest(vm, &next, world, wv)
				case !on && running:
					saved[ref] = *vm.Guest
					savedSummary[ref] = vm.Summary.Guest
					g := vm.Guest
					g.ToolsStatus = types.VirtualMachineToolsStatusToolsNotRunning
					g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
					g.GuestState = "notRunning"
					g.IpAddress = ""
					g.HostName = ""
					g.IpStack = nil
					for n := range g.Net {
						g.Net[n].IpAddress = nil
						g.Net[n].IpConfig = nil
					}
					vm.Summary.Guest = &types.VirtualMachineGuestSummary{GuestId: vm.Config.GuestId,
						ToolsStatus: g.ToolsStatus, ToolsRunningStatus: g.ToolsRunningStatus}
				}
			})
		}
	}
}

// autoGuest gives a VM without world guest data running tools and one
// address per NIC, rebuilding guest.net from its devices.
func autoGuest(vm *simulator.VirtualMachine, next *int, world map[string]worldNICOf, wv *worldVM) {
	g := vm.Guest
	g.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
	g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	g.GuestState = "running"
	g.GuestId = vm.Config.GuestId
	g.HostName = strings.ToLower(vm.Name) + ".example.test"
	if wv != nil {
		g.HostName = wv.Hostname
		if g.HostName == "" {
			g.HostName = strings.ToLower(wv.Name) + ".example.test"
		}
	}
	g.Net = nil
	g.IpAddress = ""
	var routes []types.NetIpRouteConfigInfoIpRoute
	for _, d := range vm.Config.Hardware.Device {
		card, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		eth := card.GetVirtualEthernetCard()
		nic, known := world[strings.ToLower(eth.MacAddress)]
		if !known && wv != nil && len(g.Net) < len(wv.NICs) {
			nic, known = worldNICOf{vm: wv, nic: wv.NICs[len(g.Net)]}, true
		}
		if known && nic.nic.IP == "" {
			g.Net = append(g.Net, types.GuestNicInfo{MacAddress: eth.MacAddress, Connected: true,
				DeviceConfigId: eth.Key, Network: nic.nic.Network})
			continue
		}
		w := worldNIC{IP: fmt.Sprintf("192.0.2.%d", *next%150+100), Prefix: 24, Origin: "dhcp"}
		if known {
			w = nic.nic
		} else {
			*next++
			if g.IpAddress == "" {
				w.Gateway = "192.0.2.1"
			}
		}
		if w.Prefix == 0 {
			w.Prefix = 24
		}
		if w.Origin == "" {
			w.Origin = "dhcp"
		}
		g.Net = append(g.Net, types.GuestNicInfo{MacAddress: eth.MacAddress, Connected: true,
			DeviceConfigId: eth.Key, Network: w.Network, IpAddress: []string{w.IP},
			IpConfig: &types.NetIpConfigInfo{IpAddress: []types.NetIpConfigInfoIpAddress{
				{IpAddress: w.IP, PrefixLength: w.Prefix, Origin: w.Origin, State: "preferred"}}}})
		if g.IpAddress == "" {
			g.IpAddress = w.IP
		}
		if w.Gateway != "" {
			routes = append(routes, types.NetIpRouteConfigInfoIpRoute{Network: "0.0.0.0", PrefixLength: 0,
				Gateway: types.NetIpRouteConfigInfoGateway{IpAddress: w.Gateway, Device: fmt.Sprint(len(g.Net) - 1)}})
		}
	}
	g.IpStack = nil
	if len(routes) > 0 {
		g.IpStack = []types.GuestStackInfo{{IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: routes}}}
	}
	vm.Summary.Guest = &types.VirtualMachineGuestSummary{GuestId: vm.Config.GuestId,
		ToolsStatus: g.ToolsStatus, ToolsRunningStatus: g.ToolsRunningStatus,
		HostName: g.HostName, IpAddress: g.IpAddress}
}

// worldNICOf is one NIC of the world and the VM it belongs to.
type worldNICOf struct {
	vm  *worldVM
	nic worldNIC
}

// worldNICs indexes the world's NICs by MAC address. vcsim's clones keep
// their source's NICs and MACs, so a clone powered on under -auto-guest is
// recognised and reports its source's guest: host name, addresses with
// prefix and origin (static IPs stay static) and gateway.
func worldNICs(w *world) map[string]worldNICOf {
	m := map[string]worldNICOf{}
	for i := range w.VMs {
		for _, n := range w.VMs[i].NICs {
			if n.MAC != "" {
				m[strings.ToLower(n.MAC)] = worldNICOf{vm: &w.VMs[i], nic: n}
			}
		}
	}
	return m
}

// origins knows which world VM each VM was created as (by a MAC the world
// gave it) or cloned from, directly or through other clones: clones get new
// MACs, so they are followed through vcsim's VmClonedEvents, read over the
// API like any client would.
type origins struct {
	events  *event.Manager
	source  map[string]string   // clone moref -> source moref
	world   map[string]*worldVM // moref -> world VM, once known
	pending bool                // a VM of unknown origin was seen
	waited  map[string]int      // polls a VM of unknown origin waited for it
}

// wait tells whether a VM of unknown origin should wait one more poll
// before it gets a guest of its own (half a second at most).
func (o *origins) wait(ref string) bool {
	if o.events == nil || o.waited[ref] >= 10 {
		return false
	}
	o.waited[ref]++
	return true
}

func newOrigins(u *url.URL) *origins {
	o := &origins{source: map[string]string{}, world: map[string]*worldVM{}, waited: map[string]int{}}
	if c, err := govmomi.NewClient(context.Background(), u, true); err == nil {
		o.events = event.NewManager(c.Client)
	} else {
		fmt.Fprintf(os.Stderr, "vcsim: clones will not report their source's guest: %v\n", err)
	}
	return o
}

// learnClones reads the clone events when a VM of unknown origin was seen.
func (o *origins) learnClones() {
	if !o.pending || o.events == nil {
		return
	}
	o.pending = false
	evs, err := o.events.QueryEvents(context.Background(), types.EventFilterSpec{EventTypeId: []string{"VmClonedEvent"}, MaxCount: 1000})
	if err != nil {
		return
	}
	for _, e := range evs {
		if c, ok := e.(*types.VmClonedEvent); ok && c.Vm != nil {
			o.source[c.Vm.Vm.Value] = c.SourceVm.Vm.Value
		}
	}
}

// of is the world VM behind vm, or nil.
func (o *origins) of(vm *simulator.VirtualMachine, world map[string]worldNICOf) *worldVM {
	ref := vm.Self.Value
	if wv, ok := o.world[ref]; ok {
		return wv
	}
	for _, d := range vm.Config.Hardware.Device {
		if card, ok := d.(types.BaseVirtualEthernetCard); ok {
			if n, ok := world[strings.ToLower(card.GetVirtualEthernetCard().MacAddress)]; ok {
				o.world[ref] = n.vm
				return n.vm
			}
		}
	}
	if src, ok := o.source[ref]; ok {
		if wv, ok := o.world[src]; ok {
			o.world[ref] = wv
			return wv
		}
	}
	o.pending = true
	return nil
}

// toolsInstalled makes a powered-off VM report VMware Tools installed but
// not running, as vCenter does (vcsim creates every VM, clones included,
// with toolsNotInstalled).
func toolsInstalled(vm *simulator.VirtualMachine) {
	if vm.Guest.ToolsStatus != types.VirtualMachineToolsStatusToolsNotInstalled {
		return
	}
	vm.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsNotRunning
	vm.Guest.ToolsVersionStatus2 = string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)
	vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	vm.Summary.Guest = &types.VirtualMachineGuestSummary{GuestId: vm.Config.GuestId,
		ToolsStatus: vm.Guest.ToolsStatus, ToolsRunningStatus: vm.Guest.ToolsRunningStatus}
}
