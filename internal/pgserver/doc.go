// Package pgserver starts and stops a throw-away PostgreSQL server.
//
// Start initialises a fresh cluster in a temporary directory with the
// PostgreSQL binaries installed on the machine, or, when the caller passes a
// container engine (package pgdocker: the test harness does, the analyticsdb
// binary does not) and it answers, runs the server in Docker. Either way the server listens on
// 127.0.0.1 only, trusts every connection, and trades durability for speed
// (fsync, synchronous_commit and full_page_writes are off): it is meant for
// tests and for the zero-setup demo, never for data that must survive.
//
// Stop removes everything Start created. If the parent process dies without
// calling Stop, a local server is told to shut down on Linux (parent-death
// signal) and its directory is removed by the next Start on the machine; a
// Docker container is left running and can be found with
// `docker ps --filter label=org.openrasa.analyticsdb.pgserver`.
//
// StartCitus starts a Citus coordinator and workers, each a local server with
// Citus preloaded, and CitusCluster.CreateDatabase readies a database on all
// of them. Citus must be installed (FindInstallation tells); package
// citusbuild builds and installs it for the tests.
//
// The demo and the benchmark start their servers with it; the tests get
// theirs from tests/testdb, which uses it too.
package pgserver
