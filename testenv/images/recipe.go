package images

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// recipeVersion is part of every recipe hash: bump it when the build steps in
// Go change in a way the hashed fields do not show, so that cached tarballs
// and images are rebuilt.
const recipeVersion = 1

// The Debian release and debootstrap variant of the server rootfs.
const (
	suite   = "bookworm"
	variant = "minbase"
)

// envPath is the PATH of every rootfs image: docker import sets none.
const envPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

//go:embed scripts/*.sh
var scripts embed.FS

func script(name string) string {
	b, err := scripts.ReadFile("scripts/" + name)
	if err != nil {
		panic("images: missing embedded script " + name) // a build-time fact
	}
	return string(b)
}

// recipe is everything an artefact (rootfs tarball or image) is built from;
// its hash names the tarball and labels the image (LabelRecipe).
type recipe struct {
	Version int `json:"version"`
	// Base is the hash of the rootfs recipe an image is imported from.
	Base     string   `json:"base,omitempty"`
	Suite    string   `json:"suite,omitempty"`
	Variant  string   `json:"variant,omitempty"`
	Packages []string `json:"packages,omitempty"`
	Mirror   string   `json:"mirror,omitempty"`
	// Files holds scripts run in the rootfs or added to the image, and
	// digests of binaries, by name.
	Files map[string]string `json:"files,omitempty"`
	// Changes are the docker import --change lines but the recipe label,
	// which carries this hash.
	Changes []string `json:"changes,omitempty"`
}

func (r recipe) hash() string {
	b, err := json.Marshal(r) // map keys are sorted: the encoding is stable
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// server describes one Debian server rootfs and the two images imported from
// it.
type server struct {
	name     string // tarball name prefix
	packages []string
	setup    string // shell script run in the rootfs after debootstrap

	tag     string   // offline image
	changes []string // its --change lines (but the recipe label)

	entryTag     string
	entrypoint   string   // script at entrypointPath in the entrypoint image
	entryChanges []string // its --change lines (but the recipe label)
	// emptyDirs keep their entry but lose their contents in the entrypoint
	// image, so that its first start initialises them as the public one does.
	emptyDirs []string
}

const entrypointPath = "usr/local/bin/docker-entrypoint.sh"

func servers() []server {
	mariadbSetup := strings.NewReplacer(
		"@DATABASE@", MariaDBDatabase,
		"@USER@", MariaDBUser,
		"@PASSWORD@", MariaDBPassword,
	).Replace(script("setup-mariadb.sh"))
	return []server{{
		name:     "redis",
		packages: []string{"redis-server"},
		setup:    script("setup-common.sh") + script("setup-redis.sh"),
		tag:      RedisTag,
		changes: []string{
			"ENV " + envPath,
			"LABEL " + LabelStartup + "=" + StartupOffline,
			"WORKDIR /data",
			`CMD ["/usr/bin/redis-server","--port","6379","--bind","127.0.0.1","--save","","--appendonly","no","--protected-mode","no"]`,
		},
		entryTag:   RedisEntrypointTag,
		entrypoint: script("redis-entrypoint.sh"),
		entryChanges: []string{
			"ENV " + envPath,
			"LABEL " + LabelStartup + "=" + StartupEntrypoint,
			"VOLUME /data",
			"WORKDIR /data",
			"EXPOSE 6379",
			`ENTRYPOINT ["/` + entrypointPath + `"]`,
			`CMD ["redis-server"]`,
		},
	}, {
		name:     "mariadb",
		packages: []string{"mariadb-server"},
		setup:    script("setup-common.sh") + mariadbSetup,
		tag:      MariaDBTag,
		changes: []string{
			"ENV " + envPath,
			"LABEL " + LabelStartup + "=" + StartupOffline,
			`CMD ["/usr/sbin/mariadbd","--user=root","--datadir=/var/lib/mysql","--port=3306","--bind-address=127.0.0.1","--socket=/run/mysqld/mysqld.sock","--skip-name-resolve"]`,
		},
		entryTag:   MariaDBEntrypointTag,
		entrypoint: script("mariadb-entrypoint.sh"),
		entryChanges: []string{
			"ENV " + envPath,
			"LABEL " + LabelStartup + "=" + StartupEntrypoint,
			"VOLUME /var/lib/mysql",
			"EXPOSE 3306",
			`ENTRYPOINT ["/` + entrypointPath + `"]`,
			`CMD ["mariadbd"]`,
		},
		emptyDirs: []string{"var/lib/mysql"},
	}}
}

// rootfsRecipe is the recipe of the server's rootfs tarball.
func (s server) rootfsRecipe(mirror string) recipe {
	return recipe{
		Version:  recipeVersion,
		Suite:    suite,
		Variant:  variant,
		Packages: s.packages,
		Mirror:   mirror,
		Files:    map[string]string{"setup.sh": s.setup},
	}
}

func (s server) offlineRecipe(mirror string) recipe {
	return recipe{Version: recipeVersion, Base: s.rootfsRecipe(mirror).hash(), Changes: s.changes}
}

func (s server) entrypointRecipe(mirror string) recipe {
	return recipe{
		Version: recipeVersion,
		Base:    s.rootfsRecipe(mirror).hash(),
		Files:   map[string]string{entrypointPath: s.entrypoint, "empty-dirs": strings.Join(s.emptyDirs, "\n")},
		Changes: s.entryChanges,
	}
}

// toplabChanges are the --change lines of ToplabTag (but the recipe label).
var toplabChanges = []string{
	`ENTRYPOINT ["/toplab"]`,
	"VOLUME /data",
	"WORKDIR /data",
	"ENV TMPDIR=/tmp",
}

// toplabRecipe is the recipe of ToplabTag for a binary of the given digest.
func toplabRecipe(binarySHA256 string) recipe {
	return recipe{
		Version: recipeVersion,
		Files:   map[string]string{"toplab.sha256": binarySHA256},
		Changes: toplabChanges,
	}
}
