// Package tests holds the end-to-end and property tests: real PostgreSQL (see
// tests/testdb), the real loader, and results checked against hand-computed
// numbers and against the independent reference in tests/reference.
package tests

import (
	"testing"

	"github.com/openrasa/analyticsdb/tests/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
