package testdb_test

import (
	"testing"

	"github.com/openrasa/analyticsdb/tests/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
