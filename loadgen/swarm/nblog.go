package swarm

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/lesismal/nbio/logging"
)

var nbioLogOnce sync.Once

// quietNBIO routes nbio's process-wide logger (stdout by default) to
// slog.Default, warnings and errors only: its info lines would mix with the
// output of whoever runs the swarm.
func quietNBIO() { nbioLogOnce.Do(func() { logging.SetLogger(nbioLogger{}) }) }

type nbioLogger struct{}

func (nbioLogger) Debug(string, ...any) {}
func (nbioLogger) Info(string, ...any)  {}
func (nbioLogger) Warn(format string, v ...any) {
	slog.Warn("nbio: " + fmt.Sprintf(format, v...))
}
func (nbioLogger) Error(format string, v ...any) {
	slog.Error("nbio: " + fmt.Sprintf(format, v...))
}
