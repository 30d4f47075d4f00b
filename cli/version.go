package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// modulePath is this module's path (go.mod).
const modulePath = "rmapbench"

// versionCommand is `rmapbench version` (and -version): the version of
// the build, its commit and the Go that built it.
func versionCommand(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("version takes no arguments (got %q)", args)}
	}
	fmt.Fprintf(stdout, "rmapbench %s\ncommit: %s\ngo: %s %s/%s\n", version(), commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// version is the module version the build recorded: a tag, a
// pseudo-version, or "(devel)" for a build inside a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}

// commit is the source revision of this build, for the results' header.
// It comes from the build's VCS stamp when this module is the main one
// (go build, go install), else from the version a depending module
// required, else from git in this module's own source directory when the
// build ran from a checkout (go run, go test: no stamp). Never from the
// current directory, which may be any repository. "unknown" otherwise.
func commit() string {
	bi, ok := debug.ReadBuildInfo()
	if ok && bi.Main.Path == modulePath {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	if ok {
		for _, d := range bi.Deps {
			if d.Path == modulePath && d.Replace == nil && d.Version != "" && d.Version != "(devel)" {
				return d.Version
			}
		}
	}
	if root := moduleRoot(); root != "" {
		if rev := gitCommit(root); rev != "" {
			return rev
		}
	}
	return "unknown"
}

// moduleRoot is the directory of this module's go.mod as the compiler saw
// it (this file's directory and up), or "" when the source is not there
// (a -trimpath build, a binary copied to another machine).
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if goModDeclares(filepath.Join(dir, "go.mod"), modulePath) {
			return dir
		}
		if parent := filepath.Dir(dir); parent == dir {
			return ""
		}
	}
}

// goModDeclares reports whether the go.mod at path declares module mod.
func goModDeclares(path, mod string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 2 && fs[0] == "module" {
			return strings.Trim(fs[1], `"`) == mod
		}
	}
	return false
}

// gitCommit is HEAD of the git repository whose top level is root, with
// "-dirty" when tracked files changed; "" if root is not the top of one.
func gitCommit(root string) string {
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil || !sameDir(top, root) {
		return ""
	}
	rev, err := git("rev-parse", "HEAD")
	if err != nil || rev == "" {
		return ""
	}
	if st, err := git("status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
		rev += "-dirty"
	}
	return rev
}

func sameDir(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}
