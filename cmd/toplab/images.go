package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/toplab/toplab/testenv/images"
)

func runImages(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "images", "[flags]")
	cacheDir := fs.String("cache-dir", "", "where rootfs tarballs and downloaded packages are kept (default ~/.cache/toplab/images)")
	binary := fs.String("binary", "", "static toplab binary for "+images.ToplabTag+" (default: this executable)")
	only := fs.String("only", "", "comma-separated subset of image tags to build")
	mirror := fs.String("mirror", "", "Debian mirror for debootstrap (default $TOPLAB_DEBIAN_MIRROR or debootstrap's own)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	opt := images.Options{CacheDir: *cacheDir, Binary: *binary, Mirror: *mirror, Log: env.stderr}
	if opt.Binary == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable: %w", err)
		}
		opt.Binary = self
	}
	if *only != "" {
		for _, tag := range strings.Split(*only, ",") {
			opt.Only = append(opt.Only, strings.TrimSpace(tag))
		}
	}
	start := time.Now()
	results, err := images.Build(ctx, opt)
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSTATE\tTOOK\tID")
	for _, r := range results {
		state := "built"
		if r.Cached {
			state = "cached"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Tag, state, r.Duration.Round(time.Millisecond), shortID(r.ID))
	}
	tw.Flush()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d images ready in %s\n", len(results), time.Since(start).Round(time.Millisecond))
	return nil
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
