package nbioguard

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/lesismal/nbio/logging"
)

var nbioLogOnce sync.Once

// RouteLogs routes nbio's process-wide logger to slog.Default: its warnings
// and errors (recovered panics, accept failures) matter, its info lines
// (one per engine start and stop) do not.
func RouteLogs() { nbioLogOnce.Do(func() { logging.SetLogger(nbioLogger{}) }) }

type nbioLogger struct{}

func (nbioLogger) Debug(string, ...any) {}
func (nbioLogger) Info(string, ...any)  {}
func (nbioLogger) Warn(format string, v ...any) {
	slog.Warn("nbio: " + fmt.Sprintf(format, v...))
}
func (nbioLogger) Error(format string, v ...any) {
	slog.Error("nbio: " + fmt.Sprintf(format, v...))
}
