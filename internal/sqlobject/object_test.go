package sqlobject

import "testing"

func TestDropFollowsTheCreate(t *testing.T) {
	for _, c := range []struct{ sql, want string }{
		{"-- f\nCREATE OR REPLACE FUNCTION analytics.f(p int)\nRETURNS int", "DROP FUNCTION IF EXISTS analytics.f;"},
		{"create or replace view public.\"DailyOverview\" AS\nSELECT 1;\nCOMMENT ON VIEW public.\"DailyOverview\" IS 'x';",
			"DROP VIEW IF EXISTS public.\"DailyOverview\";"},
		{"CREATE OR REPLACE TRIGGER t_ins\nAFTER INSERT ON public.\"ConversationEvent\"", "DROP TRIGGER IF EXISTS t_ins ON public.\"ConversationEvent\";"},
	} {
		got, err := Object{Path: "x.sql", SQL: c.sql}.Drop()
		if err != nil || got != c.want {
			t.Errorf("Drop of %q = %q, %v; want %q", c.sql, got, err, c.want)
		}
	}
	if _, err := (Object{Path: "views/x.sql", SQL: "CREATE VIEW v AS SELECT 1"}).Drop(); err == nil {
		t.Error("a CREATE VIEW without OR REPLACE was accepted")
	}
}
