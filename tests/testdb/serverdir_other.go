//go:build !linux

package testdb

// serverDir is where a started server keeps its data: the default temporary
// directory.
func serverDir() string { return "" }
