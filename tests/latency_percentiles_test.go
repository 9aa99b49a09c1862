package tests

import (
	"testing"
)

// TestLatencyPercentilesEqualPercentileCont: the percentiles found by walking
// a group's histogram equal percentile_cont over the same samples, bit for
// bit, for many groups of clustered values (many per bucket), repeated values,
// values under 1 ms and very large ones, and groups of one and two samples.
func TestLatencyPercentilesEqualPercentileCont(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.exec(`
		INSERT INTO analytics."VersionStatisticsState" ("assistantName", "date", "channelName", "version")
		SELECT 'a', date '2024-01-01' + g, 'c', 'v' FROM generate_series(1, 300) AS g`)
	// Group g holds between 1 and ~2,000 samples drawn around a centre that
	// depends on g: tight clusters put hundreds of distinct values in a bucket.
	b.exec(`
		CREATE TEMP TABLE sample AS
		SELECT st."groupId", round((centre * (1 + spread * (random() - 0.5)))::numeric, (g % 4))::double precision AS ms
		FROM analytics."VersionStatisticsState" AS st,
		     LATERAL (SELECT st."date" - date '2024-01-01' AS g) AS x,
		     LATERAL (SELECT (ARRAY[0.3, 250, 1000, 45000, 3.6e6])[1 + g % 5] AS centre,
		                     (ARRAY[0.001, 0.01, 0.5, 2])[1 + g % 4] AS spread) AS y,
		     generate_series(1, CASE WHEN g % 7 = 0 THEN 1 + g % 2 ELSE (g * 37) % 2000 + 1 END) AS i`)
	b.exec(`
		INSERT INTO analytics."LatencySample" ("groupId", "bucket", "ms", "n")
		SELECT "groupId", analytics.latency_bucket(ms), ms, count(*) FROM sample GROUP BY 1, ms`)
	b.exec(`
		INSERT INTO analytics."LatencyBucket" ("groupId", "bucket", "n")
		SELECT "groupId", "bucket", sum("n") FROM analytics."LatencySample" GROUP BY 1, 2`)
	if n := one[int](b, `SELECT max(n)::int FROM (SELECT count(*) AS n FROM analytics."LatencySample" GROUP BY "groupId", "bucket") AS x`); n < 100 {
		t.Fatalf("at most %d distinct values share a bucket: the walk inside a bucket goes untested", n)
	}
	diffs := b.strings(`
		WITH direct AS (
		  SELECT "groupId", count(*) AS n, percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS p
		  FROM sample GROUP BY 1
		)
		SELECT d."groupId" || ': ' || d.p::text || ' <> ' || coalesce(analytics.latency_percentiles(d."groupId", d.n)::text, 'NULL')
		FROM direct AS d
		WHERE analytics.latency_percentiles(d."groupId", d.n) IS DISTINCT FROM d.p`)
	for _, d := range diffs {
		t.Errorf("group %s", d)
	}
}
