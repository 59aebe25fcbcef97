//go:build !race

package flowctl

const raceEnabled = false
