package write

import (
	"slices"
	"testing"
)

// TestTxSetupOrder: on Citus, session_replication_role goes after the
// settings that turn propagation on when the workers allow it (so they skip
// their foreign key checks too), before them when they do not (so the
// coordinator alone does), in a message of its own; on one server it is all
// there is. (TestCitusLeastPrivilegeRoles runs both on a cluster.)
func TestTxSetupOrder(t *testing.T) {
	const citus = `SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL analytics.default_assistant_name = 'a'`
	const skip = `SET LOCAL session_replication_role = replica`
	for _, tc := range []struct {
		citus                 string
		skipFK, workersSkipFK bool
		want                  []string
	}{
		{"", false, true, nil},
		{"", true, true, []string{skip}},
		{citus, false, false, []string{citus}},
		{citus, true, true, []string{citus, skip}},
		{citus, true, false, []string{skip, citus}},
	} {
		if got := txSetup(tc.citus, tc.skipFK, tc.workersSkipFK); !slices.Equal(got, tc.want) {
			t.Errorf("txSetup(%q, %v, %v) = %q, want %q", tc.citus, tc.skipFK, tc.workersSkipFK, got, tc.want)
		}
	}
}
