module mtv-validate.local/vcsim

go 1.19

require (
	github.com/google/uuid v1.3.0
	github.com/vmware/govmomi v0.24.2
)

replace github.com/vmware/govmomi => /usr/share/gocode/src/github.com/vmware/govmomi

replace github.com/google/uuid => /usr/share/gocode/src/github.com/google/uuid
