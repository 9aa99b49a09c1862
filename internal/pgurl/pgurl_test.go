package pgurl

import "testing"

func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		parts Parts
		want  string
	}{
		{Parts{}, ""},
		{Parts{URL: "postgres://x@h/db"}, "postgres://x@h/db"},
		{Parts{Host: "db.internal"}, "postgresql://studio_backend@db.internal:5432/studio"},
		{Parts{Host: "h", Port: 6543, Name: "n", User: "u", Password: "p@ss/word", SSLMode: "require"},
			"postgresql://u:p%40ss%2Fword@h:6543/n?sslmode=require"},
	} {
		if got := Build(tc.parts); got != tc.want {
			t.Errorf("Build(%+v) = %q, want %q", tc.parts, got, tc.want)
		}
	}
}

func TestForLibPQ(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@localhost/db":                          "postgres://u@localhost/db?sslmode=disable",
		"postgres://u@127.0.0.1:5432/db?sslmode=prefer":      "postgres://u@127.0.0.1:5432/db?sslmode=disable",
		"postgres://u@db.example.com/db":                     "postgres://u@db.example.com/db?sslmode=require",
		"postgres://u@db.example.com/db?sslmode=verify-full": "postgres://u@db.example.com/db?sslmode=verify-full",
		"postgres://u@h/db?sslmode=disable":                  "postgres://u@h/db?sslmode=disable",
	} {
		if got := ForLibPQ(in); got != want {
			t.Errorf("ForLibPQ(%q) = %q, want %q", in, got, want)
		}
	}
}
