// Package images builds toplab's offline Docker images: Redis and MariaDB on a
// Debian minbase rootfs (debootstrap + docker import), and toplab itself FROM
// scratch. They exist because public images cannot be pulled on air-gapped
// machines; testenv prefers them when they are present.
package images

// Tags of the images this package builds.
const (
	RedisTag   = "toplab/redis:local"
	MariaDBTag = "toplab/mariadb:local"
	ToplabTag  = "toplab/toplab:local"

	// The entrypoint images honour the start-up contract of the public images
	// (redis:7.0, mariadb:10.11: entrypoint scripts configured by environment
	// variables and arguments) on the same Debian rootfs, so testenv's public
	// start-up path is tested where the public images cannot be pulled.
	RedisEntrypointTag   = "toplab/redis:entrypoint"
	MariaDBEntrypointTag = "toplab/mariadb:entrypoint"
)

// Labels carried by the images this package builds.
const (
	// LabelStartup says how a container of the image is started: StartupOffline
	// (testenv passes the server's full command line) or StartupEntrypoint (the
	// image's entrypoint configures the server from environment variables, as
	// the public images do). Images without the label are public images.
	LabelStartup = "io.toplab.startup"
	// LabelRecipe is the hash of everything the image was built from; a build
	// whose recipe hash matches the existing image's label is skipped.
	LabelRecipe = "io.toplab.recipe"

	StartupOffline    = "offline"
	StartupEntrypoint = "entrypoint"
)

// Credentials baked into the offline MariaDB image and requested from
// entrypoint images; test servers only listen on 127.0.0.1.
const (
	MariaDBUser     = "toplab"
	MariaDBPassword = "toplab"
	MariaDBDatabase = "toplab"
)
