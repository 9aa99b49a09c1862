package pgserver

import "testing"

func TestWithCitusSettings(t *testing.T) {
	for _, tc := range []struct{ preload, want string }{
		{"", "citus"},
		{"pg_stat_statements", "citus,pg_stat_statements"},
		{"citus,pg_stat_statements", "citus,pg_stat_statements"},
	} {
		in := map[string]string{"work_mem": "8MB"}
		if tc.preload != "" {
			in["shared_preload_libraries"] = tc.preload
		}
		got := withCitusSettings(in)
		if got["shared_preload_libraries"] != tc.want {
			t.Errorf("preload %q: shared_preload_libraries = %q, want %q", tc.preload, got["shared_preload_libraries"], tc.want)
		}
		if got["work_mem"] != "8MB" || got["citus.node_conninfo"] != "sslmode=disable" {
			t.Errorf("preload %q: settings %v", tc.preload, got)
		}
		if _, changed := in["citus.node_conninfo"]; changed {
			t.Error("withCitusSettings changed its argument")
		}
	}
}

// StartCitus refuses a Docker kind before looking for anything.
func TestStartCitusIsLocalOnly(t *testing.T) {
	if _, err := StartCitus(t.Context(), Options{Kind: KindDocker}, 0); err == nil {
		t.Error("StartCitus with Kind docker succeeded")
	}
}
