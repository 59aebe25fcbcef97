package images

import (
	"regexp"
	"strings"
	"testing"
)

func TestRecipeHash(t *testing.T) {
	base := func() recipe {
		return recipe{
			Version:  recipeVersion,
			Suite:    suite,
			Variant:  variant,
			Packages: []string{"redis-server"},
			Files:    map[string]string{"setup.sh": "echo a", "entrypoint.sh": "exec \"$@\""},
			Changes:  []string{"ENV A=b"},
		}
	}
	want := base().hash()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(want) {
		t.Fatalf("hash %q is not hex SHA-256", want)
	}
	tests := []struct {
		name    string
		change  func(*recipe)
		changed bool
	}{
		{"nothing", func(*recipe) {}, false},
		{"same files built in another order", func(r *recipe) {
			r.Files = map[string]string{"entrypoint.sh": "exec \"$@\"", "setup.sh": "echo a"}
		}, false},
		{"version", func(r *recipe) { r.Version++ }, true},
		{"suite", func(r *recipe) { r.Suite = "trixie" }, true},
		{"variant", func(r *recipe) { r.Variant = "buildd" }, true},
		{"packages", func(r *recipe) { r.Packages = append(r.Packages, "redis-tools") }, true},
		{"script", func(r *recipe) { r.Files["setup.sh"] = "echo b" }, true},
		{"mirror", func(r *recipe) { r.Mirror = "http://127.0.0.1:3142/debian" }, true},
		{"changes", func(r *recipe) { r.Changes = []string{"ENV A=c"} }, true},
		{"base", func(r *recipe) { r.Base = "x" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.change(&r)
			if got := r.hash(); (got != want) != tt.changed {
				t.Errorf("hash changed = %v, want %v", got != want, tt.changed)
			}
		})
	}
}

// The image recipes depend on everything they are built from: the rootfs
// recipe (and so the mirror and setup script), the entrypoint script, the
// binary.
func TestImageRecipes(t *testing.T) {
	for _, s := range servers() {
		t.Run(s.name, func(t *testing.T) {
			if a, b := s.offlineRecipe("").hash(), s.offlineRecipe("").hash(); a != b {
				t.Error("offline recipe hash is not stable")
			}
			if s.offlineRecipe("").hash() == s.offlineRecipe("http://127.0.0.1/debian").hash() {
				t.Error("offline recipe hash ignores the mirror")
			}
			if s.entrypointRecipe("").hash() == s.offlineRecipe("").hash() {
				t.Error("entrypoint and offline images share a recipe hash")
			}
			other := s
			other.setup += "\ntrue\n"
			if s.offlineRecipe("").hash() == other.offlineRecipe("").hash() {
				t.Error("offline recipe hash ignores the setup script")
			}
			other = s
			other.entrypoint += "\n# changed\n"
			if s.entrypointRecipe("").hash() == other.entrypointRecipe("").hash() {
				t.Error("entrypoint recipe hash ignores the entrypoint script")
			}
		})
	}
	if toplabRecipe("aa").hash() == toplabRecipe("ab").hash() {
		t.Error("toplab recipe hash ignores the binary")
	}
}

func TestMariaDBSetupHasCredentials(t *testing.T) {
	for _, s := range servers() {
		if s.tag != MariaDBTag {
			continue
		}
		for _, want := range []string{
			"CREATE DATABASE IF NOT EXISTS `" + MariaDBDatabase + "`",
			"CREATE USER '" + MariaDBUser + "'@'%' IDENTIFIED BY '" + MariaDBPassword + "'",
		} {
			if !strings.Contains(s.setup, want) {
				t.Errorf("mariadb setup script lacks %q", want)
			}
		}
		return
	}
	t.Fatal("no mariadb server")
}
