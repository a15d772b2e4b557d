// Guest operations for the vcsim launcher, answered from a guest directory.
//
// Debian's govmomi simulator implements vim25's guest operations only for VMs
// backed by a container (its GuestProcessManager has no methods and its file
// transfers need a running container). The validator reads guest NIC names
// and IP origins of vSphere VMs through these operations, as upstream does,
// so with -guest-dir the launcher answers them itself, honestly as a
// simulator: no program runs; a command's output is read from a file.
//
// Layout: GUEST_DIR/<VM name>/<key> holds what the command prints and
// GUEST_DIR/<VM name>/<key>.exit a non-zero exit status. key is the command
// line with every character outside [A-Za-z0-9._-] replaced by '_'
// ("ip -o link" -> "ip_-o_link"), or else the base name of its first word
// ("nmcli") to answer that program whatever its arguments. A command without
// an answer exits 127, as a shell says "command not found".
//
// Commands arrive as upstream sends them: /bin/bash -c '<cmd> > FILE 2>&1'
// on Linux, cmd.exe /c "<cmd> > FILE 2>&1" on Windows. The guest login is
// -guest-user / -guest-pass; any other answers InvalidGuestLogin. A VM that
// is not powered on answers GuestOperationsUnavailable.
package main

import (
	"flag"
	"fmt"
	"io/ioutil"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	guestDir  = flag.String("guest-dir", "", "answer guest operations from this folder (see guestops.go)")
	guestUser = flag.String("guest-user", "user", "the guest login guest operations accept")
	guestPass = flag.String("guest-pass", "pass", "the guest password guest operations accept")
)

const guestFilePrefix = "/mtv-guest-file/"

type guestProc struct {
	info types.GuestProcessInfo
}

// guestState is shared by the file and process managers and the transfer
// handler: files written by commands, processes run, transfers offered.
type guestState struct {
	mu        sync.Mutex
	files     map[string]string // "<vm>\x00<path>" -> content
	procs     map[string][]guestProc
	transfers map[string]string // id -> content
	next      int64
	scheme    string
}

type guestFileManager struct {
	mo.GuestFileManager
	g *guestState
}

type guestProcessManager struct {
	mo.GuestProcessManager
	g *guestState
}

// guestOpsInstall replaces the simulator's guest managers when -guest-dir is
// set. Call before Service.NewServer (the transfer handler is registered then).
func guestOpsInstall(svc *simulator.Service, https bool) {
	if *guestDir == "" {
		return
	}
	g := &guestState{files: map[string]string{}, procs: map[string][]guestProc{},
		transfers: map[string]string{}, scheme: "http"}
	if https {
		g.scheme = "https"
	}
	fm := &guestFileManager{g: g}
	fm.Self = types.ManagedObjectReference{Type: "GuestFileManager", Value: "guestOperationsFileManager"}
	pm := &guestProcessManager{g: g}
	pm.Self = types.ManagedObjectReference{Type: "GuestProcessManager", Value: "guestOperationsProcessManager"}
	simulator.Map.Put(fm)
	simulator.Map.Put(pm)
	svc.HandleFunc(guestFilePrefix, g.serveTransfer)
}

func (g *guestState) serveTransfer(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, guestFilePrefix)
	g.mu.Lock()
	content, ok := g.transfers[id]
	delete(g.transfers, id)
	g.mu.Unlock()
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write([]byte(content))
}

// guestVM checks the VM and the login; the VM's name, or a fault.
func guestVM(ref types.ManagedObjectReference, auth types.BaseGuestAuthentication) (string, *soap.Fault) {
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		return "", simulator.Fault("", &types.ManagedObjectNotFound{Obj: ref})
	}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		return "", simulator.Fault("", new(types.GuestOperationsUnavailable))
	}
	np, ok := auth.(*types.NamePasswordAuthentication)
	if !ok || np.Username != *guestUser || np.Password != *guestPass {
		return "", simulator.Fault("Failed to authenticate with the guest operating system using the supplied credentials.",
			new(types.InvalidGuestLogin))
	}
	return vm.Name, nil
}

func fileKey(vm, path string) string { return vm + "\x00" + path }

func (m *guestFileManager) CreateTemporaryFileInGuest(req *types.CreateTemporaryFileInGuest) soap.HasFault {
	body := new(methods.CreateTemporaryFileInGuestBody)
	vm, f := guestVM(req.Vm, req.Auth)
	if f != nil {
		body.Fault_ = f
		return body
	}
	dir := req.DirectoryPath
	sep := "/"
	if strings.Contains(dir, "\\") {
		sep = "\\"
	}
	if dir == "" {
		dir = "/tmp"
	}
	m.g.mu.Lock()
	m.g.next++
	path := fmt.Sprintf("%s%s%s%d%s", strings.TrimRight(dir, sep), sep, req.Prefix, m.g.next, req.Suffix)
	m.g.files[fileKey(vm, path)] = ""
	m.g.mu.Unlock()
	body.Res = &types.CreateTemporaryFileInGuestResponse{Returnval: path}
	return body
}

