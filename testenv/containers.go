package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/toplab/toplab/testenv/images"
)

// ErrNoImage is returned when neither the offline image nor the public one can be had.
var ErrNoImage = errors.New("server image not available")

// ContainerOptions tunes how a server container starts; the zero value is the default.
type ContainerOptions struct {
	// Image overrides the image choice (env variable, offline image, public image).
	Image string
	// StartupTimeout bounds the wait until the server answers; default 90 s.
	StartupTimeout time.Duration
	// Logger receives testcontainers-go's progress lines; default none.
	Logger tclog.Logger
}

// Container is one running server container on host networking.
type Container struct {
	Image   string // the image it runs
	Startup string // images.StartupOffline or images.StartupEntrypoint
	Port    int    // the port it listens on, on 127.0.0.1

	c     testcontainers.Container
	ready func(ctx context.Context) error
	wait  time.Duration
}

// server describes one kind of containerised server.
type server struct {
	name        string
	envImage    string // variable that overrides the image
	offlineTag  string
	publicImage string
	// command returns the container's Cmd and Env for the start-up flavour.
	command func(startup string, port int) (cmd []string, env map[string]string)
	// ready returns nil once the server answers on port.
	ready func(ctx context.Context, port int) error
}

// chooseImage picks the image: the override, then the offline image when it
// exists locally, then the public name. The start-up flavour comes from the
// image's label; images without it (public ones) configure themselves through
// their entrypoint.
func chooseImage(override, offline, public string, lookup func(ref string) (map[string]string, bool, error)) (image, startup string, err error) {
	image = public
	switch {
	case override != "":
		image = override
	case offline != "":
		_, ok, err := lookup(offline)
		if err != nil {
			return "", "", err
		}
		if ok {
			image = offline
		}
	}
	labels, _, err := lookup(image)
	if err != nil {
		return "", "", err
	}
	startup = labels[images.LabelStartup]
	if startup == "" {
		startup = images.StartupEntrypoint
	}
	return image, startup, nil
}

// start runs s in a container with host networking on a free port and waits until it answers.
func (s server) start(ctx context.Context, opt ContainerOptions) (*Container, error) {
	cli, err := Docker(ctx)
	if err != nil {
		return nil, err
	}
	override := os.Getenv(s.envImage)
	if opt.Image != "" {
		override = opt.Image
	}
	image, startup, err := chooseImage(override, s.offlineTag, s.publicImage, func(ref string) (map[string]string, bool, error) {
		return imageLabels(ctx, cli, ref)
	})
	if err != nil {
		return nil, err
	}
	if err := ensureImage(ctx, cli, image); err != nil {
		return nil, fmt.Errorf("%w: %s: %v; build the offline image %s with `make images`", ErrNoImage, image, err, s.offlineTag)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd, env := s.command(startup, port)
	logger := opt.Logger
	if logger == nil {
		logger = tclog.Default()
	}
	req := testcontainers.ContainerRequest{
		Image:  image,
		Cmd:    cmd,
		Env:    env,
		Labels: map[string]string{LabelTestenv: s.name},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.NetworkMode = "host" // all traffic stays on 127.0.0.1; no bridge exists here
		},
	}
	c, err := createAndStart(ctx, req, logger)
	if err != nil {
		terminate(c)
		return nil, fmt.Errorf("start %s (%s): %w", s.name, image, err)
	}
	wait := opt.StartupTimeout
	if wait <= 0 {
		wait = 90 * time.Second
	}
	ct := &Container{Image: image, Startup: startup, Port: port, c: c, wait: wait,
		ready: func(ctx context.Context) error { return s.ready(ctx, port) }}
	if err := ct.waitReady(ctx); err != nil {
		terminate(c)
		return nil, err
	}
	return ct, nil
}

// createAndStart runs req with a provider whose default network is the host
// network: testcontainers would otherwise create a bridge network (with a
// private-range subnet) to attach every container to.
func createAndStart(ctx context.Context, req testcontainers.ContainerRequest, logger tclog.Logger) (testcontainers.Container, error) {
	provider, err := testcontainers.NewDockerProvider(testcontainers.WithDefaultBridgeNetwork("host"), testcontainers.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	c, err := provider.CreateContainer(ctx, req)
	if err != nil {
		return c, err
	}
	return c, c.Start(ctx)
}

// waitReady polls the server until it answers or the start-up timeout passes.
func (c *Container) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.wait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.ready(ctx)
		if err == nil {
			return nil
		}
		if st, serr := c.c.State(ctx); serr == nil && !st.Running {
			return fmt.Errorf("%s exited (code %d) before answering: %v\n%s", c.Image, st.ExitCode, err, c.Logs())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on 127.0.0.1:%d within %s: %v\n%s", c.Image, c.Port, c.wait, err, c.Logs())
		case <-tick.C:
		}
	}
}

// Logs returns the container's output, for error messages.
func (c *Container) Logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.c.Logs(ctx)
	if err != nil {
		return "(no logs: " + err.Error() + ")"
	}
	defer r.Close()
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	return string(b)
}

// Restart stops the server (SIGTERM, then SIGKILL after timeout) and starts it
// again with the same port and data, then waits until it answers.
func (c *Container) Restart(ctx context.Context, timeout time.Duration) error {
	if err := c.c.Stop(ctx, &timeout); err != nil {
		return fmt.Errorf("stop %s: %w", c.Image, err)
	}
	if err := c.c.Start(ctx); err != nil {
		return fmt.Errorf("start %s: %w", c.Image, err)
	}
	return c.waitReady(ctx)
}

// ID returns the container's ID.
func (c *Container) ID() string { return c.c.GetContainerID() }

// Terminate removes the container and its data.
func (c *Container) Terminate() error { return terminate(c.c) }
