// Package toplab is a performance lab for open-platform traffic: a reference
// implementation of the TOP API gateway, the TMC message push service and the
// JDP zero-loss data sync, with the load generators, scenarios and reports
// that prove them under Double-11 load. See README.md.
package toplab
