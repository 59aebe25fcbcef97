package images

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"
)

// writeEntrypointTar copies the rootfs tarball at src to w for an entrypoint
// image: the contents of emptyDirs are dropped (the public images start with
// an empty datadir and initialise it; so must the stand-ins) and the
// entrypoint script is added, executable, at entrypointPath.
func writeEntrypointTar(w io.Writer, src string, emptyDirs []string, entrypoint string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("images: read %s: %w", src, err)
		}
		if under(hdr.Name, emptyDirs) || clean(hdr.Name) == entrypointPath {
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("images: entrypoint tarball: %w", err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("images: entrypoint tarball: %w", err)
		}
	}
	err = tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     entrypointPath,
		Mode:     0o755,
		Size:     int64(len(entrypoint)),
		ModTime:  time.Unix(0, 0),
	})
	if err == nil {
		_, err = io.WriteString(tw, entrypoint)
	}
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return fmt.Errorf("images: entrypoint tarball: %w", err)
	}
	return nil
}

// clean turns a member name ("./var/lib/mysql/", "var/lib/mysql") into a
// relative slash path without dot or trailing slash ("var/lib/mysql").
func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// under says whether name lies strictly inside one of dirs.
func under(name string, dirs []string) bool {
	n := clean(name)
	for _, d := range dirs {
		if strings.HasPrefix(n, clean(d)+"/") {
			return true
		}
	}
	return false
}
