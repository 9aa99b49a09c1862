//go:build !unix

package citusbuild

import (
	"context"
	"errors"
)

func lock(context.Context, string, func(string, ...any)) (func(), error) {
	return nil, errors.New("citusbuild: building Citus needs a Unix system")
}
