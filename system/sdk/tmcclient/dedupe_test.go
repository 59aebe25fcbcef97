package tmcclient

import "testing"

func TestDedupeClassifiesIDs(t *testing.T) {
	type step struct {
		op   string // "admit", "complete", "abandon"
		id   int64
		want verdict // for admit
	}
	tests := []struct {
		name   string
		window int
		steps  []step
	}{
		{"fresh, in flight, handled", 10, []step{
			{"admit", 1, fresh}, {"admit", 1, inFlight}, {"complete", 1, 0}, {"admit", 1, handled}, {"admit", 1, handled},
		}},
		{"an abandoned id is fresh again", 10, []step{
			{"admit", 2, fresh}, {"abandon", 2, 0}, {"admit", 2, fresh},
		}},
		{"the oldest handled id leaves a full window", 2, []step{
			{"admit", 1, fresh}, {"complete", 1, 0},
			{"admit", 2, fresh}, {"complete", 2, 0},
			{"admit", 3, fresh}, {"complete", 3, 0}, // evicts 1
			{"admit", 1, fresh}, {"admit", 2, handled}, {"admit", 3, handled},
			{"complete", 1, 0}, // evicts 2
			{"admit", 2, fresh}, {"admit", 3, handled}, {"admit", 1, handled},
		}},
		{"a repeated completion takes one slot", 2, []step{
			{"admit", 1, fresh}, {"complete", 1, 0}, {"complete", 1, 0},
			{"admit", 2, fresh}, {"complete", 2, 0},
			{"admit", 1, handled}, {"admit", 2, handled},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDedupe(tt.window)
			for i, s := range tt.steps {
				switch s.op {
				case "admit":
					if got := d.admit(s.id); got != s.want {
						t.Fatalf("step %d: admit(%d) = %d, want %d", i, s.id, got, s.want)
					}
				case "complete":
					d.complete(s.id)
				case "abandon":
					d.abandon(s.id)
				}
			}
			if len(d.done) > tt.window || len(d.ring) > tt.window {
				t.Errorf("window %d holds %d ids (ring %d)", tt.window, len(d.done), len(d.ring))
			}
		})
	}
}
