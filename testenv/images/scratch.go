package images

import (
	"archive/tar"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
)

// checkStatic refuses a binary that is not a statically linked ELF
// executable: FROM scratch there is no dynamic loader nor libc to load.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("images: toplab binary %s: not an ELF executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 256))
			return fmt.Errorf("images: toplab binary %s is dynamically linked (interpreter %s): build it with CGO_ENABLED=0",
				path, trimNUL(interp))
		}
	}
	return nil
}

func trimNUL(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// fileSHA256 returns the hex SHA-256 of the file's contents.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("images: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeScratchTar writes the whole filesystem of ToplabTag: the binary as
// /toplab, /data for the stores (any user may write it: the container may run
// as any uid) and /tmp for temporary files.
func writeScratchTar(w io.Writer, binary string) error {
	f, err := os.Open(binary)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("images: toplab binary %s is not a regular file", binary)
	}
	mtime := fi.ModTime().Truncate(time.Second)
	tw := tar.NewWriter(w)
	for _, h := range []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "data/", Mode: 0o777, ModTime: mtime},
		{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: mtime},
	} {
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("images: scratch tarball: %w", err)
		}
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: "toplab", Mode: 0o755, Size: fi.Size(), ModTime: mtime}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("images: scratch tarball: %w", err)
	}
	if n, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("images: scratch tarball: %w", err)
	} else if n != fi.Size() {
		return fmt.Errorf("images: %s changed while it was read", binary)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("images: scratch tarball: %w", err)
	}
	return nil
}
