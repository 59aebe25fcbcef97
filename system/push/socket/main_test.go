package socket_test

import (
	"log/slog"
	"os"
	"testing"
)

// panics collects nbio's reports of recovered panics for every test.
var panics = &panicLog{Handler: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runRole(role))
	}
	slog.SetDefault(slog.New(panics))
	os.Exit(m.Run())
}
