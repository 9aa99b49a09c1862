// Package citusbuild makes the Citus extension available to the local
// servers of package pgserver, for the tests: it uses a Citus already
// installed into PostgreSQL, else copies in one it built before from its
// cache, else builds one from a Citus source tarball (build.sh), caches it
// and installs it.
//
// Building and installing write into PostgreSQL's directories and use apt,
// so they need root on Debian or Ubuntu; elsewhere install Citus from its
// own packages.
package citusbuild