func (m *guestFileManager) InitiateFileTransferFromGuest(req *types.InitiateFileTransferFromGuest) soap.HasFault {
	body := new(methods.InitiateFileTransferFromGuestBody)
	vm, f := guestVM(req.Vm, req.Auth)
	if f != nil {
		body.Fault_ = f
		return body
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	content, ok := m.g.files[fileKey(vm, req.GuestFilePath)]
	if !ok {
		body.Fault_ = simulator.Fault("", &types.FileNotFound{FileFault: types.FileFault{File: req.GuestFilePath}})
		return body
	}
	m.g.next++
	id := fmt.Sprintf("t%d", m.g.next)
	m.g.transfers[id] = content
	body.Res = &types.InitiateFileTransferFromGuestResponse{Returnval: types.FileTransferInformation{
		Attributes: &types.GuestPosixFileAttributes{},
		Size:       int64(len(content)),
		// "*" stands for the host the client is connected to, as on vCenter
		Url: m.g.scheme + "://*" + guestFilePrefix + id,
	}}
	return body
}

func (m *guestFileManager) DeleteFileInGuest(req *types.DeleteFileInGuest) soap.HasFault {
	body := new(methods.DeleteFileInGuestBody)
	vm, f := guestVM(req.Vm, req.Auth)
	if f != nil {
		body.Fault_ = f
		return body
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	k := fileKey(vm, req.FilePath)
	if _, ok := m.g.files[k]; !ok {
		body.Fault_ = simulator.Fault("", &types.FileNotFound{FileFault: types.FileFault{File: req.FilePath}})
		return body
	}
	delete(m.g.files, k)
	body.Res = new(types.DeleteFileInGuestResponse)
	return body
}

var redirect = regexp.MustCompile(`^(.*\S)\s*>\s*(\S+)\s+2>&1\s*$`)

// shellUnquote undoes one level of POSIX single/double quoting.
func shellUnquote(s string) string {
	var b strings.Builder
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q == 0 && (c == '\'' || c == '"'):
			q = c
		case q != 0 && c == q:
			q = 0
		case q != '\'' && c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// guestCommand splits a program spec into the command and its output file.
func guestCommand(spec *types.GuestProgramSpec) (cmd, out string) {
	args := strings.TrimSpace(spec.Arguments)
	switch {
	case strings.HasPrefix(args, "-c "):
		args = shellUnquote(strings.TrimSpace(args[3:]))
	case strings.HasPrefix(strings.ToLower(args), "/c "):
		args = strings.TrimSpace(args[3:])
		args = strings.TrimSuffix(strings.TrimPrefix(args, "\""), "\"")
	default:
		args = strings.TrimSpace(spec.ProgramPath + " " + args)
	}
	if m := redirect.FindStringSubmatch(args); m != nil {
		return m[1], m[2]
	}
	return args, ""
}

func answerKey(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-", c)) {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// guestAnswer reads the answer of cmd for vm: its output and exit status.
func guestAnswer(vm, cmd string) (string, int32) {
	dir := filepath.Join(*guestDir, vm)
	keys := []string{answerKey(cmd)}
	if f := strings.Fields(cmd); len(f) > 0 {
		keys = append(keys, answerKey(filepath.Base(strings.ReplaceAll(f[0], "\\", "/"))))
	}
	for _, k := range keys {
		if len(k) > 200 {
			continue
		}
		data, err := ioutil.ReadFile(filepath.Join(dir, k))
		if err != nil {
			continue
		}
		var code int32
		if e, err := ioutil.ReadFile(filepath.Join(dir, k+".exit")); err == nil {
			fmt.Sscanf(strings.TrimSpace(string(e)), "%d", &code)
		}
		return string(data), code
	}
	return fmt.Sprintf("%s: command not found\n", strings.Fields(cmd + " ?")[0]), 127
}

func (m *guestProcessManager) StartProgramInGuest(req *types.StartProgramInGuest) soap.HasFault {
	body := new(methods.StartProgramInGuestBody)
	vm, f := guestVM(req.Vm, req.Auth)
	if f != nil {
		body.Fault_ = f
		return body
	}
	spec := req.Spec.GetGuestProgramSpec()
	cmd, out := guestCommand(spec)
	text, code := guestAnswer(vm, cmd)
	now := time.Now()
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.next++
	pid := 1000 + m.g.next
	if out != "" {
		m.g.files[fileKey(vm, out)] = text
	}
	m.g.procs[vm] = append(m.g.procs[vm], guestProc{info: types.GuestProcessInfo{
		Name: filepath.Base(spec.ProgramPath), Pid: pid, Owner: *guestUser,
		CmdLine: spec.ProgramPath + " " + spec.Arguments, StartTime: now, EndTime: &now, ExitCode: code,
	}})
	body.Res = &types.StartProgramInGuestResponse{Returnval: pid}
	return body
}

func (m *guestProcessManager) ListProcessesInGuest(req *types.ListProcessesInGuest) soap.HasFault {
	body := new(methods.ListProcessesInGuestBody)
	vm, f := guestVM(req.Vm, req.Auth)
	if f != nil {
		body.Fault_ = f
		return body
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	res := &types.ListProcessesInGuestResponse{}
	for _, p := range m.g.procs[vm] {
		want := len(req.Pids) == 0
		for _, pid := range req.Pids {
			want = want || pid == p.info.Pid
		}
		if want {
			res.Returnval = append(res.Returnval, p.info)
		}
	}
	body.Res = res
	return body
}
