package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// setupPath is where the setup script is written in the rootfs while it runs.
const setupPath = "/toplab-setup.sh"

// rootfsTarball returns the path of the server's rootfs tarball in the cache
// directory, building it first when it is not there: debootstrap, the setup
// script in a chroot, tar. Work happens in a temporary directory next to the
// tarball, which is renamed into place only when complete.
func (b *builder) rootfsTarball(ctx context.Context, s server) (string, error) {
	dst := filepath.Join(b.opt.CacheDir, s.name+"-"+s.rootfsRecipe(b.opt.Mirror).hash()+".tar")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("images: building the %s rootfs needs root (debootstrap, chroot)", s.name)
	}
	debootstrap, err := findTool("debootstrap", "debootstrap")
	if err != nil {
		return "", err
	}
	tarBin, err := findTool("tar", "tar")
	if err != nil {
		return "", err
	}
	debs := filepath.Join(b.opt.CacheDir, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	tmp, err := os.MkdirTemp(b.opt.CacheDir, buildDirPrefix+s.name+"-")
	if err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	defer func() {
		if err := removeTree(tmp); err != nil {
			b.logf("images: %v", err)
		}
	}()
	root := filepath.Join(tmp, "rootfs")

	args := []string{"--variant=" + variant, "--cache-dir=" + debs}
	for _, p := range s.packages {
		args = append(args, "--include="+p)
	}
	args = append(args, suite, root)
	if b.opt.Mirror != "" {
		args = append(args, b.opt.Mirror)
	}
	if err := b.step(s.name+" rootfs: debootstrap", func() error {
		return runLogged(ctx, exec.Command(debootstrap, args...))
	}); err != nil {
		return "", err
	}

	if err := b.step(s.name+" rootfs: setup script", func() error {
		if err := os.WriteFile(filepath.Join(root, setupPath), []byte(s.setup), 0o755); err != nil {
			return fmt.Errorf("images: %w", err)
		}
		cmd := exec.Command("/bin/sh", setupPath)
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
		cmd.Dir = "/"
		cmd.Env = []string{envPath, "HOME=/root", "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive"}
		if err := runLogged(ctx, cmd); err != nil {
			return err
		}
		return os.Remove(filepath.Join(root, setupPath))
	}); err != nil {
		return "", err
	}

	out := filepath.Join(tmp, "rootfs.tar")
	if err := b.step(s.name+" rootfs: tar", func() error {
		// Numeric owners: the rootfs's users, not the host's. /proc, /sys
		// and /dev are mount points at run time: their contents (device
		// nodes made by debootstrap) do not belong in the image.
		cmd := exec.Command(tarBin, "--create", "--file="+out, "--numeric-owner",
			"--anchored", "--exclude=./proc/*", "--exclude=./sys/*", "--exclude=./dev/*",
			"--directory="+root, ".")
		if err := runLogged(ctx, cmd); err != nil {
			return err
		}
		return syncFile(out)
	}); err != nil {
		return "", err
	}
	if err := os.Rename(out, dst); err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	// Tarballs of older recipes are half a GiB each and never used again.
	old, _ := filepath.Glob(filepath.Join(b.opt.CacheDir, s.name+"-*.tar"))
	for _, o := range old {
		if o != dst {
			_ = os.Remove(o)
		}
	}
	return dst, nil
}

// buildDirPrefix names the temporary build directories in the cache
// directory, so that those an interrupted build left can be found.
const buildDirPrefix = "build-"

// removeStaleBuilds removes what interrupted builds left in the cache
// directory. The caller holds the cache lock, so no build is running.
func removeStaleBuilds(cacheDir string) error {
	dirs, err := filepath.Glob(filepath.Join(cacheDir, buildDirPrefix+"*"))
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	var errs []error
	for _, d := range dirs {
		errs = append(errs, removeTree(d))
	}
	return errors.Join(errs...)
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("images: sync %s: %w", name, err)
	}
	return nil
}

// runLogged runs cmd and returns the tail of its output with the error when it
// fails. cmd runs in its own process group, killed whole when ctx ends
// (debootstrap runs dpkg, which runs maintainer scripts), and gets SIGKILL if
// this process dies first, so that no debootstrap outlives the build.
func runLogged(ctx context.Context, cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	// Pdeathsig fires when the thread that started the child exits, not the
	// process: keep this goroutine on its thread until the child is done.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A process that escaped the group must not keep Wait waiting for its
	// end of the output pipe.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("images: %s: %w", cmd.Path, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	stop()
	if ctx.Err() != nil {
		return fmt.Errorf("images: %s: %w", filepath.Base(cmd.Path), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("images: %s %v: %w\n%s", filepath.Base(cmd.Path), cmd.Args[1:], err, out.String())
	}
	return nil
}

// tailBuffer keeps the last few KiB written to it: enough to show why a
// command failed without holding debootstrap's whole log.
type tailBuffer struct{ b []byte }

const tailMax = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailMax {
		t.b = append(t.b[:0], t.b[len(t.b)-tailMax:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if len(t.b) > tailMax {
		return "..." + string(t.b[len(t.b)-tailMax:])
	}
	return string(t.b)
}

// elapsed rounds a duration for progress lines.
func elapsed(start time.Time) time.Duration {
	d := time.Since(start)
	if d > time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
