package images

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// docker runs the docker CLI: it talks to whatever daemon the user's docker
// context points at, and needs no SDK version negotiation with old daemons.
type docker struct{ bin string }

func findDocker() (docker, error) {
	bin, err := findTool("docker", "docker.io")
	return docker{bin: bin}, err
}

// findTool finds an executable in PATH or the sbin directories (which a
// non-login root shell may lack), naming its Debian package when it is missing.
func findTool(name, pkg string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		if p, err := exec.LookPath(dir + "/" + name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("images: %s not found: install it with `make deps` (Debian package %s)", name, pkg)
}

func (d docker) run(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", &dockerError{args: args[0], msg: msg, err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

type dockerError struct {
	args string
	msg  string
	err  error
}

func (e *dockerError) Error() string { return "docker " + e.args + ": " + e.msg }
func (e *dockerError) Unwrap() error { return e.err }

// image returns the ID and labels of the local image tag; found is false when
// there is no such image.
func (d docker) image(ctx context.Context, tag string) (id string, labels map[string]string, found bool, err error) {
	out, err := d.run(ctx, nil, "image", "inspect", "--format", "{{json .Id}} {{json .Config.Labels}}", tag)
	if err != nil {
		var de *dockerError
		if errors.As(err, &de) && strings.Contains(strings.ToLower(de.msg), "no such image") {
			return "", nil, false, nil
		}
		return "", nil, false, fmt.Errorf("images: inspect %s: %w", tag, err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&id); err != nil {
		return "", nil, false, fmt.Errorf("images: inspect %s: %q: %w", tag, out, err)
	}
	if err := dec.Decode(&labels); err != nil {
		return "", nil, false, fmt.Errorf("images: inspect %s: %q: %w", tag, out, err)
	}
	return id, labels, true, nil
}

// importTar imports the image tarball read from r as tag, applying changes
// (Dockerfile instructions), and returns the new image's ID.
func (d docker) importTar(ctx context.Context, tag string, changes []string, r io.Reader) (string, error) {
	args := []string{"import", "--message", "toplab testenv/images"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	args = append(args, "-", tag)
	id, err := d.run(ctx, r, args...)
	if err != nil {
		return "", fmt.Errorf("images: import %s: %w", tag, err)
	}
	return id, nil
}

// importStream imports the tarball that produce writes. A tarball cut short
// must not become an image, so a failing produce kills docker import before
// it can see the end of its input, and removes the image should one appear.
func (d docker) importStream(ctx context.Context, tag string, changes []string, produce func(io.Writer) error) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	produced := make(chan error, 1)
	go func() {
		err := produce(pw)
		if err != nil {
			cancel()
		}
		pw.CloseWithError(err) // nil: a clean end of input
		produced <- err
	}()
	id, err := d.importTar(ctx, tag, changes, pr)
	pr.CloseWithError(errors.New("docker import ended")) // unblocks produce
	perr := <-produced
	switch {
	case err != nil:
		return "", err
	case perr != nil:
		_, _ = d.run(context.WithoutCancel(ctx), nil, "image", "rm", id)
		return "", fmt.Errorf("images: write %s tarball: %w", tag, perr)
	}
	return id, nil
}
