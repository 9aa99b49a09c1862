package write

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/openrasa/analyticsdb/loader/internal/decode"
)

// ConversationEvent is range-partitioned by "timestamp", and its insert
// trigger has a transition table. A COPY into the partitioned table then
// inserts one row at a time (PostgreSQL's copyfrom.c falls back to
// CIM_SINGLE); a COPY into a leaf, which carries the same trigger, keeps the
// batched inserts. So each batch is COPYed straight into the leaves that hold
// its rows, and only rows no leaf holds go through the partitioned table, into
// its default partition. Measured, the row-at-a-time path costs no more than
// 5 % of such a COPY, within the noise (a row's cost is its random index
// insertions), so rows routed through the partitioned table are no real loss (docs/performance.md,
// "Event partitions").

// eventLeaf is a leaf of ConversationEvent and the instants it holds, [from, to).
type eventLeaf struct {
	name     string
	from, to time.Time
}

// copyGroup is one COPY: events for one table, in stream order.
type copyGroup struct {
	table  string // quoted
	events []*decode.Event
}

const partitionedTable = `"ConversationEvent"`

// copyEvents COPYs the events into the leaves that hold them, encoding them
// as the COPY reads them.
func copyEvents(ctx context.Context, tx pgx.Tx, events []*decode.Event) error {
	if len(events) == 0 {
		return nil
	}
	leaves, err := eventLeaves(ctx, tx, events)
	if err != nil {
		return err
	}
	for _, g := range copyGroups(events, leaves) {
		sql := strings.Replace(copyColumnsSQL, "COPY "+partitionedTable, "COPY "+g.table, 1)
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, newRowReader(g.events), sql); err != nil {
			return fmt.Errorf("copy %d events into %s: %w", len(g.events), g.table, err)
		}
	}
	return nil
}

// eventLeaves returns the leaves that hold instants of the events' time
// span and carry the insert trigger, in time order (the rows of a leaf
// without it go through the partitioned table, whose trigger fires). It
// first locks the partitioned table (not its leaves) until the transaction
// ends, so that retention cannot drop one of them before the COPY (a DROP
// takes an ACCESS EXCLUSIVE lock on it). A leaf attached meanwhile is missed:
// its rows go through the partitioned table, which routes them there.
func eventLeaves(ctx context.Context, tx pgx.Tx, events []*decode.Event) ([]eventLeaf, error) {
	first, last := events[0].Timestamp, events[0].Timestamp
	for _, e := range events {
		if e.Timestamp.Before(first) {
			first = e.Timestamp
		}
		if e.Timestamp.After(last) {
			last = e.Timestamp
		}
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE ONLY "ConversationEvent" IN ACCESS SHARE MODE`); err != nil {
		return nil, fmt.Errorf("lock ConversationEvent: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT p."partition", p."from", p."to" FROM analytics.event_partitions() AS p
		WHERE p."to" > $1 AND p."from" <= $2 AND p."insertTrigger"`, first, last)
	if err != nil {
		return nil, fmt.Errorf("read the partitions of ConversationEvent: %w", err)
	}
	var leaves []eventLeaf
	var l eventLeaf
	_, err = pgx.ForEachRow(rows, []any{&l.name, &l.from, &l.to}, func() error { leaves = append(leaves, l); return nil })
	if err != nil {
		return nil, fmt.Errorf("read the partitions of ConversationEvent: %w", err)
	}
	return leaves, nil
}

// copyGroups cuts a batch into COPYs, one per table where it can. The
// insert trigger merges each COPY into Conversation as if it were a batch of
// its own, so every conversation's events must reach it in stream order:
// each event joins the first group for its table that comes no earlier than
// the group of its conversation's previous event. A batch within one leaf is
// one COPY; one that crosses a boundary, two (more only for a conversation
// whose event times go back across it).
func copyGroups(events []*decode.Event, leaves []eventLeaf) []copyGroup {
	tables := make([]string, len(events))
	same := true
	for i, e := range events {
		tables[i] = tableFor(e.Timestamp, leaves)
		same = same && tables[i] == tables[0]
	}
	if same {
		return []copyGroup{{table: tables[0], events: events}}
	}
	var groups []copyGroup
	latest := map[decode.UUID]int{} // group of each conversation's latest event so far
	for i, e := range events {
		g := latest[e.ConversationID]
		for g < len(groups) && groups[g].table != tables[i] {
			g++
		}
		if g == len(groups) {
			groups = append(groups, copyGroup{table: tables[i]})
		}
		groups[g].events = append(groups[g].events, e)
		latest[e.ConversationID] = g
	}
	return groups
}

// tableFor is the quoted name of the leaf that holds t, or of the
// partitioned table when none does.
func tableFor(t time.Time, leaves []eventLeaf) string {
	i := sort.Search(len(leaves), func(i int) bool { return leaves[i].to.After(t) })
	if i < len(leaves) && !t.Before(leaves[i].from) {
		return pgx.Identifier{leaves[i].name}.Sanitize()
	}
	return partitionedTable
}

// isEventKey reports the primary key of ConversationEvent or of one of its
// partitions, which a duplicate event violates; on Citus, of one of their
// shards ("..._pkey_102008").
func isEventKey(constraint string) bool {
	return strings.HasPrefix(constraint, "ConversationEvent") && eventKeySuffix.MatchString(constraint)
}

var eventKeySuffix = regexp.MustCompile(`_pkey(_[0-9]+)?$`)
