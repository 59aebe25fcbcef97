package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// MirrorEnv names the environment variable that overrides debootstrap's
// default Debian mirror.
const MirrorEnv = "TOPLAB_DEBIAN_MIRROR"

// Options configure Build; the zero value builds every image but ToplabTag
// with the defaults below.
type Options struct {
	// CacheDir holds the rootfs tarballs and debootstrap's package cache.
	// Default: $XDG_CACHE_HOME/toplab/images, else ~/.cache/toplab/images.
	CacheDir string
	// Binary is the statically linked toplab binary put in ToplabTag; empty
	// skips that image.
	Binary string
	// Mirror is the Debian mirror debootstrap uses. Default: $TOPLAB_DEBIAN_MIRROR,
	// else debootstrap's own default.
	Mirror string
	// Only restricts the build to these tags (the *Tag constants).
	Only []string
	// Log receives one progress line per step, with its elapsed time.
	Log io.Writer
}

// Result tells what Build did for one image.
type Result struct {
	Tag string
	// Cached is true when the image was already there with the current
	// recipe, and nothing was done.
	Cached   bool
	Duration time.Duration
	ID       string // image ID, "sha256:..."
}

// Build makes the images (all or opt.Only) that are missing or whose recipe
// changed, and returns one Result per image, in the order of AllTags; on an
// error, the Results of the images done before come with it. It is safe to
// call concurrently, from several processes too: builds take a lock in the
// cache directory. Building a rootfs needs root (debootstrap, chroot).
func Build(ctx context.Context, opt Options) ([]Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	todo, err := opt.images()
	if err != nil {
		return nil, err
	}
	d, err := findDocker()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("images: cache directory: %w", err)
	}
	b := &builder{opt: opt, docker: d}
	unlock, err := lockCache(ctx, opt.CacheDir, b.logf)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := removeStaleBuilds(opt.CacheDir); err != nil {
		return nil, err
	}
	var results []Result
	for _, im := range todo {
		r, err := b.build(ctx, im)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.CacheDir == "" {
		base, err := os.UserCacheDir() // $XDG_CACHE_HOME, else ~/.cache
		if err != nil {
			return o, fmt.Errorf("images: no cache directory: set Options.CacheDir: %w", err)
		}
		o.CacheDir = filepath.Join(base, "toplab", "images")
	}
	// debootstrap --cache-dir wants an absolute path.
	dir, err := filepath.Abs(o.CacheDir)
	if err != nil {
		return o, fmt.Errorf("images: cache directory: %w", err)
	}
	o.CacheDir = dir
	if o.Mirror == "" {
		o.Mirror = os.Getenv(MirrorEnv)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}

// image is one image to build.
type image struct {
	tag    string
	recipe recipe
	// changes are the --change lines but the recipe label.
	changes []string
	// server is the rootfs the image is imported from; nil for ToplabTag.
	server *server
	entry  bool // the entrypoint image of server
}

// AllTags lists the tags Build knows, in the order it builds them.
func AllTags() []string {
	return []string{RedisTag, RedisEntrypointTag, MariaDBTag, MariaDBEntrypointTag, ToplabTag}
}

// images lists what o asks for, checking Only and Binary.
func (o Options) images() ([]image, error) {
	for _, t := range o.Only {
		if !slices.Contains(AllTags(), t) {
			return nil, fmt.Errorf("images: unknown tag %q (known: %s)", t, strings.Join(AllTags(), ", "))
		}
	}
	wanted := func(tag string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, tag) }
	var todo []image
	for _, s := range servers() {
		if wanted(s.tag) {
			todo = append(todo, image{tag: s.tag, recipe: s.offlineRecipe(o.Mirror), changes: s.changes, server: &s})
		}
		if wanted(s.entryTag) {
			todo = append(todo, image{tag: s.entryTag, recipe: s.entrypointRecipe(o.Mirror), changes: s.entryChanges, server: &s, entry: true})
		}
	}
	switch {
	case o.Binary != "" && wanted(ToplabTag):
		if err := checkStatic(o.Binary); err != nil {
			return nil, err
		}
		sum, err := fileSHA256(o.Binary)
		if err != nil {
			return nil, err
		}
		todo = append(todo, image{tag: ToplabTag, recipe: toplabRecipe(sum), changes: toplabChanges})
	case len(o.Only) > 0 && slices.Contains(o.Only, ToplabTag):
		return nil, fmt.Errorf("images: %s asked for but Options.Binary is empty", ToplabTag)
	}
	return todo, nil
}

type builder struct {
	opt    Options
	docker docker
}

func (b *builder) logf(format string, args ...any) {
	fmt.Fprintf(b.opt.Log, format+"\n", args...)
}

// step runs f and logs its outcome with the elapsed time.
func (b *builder) step(what string, f func() error) error {
	start := time.Now()
	err := f()
	if err != nil {
		b.logf("images: %s: failed after %s", what, elapsed(start))
		return err
	}
	b.logf("images: %s: %s", what, elapsed(start))
	return nil
}

// build makes one image unless the tag already carries its recipe hash.
func (b *builder) build(ctx context.Context, im image) (Result, error) {
	start := time.Now()
	hash := im.recipe.hash()
	oldID, labels, found, err := b.docker.image(ctx, im.tag)
	if err != nil {
		return Result{}, err
	}
	if found && labels[LabelRecipe] == hash {
		b.logf("images: %s: cached: %s", im.tag, elapsed(start))
		return Result{Tag: im.tag, Cached: true, Duration: time.Since(start), ID: oldID}, nil
	}
	changes := append(slices.Clone(im.changes), "LABEL "+LabelRecipe+"="+hash)
	// produce writes the image's filesystem tarball for docker import.
	produce := func(w io.Writer) error { return writeScratchTar(w, b.opt.Binary) }
	if s := im.server; s != nil {
		src, err := b.rootfsTarball(ctx, *s)
		if err != nil {
			return Result{}, err
		}
		produce = func(w io.Writer) error { return copyFile(w, src) }
		if im.entry {
			produce = func(w io.Writer) error { return writeEntrypointTar(w, src, s.emptyDirs, s.entrypoint) }
		}
	}
	var id string
	err = b.step(im.tag+": docker import", func() error {
		id, err = b.docker.importStream(ctx, im.tag, changes, produce)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if found {
		// The image of the previous recipe is now untagged; remove it unless
		// a container still uses it.
		_, _ = b.docker.run(ctx, nil, "image", "rm", oldID)
	}
	return Result{Tag: im.tag, Duration: time.Since(start), ID: id}, nil
}

func copyFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
