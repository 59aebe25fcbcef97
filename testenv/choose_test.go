package testenv

import (
	"errors"
	"testing"

	"github.com/toplab/toplab/testenv/images"
)

func TestChooseImage(t *testing.T) {
	local := map[string]map[string]string{
		images.RedisTag:           {images.LabelStartup: images.StartupOffline},
		images.RedisEntrypointTag: {images.LabelStartup: images.StartupEntrypoint},
		"redis:6.2":               {}, // a pulled public image: no toplab labels
	}
	lookup := func(present map[string]map[string]string) func(string) (map[string]string, bool, error) {
		return func(ref string) (map[string]string, bool, error) {
			l, ok := present[ref]
			return l, ok, nil
		}
	}
	tests := []struct {
		name, override      string
		present             map[string]map[string]string
		wantImage, wantMode string
	}{
		{"offline image first", "", local, images.RedisTag, images.StartupOffline},
		{"public when offline absent", "", map[string]map[string]string{}, "redis:7.0", images.StartupEntrypoint},
		{"override wins over offline", "redis:6.2", local, "redis:6.2", images.StartupEntrypoint},
		{"override to entrypoint stand-in", images.RedisEntrypointTag, local, images.RedisEntrypointTag, images.StartupEntrypoint},
		{"override to offline image", images.RedisTag, local, images.RedisTag, images.StartupOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, mode, err := chooseImage(tt.override, images.RedisTag, "redis:7.0", lookup(tt.present))
			if err != nil {
				t.Fatal(err)
			}
			if img != tt.wantImage || mode != tt.wantMode {
				t.Fatalf("chooseImage = %s (%s), want %s (%s)", img, mode, tt.wantImage, tt.wantMode)
			}
		})
	}
	boom := errors.New("daemon gone")
	_, _, err := chooseImage("", images.RedisTag, "redis:7.0", func(string) (map[string]string, bool, error) { return nil, false, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("lookup error not returned: %v", err)
	}
}

func TestServerCommandsPerStartupPath(t *testing.T) {
	cmd, env := redisServer.command(images.StartupOffline, 6390)
	if cmd[0] != "/usr/bin/redis-server" || env != nil {
		t.Fatalf("offline redis command = %q env %v", cmd, env)
	}
	cmd, _ = redisServer.command(images.StartupEntrypoint, 6390)
	if cmd[0] != "redis-server" || cmd[2] != "6390" {
		t.Fatalf("entrypoint redis command = %q", cmd)
	}
	cmd, env = mariadbServer.command(images.StartupOffline, 3310)
	if cmd[0] != "/usr/sbin/mariadbd" || len(env) != 0 {
		t.Fatalf("offline mariadb command = %q env %v", cmd, env)
	}
	cmd, env = mariadbServer.command(images.StartupEntrypoint, 3310)
	if cmd[0] != "--port=3310" || env["MARIADB_USER"] != images.MariaDBUser || env["MARIADB_DATABASE"] != images.MariaDBDatabase {
		t.Fatalf("entrypoint mariadb command = %q env %v", cmd, env)
	}
}
