//go:build !linux

package devstack

import "syscall"

// serverSysProcAttr puts the server in its own process group, so Stop can
// signal everything it started. Only Linux can also tie its life to ours.
func serverSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
