package tests

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/traffic"
)

func TestZZProfileFunctions(t *testing.T) {
	if os.Getenv("PROFILE_FUNCTIONS") == "" {
		t.Skip()
	}
	b := setup(t)
	ctx := context.Background()
	if _, err := b.db.Pool.Exec(ctx, `ALTER DATABASE `+b.db.Name+` SET track_functions = 'all'`); err != nil {
		t.Fatal(err)
	}
	b.pool.Reset()
	b.loader = b.newLoader(t, b.cfg)
	cfg := traffic.DefaultConfig()
	cfg.Events = 100_000
	cfg.Start = time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	cfg.Days = 7
	cfg.TimeOrdered = true
	var batch loader.Batch
	var pid int
	if err := b.pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	cpu0 := clusterCPU(t, pid)
	n := 0
	var writeTime, refreshTime time.Duration
	start := time.Now()
	_, err := traffic.Generate(ctx, cfg, func(m traffic.Message) error {
		batch.Messages = append(batch.Messages, loader.Message{Value: append([]byte(nil), m.Value...), Key: m.Key, Pos: loader.Position{File: "x", Line: int64(n)}})
		n++
		if len(batch.Messages) == 5000 {
			w := time.Now()
			if _, err := b.loader.Write(ctx, &batch); err != nil {
				return err
			}
			writeTime += time.Since(w)
			batch = loader.Batch{}
			if n%10000 == 0 {
				r := time.Now()
				b.refresh()
				refreshTime += time.Since(r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.refresh()
	t.Logf("%d events in %s (write %s, refresh %s) postgres cpu %s", n, time.Since(start), writeTime, refreshTime, clusterCPU(t, pid)-cpu0)
	for _, l := range b.strings(`SELECT funcname || ' calls=' || calls || ' total=' || round(total_time) || 'ms self=' || round(self_time) || 'ms'
		FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 14`) {
		t.Log(l)
	}
	for _, l := range b.strings(`SELECT relname || ' ins=' || n_tup_ins || ' upd=' || n_tup_upd || ' hot=' || n_tup_hot_upd || ' del=' || n_tup_del
		FROM pg_stat_user_tables WHERE schemaname = 'analytics' AND n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC LIMIT 14`) {
		t.Log(l)
	}
}

func TestZZExplainRefresh(t *testing.T) {
	if os.Getenv("PROFILE_FUNCTIONS") == "" {
		t.Skip()
	}
	b := setup(t)
	ctx := context.Background()
	cfg := traffic.DefaultConfig()
	cfg.Events = 100_000
	cfg.Start = time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	cfg.Days = 7
	cfg.TimeOrdered = true
	var batch loader.Batch
	n := 0
	var notices []string
	conf, err := pgx.ParseConfig(b.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	conn, err := pgx.ConnectConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{`LOAD 'auto_explain'`, `SET auto_explain.log_min_duration = 0`, `SET auto_explain.log_analyze = on`,
		`SET auto_explain.log_nested_statements = on`, `SET auto_explain.log_level = notice`, `SET auto_explain.log_timing = on`} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	_, err = traffic.Generate(ctx, cfg, func(m traffic.Message) error {
		batch.Messages = append(batch.Messages, loader.Message{Value: append([]byte(nil), m.Value...), Key: m.Key, Pos: loader.Position{File: "x", Line: int64(n)}})
		n++
		if len(batch.Messages) == 5000 {
			if _, err := b.loader.Write(ctx, &batch); err != nil {
				return err
			}
			batch = loader.Batch{}
			if n%10000 == 0 {
				if n == 80000 {
					notices = nil
				}
				if _, err := conn.Exec(ctx, `SELECT analytics.refresh_statistics(true)`); err != nil {
					return err
				}
				if n == 80000 {
					for _, s := range notices {
						t.Log(s)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
