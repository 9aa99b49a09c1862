package citusbuild

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/openrasa/analyticsdb/internal/pgserver"
)

// install copies the cached libraries into in's library directory and then
// the extension files into its extension directory, citus.control last: its
// presence is what marks Citus as installed. Each file is written beside its
// target and renamed over it, so a server loading citus.so meanwhile never
// sees half a file.
func install(cache string, in pgserver.Installation) error {
	if err := copyTree(filepath.Join(cache, "lib"), in.PkgLibDir, ""); err != nil {
		return err
	}
	const control = "citus.control"
	if err := copyTree(filepath.Join(cache, "extension"), in.ExtensionDir(), control); err != nil {
		return err
	}
	return copyFile(filepath.Join(cache, "extension", control), filepath.Join(in.ExtensionDir(), control), 0o644)
}

// copyTree copies the files under src into dst, except the top-level file skip.
func copyTree(src, dst, skip string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("citusbuild: install: %w", err)
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if rel == skip {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("citusbuild: install: %w", err)
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, perm fs.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("citusbuild: install: %w", err)
	}
	defer in.Close()
	tmp := dst + ".citusbuild-tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("citusbuild: install %s: %w", dst, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("citusbuild: install %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("citusbuild: install %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("citusbuild: install %s: %w", dst, err)
	}
	return nil
}
