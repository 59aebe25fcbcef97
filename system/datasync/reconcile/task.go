package reconcile

import "hash/fnv"

// TaskID is a seller's reconciliation task id: FNV-1a 64 of the nick. A hash
// rather than a position in a list, so every worker derives the same id from
// the nick alone, whatever order or subset of sellers its configuration
// holds, and adding a seller moves no other seller's task.
func TaskID(seller string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(seller))
	return h.Sum64()
}
