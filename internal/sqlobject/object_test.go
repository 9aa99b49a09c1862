package sqlobject

import "testing"

func TestDropFollowsTheCreate(t *testing.T) {
	for _, c := range []struct{ sql, want string }{
		{"-- f\nCREATE OR REPLACE FUNCTION analytics.f(p int)\nRETURNS int", "DROP FUNCTION IF EXISTS analytics.f(p int);"},
		{"CREATE OR REPLACE FUNCTION analytics.f()\nRETURNS trigger", "DROP FUNCTION IF EXISTS analytics.f();"},
		{"CREATE OR REPLACE FUNCTION analytics.f(\n  p_type public.\"Odd, (type)\",  -- a comment, (with) 'quotes'\n" +
			"  p_n numeric(10, 2) DEFAULT round(1.5, 0), /* another\n comment */ p_s text = 'a '', b)',\n" +
			"  p_default_flag boolean default false, OUT total bigint)\nRETURNS SETOF record",
			"DROP FUNCTION IF EXISTS analytics.f(p_type public.\"Odd, (type)\", p_n numeric(10, 2), p_s text, p_default_flag boolean, OUT total bigint);"},
		{"create or replace view public.\"DailyOverview\" AS\nSELECT 1;\nCOMMENT ON VIEW public.\"DailyOverview\" IS 'x';",
			"DROP VIEW IF EXISTS public.\"DailyOverview\";"},
		{"CREATE OR REPLACE TRIGGER t_ins\nAFTER INSERT ON public.\"ConversationEvent\"", "DROP TRIGGER IF EXISTS t_ins ON public.\"ConversationEvent\";"},
	} {
		got, err := Object{Path: "x.sql", SQL: c.sql}.Drop()
		if err != nil || got != c.want {
			t.Errorf("Drop of %q = %q, %v; want %q", c.sql, got, err, c.want)
		}
	}
	if _, err := (Object{Path: "functions/x.sql", SQL: "CREATE OR REPLACE FUNCTION f(p int"}).Drop(); err == nil {
		t.Error("an unterminated argument list was accepted")
	}
	if _, err := (Object{Path: "views/x.sql", SQL: "CREATE VIEW v AS SELECT 1"}).Drop(); err == nil {
		t.Error("a CREATE VIEW without OR REPLACE was accepted")
	}
}
