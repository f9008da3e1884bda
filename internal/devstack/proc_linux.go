package devstack

import "syscall"

// serverSysProcAttr puts the server in its own process group, so Stop can
// signal everything it started, and asks the kernel to SIGTERM it when we die
// (a test binary killed on timeout never runs its cleanup, and an orphaned dev
// server would keep its ports). Caveat of Pdeathsig: it fires when the OS
// thread that forked the child exits, which Go only does for goroutines that
// exit while holding runtime.LockOSThread.
func serverSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
