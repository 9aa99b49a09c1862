package pgserver

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ownerlessGrace is how old a directory without an owner file must be before
// it counts as abandoned: younger ones may belong to a Start in progress.
const ownerlessGrace = time.Hour

// removeStaleDirs removes the temporary directories of local servers whose
// creating process and postmaster are both gone, such as those left by a test
// binary killed with SIGKILL, from parent ("" meaning os.TempDir()). Best
// effort: failures are only logged.
func removeStaleDirs(parent string, logf func(format string, args ...any)) {
	if parent == "" {
		parent = os.TempDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(parent, tempDirPrefix+"*"))
	for _, dir := range dirs {
		if !abandoned(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			logf("pgserver: cannot remove abandoned %s: %v", dir, err)
			continue
		}
		logf("pgserver: removed abandoned %s", dir)
	}
}

// abandoned reports whether no live process owns dir.
func abandoned(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	if pid, ok := readPid(filepath.Join(dir, dataDirName, "postmaster.pid")); ok && processAlive(pid) {
		return false
	}
	pid, ok := readPid(filepath.Join(dir, ownerFile))
	if !ok {
		return time.Since(fi.ModTime()) > ownerlessGrace
	}
	return !processAlive(pid)
}

// readPid reads the process id on the first line of a pid file.
func readPid(path string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}
