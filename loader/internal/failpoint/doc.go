// Package failpoint lets the reliability tests kill the loader at exact
// moments of a batch's life (docs/reliability.md). The points are read once,
// from the environment variable ANALYTICSDB_FAILPOINT, when the process
// starts:
//
//	ANALYTICSDB_FAILPOINT=after-copy:3          SIGKILL when the 3rd batch reaches after-copy
//	ANALYTICSDB_FAILPOINT=before-copy:1,assigned:2
//
// Each entry is NAME:N (N >= 1; ":N" may be left out for 1): the process
// sends SIGKILL to itself the N-th time the point is reached. Points:
//
//	before-copy   in the batch's transaction, offsets compare-and-set done, before the COPY
//	after-copy    COPY, rejected rows and sender states written, before COMMIT
//	after-commit  the source learns that a batch committed, before it moves on
//	assigned      partitions assigned, stored offsets read, before fetching starts
//	revoked       partitions revoked or lost in a rebalance
//
// Without the variable a call of Hit is one load of a false bool. It owns
// the points' names; the packages on a batch's path call Hit where they are.
package failpoint
