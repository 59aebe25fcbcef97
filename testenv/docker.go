// Package testenv brings up the environments toplab runs in: real servers in
// containers (Redis, MariaDB) through testcontainers-go, and system nodes as
// local processes under a supervisor that can stop, kill and restart them.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/testcontainers/testcontainers-go"
)

// EnvRequireIntegration, set to 1, turns the skips of integration tests
// (no Docker daemon, no offline image) into failures; CI sets it.
const EnvRequireIntegration = "TOPLAB_REQUIRE_INTEGRATION"

// ryukImage is the reaper image testcontainers-go v0.41.0 starts; without it
// (offline machines) the reaper is disabled and cleanup relies on Terminate
// and on the io.toplab.testenv label (`make clean` removes what is left).
const ryukImage = "testcontainers/ryuk:0.13.0"

// LabelTestenv marks every container testenv starts.
const LabelTestenv = "io.toplab.testenv"

// ErrNoDocker is returned when no Docker daemon answers.
var ErrNoDocker = errors.New("docker daemon not reachable")

var (
	dockerOnce sync.Once
	dockerErr  error
	dockerCli  *client.Client
)

// Docker returns a client for the local daemon after checking that it answers
// and configuring testcontainers-go for this machine (reaper on or off). The
// result is computed once per process.
func Docker(ctx context.Context) (*client.Client, error) {
	dockerOnce.Do(func() {
		dockerCli, dockerErr = connectDocker(ctx)
	})
	return dockerCli, dockerErr
}

func connectDocker(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pingCtx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	cli.NegotiateAPIVersion(ctx)
	// testcontainers-go reads its configuration once, at its first use: decide before that.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		present, err := imagePresent(ctx, cli, ryukImage)
		if err != nil {
			cli.Close()
			return nil, err
		}
		if !present {
			os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
	}
	return cli, nil
}

// imagePresent reports whether ref exists in the local image store.
func imagePresent(ctx context.Context, cli *client.Client, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
}

// ensureImage pulls ref unless it is in the local store.
func ensureImage(ctx context.Context, cli *client.Client, ref string) error {
	present, err := imagePresent(ctx, cli, ref)
	if err != nil || present {
		return err
	}
	rc, err := cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return fmt.Errorf("not in the local store and not pullable: %w", err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil { // the pull runs as long as its progress stream is read
		return err
	}
	// A failed pull may report its error inside the stream: trust only the store.
	if present, err = imagePresent(ctx, cli, ref); err == nil && !present {
		err = errors.New("pull finished without the image")
	}
	return err
}

// imageLabels returns the labels of a local image, or ok=false when the image
// is not in the local store.
func imageLabels(ctx context.Context, cli *client.Client, ref string) (labels map[string]string, ok bool, err error) {
	img, err := cli.ImageInspect(ctx, ref)
	switch {
	case err == nil:
	case cerrdefs.IsNotFound(err):
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	if img.Config != nil {
		labels = img.Config.Labels
	}
	return labels, true, nil
}

// terminate removes a container (nil-safe); a short stop timeout keeps cleanup quick.
func terminate(c testcontainers.Container) error {
	return testcontainers.TerminateContainer(c, testcontainers.StopTimeout(5*time.Second))
}
