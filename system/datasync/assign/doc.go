// Package assign splits the sync workers' reconciliation tasks among the
// workers that are alive, as the original JDP design does: every worker
// heartbeats into a coordination group, the alive members are sorted by id,
// and the worker ranked y of x owns the tasks with id % x == y-1.
//
// Takeover arithmetic. A member beats every Interval and each beat keeps it
// alive for TTL. Say a member's last beat was at L and it crashed at C >= L.
// Its entry expires at L+TTL; every survivor re-reads the member list on its
// own beats, one of which falls in [L+TTL, L+TTL+Interval). So the dead
// member's tasks are owned again before L+TTL+Interval <= C+TTL+Interval, and
// TTL + Interval <= 3 Interval holds for any TTL <= 2 Interval. TTL must also
// exceed Interval, or a live member would expire between its own beats. The
// default TTL is therefore 2 Interval (one missed beat is tolerated), and
// Config rejects a TTL outside (Interval, 2 Interval].
//
// While the survivors' views differ (one has seen the change, another not
// yet), a task can briefly have two owners or none; the gap lasts less than
// one Interval and ends inside the bound above. Two owners are harmless to
// reconciliation: every write is guarded by the order's modified time.
//
// Joins and graceful leaves are published as coordination notices, so the
// others re-rank at once (within the coordinator's notice delay) instead of
// at their next beat.
package assign
