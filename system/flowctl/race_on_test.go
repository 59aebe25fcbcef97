//go:build race

package flowctl

// raceEnabled scales long loops down: the race detector slows them tenfold.
const raceEnabled = true
